"""The small-count rule (INTERFACES §4): outside a centre's own data, a count under 5 is shown as
« < 5 » and cannot be recovered from the totals shown on the same view.

The rule, applied by every query function when `Scope.mask_small_counts` is set:

1. **Primary suppression.** A count of persons or records from 1 to 4 is masked. Zero is shown:
   it discloses no one.
2. **Secondary suppression.** When a view shows a total over a set of cells (the rows of a
   table sharing a total, the bars of a stacked chart, the groups of a breakdown), a set with
   exactly one masked cell would let anyone recover it by subtraction; the smallest other
   non-zero cell of that set is masked as well. A total that is itself under 5 is masked.
   If a masked cell's siblings are all zero, the total equals that cell, so it is under 5 and
   masked by rule 1.
3. **Derived figures.** A share is masked when its numerator or its complement
   (denominator − numerator) is from 1 to 4, or its denominator is under 5; a mean, median or
   curve is masked when it is computed over fewer than 5 persons. A change against the previous
   period is masked when either period's count is masked.

In a masked frame a masked count is null (an unmasked count is never null: no records is 0), so
charts simply leave it out and tables and CSV downloads show `LABEL` through `display`.
Counts of organisations (centres, filières) are not counts of persons and are not masked; sums of
hours are not counts and are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

THRESHOLD = 5
LABEL = "< 5"


def is_small(n: float | int | None) -> bool:
    """A count that rule 1 masks."""
    return n is not None and 0 < n < THRESHOLD


def count(n: int | None, mask: bool) -> int | None:
    """A single count: None when masked."""
    if n is None or (mask and is_small(n)):
        return None
    return int(n)


def share(numerator: int | None, denominator: int | None, mask: bool) -> float | None:
    """numerator / denominator, None when undefined or masked by rule 3."""
    if numerator is None or not denominator:
        return None
    if mask and (
        is_small(numerator) or is_small(denominator - numerator) or denominator < THRESHOLD
    ):
        return None
    return numerator / denominator


def change(current: int | None, previous: int | None, mask: bool) -> int | None:
    """current − previous, None when either is missing or masked."""
    if current is None or previous is None:
        return None
    if mask and (is_small(current) or is_small(previous)):
        return None
    return current - previous


def suppress(
    frame: pl.DataFrame,
    counts: Sequence[str],
    *,
    within: Sequence[str] | None = (),
    mask: bool = True,
) -> pl.DataFrame:
    """Apply rules 1 and 2 to the count columns of a frame.

    `within`: the columns whose values identify the sets of cells that share a total on the view
    (`()` = the whole frame is one set, the usual case for a breakdown with a total; `None` = no
    total is shown, primary suppression only).
    """
    if not mask or frame.is_empty():
        return frame
    out = frame.with_row_index("__row")
    for col in counts:
        small = pl.col(col).is_between(1, THRESHOLD - 1)
        if within is None:
            out = out.with_columns(pl.when(small).then(None).otherwise(pl.col(col)).alias(col))
            continue
        part = list(within) or None
        masked_n = small.cast(pl.Int32).sum()
        # Rank the unmasked non-zero cells of each set by size; the smallest goes when the set
        # has exactly one masked cell.
        candidate = pl.when(~small & (pl.col(col) > 0)).then(pl.col(col)).otherwise(None)
        rank = candidate.rank(method="ordinal")
        if part:
            masked_n = masked_n.over(part)
            rank = rank.over(part)
        secondary = (masked_n == 1) & (rank == 1)
        out = out.with_columns(
            pl.when(small | secondary).then(None).otherwise(pl.col(col)).alias(col)
        )
    return out.sort("__row").drop("__row")


def mask_where(frame: pl.DataFrame, columns: Sequence[str], condition: pl.Expr) -> pl.DataFrame:
    """Null the given columns (means, medians, shares) on the rows where `condition` holds,
    typically `pl.col("n") < THRESHOLD` (rule 3)."""
    return frame.with_columns(
        pl.when(condition).then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )


def display(frame: pl.DataFrame, counts: Sequence[str]) -> pl.DataFrame:
    """The frame with masked counts shown as `LABEL` (text), for tables and CSV downloads."""
    return frame.with_columns(
        pl.when(pl.col(c).is_null())
        .then(pl.lit(LABEL))
        .otherwise(pl.col(c).cast(pl.Int64).cast(pl.String))
        .alias(c)
        for c in counts
        if c in frame.columns
    )
