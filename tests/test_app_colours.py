"""Every chart of every page, for every role and in several filter states, as Streamlit receives
it (the Vega-Lite specs AppTest sees): each label always has its one colour, every colour scale
is explicit with the full domain of its list, every label drawn is in that list, and no chart
picks colours from a scheme; a code named on a chart's axis or in its tooltip is drawn in the
same colour on every chart that colours it (CPAS is not purple on one chart and yellow on the
next); every number a chart writes (axes, legends, tooltips, text) is grouped by thousands the
Belgian way. (The chart builders' own rules: tests/test_colours.py.)"""

from __future__ import annotations

import json
import re

import pytest
from conftest import app_as

from parcours.dashboard import navigation
from parcours.presentation import palette

ROLES = {
    "admin@parcours.be": "admin",
    "analyste@parcours.be": "analyst",
    "interfede@federation.be": "federation",
    "acfi@federation.be": "federation",
    "nam@centre.be": "centre",
}
# Filter states that leave different codes out (a filter must never move a colour).
STATES = [
    {"flt_fed": "AID"},
    {"flt_y0": 2023, "flt_y1": 2023},
    {"flt_filiere": "eft"},
]


@pytest.fixture(autouse=True)
def _warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))


def _encodings(node, data=None):
    """(colour encoding, data name) for every nominal colour encoding with a field."""
    if isinstance(node, dict):
        data = (node.get("data") or {}).get("name", data)
        colour = node.get("encoding", {}).get("color")
        if isinstance(colour, dict) and colour.get("field") and colour.get("type") == "nominal":
            yield colour, data
        for key, value in node.items():
            if key not in ("encoding", "data"):
                yield from _encodings(value, data)
    elif isinstance(node, list):
        for value in node:
            yield from _encodings(value, data)


def charts_of(at) -> list[tuple[dict, dict]]:
    """(spec, datasets by name as pandas frames) of every chart on the page."""
    from streamlit import dataframe_util

    found = []
    for element in at.get("vega_lite_chart"):
        datasets = {
            d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
            for d in element.proto.datasets
        }
        found.append((json.loads(element.proto.spec), datasets))
    return found


FULL_DOMAINS = {tuple(palette.colours(name)): name for name in palette.LABELS}


def check_chart(spec: dict, datasets: dict, seen: dict, where: str) -> int:
    checked = 0
    for encoding, data in _encodings(spec):
        scale = encoding.get("scale") or {}
        assert "scheme" not in scale, (where, encoding)
        domain, colours = scale.get("domain"), scale.get("range")
        assert domain and colours and len(domain) == len(colours), (where, encoding)
        mapping = dict(zip(domain, colours, strict=True))
        if all(str(v).isdigit() for v in domain):
            assert mapping == palette.year_colours(domain), where
        else:
            assert tuple(domain) in FULL_DOMAINS, (where, "not the full domain of a list", domain)
        drawn = set(datasets[data][encoding["field"]].dropna()) if data in datasets else set()
        assert drawn <= set(domain), (where, "labels outside their list", drawn - set(domain))
        for label, colour in mapping.items():
            key = str(label)
            assert seen.setdefault(key, (colour, where))[0] == colour, (
                f"{label!r} is {colour} on {where} but {seen[key][0]} on {seen[key][1]}"
            )
        checked += 1
    return checked


# Every label of a coloured list: a code named by a chart (not an organisation or a year).
KNOWN_LABELS = {label for name in palette.LABELS for label in palette.colours(name)}


def _units(node, data=None):
    """(unit spec with a mark and an encoding, its data name), layers included."""
    if isinstance(node, dict):
        data = (node.get("data") or {}).get("name", data)
        if "mark" in node and isinstance(node.get("encoding"), dict):
            yield node, data
        for key, value in node.items():
            if key not in ("encoding", "data"):
                yield from _units(value, data)
    elif isinstance(node, list):
        for value in node:
            yield from _units(value, data)


def _nominal_fields(encoding: dict) -> set[str]:
    fields = set()
    for channel, value in encoding.items():
        if channel == "color":
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("field") and item.get("type") == "nominal":
                fields.add(item["field"])
    return fields


