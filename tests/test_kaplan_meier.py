"""Time to lift a barrier: the product-limit estimator against a small example done by hand."""

import pytest

from parcours.analytics.barriers import kaplan_meier, km_median

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
