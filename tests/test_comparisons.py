"""Comparisons only where both sides are covered (Accueil, `home.page`): the same centres must
have sent their hours for at least 10 months out of 12 of both periods; otherwise a French
sentence says why there is no comparison. Worlds and hand counts: tests/figure_worlds.py."""

from __future__ import annotations

from datetime import date

import pytest

from parcours.analytics import home
from parcours.warehouse.reader import Filters, Scope
from tests import figure_worlds as fw
from tests import generated_warehouse as gw

ACFI = Scope(("C1", "C2"), may_see_individuals=False, mask_small_counts=True)
Y2024 = Filters(years=(2024, 2024))
RULE = (
    " Deux périodes ne sont comparées que si les mêmes centres ont envoyé leurs données pour "
    "l'une et l'autre (des heures pour au moins 10 mois sur 12)."
)


def served(world, tmp_path, monkeypatch):
    gw.write(world, tmp_path / "data")
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "data"))


def figures(data) -> dict[str, dict]:
    return {r["figure"]: r for r in data["figures"].iter_rows(named=True)}


def test_covered_periods_are_compared(tmp_path, monkeypatch):
    served(fw.covered(), tmp_path, monkeypatch)
    data = home.page(ACFI, Y2024)
    assert data["comparison"]["comparable"] is True
    assert data["comparison"]["reason"] is None
    assert (data["comparison"]["current"], data["comparison"]["previous"]) == ("2 / 2", "2 / 2")
    f = figures(data)
    assert (f["in_training"]["value"], f["in_training"]["previous"]) == (24, 16)
    assert f["in_training"]["change"] == 8
    assert (f["entries"]["value"], f["entries"]["previous"], f["entries"]["change"]) == (14, 16, -2)
    # 3 exits in 2024: masked, and so is the change that would give them back.
    assert f["exits"]["value"] is None and f["exits"]["previous"] == 6
    assert f["exits"]["change"] is None and f["exits"]["change_masked"] is True


def test_a_centre_without_data_for_the_previous_period_stops_the_comparison(tmp_path, monkeypatch):
    # C2 starts in March 2024: no hours at all in 2023.
    served(fw.covered(c2_first_month=date(2024, 3, 1)), tmp_path, monkeypatch)
    data = home.page(ACFI, Y2024)
    assert data["comparison"]["comparable"] is False
    assert data["comparison"]["reason"] == (
        "Pas de comparaison : 1 centre n'a pas de données pour 2023." + RULE
    )
    f = figures(data)
    assert f["in_training"]["value"] == 24
    assert f["in_training"]["previous"] is None and f["in_training"]["change"] is None
    assert data["figures"]["share_previous"].is_null().all()


def test_a_centre_with_part_of_a_year_stops_the_comparison(tmp_path, monkeypatch):
    # C2 from March 2023 with June missing: 9 months of 12.
    world = fw.covered(c2_skip=(date(2023, 6, 1),))
    served(world, tmp_path, monkeypatch)
    data = home.page(ACFI, Y2024)
    assert data["comparison"]["reason"] == (
        "Pas de comparaison : 1 centre n'a que des données partielles pour 2023 "
        "(moins de 10 mois sur 12)." + RULE
    )


def test_two_missing_months_a_year_still_cover_it(tmp_path, monkeypatch):
    # C2 from March 2023: January and February missing, 10 months: covered.
    served(fw.covered(), tmp_path, monkeypatch)
    assert home.page(Scope(("C2",), False, True), Y2024)["comparison"]["comparable"] is True


def test_a_period_running_past_the_data_is_not_covered(tmp_path, monkeypatch):
    # The world ends in December 2024: 2024–2025 cannot be covered yet.
    served(fw.covered(), tmp_path, monkeypatch)
    data = home.page(ACFI, Filters(years=(2024, 2025)))
    assert data["comparison"]["comparable"] is False
    assert (
        "n'ont que des données partielles pour 2024–2025 (moins de 20 mois sur 24)"
        in (data["comparison"]["reason"])
    )


def test_each_year_with_its_coverage(tmp_path, monkeypatch):
    served(fw.covered(c2_first_month=date(2024, 3, 1)), tmp_path, monkeypatch)
    years = home.page(ACFI, Y2024)["years"]
    rows = {r["year"]: r for r in years.iter_rows(named=True)}
    # 2023: only C1 covers it (C2 has no hours yet); 2024: both.
    assert (rows[2023]["coverage"], rows[2024]["coverage"]) == ("1 / 2", "2 / 2")
    assert (rows[2023]["centres_covering"], rows[2023]["centres_in_scope"]) == (1, 2)
    assert rows[2024]["comparable_with_previous"] is False
    # C2's twelve all enter in 2024 here: 8 + 12.
    assert (rows[2023]["entries"], rows[2024]["entries"]) == (10, 20)
    assert rows[2024]["in_training"] == 24


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ({"C1": 12}, {"C1": 12}, None),
        ({"C1": 12, "C2": 10}, {"C1": 11, "C2": 10}, None),
        ({"C1": 12}, {}, "1 centre n'a pas de données pour 2023"),
        ({"C1": 12, "C2": 12}, {"C1": 12, "C2": 9}, "1 centre n'a que des données partielles"),
        ({"C1": 5}, {"C1": 12}, "1 centre n'a que des données partielles pour 2024"),
    ],
)
def test_the_rule_on_months_sent(current, previous, expected):
    now = home.Coverage("2024", 12, 10, 2, current)
    before = home.Coverage("2023", 12, 10, 2, previous)
    reason = home.no_comparison(now, before)
    if expected is None:
        assert reason is None
    else:
        assert reason.startswith("Pas de comparaison : ") and expected in reason


def test_a_masked_month_keeps_its_row(tmp_path, monkeypatch):
    # ACFI's 3 exits of June 2024 are masked: the month stays, its value null, flagged.
    served(fw.covered(), tmp_path, monkeypatch)
    months = home.page(ACFI, Y2024)["months"]
    assert months["month"].to_list() == [date(2024, m, 1) for m in range(1, 13)]
    june = months.row(5, named=True)
    assert (june["exits"], june["exits_masked"], june["masked"]) == (None, True, True)
    assert months.filter(~months["exits_masked"])["exits"].to_list() == [0] * 11


def test_each_year_counts_what_the_period_of_that_year_counts(tmp_path, monkeypatch):
    # The year-by-year table is one grouped query; the period's figures one filtered query:
    # the same definitions must give the same numbers (a table that disagreed with the metric
    # above it would not be defensible, and the masking relies on it).
    served(fw.covered(c2_first_month=date(2024, 3, 1)), tmp_path, monkeypatch)
    scope = Scope(("C1", "C2"), False, False)
    years = home._data_years(scope, Y2024)
    for year, by_year in zip(years, home._by_year(scope, Y2024, years), strict=True):
        period = home.Period.of_years((year, year))
        assert by_year == home.raw_figures(scope, Y2024, period)[0], year
