"""Page-level suppression (`masking.Page`): what a page shows together is masked together, so that
no masked count can be worked out from the page's totals, shares, complements or differences.
Each case is small enough to check by hand."""

import math

import polars as pl
import pytest

from parcours.analytics import masking


def page_of(**frames):
    page = masking.Page()
    for name, (frame, counts) in frames.items():
        page.add(name, frame, counts)
    return page


def test_one_masked_month_takes_a_second_one_with_it():
    # The period's 25 entries are shown: 25 − 10 − 12 would give the 3 back.
    page = page_of(
        months=(pl.DataFrame({"month": [1, 2, 3, 4], "n": [3, 10, 12, 0]}), ["n"]),
        period=(pl.DataFrame({"n": [25]}), ["n"]),
    )
    page.total(page.ref("period", "n"), page.refs("months", "n"))
    out = page.run()
    assert out["months"]["n"].to_list() == [None, None, 12, 0]  # the smallest other (10) too
    assert out["months"]["masked"].to_list() == [True, True, False, False]
    assert out["period"]["n"].to_list() == [25]


def test_the_headline_figure_is_masked_last():
    page = masking.Page()
    page.add("months", pl.DataFrame({"n": [3, 30, 40]}), ["n"])
    page.add("period", pl.DataFrame({"n": [73]}), ["n"], cost=masking.HEADLINE)
    page.total(page.ref("period", "n"), page.refs("months", "n"))
    assert page.run()["period"]["n"].to_list() == [73]


def test_two_masked_cells_whose_bounds_give_them_away_take_a_third():
    # 9 − 7 = 2 = two masked counts of at least 1 each: both are 1.
    page = page_of(
        parts=(pl.DataFrame({"n": [1, 1, 7]}), ["n"]), total=(pl.DataFrame({"n": [9]}), ["n"])
    )
    page.total(page.ref("total", "n"), page.refs("parts", "n"))
    out = page.run()
    assert out["parts"]["n"].null_count() + out["total"]["n"].null_count() >= 3


def test_totals_chained_across_frames_are_solved_together():
    # Year = its two months; period = its two years. Masking 2 and 3 in one year with the total
    # of the period shown still lets a reader solve the system: each masked cell must not be
    # fixed by the totals taken together.
    page = page_of(
        months=(pl.DataFrame({"y": [1, 1, 2, 2], "n": [2, 20, 3, 30]}), ["n"]),
        years=(pl.DataFrame({"y": [1, 2], "n": [22, 33]}), ["n"]),
        period=(pl.DataFrame({"n": [55]}), ["n"]),
    )
    page.total(page.ref("period", "n"), page.refs("years", "n"))
    for y in (1, 2):
        page.total(
            page.ref("years", "n", pl.col("y") == y), page.refs("months", "n", pl.col("y") == y)
        )
    out = page.run()
    months = out["months"]["n"].to_list()
    years = out["years"]["n"].to_list()
    assert months[0] is None and months[2] is None
    # Each year's masked month needs a companion: its other month or the year itself.
    assert (months[1] is None or years[0] is None) and (months[3] is None or years[1] is None)


def test_a_small_complement_masks_the_numerator_or_its_base():
    # 12 exits, 10 positive: the 2 others are a small count a reader can compute.
    page = page_of(row=(pl.DataFrame({"exits": [12], "positive": [10]}), ["exits", "positive"]))
    page.complement(page.ref("row", "exits"), page.ref("row", "positive"))
    out = page.run()["row"]
    assert out["positive"][0] is None and out["exits"][0] == 12


def test_differences_of_a_falling_series_are_protected():
    # At risk 40, 37, 30: 3 episodes left between the first two times.
    page = page_of(risk=(pl.DataFrame({"t": [0, 90, 180], "n": [40, 37, 30]}), ["n"]))
    page.steps(page.refs("risk", "n"), decreasing=True)
    out = page.run()["risk"]["n"].to_list()
    assert out.count(None) >= 1 and not (out[0] is not None and out[1] is not None)


def test_a_cell_left_out_by_definition_is_null_and_not_masked():
    page = page_of(row=(pl.DataFrame({"n": [12], "m": [7]}), ["n", "m"]))
    page.conceal([page.ref("row", "m")])
    out = page.run()["row"]
    assert out["m"][0] is None and out["m_masked"][0] is False and out["n"][0] == 12


def test_no_masking_for_a_centre_own_data():
    page = masking.Page(mask=False)
    page.add("a", pl.DataFrame({"n": [1, 2]}), ["n"])
    page.total(None, page.refs("a", "n"))
    assert page.run()["a"]["n"].to_list() == [1, 2]


def test_zero_is_shown_and_a_share_over_nothing_is_not_masked():
    frame = pl.DataFrame({"k": [0, 3, None], "n": [0, 10, 10]}, schema_overrides={"k": pl.Int64})
    out = masking.shares(frame, "k", "n", "s")
    assert out["s"].to_list() == [None, 0.3, None]
    assert out["s_masked"].to_list() == [False, False, True]


def test_wilson_interval_by_hand():
    # p = 0.5, n = 10, z = 1.96: centre 0.5, half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n).
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 10 + z * z / 400) / (1 + z * z / 10)
    low, high = masking.wilson(5, 10)
    assert (low, high) == pytest.approx((0.5 - half, 0.5 + half))
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # the published table's
    assert masking.wilson(0, 10)[0] == 0.0
    assert masking.wilson(10, 10)[1] == pytest.approx(1.0)
    assert masking.wilson(1, 0) is None