def check_marks(spec: dict, datasets: dict, seen: dict, where: str) -> None:
    """A code a mark names (its axis or tooltip) gets the colour that mark is drawn in; where the
    code decides the colour on a chart, it decides the same colour on every chart of the page.
    (Across pages a word can name two codes: « Logement » is a barrier, coloured by its group on
    Freins levés, and a partner type on Partenariats.)"""
    for unit, data in _units(spec):
        colour = unit["encoding"].get("color")
        if not (isinstance(colour, dict) and colour.get("field") and colour.get("scale")):
            continue
        if data not in datasets or colour["field"] not in datasets[data]:
            continue
        scale = colour["scale"]
        mapping = dict(zip(scale.get("domain", []), scale.get("range", []), strict=True))
        rows = datasets[data]
        for field in _nominal_fields(unit["encoding"]) - {colour["field"]}:
            if field not in rows:
                continue
            drawn: dict[str, set] = {}
            for label, key in zip(rows[field], rows[colour["field"]], strict=True):
                if label in KNOWN_LABELS and key in mapping:
                    drawn.setdefault(label, set()).add(mapping[key])
            for label, colours in drawn.items():
                if len(colours) != 1:
                    continue  # the code does not decide the colour here (a stacked bar's rows)
                (colour_drawn,) = colours
                what = f"{where}, {field} coloured by {colour['field']}"
                first = seen.setdefault(label, (colour_drawn, what))
                assert first[0] == colour_drawn, (
                    f"{label!r} is drawn {colour_drawn} on {what} but {first[0]} on {first[1]}"
                )


# A number a chart writes: grouped by thousands (« , » in a d3 format: the locale's narrow
# no-break space), or a percentage; a time format for dates.
GROUPED = re.compile(r"^[^%]*,|%$")


def check_formats(spec: dict, where: str) -> int:
    """Every quantitative axis, legend, tooltip and text of the chart has a grouped format, and
    the chart carries the Belgian locale."""
    config = spec.get("config") or {}
    number = (config.get("locale") or {}).get("number") or {}
    assert number.get("thousands") == "\u202f" and number.get("decimal") == ",", where
    assert GROUPED.search(config.get("numberFormat", "")), (where, "no default number format")
    checked = 0
    for unit, _ in _units(spec):
        for channel, value in unit["encoding"].items():
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict) or item.get("type") != "quantitative":
                    continue
                if item.get("aggregate") == "count" or item.get("field") is None:
                    continue
                formats = [item.get("format")]
                for guide in ("axis", "legend"):
                    if isinstance(item.get(guide), dict):
                        formats.append(item[guide].get("format"))
                for text in formats:
                    if text is not None and item.get("formatType") != "time":
                        assert GROUPED.search(text), (where, channel, item.get("field"), text)
                checked += 1
    return checked


def test_every_label_has_one_colour_on_every_page_for_every_role():
    seen: dict[str, tuple[str, str]] = {}
    checked = 0
    for email, role in ROLES.items():
        pages = [path for items in navigation.pages_for(role).values() for path, _, _ in items]
        for page in pages:
            at = app_as(email, page)
            assert not at.exception, (email, page)
            marks: dict[str, tuple[str, str]] = {}
            for spec, datasets in charts_of(at):
                checked += check_chart(spec, datasets, seen, f"{page} ({email})")
                check_marks(spec, datasets, marks, f"{page} ({email})")
                check_formats(spec, f"{page} ({email})")
    # Every coloured chart of the analytical pages was walked (there are about thirty).
    assert checked >= 30
    assert seen["Emploi"][0] == palette.colours("situation.group")["Emploi"]


@pytest.mark.parametrize(
    "state", STATES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "default"
)
def test_a_filter_never_moves_a_colour(state):
    seen: dict[str, tuple[str, str]] = {}
    # The colours every page shows by default, for the admin (every centre, every code).
    for page in (
        "pages/accueil.py",
        "pages/freins.py",
        "pages/partenariats.py",
        "pages/resultats.py",
    ):
        default = app_as("admin@parcours.be", page)
        for spec, datasets in charts_of(default):
            check_chart(spec, datasets, seen, f"{page} (sans filtre)")
        at = default
        for key, value in state.items():
            at = at.sidebar.selectbox(key=key).set_value(value).run()
        assert not at.exception
        for spec, datasets in charts_of(at):
            check_chart(spec, datasets, seen, f"{page} ({state})")
