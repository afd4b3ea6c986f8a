"""Issue 15, item 1: no masked count of Trajectoires or « Se situer » can be worked out from what
the page sends a federation (`payload_attacker`: every fact a reader knows, solved over whole
numbers).

Two ways in:
- random sectors (hypothesis): the sections' data functions over drawn paths, months and
  centres (the warehouse reads replaced by the drawn rows), their frames written as the page
  writes them (« < 5 », « masqué », shares to 0,1 %);
- the demo warehouse, read as a federation reads it: the pages run by AppTest, their tables,
  captions, metrics and the data sets of their Vega-Lite charts."""

from __future__ import annotations

import os

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.analytics import comparison, event_order, level_journeys, masking, trajectories
from parcours.analytics import transition_flows as tf
from parcours.warehouse.reader import Filters, Scope
from tests.security import payload_attacker as pa

SETTINGS = settings(
    max_examples=int(os.environ.get("PARCOURS_ATTACK_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
FEDERATION = Scope(("C1", "C2", "C3"), may_see_individuals=False, mask_small_counts=True)
YEAR = 2024
FILTERS = Filters(years=(YEAR, YEAR))


def pct(value) -> str | None:
    """A share as the page writes it (`32,9 %`)."""
    return None if value is None else f"{value * 100:.1f} %".replace(".", ",")


def shown(frame: pl.DataFrame, column: str) -> list[str]:
    """A masked count column as drawn: the number, « < 5 » or « masqué »."""
    return frame[f"{column}_shown"].to_list()


# --- the chronogram ---------------------------------------------------------------------------

STATES = list(trajectories.STATES)


@st.composite
def months(draw):
    """Rows (month, state, trainees) of a small cohort: a state is listed only when someone
    is in it that month (as the warehouse query returns them)."""
    rows = []
    for month in range(draw(st.integers(1, 6))):
        for state in STATES[: draw(st.integers(1, len(STATES)))]:
            n = draw(st.integers(0, 12))
            if n:
                rows.append((month, state, n))
    if not any(m == 0 for m, _, _ in rows):
        rows.append((0, STATES[0], draw(st.integers(5, 20))))
    return pl.DataFrame(rows, schema=["month", "state", "trainees"], orient="row")


@SETTINGS
@given(drawn=months())
def test_the_chronogram_gives_no_masked_count_away(drawn, monkeypatch):
    monkeypatch.setattr(trajectories, "query", lambda sql, params: drawn)
    frame = trajectories.chronogram(FEDERATION, FILTERS, YEAR)
    if frame.is_empty():
        return
    truth = {
        (m, trajectories.STATES[s]): n for m, s, n in drawn.iter_rows()
    }  # fmt: skip
    table = frame.select(
        pl.col("month").alias(pa.MONTH),
        pl.col("state").alias(pa.STATE),
        pl.col("trainees_shown").alias(pa.TRAINEES),
        pl.col("observable_shown").alias(pa.OBSERVED),
        pl.col("share").map_elements(pct, return_dtype=pl.String).alias("Part"),
    ).to_pandas()
    chart = frame.select("month", "state", "share", "trainees", "observable").to_dicts()
    cohort = frame.filter(pl.col("month") == 0)["observable"].max()
    reader = pa.chronogram(table, chart, cohort, truth)
    assert reader.leaks() == []


def test_two_small_states_beside_a_shown_one_are_not_pinned(monkeypatch):
    """The case of the issue: month 7, 7 observed, 5 « Au centre », two « < 5 » ⇒ 1 + 1."""
    drawn = pl.DataFrame(
        [(0, "in_centre", 7), (7, "in_centre", 5), (7, "employment", 1), (7, "training", 1)],
        schema=["month", "state", "trainees"],
        orient="row",
    )
    monkeypatch.setattr(trajectories, "query", lambda sql, params: drawn)
    frame = trajectories.chronogram(FEDERATION, FILTERS, YEAR)
    month7 = frame.filter(pl.col("month") == 7)
    # « Au centre » or the month's total is masked too: 1 + 1 is no longer the only answer.
    assert month7["trainees_masked"].sum() + month7["observable_masked"].sum() >= 3
    table = frame.select(
        pl.col("month").alias(pa.MONTH),
        pl.col("state").alias(pa.STATE),
        pl.col("trainees_shown").alias(pa.TRAINEES),
        pl.col("observable_shown").alias(pa.OBSERVED),
        pl.col("share").map_elements(pct, return_dtype=pl.String).alias("Part"),
    ).to_pandas()
    assert pa.chronogram(table, None, 7).leaks() == []


# --- the flow chart ---------------------------------------------------------------------------

ENTRY_CODES = list(tf.status_labels())[:4]
AFTER = tf.STATE_ORDER


@st.composite
def paths(draw):
    """Rows of `agg_transitions` for one cohort: entry → exit → 6 → 12 months, small counts."""
    rows = {}
    for _ in range(draw(st.integers(1, 12))):
        key = (
            draw(st.sampled_from(ENTRY_CODES)),
            draw(st.sampled_from(AFTER[:4])),
            draw(st.sampled_from(AFTER[:5])),
            draw(st.sampled_from(AFTER)),
        )
        rows[key] = rows.get(key, 0) + draw(st.integers(1, 6))
    frame = pl.DataFrame(
        [(*k, n) for k, n in rows.items()],
        schema=[tf.ENTRY, tf.EXIT, tf.AT_6, tf.AT_12, "trainees"],
        orient="row",
    )
    return frame, int(frame["trainees"].sum()) + draw(st.integers(0, 6))


def flow_table(links: pl.DataFrame):
    return links.select(
        pl.col("source_stage_label").alias(pa.FROM),
        pl.col("source_label").alias(pa.FROM_SITUATION),
        pl.col("target_stage_label").alias(pa.TO),
        pl.col("target_label").alias(pa.TO_SITUATION),
        pl.col("trainees_shown").alias(pa.TRAINEES),
    ).to_pandas()


@SETTINGS
@given(drawn=paths())
def test_the_flow_chart_gives_no_masked_link_away(drawn, monkeypatch):
    frame, cohort = drawn
    monkeypatch.setattr(tf, "query", lambda sql, params: frame)
    monkeypatch.setattr(event_order, "cohort_size", lambda *args: cohort)
    out = tf.flows(FEDERATION, FILTERS, YEAR)
    if not out:  # fewer than 5 leavers: nothing drawn
        assert frame["trainees"].sum() < masking.THRESHOLD
        return
    truth = {}
    for row in tf.result(_unmasked_flows(frame, cohort, monkeypatch))["links"].to_dicts():
        key = (row["source_stage_label"], row["source_label"], row["target_stage_label"],
               row["target_label"])  # fmt: skip
        truth[key] = row["trainees"]
    shown_cohort = cohort if cohort >= masking.THRESHOLD else None  # else « < 5 », not shown
    leavers = out["total"]["trainees_shown"][0]
    reader = pa.flows(flow_table(out["links"]), leavers, shown_cohort, truth)
    assert reader.leaks() == []
    assert "after_exit" not in out  # the path-by-path table: a centre's own view only


def _unmasked_flows(frame, cohort, monkeypatch):
    page = masking.Page(False)
    cell = event_order.add_cohort(page, FEDERATION, FILTERS, YEAR)
    tf.add_to(page, Scope(FEDERATION.centre_ids, False, False), FILTERS, YEAR, cell)
    return page.run()


def test_a_link_the_equations_fix_is_protected(monkeypatch):
    """« Sans revenu → Emploi » = 1 was the only answer: one entry situation, two exits."""
    frame = pl.DataFrame(
        [
            ("no_income", "employment", "employment", "employment", 1),
            ("no_income", "training", "training", "training", 9),
            ("jobseeker", "employment", "employment", "employment", 8),
        ],
        schema=[tf.ENTRY, tf.EXIT, tf.AT_6, tf.AT_12, "trainees"],
        orient="row",
    )
    monkeypatch.setattr(tf, "query", lambda sql, params: frame)
    monkeypatch.setattr(event_order, "cohort_size", lambda *args: 30)
    out = tf.flows(FEDERATION, FILTERS, YEAR)
    reader = pa.flows(flow_table(out["links"]), out["total"]["trainees_shown"][0], 30)
    assert reader.leaks() == []
    assert out["links"]["trainees_masked"].sum() >= 2


# --- the levels of a barrier, month by month --------------------------------------------------


@st.composite
def journeys(draw):
    rows = []
    for month in sorted(draw(st.sets(st.integers(0, 12), min_size=1, max_size=4))):
        for level in level_journeys.LEVELS:
            n = draw(st.integers(0, 9))
            if n:
                rows.append((month, level, n))
    if not rows:
        rows.append((0, 3, 6))
    frame = pl.DataFrame(rows, schema=["month", "level", "trainees"], orient="row")
    biggest = int(frame.group_by("month").agg(pl.col("trainees").sum())["trainees"].max())
    return frame, biggest + draw(st.integers(0, 6))


def journey_table(frame: pl.DataFrame):
    return frame.select(
        pl.col("month").alias(pa.MONTH),
        pl.col("level_label").alias(pa.LEVEL),
        pl.col("trainees_shown").alias(pa.TRAINEES),
        pl.col("assessed_shown").alias(pa.ASSESSED),
        pl.when(pl.col("share_masked"))
        .then(None)
        .otherwise(pl.col("share"))
        .map_elements(pct, return_dtype=pl.String)
        .alias("Part"),
    ).to_pandas()


@SETTINGS
@given(drawn=journeys())
def test_the_level_journeys_give_no_masked_count_away(drawn, monkeypatch):
    frame, cohort = drawn
    monkeypatch.setattr(level_journeys, "query", lambda sql, params: frame)
    monkeypatch.setattr(event_order, "cohort_size", lambda *args: cohort)
    out = level_journeys.journey(FEDERATION, FILTERS, YEAR, "mobility")
    if out.is_empty():  # no month with 5 assessed: the barrier is not offered
        return
    labels = level_journeys.level_labels()
    truth = {(m, labels[lv]): n for m, lv, n in frame.iter_rows()}
    for m in out["month"].unique().to_list():
        for lv in level_journeys.LEVELS:
            truth.setdefault((m, labels[lv]), 0)
    shown_cohort = cohort if cohort >= masking.THRESHOLD else None
    assert pa.journey(journey_table(out), shown_cohort, truth).leaks() == []


# --- « Se situer »: the spread of a federation's centres ------------------------------------

CENTRES = pl.DataFrame(
    {
        "centre_id": ["C1", "C2", "C3", "C4", "C5"],
        "centre_name": ["Un", "Deux", "Trois", "Quatre", "Cinq"],
        "federation": ["F", "F", "F", "G", "G"],
        "province": ["Namur"] * 5,
    }
)


@st.composite
def units(draw):
    """Per centre, a base and a numerator (some centres without any unit)."""
    rows = []
    for centre in CENTRES["centre_id"]:
        base = draw(st.integers(0, 30))
        if base:
            rows.append((centre, "s", base, draw(st.integers(0, base))))
    if not rows:
        rows.append(("C1", "s", 12, 7))
    return pl.DataFrame(rows, schema=["centre_id", "subject", "base", "hits"], orient="row")


def spread_payload(result: comparison.Comparison, share_kind: bool):
    """What the page shows of a spread: the points (as the chart's data sends them), the
    number of centres not shown, and each level's counts (its caption), masked ones left out."""
    points = result.spread["value"].to_list()
    hidden = result.hidden["centres_hidden"][0] if result.hidden.height else 0
    levels = [
        (row["base"], row["hits"])
        for row in result.levels.to_dicts()
        if not row["masked"] and row["base"] is not None
    ]
    return points, hidden, levels


@SETTINGS
@given(drawn=units(), median=st.booleans())
def test_a_spread_never_lets_the_hidden_centres_be_worked_out(drawn, median, monkeypatch):
    monkeypatch.setattr(comparison, "_centres", lambda: CENTRES)
    if median:  # a figure without a numerator (a median month): bases only
        figure = comparison.Figure(
            "m", "", "stagiaires", comparison.Statistic("median_month"),
            lambda scope, filters: drawn.select(
                "centre_id", "subject", pl.lit(3).alias("month"), pl.col("base").alias("weight")
            ),
        )  # fmt: skip
    else:
        figure = comparison.Figure(
            "t", "", "épisodes", comparison.Statistic("share"), lambda scope, filters: drawn
        )
    result = comparison.compare(FEDERATION, FILTERS, figure)
    assert result.view == "spread"
    points, hidden, levels = spread_payload(result, not median)
    selection = result.levels.filter(pl.col("level") == comparison.FEDERATION).to_dicts()[0]
    level = None if selection["masked"] else (selection["base"], selection["hits"])
    reader = pa.spread(points, hidden, level, share_kind=not median)
    assert reader.leaks() == []
    assert pa.nested_differences(levels) == []


def test_a_spread_whose_level_minus_its_point_pins_the_hidden_centre_loses_the_point(
    monkeypatch,
):
    """One centre of 5 of 15 (shown: 33,3 %), one of 1 of 2 (hidden), the federation's 6 of 17:
    whatever the rounding, 15 is the only base of at least 10 up to 16 with a third of it at
    least 5, so the hidden centre is 1 of 2 — the point must go."""
    drawn = pl.DataFrame(
        [("C1", "s", 15, 5), ("C2", "s", 2, 1)],
        schema=["centre_id", "subject", "base", "hits"],
        orient="row",
    )
    # The attacker sees it, exact or rounded.
    assert pa.spread([1 / 3], 1, (17, 6), share_kind=True).leaks()
    assert pa.spread([0.333], 1, (17, 6), share_kind=True).leaks()
    monkeypatch.setattr(comparison, "_centres", lambda: CENTRES)
    figure = comparison.Figure(
        "t", "", "épisodes", comparison.Statistic("share"), lambda scope, filters: drawn
    )
    result = comparison.compare(FEDERATION, FILTERS, figure)
    level = result.levels.filter(pl.col("level") == comparison.FEDERATION).to_dicts()[0]
    assert (level["base"], level["hits"], level["value"]) == (17, 6, 0.353)  # rounded
    points, hidden, _ = spread_payload(result, True)
    assert (points, hidden) == ([], 2)
    assert pa.spread(points, hidden, (17, 6), share_kind=True).leaks() == []


def test_the_attacker_finds_what_the_old_pages_gave_away():
    """The attacks of the issue, on the tables as they were sent: the attacker must find them
    (else its silence above proves nothing)."""
    import pandas as pd

    month7 = pd.DataFrame(
        {
            pa.MONTH: [7, 7, 7],
            pa.STATE: ["Au centre", "Emploi", "Formation"],
            pa.TRAINEES: ["5", "< 5", "< 5"],
            pa.OBSERVED: ["7", "7", "7"],
            "Part": ["0,714", None, None],
        }
    )
    assert len(pa.chronogram(month7, None, None).leaks()) == 2  # 1 + 1
    links = pd.DataFrame(
        [
            ("À l'entrée", "Sans revenu", "À la sortie", "Emploi", "< 5"),
            ("À l'entrée", "Sans revenu", "À la sortie", "Formation", "9"),
            ("À l'entrée", "Chômage", "À la sortie", "Emploi", "8"),
            ("À la sortie", "Emploi", "6 mois après", "Emploi", "9"),
            ("À la sortie", "Formation", "6 mois après", "Formation", "9"),
        ],
        columns=[pa.FROM, pa.FROM_SITUATION, pa.TO, pa.TO_SITUATION, pa.TRAINEES],
    )
    assert pa.flows(links, "18", None).leaks() == [
        "flux: À l'entrée → Sans revenu → À la sortie → Emploi = 1 (from the facts)"
    ]
    # A spread's unrounded point: 5 of 15 is the only fit, the hidden centre 1 of 2.
    assert pa.spread([1 / 3], 1, (17, 6), share_kind=True).leaks()
    # Two nested levels 3 apart give the other centres' count.
    assert pa.nested_differences([(20, 10), (23, 12)])
