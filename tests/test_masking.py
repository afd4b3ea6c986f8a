"""The small-count rule: counts under 5 are masked and cannot be recovered from totals."""

import polars as pl

from parcours.analytics import masking


def test_counts_from_1_to_4_are_masked_zero_and_5_are_not():
    assert [masking.count(n, mask=True) for n in (0, 1, 4, 5, 120)] == [0, None, None, 5, 120]
    assert masking.count(3, mask=False) == 3


def test_a_share_is_masked_when_its_numerator_or_complement_is_small():
    assert masking.share(5, 10, mask=True) == 0.5
    assert masking.share(3, 20, mask=True) is None  # 3 people
    assert masking.share(18, 20, mask=True) is None  # 2 people did not
    assert masking.share(0, 4, mask=True) is None  # denominator under 5
    assert masking.share(0, 20, mask=True) == 0.0
    assert masking.share(3, 20, mask=False) == 0.15


def test_a_change_is_masked_when_either_period_is():
    assert masking.change(10, 3, mask=True) is None  # 10 − change would give 3 back
    assert masking.change(10, 7, mask=True) == 3
    assert masking.change(10, 3, mask=False) == 7


def test_secondary_suppression_masks_a_second_cell_when_one_is_alone():
    frame = pl.DataFrame({"group": ["a", "a", "a", "b", "b"], "n": [3, 12, 7, 8, 9]})
    out = masking.suppress(frame, ["n"], within=["group"])
    # In « a » the 3 is masked, and the smallest other (7): the total 22 no longer gives 3 back.
    assert out["n"].to_list() == [None, 12, None, 8, 9]


def test_two_small_cells_protect_each_other():
    frame = pl.DataFrame({"n": [2, 3, 40]})
    assert masking.suppress(frame, ["n"], within=())["n"].to_list() == [None, None, 40]


def test_without_a_total_only_primary_suppression():
    frame = pl.DataFrame({"n": [2, 30, 40]})
    assert masking.suppress(frame, ["n"], within=None)["n"].to_list() == [None, 30, 40]


def test_a_masked_cell_whose_siblings_are_zero_leaves_nothing_to_recover():
    # The group total equals the masked cell, so it is under 5 and masked by rule 1 where shown.
    frame = pl.DataFrame({"group": ["a", "a"], "n": [0, 2]})
    assert masking.suppress(frame, ["n"], within=["group"])["n"].to_list() == [0, None]


def test_no_masking_for_a_centre_own_data():
    frame = pl.DataFrame({"n": [1, 2, 40]})
    assert masking.suppress(frame, ["n"], mask=False)["n"].to_list() == [1, 2, 40]


def test_display_shows_masked_counts_as_less_than_five():
    frame = pl.DataFrame({"who": ["x", "y"], "n": [None, 12]}, schema_overrides={"n": pl.Int64})
    assert masking.display(frame, ["n"])["n"].to_list() == ["< 5", "12"]
