"""Time to lift a barrier: the product-limit estimator against a small example done by hand."""

import pytest

from parcours.analytics.barriers import (
    KM_MIN_AT_RISK,
    at_risk_at,
    cut,
    kaplan_meier,
    km_median,
    reading,
    survival_at,
)

# Seven mobility episodes (days, lifted?) — the dashboard fixture's, see its README.
DURATIONS = [30, 60, 60, 120, 20, 90, 90]
LIFTED = [1, 1, 0, 1, 0, 1, 0]


def test_product_limit_estimate_by_hand():
    curve = kaplan_meier(DURATIONS, LIFTED)
    survival = dict(zip(curve["time"], curve["survival"], strict=True))
    assert survival[0] == 1.0
    assert survival[20] == 1.0  # a censoring does not lower the curve
    assert survival[30] == pytest.approx(5 / 6)
    # The episode censored at 60 is still at risk at 60 (5 at risk, 1 lifted).
    assert survival[60] == pytest.approx(5 / 6 * 4 / 5)
    assert survival[90] == pytest.approx(2 / 3 * 2 / 3)
    assert survival[120] == 0.0
    at_risk = dict(zip(curve["time"], curve["at_risk"], strict=True))
    assert (at_risk[30], at_risk[60], at_risk[90], at_risk[120]) == (6, 5, 3, 1)


def test_median_counts_the_open_episodes_unlike_the_naive_median():
    curve = kaplan_meier(DURATIONS, LIFTED)
    assert km_median(curve) == 90
    lifted_only = sorted(d for d, e in zip(DURATIONS, LIFTED, strict=True) if e)
    assert (lifted_only[1] + lifted_only[2]) / 2 == 75  # what a naive median would report


def test_no_median_when_more_than_half_are_still_open():
    curve = kaplan_meier([10, 20, 30], [1, 0, 0])
    assert km_median(curve) is None
    assert curve["survival"][-1] == pytest.approx(2 / 3)


def test_empty_input_gives_a_flat_curve():
    curve = kaplan_meier([], [])
    assert curve["survival"].to_list() == [1.0]


# Twenty episodes: one lifted every 10 days from day 10 to day 100, ten still open at day 200.
# With no censoring before day 100, S(10k) = 1 − k/20 exactly; at day 100, S = 0.5 and 11
# episodes are still followed.
TWENTY = [10 * k for k in range(1, 11)] + [200] * 10
TWENTY_LIFTED = [1] * 10 + [0] * 10


def test_the_curve_is_cut_where_fewer_than_ten_are_followed():
    curve = kaplan_meier(DURATIONS, LIFTED)
    assert cut(curve).is_empty()  # seven episodes: never ten followed
    assert km_median(curve, min_at_risk=KM_MIN_AT_RISK) is None
    assert km_median(curve, min_at_risk=3) == 90  # three still followed at day 90
    twenty = cut(kaplan_meier(TWENTY, TWENTY_LIFTED))
    assert twenty["at_risk"].min() >= 10
    assert twenty["time"].max() == 200  # ten are followed up to day 200


def test_numbers_at_risk_at_regular_times_by_hand():
    assert at_risk_at(TWENTY, [0, 90, 180, 270]) == [20, 12, 10, 0]
    curve = kaplan_meier(TWENTY, TWENTY_LIFTED)
    assert survival_at(curve, [0, 15, 95, 100]) == pytest.approx([1.0, 0.95, 0.55, 0.5])


def test_reading_when_half_are_lifted():
    curve = kaplan_meier(TWENTY, TWENTY_LIFTED)
    assert reading(curve) == "La moitié des freins sont levés en 100 jours."


def test_reading_when_the_median_is_not_reached_where_the_curve_is_read():
    # Read while at least 12 are followed: up to day 90 (12 at risk), where 9 of 20 are lifted.
    curve = kaplan_meier(TWENTY, TWENTY_LIFTED)
    assert reading(curve, min_at_risk=12) == (
        "Moins de la moitié des freins sont levés au bout de 90 jours (45\u202f%) ; au-delà, "
        "moins de 12 épisodes sont encore suivis."
    )
    assert reading(kaplan_meier(DURATIONS, LIFTED)).startswith("Trop peu d'épisodes")
