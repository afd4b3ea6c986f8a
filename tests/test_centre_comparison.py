"""« Se situer »: a centre's figure beside its federation's and the sector's, a federation's
spread of centres (`parcours.analytics.comparison`, issue 10 item 4).

The masking rule is checked against an oracle that knows nothing of it: linear algebra over the
people behind the figures (which counts of other centres' trainees a reader can work out from
what is shown and from what they know). The figures are checked against the fixture's numbers
computed by hand (tests/fixtures/dashboard/README.md)."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.analytics import comparison
from parcours.analytics.masking import is_small
from parcours.warehouse.reader import Filters, Scope
from tests.conftest import dashboard_user
from tests.page_helpers import page_as

# --- the rule, against an oracle ----------------------------------------------------------------
# Three disjoint groups of people: the centre (0), the rest of its federation (1), the rest of
# the sector (2); each with hits and misses. Levels: centre = {0}, federation = {0, 1},
# sector = {0, 1, 2}. Unknowns: x = (h0, m0, h1, m1, h2, m2).

LEVEL_GROUPS = [(0,), (0, 1), (0, 1, 2)]


def _functional(groups, quantity: str) -> np.ndarray:
    row = np.zeros(6)
    for g in groups:
        if quantity in ("hits", "base"):
            row[2 * g] = 1
        if quantity in ("misses", "base"):
            row[2 * g + 1] = 1
    return row


def _recoverable(row: np.ndarray, known_rows: list[np.ndarray]) -> bool:
    if not known_rows:
        return False
    matrix = np.array(known_rows)
    return np.linalg.matrix_rank(np.vstack([matrix, row])) == np.linalg.matrix_rank(matrix)


def leaks(x: list[int], shown_levels: list[int], centre_known: bool) -> list[str]:
    """Every count of people outside what the reader may know that the shown levels give away,
    and that is from 1 to 4."""
    equations = []
    for level in shown_levels:
        for quantity in ("hits", "misses", "base"):
            equations.append(_functional(LEVEL_GROUPS[level], quantity))
    if centre_known:
        equations += [_functional((0,), "hits"), _functional((0,), "misses")]
    others = [1, 2] if centre_known else [0, 1, 2]
    found = []
    for size in range(1, len(others) + 1):
        for groups in itertools.combinations(others, size):
            for quantity in ("hits", "misses", "base"):
                row = _functional(groups, quantity)
                value = int(row @ np.array(x))
                if is_small(value) and _recoverable(row, equations):
                    found.append(f"{quantity} of groups {groups} = {value}")
    return found


@settings(max_examples=400, deadline=None)
@given(
    x=st.lists(st.integers(0, 12), min_size=6, max_size=6),
    centre_known=st.booleans(),
)
def test_no_other_centres_count_from_1_to_4_can_be_worked_out(x, centre_known):
    counts = []
    for groups in LEVEL_GROUPS:
        hits = sum(x[2 * g] for g in groups)
        misses = sum(x[2 * g + 1] for g in groups)
        counts.append((hits + misses, hits))
    masked = comparison.mask_levels(counts, [centre_known, False, False])
    shown = [i for i in range(3) if not masked[i]]
    assert not leaks(x, shown, centre_known), (counts, masked)


def test_a_federation_is_masked_when_it_would_give_the_other_centres_away():
    # The centre: 20 of 40. The federation: 23 of 45 — the other centres: 3 of 5.
    masked = comparison.mask_levels([(40, 20), (45, 23), (500, 250)], [True, False, False])
    assert masked == [False, True, False]
    # Everyone large and apart: nothing is masked.
    assert comparison.mask_levels([(40, 20), (90, 45), (500, 250)], [True, False, False]) == [
        False,
        False,
        False,
    ]


def test_a_median_without_numerator_is_masked_on_its_base_only():
    assert comparison.mask_levels([(7, None), (9, None)], [True, False]) == [False, True]
    assert comparison.mask_levels([(7, None), (12, None)], [True, False]) == [False, False]


# --- the figures, against the fixture's hand-computed numbers ----------------------------------

YEAR_2024 = Filters(years=(2024, 2024))
EVERY = Scope(None, may_see_individuals=True, mask_small_counts=False)  # an admin


def _scope(email: str) -> Scope:
    from parcours.store import opstore
    from parcours.store.datadir import DataDir

    user = dashboard_user(email)
    conn = opstore.connect(DataDir.from_env().ops_db)
    try:
        return Scope.for_user(user, user.scope_centre_ids(conn))
    finally:
        conn.close()


def _row(result, subject: str, level: str) -> dict:
    rows = result.levels.filter(
        (pl.col("subject") == subject) & (pl.col("level") == level)
    ).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_an_admin_compares_a_centre_with_its_federation_and_the_sector(dashboard_warehouse):
    # Mobility episodes identified in 2024: NAM 5 (3 lifted), LIE none, HAI 2 (1 lifted).
    flt = Filters(years=(2024, 2024), centre_id="CISP-NAM")
    result = comparison.compare_figure(EVERY, flt, "barrier_lift")
    assert result.view == "levels"
    centre, federation, sector = (
        _row(result, "mobility", level) for level in ("centre", "federation", "sector")
    )
    assert (centre["hits"], centre["base"]) == (3, 5)
    assert (federation["hits"], federation["base"]) == (3, 5)  # ACFI = NAM + LIE
    assert (sector["hits"], sector["base"]) == (4, 7)
    assert sector["value"] == round(4 / 7, 3)  # as the page shows it: 57,1 %
    assert federation["level_label"] == "Fédération ACFI"


def test_a_centre_sees_its_own_figure_and_masked_neighbours(dashboard_warehouse):
    result = comparison.compare_figure(_scope("nam@centre.be"), YEAR_2024, "barrier_lift")
    centre = _row(result, "mobility", "centre")
    assert (centre["hits"], centre["base"], centre["masked"]) == (3, 5, False)
    assert centre["level_label"] == "Votre centre"
    for level in ("federation", "sector"):
        row = _row(result, "mobility", level)
        # ACFI's 2 not lifted and the sector's 4 lifted are under 5.
        assert row["masked"] and row["base"] is None and row["value"] is None, row
    # Exits of 2024: NAM 3 (2 positive), ACFI 4 (2), sector 6 (4): all outside NAM small.
    exits = comparison.compare_figure(_scope("nam@centre.be"), YEAR_2024, "exits")
    assert _row(exits, "positive_exit", "centre")["hits"] == 2
    assert _row(exits, "positive_exit", "federation")["masked"]


def test_a_spread_names_no_centre_and_leaves_out_the_small_ones(dashboard_warehouse):
    admin = comparison.compare_figure(EVERY, YEAR_2024, "barrier_lift")
    assert admin.view == "spread"
    values = admin.spread.filter(pl.col("subject") == "mobility")["value"].to_list()
    assert sorted(values) == pytest.approx([0.5, 0.6])  # HAI 1 of 2, NAM 3 of 5
    assert set(admin.spread.columns) == {"subject", "value"}
    analyst = comparison.compare_figure(_scope("analyste@parcours.be"), YEAR_2024, "barrier_lift")
    hidden = analyst.hidden.filter(pl.col("subject") == "mobility").to_dicts()[0]
    # NAM's 2 not lifted and HAI's 2 episodes are under 5: neither is a point.
    assert (hidden["centres_shown"], hidden["centres_hidden"]) == (0, 2)
    assert analyst.spread.filter(pl.col("subject") == "mobility").is_empty()


def test_a_federation_compares_its_own_centres_only(dashboard_warehouse):
    aid = _scope("aid@federation.be")
    result = comparison.compare_figure(aid, YEAR_2024, "barrier_lift")
    assert result.view == "levels"  # AID has one centre: HAI beside AID and the sector
    assert _row(result, "mobility", "centre")["level_label"] == "Hainaut Avenir"
    # Another federation's centre, asked for in the filters (a crafted URL): nothing.
    other = comparison.compare_figure(
        aid, Filters(years=(2024, 2024), centre_id="CISP-NAM"), "exits"
    )
    assert other.view == "none" and other.levels.is_empty()
    # A centre user cannot compare another centre either.
    nam = comparison.compare_figure(
        _scope("nam@centre.be"), Filters(years=(2024, 2024), centre_id="CISP-HAI"), "exits"
    )
    assert nam.view == "none"


def test_the_freins_page_ends_with_the_comparison(dashboard_warehouse):
    at = page_as("nam@centre.be", "pages/freins.py")
    assert not at.exception
    assert any(h.value.startswith("Se situer") for h in at.subheader)
    labels = [m.label for m in at.metric]
    assert "Votre centre" in labels and "Fédération ACFI" in labels
    shown = {m.label: m.value for m in at.metric if m.label == "Fédération ACFI"}
    assert shown["Fédération ACFI"] == "masqué"
    captions = " ".join(c.value for c in at.caption)
    assert "l'écart avec le niveau voisin" in captions or "moins de 5" in captions
