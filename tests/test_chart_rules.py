"""What every chart builder guarantees a reader, checked on specs built from small frames:
numbers in the Belgian format wherever Vega writes them, masked markers that never run into
each other, and a Sankey legend that shows its nodes. (Colours: tests/test_colours.py; every
page's charts: tests/test_app_colours.py.)"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from parcours.figures import partenariats as partner_figures
from parcours.presentation import alluvial, charts, page_charts, palette
from tests.chart_specs import check_formats, check_marks

THIN = "\u202f"


def _marks(node):
    if isinstance(node, dict):
        if "mark" in node:
            yield node
        for value in node.values():
            yield from _marks(value)
    elif isinstance(node, list):
        for value in node:
            yield from _marks(value)


def _mark_type(unit) -> str:
    mark = unit["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def test_every_builder_sets_the_belgian_number_format():
    frame = pl.DataFrame({"cat": ["CPAS", "Forem"], "n": [7288, 1445]})
    built = [
        charts.bar(frame, "cat", "n", category_title="c", value_title="v"),
        charts.columns(frame, "cat", "n", x_title="c", y_title="v"),
        charts.lines(frame, "cat", "n", x_title="c", y_title="v", x_type="N"),
        page_charts.monthly_hours(
            pl.DataFrame({"month": [date(2024, 1, 1), date(2024, 2, 1)], "hours": [1445.0, 80.0]})
        ),
    ]
    for chart in built:
        config = chart.to_dict()["config"]
        assert config["locale"]["number"]["thousands"] == THIN
        assert config["locale"]["number"]["decimal"] == ","
        # A tooltip or text without a format of its own is grouped too (« 7 288 »).
        assert config["numberFormat"].startswith(",")
    assert charts.WHOLE.startswith(",")


def _masked_line(masked_months: set[int], months: int = 30, share: bool = True):
    frame = pl.DataFrame(
        {
            "m": list(range(months)),
            "v": [None if m in masked_months else 0.4 for m in range(months)],
            "masked": [m in masked_months for m in range(months)],
            "k": ["2023"] * months,
        }
    )
    return charts.lines(
        frame, "m", "v", x_title="Mois", y_title="Part", color="k", color_title="Année",
        palette="year", y_format=charts.PCT if share else charts.INT,
    ).to_dict()  # fmt: skip


def test_masked_words_on_a_dense_axis_become_strokes():
    # Seven masked months in a row on a 30-month axis: « masqué » (6 characters, ~40 px) does
    # not fit in the ~19 px between two months.
    spec = _masked_line(set(range(9, 16)))
    assert "tick" in {_mark_type(u) for u in _marks(spec)}
    assert "text" not in {_mark_type(u) for u in _marks(spec)}


def test_masked_words_far_apart_are_written():
    spec = _masked_line({5, 15, 25})
    assert "text" in {_mark_type(u) for u in _marks(spec)}


def test_words_fit_measures_the_closest_two():
    assert charts.words_fit(range(30), [5, 15, 25], "masqué")
    assert not charts.words_fit(range(30), [5, 6], "masqué")
    assert charts.words_fit(range(30), [5], "masqué")  # one word never meets another
    # 36 months on ~560 px: 16 px a month, too little for « masqué » (~40 px); 12: 51 px, enough.
    months = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(36)]
    assert not charts.words_fit(months, months[3:5], "masqué")
    assert charts.words_fit(months[:12], months[3:5], "masqué")
    assert charts.words_fit(["a", "b", "c"], ["a", "c"], "< 5")


def test_dense_masked_columns_are_written_upwards():
    months = [date(2020 + i // 12, i % 12 + 1, 1) for i in range(60)]
    frame = pl.DataFrame({"month": months, "n": [None if i % 2 else 20 for i in range(60)]})
    spec = charts.columns(frame, "month", "n", x_title="Mois", y_title="n", x_type="T").to_dict()
    texts = [u for u in _marks(spec) if _mark_type(u) == "text"]
    assert texts and all(u["mark"].get("angle") == 270 for u in texts)
    spec = charts.columns(
        frame.with_columns(n=pl.when(pl.col("month") == months[10]).then(None).otherwise(20)),
        "month", "n", x_title="Mois", y_title="n", x_type="T",
    ).to_dict()  # fmt: skip
    texts = [u for u in _marks(spec) if _mark_type(u) == "text"]
    assert texts and all(u["mark"].get("angle", 0) == 0 for u in texts)


def test_the_sankey_legend_shows_its_nodes():
    def link(ss, s, sl, ts, t, tl, n):
        return {
            "source_stage": ss, "source": s, "source_label": sl, "target_stage": ts,
            "target": t, "target_label": tl, "trainees": n, "trainees_masked": False,
            "trainees_shown": str(n), "source_stage_label": ss, "target_stage_label": ts,
        }  # fmt: skip

    links = pl.DataFrame(
        [
            link("exit", "employment", "Emploi", "m6", "employment", "Emploi", 30),
            link("exit", "employment", "Emploi", "m6", "unknown", "Inconnue", 6),
            link("exit", "training", "Formation", "m6", "training", "Formation", 20),
        ]
    )
    nodes = pl.DataFrame(
        {
            "stage": ["exit", "exit", "m6", "m6", "m6"],
            "code": ["employment", "training", "employment", "unknown", "training"],
            "trainees": [36, 20, 30, 6, 20],
            "trainees_shown": ["36", "20", "30", "6", "20"],
        }
    )
    order = ["employment", "training", "unknown"]
    spec = alluvial.alluvial(
        links, nodes, {"exit": "Sortie", "m6": "6 mois"}, {"exit": order, "m6": order},
        palette="state",
    ).to_dict()  # fmt: skip
    legends = [
        u["encoding"]["color"]["legend"]
        for u in _marks(spec)
        if isinstance(u.get("encoding", {}).get("color"), dict)
        and u["encoding"]["color"].get("legend")
    ]
    assert legends
    for legend in legends:
        # Every node's category, « Inconnue » too (only reached, never left: no band of its
        # colour), as full-colour squares like the nodes.
        assert set(legend["values"]) == {"Emploi", "Formation", "Inconnue"}
        assert legend["symbolType"] == "square" and legend["symbolOpacity"] == 1


def test_the_sankey_writes_its_counts_grouped_by_thousands():
    links = pl.DataFrame(
        {
            "source_stage": ["exit"], "source": ["employment"], "source_label": ["Emploi"],
            "target_stage": ["m6"], "target": ["employment"], "target_label": ["Emploi"],
            "trainees": [7288], "trainees_masked": [False], "trainees_shown": ["7288"],
            "source_stage_label": ["Sortie"], "target_stage_label": ["6 mois"],
        }
    )  # fmt: skip
    nodes = pl.DataFrame(
        {
            "stage": ["exit", "m6"],
            "code": ["employment", "employment"],
            "trainees": [7288, 7288],
            "trainees_shown": ["7288", "7288"],
        }
    )
    spec = alluvial.alluvial(
        links, nodes, {"exit": "Sortie", "m6": "6 mois"},
        {"exit": ["employment"], "m6": ["employment"]}, palette="state",
    ).to_dict()  # fmt: skip
    rows = [row for data in spec["datasets"].values() for row in data]
    texts = {row["text"] for row in rows if row.get("text")}
    assert texts == {f"Emploi (7{THIN}288)"}
    assert {row["shown"] for row in rows if "band" in row} == {f"7{THIN}288"}


# --- one colour per code across the charts of a page -----------------------------------------


def _datasets(spec: dict) -> dict:
    import pandas as pd

    return {name: pd.DataFrame(rows) for name, rows in spec.get("datasets", {}).items()}


TYPES = pl.DataFrame(
    {
        "type_label": ["CPAS", "Forem", "Employeur"],
        "group_label": ["Social", "Emploi", "Emploi"],
        "trainees": [1304, 756, 80],
    }
)
ORGANISATIONS = pl.DataFrame(
    {
        "partner_name": ["CPAS de Namur", "Forem Namur"],
        "type_label": ["CPAS", "Forem"],
        "trainees": [120, 90],
    }
)


def _organisations_chart():
    return charts.bar(
        ORGANISATIONS, "partner_name", "trainees", category_title="Organisme",
        value_title="Stagiaires", color="type_label", color_title="Type",
        palette="partner_type",
    ).to_dict()  # fmt: skip


def test_the_check_catches_a_code_drawn_in_two_colours_on_one_page():
    # The page before: the types coloured by their domain, the organisations by their type.
    by_domain = charts.bar(
        TYPES, "type_label", "trainees", category_title="Type", value_title="Stagiaires",
        color="group_label", color_title="Domaine", palette="partner_type.group",
    ).to_dict()  # fmt: skip
    seen: dict = {}
    check_marks(by_domain, _datasets(by_domain), seen, "types")
    organisations = _organisations_chart()
    with pytest.raises(AssertionError, match="'CPAS' is drawn"):
        check_marks(organisations, _datasets(organisations), seen, "organisations")


def test_the_partner_type_figure_draws_each_type_in_its_own_colour():
    types = partner_figures.TYPES.draw(TYPES, False).to_dict()
    seen: dict = {}
    check_marks(types, _datasets(types), seen, "types")
    organisations = _organisations_chart()
    check_marks(organisations, _datasets(organisations), seen, "organisations")
    assert seen["CPAS"][0] == palette.colours("partner_type")["CPAS"]
    assert check_formats(types, "types") > 0


def test_a_table_groups_the_counts_the_masking_wrote_as_text():
    from parcours.presentation import tables

    table = pl.DataFrame({"Type": ["CPAS", "AViQ"], "Stagiaires": ["7288", "< 5"]})
    view = tables.shown(table)
    assert [view.formats["Stagiaires"](v) for v in table["Stagiaires"]] == [f"7{THIN}288", "< 5"]
    # A column of digits with no masked value is not assumed to be a count (a postal code).
    codes = tables.shown(pl.DataFrame({"Code postal": ["5000", "4000"]}))
    assert "Code postal" not in codes.formats
