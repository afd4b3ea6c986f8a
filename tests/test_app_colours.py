"""Every chart of every page, for every role and in several filter states, as Streamlit receives
it (the Vega-Lite specs AppTest sees): each label always has its one colour, every colour scale
is explicit with the full domain of its list, every label drawn is in that list, and no chart
picks colours from a scheme; a code named on a chart's axis or in its tooltip is drawn in the
same colour on every chart that colours it (CPAS is not purple on one chart and yellow on the
next); every number a chart writes (axes, legends, tooltips, text) is grouped by thousands the
Belgian way. (The chart builders' own rules: tests/test_colours.py.)"""

from __future__ import annotations

import json

import pytest
from conftest import app_as

from parcours.dashboard import navigation
from parcours.presentation import palette
from tests import depth
from tests.chart_specs import check_formats, check_marks

# Slow (every page for every role): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow

ROLES = {
    "admin@parcours.be": "admin",
    "analyste@parcours.be": "analyst",
    "interfede@federation.be": "federation",
    "acfi@federation.be": "federation",
    "nam@centre.be": "centre",
}
# Filter states that leave different codes out (a filter must never move a colour); `make test`
# filters on a federation, the other states are for `make test-all`.
STATES = [
    {"flt_fed": "AID"},
    pytest.param({"flt_y0": 2023, "flt_y1": 2023}, marks=pytest.mark.exhaustive),
    pytest.param({"flt_filiere": "eft"}, marks=pytest.mark.exhaustive),
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


def test_every_label_has_one_colour_on_every_page_for_every_role():
    """Every role in the whole suite; in `make test` the administrator, who is offered every
    page (the other roles see the same charts on fewer pages, in other scopes)."""
    seen: dict[str, tuple[str, str]] = {}
    checked = 0
    roles = ROLES if depth.EXHAUSTIVE else {"admin@parcours.be": "admin"}
    for email, role in roles.items():
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
