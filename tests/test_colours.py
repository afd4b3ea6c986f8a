"""One colour per code, defined once (parcours/contract/colours.yml), colour-blind safe, and the
same whatever a chart shows: the colour file against the code lists, the palettes the chart
builders get, and the builders' scales on partial data."""

from __future__ import annotations

import itertools
import math
import re

import polars as pl
import pytest

from parcours import contract
from parcours.presentation import charts, palette

CODE_LISTS = ("partner_type", "purpose", "barrier")
GROUP_LISTS = ("situation", "partner_type", "barrier", "milestone")


def spec(chart) -> dict:
    return chart.to_dict()


def colour_encodings(node) -> list[dict]:
    """Every colour encoding with a field, in a chart's spec (layers included)."""
    found = []
    if isinstance(node, dict):
        colour = node.get("encoding", {}).get("color")
        if isinstance(colour, dict) and colour.get("field"):
            found.append(colour)
        for value in node.values():
            found += colour_encodings(value)
    elif isinstance(node, list):
        for value in node:
            found += colour_encodings(value)
    return found


# --- the colour file -------------------------------------------------------------------------


def test_every_colour_is_a_hex_rgb():
    for name, codes in contract.colours().items():
        for code, colour in codes.items():
            assert re.fullmatch(r"#[0-9A-F]{6}", colour), (name, code, colour)


@pytest.mark.parametrize("name", CODE_LISTS)
def test_every_code_of_a_coloured_list_has_its_colour(name):
    codes = {c.code for c in contract.load().code_lists[name].codes}
    coloured = set(contract.colours()[name])
    assert codes <= coloured
    # Only « not stated », which the pages add to the purposes, is not a code of codes.csv.
    assert coloured - codes <= {"unknown"}


@pytest.mark.parametrize("name", GROUP_LISTS)
def test_every_group_of_a_list_has_its_colour(name):
    groups = {c.group for c in contract.load().code_lists[name].codes if c.group}
    coloured = set(contract.colours()[f"{name}.group"])
    assert groups <= coloured
    # The barrier groups add « other » (a group the pages do not know) and the all-barrier curve.
    assert coloured - groups <= {"other", "all"}


def test_every_list_has_its_labels_and_colours():
    for name in palette.LABELS:
        assert list(palette.colours(name)) == [
            palette.labels(name)[code] for code in contract.colours()[name]
        ]


def test_colours_are_distinct_within_a_list():
    for name, codes in contract.colours().items():
        assert len(set(codes.values())) == len(codes), name


def test_a_label_has_one_colour_in_every_list():
    seen: dict[str, tuple[str, str]] = {}
    for name in palette.LABELS:
        for label, colour in palette.colours(name).items():
            if label in seen:
                assert seen[label][1] == colour, (label, seen[label][0], name)
            seen[label] = (name, colour)
    # The shared meanings: employment and training in one family, « other » grey.
    assert seen["Emploi"][1] == "#0072B2" and seen["Formation"][1] == "#3A9DD1"
    assert seen["Autre"][1] == "#777777"


def test_none_and_unknown_are_grey_employment_and_training_one_family():
    outcome = palette.colours("situation.group")
    for label in ("Sans emploi ni formation", "Inconnue"):
        red, green, blue = (int(outcome[label][i : i + 2], 16) for i in (1, 3, 5))
        assert red == green == blue, label
    assert outcome["Inconnue"] != outcome["Sans emploi ni formation"]
    hue = {label: _hue(colour) for label, colour in outcome.items()}
    assert 190 <= hue["Emploi"] <= 215 and 190 <= hue["Formation"] <= 215


def test_barrier_groups_are_distinct_hue_families():
    groups = contract.load().code_lists["barrier"].groups
    colours = contract.colours()["barrier"]
    # Hue in degrees: psychosocial purples to magenta, material oranges to yellows, skills greens.
    families = {"psychosocial": (240, 340), "material": (0, 60), "skills": (90, 185)}
    for code, group in groups.items():
        low, high = families[group]
        assert low <= _hue(colours[code]) <= high, (code, group, colours[code])


