"""Rules every chart a reader sees keeps, checked on its Vega-Lite spec and data (used by
tests/test_app_colours.py on every page and by tests/test_chart_rules.py on built charts)."""

from __future__ import annotations

import re

from parcours.presentation import palette

# The full domains of the group lists (`<list>.group`).
GROUP_DOMAINS = {
    tuple(palette.colours(name)): True for name in palette.LABELS if name.endswith(".group")
}
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
    """A code a mark is drawn for gets one colour on every chart of the page: the colour of its
    own code where the chart is coloured by it, its group's where the chart is coloured by the
    groups (a code named on such a chart's axis or tooltip).
    (Across pages a word can name two codes: « Logement » is a barrier, coloured by its group on
    Freins levés, and a partner type on Partenariats.)"""
    for unit, data in _units(spec):
        colour = unit["encoding"].get("color")
        if not (isinstance(colour, dict) and colour.get("field") and colour.get("scale")):
            continue
        if data not in datasets or colour["field"] not in datasets[data]:
            continue
        scale = colour["scale"]
        if colour.get("type") != "nominal" or not isinstance(scale.get("range"), list):
            continue
        mapping = dict(zip(scale.get("domain", []), scale.get("range", []), strict=True))
        rows = datasets[data]
        # A chart coloured by the groups of a list (partner types by their domain) draws each
        # code it names in its group's colour; coloured by anything else (types stacked by
        # purpose), what it names does not decide the colour.
        by_group = GROUP_DOMAINS.get(tuple(scale.get("domain", [])), False)
        fields = {colour["field"], *(_nominal_fields(unit["encoding"]) if by_group else ())}
        for field in fields:
            if field not in rows:
                continue
            drawn: dict[str, set] = {}
            for label, key in zip(rows[field], rows[colour["field"]], strict=True):
                if key in mapping:
                    drawn.setdefault(label, set()).add(mapping[key])
            if any(len(colours) != 1 for colours in drawn.values()):
                continue  # this field does not decide the colour here (a stacked bar's rows)
            for label, (colour_drawn,) in drawn.items():
                if label not in KNOWN_LABELS:
                    continue
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