# Machado, Oliveira & Fernandes (2009) colour-vision deficiency matrices, full severity, in
# linear RGB; distances in CIELAB (ΔE*76).
CVD = {
    "normal": None,
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
MIN_DELTA_E = 10


def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def _seen(hex_colour: str, matrix) -> tuple[float, float, float]:
    rgb = _linear(hex_colour)
    if matrix is not None:
        rgb = [
            max(0.0, min(1.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
        ]
    return _lab(rgb)


def _hue(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    high, low = max(r, g, b), min(r, g, b)
    if high == low:
        return 0.0
    d = high - low
    h = (g - b) / d % 6 if high == r else ((b - r) / d + 2 if high == g else (r - g) / d + 4)
    return 60 * h


@pytest.mark.parametrize("vision", list(CVD))
def test_colours_of_a_list_stay_apart_for_colour_blind_readers(vision):
    for name, codes in contract.colours().items():
        for (a, ca), (b, cb) in itertools.combinations(codes.items(), 2):
            distance = math.dist(_seen(ca, CVD[vision]), _seen(cb, CVD[vision]))
            assert distance >= MIN_DELTA_E, (name, a, b, vision, round(distance, 1))


# --- the builders' scales --------------------------------------------------------------------

OUTCOMES = pl.DataFrame(
    {
        "status": ["Sans revenu", "Sans revenu", "Autre", "Autre"],
        "destination": ["Emploi", "Formation", "Sans emploi ni formation", "Inconnue"],
        "exits": [7, 5, 6, 2],
    }
)


def test_a_filter_never_reassigns_colours():
    """The same label gets the same colour whatever the other rows: the scale is the whole
    list's, the legend lists what is drawn."""
    full = palette.colours("situation.group")
    for rows in ([0, 1, 2, 3], [1, 2], [2], [3, 0]):
        chart = charts.bar(
            OUTCOMES[rows],
            "status",
            "exits",
            category_title="Situation à l'entrée",
            value_title="Sorties",
            color="destination",
            color_title="Destination",
            palette="situation.group",
        )
        (encoding,) = {str(e): e for e in colour_encodings(spec(chart))}.values()
        assert encoding["scale"] == {"domain": list(full), "range": list(full.values())}
        assert encoding["legend"]["values"] == [
            label for label in full if label in set(OUTCOMES[rows]["destination"])
        ]


def test_no_legend_when_the_colour_repeats_the_category():
    chart = charts.bar(
        OUTCOMES, "destination", "exits", category_title="Destination", value_title="Sorties",
        color="destination", color_title="Destination", palette="situation.group",
    )  # fmt: skip
    (encoding,) = {str(e): e for e in colour_encodings(spec(chart))}.values()
    assert encoding["legend"] is None
    assert encoding["scale"]["domain"] == list(palette.colours("situation.group"))


def test_a_legend_wraps_instead_of_running_off_the_chart():
    labels = list(palette.colours("purpose"))
    assert charts.legend_columns(labels) * (7 * max(map(len, labels)) + 40) <= charts.LEGEND_WIDTH


def test_the_list_is_found_from_the_labels_when_not_named():
    chart = charts.columns(
        OUTCOMES.with_columns(pl.lit(2024).alias("year")),
        "year",
        "exits",
        x_title="Année",
        y_title="Sorties",
        color="destination",
        color_title="Destination",
    )
    (encoding,) = {str(e): e for e in colour_encodings(spec(chart))}.values()
    assert encoding["scale"]["domain"] == list(palette.colours("situation.group"))


def test_a_year_keeps_its_colour_whatever_years_are_shown():
    def colours_of(years):
        frame = pl.DataFrame({"m": [0] * len(years), "share": [0.5] * len(years), "cohort": years})
        chart = charts.lines(
            frame, "m", "share", x_title="Mois", y_title="Part", color="cohort",
            color_title="Année", palette="year", y_format=charts.PCT,
        )  # fmt: skip
        (encoding,) = {str(e): e for e in colour_encodings(spec(chart))}.values()
        return dict(zip(encoding["scale"]["domain"], encoding["scale"]["range"], strict=True))

    wide, narrow = colours_of([2020, 2021, 2022, 2023, 2024]), colours_of([2023, 2024])
    assert narrow == {year: wide[year] for year in (2023, 2024)}


def test_every_builder_uses_an_explicit_scale():
    frame = pl.DataFrame(
        {
            "cat": ["CPAS", "Forem", "Logement"],
            "type": ["CPAS", "Forem", "Logement"],
            "n": [5, 8, 6],
            "share": [0.5, 0.2, 0.4],
            "group": ["Avec ce partenariat", "Sans ce partenariat", "Avec ce partenariat"],
        }
    )
    built = [
        charts.bar(frame, "cat", "n", category_title="c", value_title="v", color="type"),
        charts.columns(frame, "cat", "n", x_title="c", y_title="v", color="type"),
        charts.lines(frame, "cat", "n", x_title="c", y_title="v", x_type="N", color="type"),
        charts.grouped_bar(
            frame, "cat", "share", "group", category_title="c", value_title="v", group_title=""
        ),
    ]
    for chart in built:
        encodings = colour_encodings(spec(chart))
        assert encodings
        for encoding in encodings:
            assert "scheme" not in encoding["scale"]
            assert len(encoding["scale"]["domain"]) == len(encoding["scale"]["range"])


# --- masked values ---------------------------------------------------------------------------


def test_a_masked_bar_keeps_its_place_with_its_marker():
    frame = pl.DataFrame({"type": ["CPAS", "Forem", "AViQ"], "n": [12, None, 7]})
    chart = spec(charts.bar(frame, "type", "n", category_title="Type", value_title="Stagiaires"))
    bars, markers = chart["layer"]
    assert bars["encoding"]["y"]["scale"]["domain"] == ["CPAS", "AViQ", "Forem"]
    assert markers["mark"]["type"] == "text"
    data = chart["datasets"][chart["data"]["name"]] if "data" in chart else None
    rows = data or next(iter(chart["datasets"].values()))
    forem = next(r for r in rows if r["type"] == "Forem")
    assert forem[charts.MARKER] == "< 5"


def test_a_masked_point_breaks_the_line():
    frame = pl.DataFrame({"m": [1, 2, 3, 4], "n": [8, None, 6, 7], "what": ["Entrées"] * 4})
    chart = spec(
        charts.lines(
            frame,
            "m",
            "n",
            x_title="Mois",
            y_title="Stagiaires",
            color="what",
            color_title="",
            palette="series",
        )  # fmt: skip
    )
    line = chart["layer"][0]
    assert line["mark"]["invalid"] == "break-paths-show-domains"
    rows = next(iter(chart["datasets"].values()))
    assert len(rows) == 4, "the masked month stays in the data: the line breaks there"
    assert chart["layer"][1]["mark"]["type"] == "text"


def test_a_masked_share_is_marked_masque():
    frame = pl.DataFrame({"cat": ["CPAS"], "share": [None], "masked": [True]})
    chart = spec(
        charts.bar(
            frame,
            "cat",
            "share",
            category_title="c",
            value_title="Part",
            value_format=charts.PCT,
        )  # fmt: skip
    )
    rows = next(iter(chart["datasets"].values()))
    assert rows[0][charts.MARKER] == "masqué"


# --- labels ----------------------------------------------------------------------------------


def test_long_labels_are_wrapped_never_cut():
    name = "Centre de validation des compétences de La Louvière"
    frame = pl.DataFrame({"org": [name, "CPAS"], "n": [12, 7]})
    y = spec(charts.bar(frame, "org", "n", category_title="Organisme", value_title="n"))[
        "encoding"
    ]["y"]
    axis = y["axis"]
    assert axis["labelLimit"] >= 400 and axis["labelOverlap"] is False
    assert '["Centre de validation des", "compétences de La Louvière"]' in axis["labelExpr"]
    assert all(len(line) <= charts.WRAP for line in charts.wrap(name))
