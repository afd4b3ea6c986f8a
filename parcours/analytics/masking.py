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
   period is masked when either period's count is masked. Per page (rule 4), a share, rate or
   interval is shown only when its numerator and its base are (`shares`).
4. **Per page.** Rules 1–3 are decided over everything one page shows together — every table,
   chart, tooltip and download (`Page`): the page declares what adds up (a period and its
   months, a group and its barriers, « with » and « without » and the population) and the
   counts a reader could compute (complements of a share's numerator, differences of a
   cumulative or at-risk series), and more cells are masked until no count from 1 to 4 can be
   worked out, alone or by solving the totals together.
5. **What a reader knows.** A listed row is at least 1 when rows exist only for someone (a
   masked count is at least 1: zeros are shown), « < 5 » says at most 4, « masqué » at least 5,
   and every declared total holds: before a page is shown, each masked count's smallest and
   largest possible value under all of these together is computed (`feasible_range`, linear
   programming); a count from 1 to 4 whose range is that one value is protected like any other
   (rule 4). Where the reader's belief contradicts the page (a zero masked to protect its
   neighbours), « < 5 » is read as 0 to 4.
6. **Digits.** Numbers reach a chart's data and a table rounded as the page shows them (shares to
   0,1 %: `SHARE_DIGITS`), never with the digits of an exact ratio of small counts. A spread of
   units under a shown total (« Se situer ») hides more units while the total minus the points
   would pin the hidden ones (`spread_gives_away`).

In a masked frame a masked count is null (an unmasked count is never null: no records is 0) and
its row is kept, with `masked` true (`MASKED`; wide frames: `<column>_masked`): charts draw a gap
or a « < 5 » marker there, never a line across it nor an axis without it; tables and CSV
downloads show `LABEL` (« < 5 ») for a masked count under 5 and `PROTECTED` (« masqué ») for a
count of 5 or more masked to protect one (`<column>_shown`: the text to show; never « < 5 » for
a count that is not under 5). A share over a base of 0 is null but not masked: the
page says « — » (nothing to hide). Shares reach the page rounded (`SHARE_DIGITS`).
Counts of organisations (centres, filières) are not counts of persons and are not masked; sums of
hours are not counts and are shown.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from parcours import contract
from parcours.core import frames

THRESHOLD = 5
LABEL = contract.series_labels("masked")["count"]  # « < 5 » (contract/labels.yml)
# « masqué »: a count of 5 or more, masked so that a total does not give a small one away
PROTECTED = contract.series_labels("masked")["other"]


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
    """The frame with masked counts shown as `LABEL` (text), for tables and CSV downloads. A
    count column that is already text (`<column>_shown` of a `Page`) is left as it is."""
    return frame.with_columns(
        pl.when(pl.col(c).is_null())
        .then(pl.lit(LABEL))
        .otherwise(pl.col(c).cast(pl.Int64).cast(pl.String))
        .alias(c)
        for c in counts
        if c in frame.columns and frame.schema[c] != pl.String
    )


# --- page-level suppression -------------------------------------------------------------------
# Rules 1–3 above, applied one frame at a time, cannot see that the monthly chart adds up to the
# period's figure shown above it, or that a curve's number at risk at day 0 is the episodes of the
# table beside it. `Page` decides the suppression of everything one page shows together.

MASKED = "masked"
"""The boolean column that says a row's drawn value is masked (its value is null). Long frames for
charts (one value per row) carry it; wide frames carry `<column>_masked` for every count column
they mask (and `masked` when any of them is). A chart keeps the row: the month stays on the axis,
a line breaks there instead of being drawn straight across, a bar is left as a gap, and the
builder may write `LABEL` at that place."""

HEADLINE = 10  # `Page.add(cost=…)`: figures the page is about; masked last, when nothing else does
SHOWN_ELSEWHERE = 10**9  # `Page.add(cost=…)`: a figure another section of the page shows as it
# is (a cohort's size): never masked here, the cells around it are masked instead


def masked_column(column: str) -> str:
    """The name of the flag that says `column` is masked on a row."""
    return f"{column}_{MASKED}"


@dataclass
class _Cell:
    frame: str | None  # None: a hidden cell (a complement, a difference, an unshown total)
    row: int
    column: str | None
    value: int
    cost: int
    shown: bool = True  # False: a hidden cell, or a cell of a frame the page does not show


class Page:
    """Complementary suppression over every table, chart, tooltip and download of one page.

    1. `add` each frame the page shows with its count columns (a chart and its table are the
       same frame). Counts from 1 to 4 are masked (rule 1).
    2. Declare what the page's figures add up to — `total(whole, parts)`: a figure shown on the
       page (or, when `whole` is None, a total that is not shown) is the sum of others —, and the
       hidden counts a reader could compute: `complement(whole, part)` (the trainees of a share's
       base who are not in its numerator), `steps(...)` (the differences of a cumulative or
       at-risk series).
    3. `run()` masks more cells until no masked count and no hidden count from 1 to 4 can be
       worked out from what is shown: not by subtraction along any declared total (however many
       totals are chained), not by solving them together (exact linear algebra), and not by the
       bounds a reader knows (a masked count is at least 1, « < 5 » says at most 4, « masqué »
       at least 5). Each extra
       cell masked is the smallest non-zero count, shown and not yet masked, of a total the leaking
       cell belongs to (the cheapest `cost` first: detail before headline figures).

    Derived figures (shares, rates, differences, intervals) are then computed from the masked
    frames by `shares`, and are masked with the cells they derive from."""

    def __init__(self, mask: bool = True) -> None:
        self.mask = mask
        self._frames: dict[str, pl.DataFrame] = {}
        self._counts: dict[str, list[str]] = {}
        self._cells: list[_Cell] = []
        self._where: dict[tuple[str, int, str], int] = {}
        # Each total as (left, right): the cells on the left add up to those on the right.
        self._totals: list[tuple[list[int], list[int]]] = []
        # Counts from 1 to 4 that no more masking protects (every cell around them masked, and
        # the listed rows and labels still pin them): the page must not show their section.
        self.unprotected: set[int] = set()

    # declaring

    def add(
        self, name: str, frame: pl.DataFrame, counts: Sequence[str], cost: int = 1
    ) -> pl.DataFrame:
        """Register a frame shown on the page; returns it (unchanged)."""
        self._frames[name] = frame
        self._counts[name] = [c for c in counts if c in frame.columns]
        for column in self._counts[name]:
            for row, value in enumerate(frame[column].to_list()):
                self._where[(name, row, column)] = len(self._cells)
                self._cells.append(_Cell(name, row, column, int(value or 0), cost))
        return frame

    def at(self, name: str, row: int, column: str) -> int:
        """The cell of `column` on row number `row` of frame `name`."""
        return self._where[(name, row, column)]

    def height(self, name: str) -> int:
        return self._frames[name].height

    def frame(self, name: str) -> pl.DataFrame:
        """A registered frame, as given (unmasked)."""
        return self._frames[name]

    def refs(self, name: str, column: str, where: pl.Expr | None = None) -> list[int]:
        """The cells of `column` in frame `name` (the rows where `where` holds), in row order."""
        frame = self._frames[name]
        rows = range(frame.height)
        if where is not None:
            rows = frame.with_row_index("__row").filter(where)["__row"].to_list()
        return [self._where[(name, row, column)] for row in rows]

    def ref(self, name: str, column: str, where: pl.Expr | None = None) -> int | None:
        """The one cell of `column` where `where` holds (None when there is no such row)."""
        found = self.refs(name, column, where)
        if len(found) > 1:
            raise ValueError(f"{len(found)} rows of {name} match, one expected")
        return found[0] if found else None

    def hidden(self, value: int) -> int:
        """A count the page does not show but a reader may compute (a complement, a
        difference, an unshown total). Protected like a shown one when it is from 1 to 4."""
        self._cells.append(_Cell(None, -1, None, int(value), 0, shown=False))
        return len(self._cells) - 1

    def conceal(self, cells: Sequence[int | None]) -> None:
        """Cells of a frame that the page leaves out (null in the result, not masked: e.g. a
        figure true by definition). They still count in the totals, as hidden cells."""
        for cell in cells:
            if cell is not None:
                self._cells[cell].shown = False

    def value(self, cell: int) -> int:
        return self._cells[cell].value

    def total(self, whole: int | None, parts: Sequence[int | None]) -> None:
        """`whole` = the sum of `parts` (None parts are rows the page does not have: zero).
        `whole` None: a total that is not shown (a hidden cell)."""
        parts = [p for p in parts if p is not None]
        if whole is None:
            if len(parts) < 2:
                return
            whole = self.hidden(sum(self.value(p) for p in parts))
        if not parts and self.value(whole) == 0:
            return
        rest = self.value(whole) - sum(self.value(p) for p in parts)
        # The declared parts may not add up exactly (a definition that differs at the edges, e.g.
        # a record without an entry date): the difference is a hidden cell on the short side.
        if rest > 0:
            self._totals.append(([whole], [*parts, self.hidden(rest)]))
        elif rest < 0:
            self._totals.append(([whole, self.hidden(-rest)], list(parts)))
        else:
            self._totals.append(([whole], list(parts)))

    def totals_within(
        self,
        name: str,
        column: str,
        by: Sequence[str],
        whole: Callable[[dict], int | None] | None = None,
    ) -> None:
        """For each group of rows of `name` sharing the values of `by`: the group's cells add up
        to `whole(key)` (a cell shown elsewhere), or to a total not shown when `whole` is None."""
        frame = self._frames[name].with_row_index("__row")
        for key, group in frame.group_by(list(by), maintain_order=True):
            cells = [self._where[(name, row, column)] for row in group["__row"].to_list()]
            target = whole(dict(zip(by, key, strict=True))) if whole else None
            self.total(target, cells)

    def complement(self, whole: int | None, part: int | None) -> None:
        """`part` is a subset of `whole` (a share's numerator and its base): the rest is a count
        a reader can compute, protected when it is from 1 to 4."""
        if whole is None or part is None:
            return
        rest = self.value(whole) - self.value(part)
        self.total(whole, [part, self.hidden(rest)])

    def steps(self, cells: Sequence[int], decreasing: bool) -> None:
        """A series whose consecutive differences are counts (a cumulative count that grows, or
        a number at risk that falls): each difference is protected like a count."""
        for before, after in itertools.pairwise(cells):
            high, low = (before, after) if decreasing else (after, before)
            self.total(high, [low, self.hidden(self.value(high) - self.value(low))])

    # deciding

    def run(self) -> dict[str, pl.DataFrame]:
        """The frames with their masked counts null and, per count column, a `<column>_masked`
        flag and `<column>_shown`, the text to show (the count, `LABEL` or `PROTECTED`); and
        `masked` (any count of the row masked)."""
        masked = self.masked_cells()
        out = {}
        for name, frame in self._frames.items():
            flags, gone = {}, {}
            for column in self._counts[name]:
                cells = [self._where[(name, row, column)] for row in range(frame.height)]
                flags[column] = pl.Series(
                    masked_column(column), [c in masked for c in cells], dtype=pl.Boolean
                )
                gone[column] = pl.Series(
                    [c in masked or not self._cells[c].shown for c in cells], dtype=pl.Boolean
                )
            shown = {}
            for column in flags:
                texts = []
                for row, value in enumerate(frame[column].to_list()):
                    cell = self._cells[self._where[(name, row, column)]]
                    if not cell.shown:
                        texts.append(None)
                    elif self._where[(name, row, column)] in masked:
                        texts.append(PROTECTED if cell.value >= THRESHOLD else LABEL)
                    else:
                        texts.append(None if value is None else str(int(value)))
                shown[column] = pl.Series(f"{column}_shown", texts, dtype=pl.String)
            frame = frame.with_columns(
                *(
                    pl.when(pl.lit(gone[column])).then(None).otherwise(pl.col(column)).alias(column)
                    for column in flags
                ),
                *flags.values(),
                *shown.values(),
            )
            any_masked = pl.lit(False)
            for flag in flags.values():
                any_masked = any_masked | pl.col(flag.name)
            out[name] = frame.with_columns(any_masked.alias(MASKED))
        return out

    def masked_cells(self) -> set[int]:
        if not self.mask:
            return set()
        cells = self._cells
        masked = {i for i, c in enumerate(cells) if c.shown and is_small(c.value)}
        given_up: set[int] = set()
        extras: list[int] = []
        # Each round masks one more cell (or gives up on one leak): it ends.
        for _ in range(2 * len(cells) + 1):
            leak = self._leak(masked, given_up)
            if leak is None:
                break
            extra = self._protector(leak, masked)
            if extra is None:  # nothing shown is left around it (cannot happen with real totals)
                given_up.add(leak)
                continue
            masked.add(extra)
            extras.append(extra)
        # One cell at a time is greedy: a later one may protect what an earlier one did. Show
        # again every extra cell the page stays safe without: headline figures first, then
        # the latest masked first.
        for extra in sorted(reversed(extras), key=lambda c: -cells[c].cost):
            masked.discard(extra)
            if self._leak(masked, given_up) is not None:
                masked.add(extra)
        self.unprotected = given_up
        return masked

    def unprotected_rows(self, name: str) -> set[int]:
        """The rows of frame `name` holding a count that could not be protected."""
        return {self._cells[c].row for c in self.unprotected if self._cells[c].frame == name}

    def unprotected_in(self, *names: str) -> bool:
        """Whether a count of these frames could not be protected (`unprotected`): the section
        showing them is to be left out."""
        return any(self._cells[c].frame in names for c in self.unprotected)

    def _unknown(self, masked: set[int]) -> list[bool]:
        return [i in masked or not c.shown for i, c in enumerate(self._cells)]

    def _leak(self, masked: set[int], given_up: set[int] = frozenset()) -> int | None:
        """A count from 1 to 4, masked or hidden, that the shown cells give away, or None."""
        unknown = self._unknown(masked)
        # A masked count that is not small (masked to protect another) may be worked out: it
        # gives nothing away by itself, and if it gave the small one away, so would the totals.
        protected = [
            unknown[i] and is_small(c.value) and i not in given_up
            for i, c in enumerate(self._cells)
        ]
        if not any(protected):
            return None
        found = self._solved(unknown, protected)
        if found is None:
            found = self._bounded(unknown, protected, masked)
        return found if found is not None else self._optimised(unknown, protected, masked)

    def _solved(self, unknown: list[bool], protected: list[bool]) -> int | None:
        """A protected cell fixed by the totals taken together (exact linear algebra: the cell's
        unit vector lies in the row space of the totals restricted to the unknown cells). Solved
        per group of totals that share unknown cells (small systems, most of one total)."""
        rows = []
        for left, right in self._totals:
            row: dict[int, float] = {}
            for cell, sign in (*((c, 1.0) for c in left), *((c, -1.0) for c in right)):
                if unknown[cell]:
                    row[cell] = row.get(cell, 0.0) + sign
            row = {c: v for c, v in row.items() if v}
            if row:
                rows.append(row)
        # Union-find over the unknown cells each total links.
        parent: dict[int, int] = {}

        def find(c: int) -> int:
            while parent.setdefault(c, c) != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for row in rows:
            first, *others = row
            for other in others:
                parent[find(other)] = find(first)
        systems: dict[int, list[dict[int, float]]] = {}
        for row in rows:
            systems.setdefault(find(next(iter(row))), []).append(row)
        for system in systems.values():
            columns = sorted({c for row in system for c in row})
            if not any(protected[c] for c in columns):
                continue
            if len(system) == 1:
                if len(columns) == 1 and protected[columns[0]]:
                    return columns[0]
                continue
            position = {cell: k for k, cell in enumerate(columns)}
            matrix = np.zeros((len(system), len(columns)))
            for r, row in enumerate(system):
                for cell, v in row.items():
                    matrix[r, position[cell]] = v
            _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
            basis = vt[singular > 1e-9 * max(singular.max(), 1.0)]
            fixed = (basis**2).sum(axis=0) > 1 - 1e-9  # ‖projection of e_i‖² = 1: e_i in the span
            for k in np.flatnonzero(fixed):
                if protected[columns[k]]:
                    return columns[k]
        return None

    def _bounded(self, unknown: list[bool], protected: list[bool], masked: set[int]) -> int | None:
        """A protected cell pinned to its true value by what a reader knows of the unknown
        cells: a masked count is at least 1 (zeros are shown), « < 5 » says at most 4 and
        « masqué » (`PROTECTED`) at least 5; a hidden count is at least 0. Two passes: the first
        with only « at least 1 » (what the totals fix exactly stays fixed), the second adding
        what each label says. A reader who meets a contradiction (a zero masked to protect its
        neighbours) corrects the belief first (`_doubt_masked_zeros`)."""
        inf = float("inf")
        low, high = [], []
        for i, c in enumerate(self._cells):
            if not unknown[i]:
                low.append(float(c.value))
                high.append(float(c.value))
            else:
                low.append(1.0 if i in masked else 0.0)
                high.append(inf)
        naive = self._one_total_at_a_time(unknown, protected, low, high, masked)
        if naive is not None:
            return naive
        self._doubt_masked_zeros(unknown, low, high, masked)
        self._propagate(unknown, low, high)
        for i, c in enumerate(self._cells):
            if protected[i] and low[i] == high[i] == c.value:
                return i
        self._label(low, high, masked)
        self._propagate(unknown, low, high)
        for i, c in enumerate(self._cells):
            if protected[i] and low[i] == high[i] == c.value:
                return i
        return None

    def _one_total_at_a_time(
        self,
        unknown: list[bool],
        protected: list[bool],
        low: list[float],
        high: list[float],
        masked: set[int],
    ) -> int | None:
        """A protected cell pinned by one total read on its own, every masked count of it taken
        at its label (« < 5 »: 1 to 4, even where a zero was masked — a reader who does not
        look further guesses right for the others)."""
        lo, hi = list(low), list(high)
        self._label(lo, hi, masked)
        for left, right in self._totals:
            members = [*left, *right]
            if not any(protected[c] for c in members):
                continue
            for c in members:
                if not protected[c]:
                    continue
                same, other = (left, right) if c in left else (right, left)
                rest = [d for d in same if d != c]
                least = sum(lo[d] for d in other) - sum(hi[d] for d in rest)
                most = sum(hi[d] for d in other) - sum(lo[d] for d in rest)
                if max(least, lo[c]) == min(most, hi[c]) == self._cells[c].value:
                    return c
        return None

    def _label(self, low: list[float], high: list[float], masked: set[int]) -> None:
        """What each masked cell's label says: « < 5 » at most 4, « masqué » at least 5."""
        for i in masked:
            if self._cells[i].value >= THRESHOLD:
                low[i] = max(low[i], float(THRESHOLD))
            elif high[i] > THRESHOLD - 1 >= low[i]:
                high[i] = float(THRESHOLD - 1)

    def _doubt_masked_zeros(
        self, unknown: list[bool], low: list[float], high: list[float], masked: set[int]
    ) -> None:
        """Zeros are masked too, to protect their neighbours; « at least 1 » is then a belief a
        reader corrects where the page contradicts it. First, what the shown figures and the
        labels bound from above (always true): a masked count that can only be 0 is 0 (a
        « < 5 » month under a year shown as 0). Then, where « at least 1 » for every masked
        count of one side of a total is more than the other side can hold (five « < 5 » months
        under a « < 5 » year), the reader knows some of them are zeros and no longer assumes
        any of that side's « < 5 » counts is at least 1."""
        floor = [low[i] if not unknown[i] else 0.0 for i in range(len(self._cells))]
        ceiling = list(high)
        self._label(floor, ceiling, masked)
        self._propagate(unknown, floor, ceiling)
        small = [i in masked and self._cells[i].value < THRESHOLD for i in range(len(low))]
        for i, is_small_masked in enumerate(small):
            if is_small_masked and ceiling[i] < 1:
                low[i] = 0.0
        for left, right in self._totals:
            for side, other in ((left, right), (right, left)):
                if sum(low[c] for c in side) > sum(ceiling[c] for c in other) + 1e-9:
                    for c in side:
                        if small[c]:
                            low[c] = 0.0

    def _propagate(self, unknown: list[bool], low: list[float], high: list[float]):
        """Tighten the bounds of the unknown cells along every total until nothing changes
        (an update that contradicts the bounds is ignored: the reader's belief was wrong)."""
        inf = float("inf")

        def sums(cells: list[int]) -> tuple[float, float, int]:
            finite = [high[c] for c in cells if high[c] != inf]
            return sum(low[c] for c in cells), sum(finite), len(cells) - len(finite)

        for _ in range(12):
            changed = False
            for left, right in self._totals:
                updates = []
                for side, other in ((left, right), (right, left)):
                    lo_other, hi_other_finite, hi_other_inf = sums(other)
                    hi_other = inf if hi_other_inf else hi_other_finite
                    lo_side, hi_side_finite, hi_side_inf = sums(side)
                    for c in side:
                        if not unknown[c]:
                            continue
                        # c = Σ other − Σ (the rest of its side)
                        own_inf = high[c] == inf
                        rest_high = (
                            inf
                            if hi_side_inf - own_inf
                            else hi_side_finite - (0.0 if own_inf else high[c])
                        )
                        rest_low = lo_side - low[c]
                        updates.append((c, lo_other - rest_high, hi_other - rest_low))
                for cell, lo, hi in updates:
                    if lo > low[cell] + 1e-9 and lo <= high[cell]:
                        low[cell], changed = lo, True
                    if hi < high[cell] - 1e-9 and hi >= low[cell]:
                        high[cell], changed = hi, True
            if not changed:
                break
        return low, high

    def _optimised(
        self, unknown: list[bool], protected: list[bool], masked: set[int]
    ) -> int | None:
        """A protected cell pinned by every total and every bound taken together: the smallest
        and the largest value each can take (linear programming, `feasible_range`) — what the
        bounds propagated one total at a time (`_bounded`) cannot see, e.g. two « < 5 » months
        that each other's bounds and a shown total fix at 1 and 1. The reader first believes
        every « < 5 » is 1 to 4 (zeros are shown); when that belief contradicts the page (a
        zero masked to protect its neighbours), « < 5 » only says 0 to 4."""
        systems = _systems(
            [
                (
                    {c: 1 for c in left if unknown[c]} | _minus(c for c in right if unknown[c]),
                    sum(self._cells[c].value for c in right if not unknown[c])
                    - sum(self._cells[c].value for c in left if not unknown[c]),
                )
                for left, right in self._totals
            ]
        )
        for rows in systems:
            cells = sorted({c for row, _ in rows for c in row})
            targets = [c for c in cells if protected[c]]
            if not targets:
                continue
            for believed in (True, False):
                bounds = {}
                for c in cells:
                    if c not in masked:
                        bounds[c] = (0, None)
                    elif self._cells[c].value >= THRESHOLD:
                        bounds[c] = (THRESHOLD, None)
                    else:
                        bounds[c] = (1 if believed else 0, THRESHOLD - 1)
                truth = {c: ({c: 1}, self._cells[c].value) for c in targets}
                found = pinned(rows, bounds, truth)
                if found is None:  # the belief contradicts the page: « < 5 » says 0 to 4
                    continue
                if found:
                    return found[0]
                break
        return None

    def _protector(self, leak: int, masked: set[int]) -> int | None:
        """The cell to mask so that `leak` is no longer given away: the cheapest shown, unmasked,
        non-zero cell of a total `leak` belongs to; else of the totals next to those. When only
        zeros are left around it (four masked months of 1 adding up to a masked total: « < 5 »
        says 4 at most, so each is 1), a zero is masked: « < 5 » is still true of it."""
        unknown = self._unknown(masked)
        seen_cells, frontier, seen_totals = {leak}, {leak}, set()
        zeros: list[tuple[int, int]] = []
        while frontier:
            candidates, reached = [], set()
            for t, (left, right) in enumerate(self._totals):
                members = [*left, *right]
                if t in seen_totals or not frontier.intersection(members):
                    continue
                seen_totals.add(t)
                for cell in members:
                    c = self._cells[cell]
                    if not unknown[cell] and c.cost >= SHOWN_ELSEWHERE:
                        continue
                    if not unknown[cell] and c.value > 0:
                        candidates.append((c.cost, c.value, cell))
                    elif not unknown[cell]:
                        zeros.append((c.cost, cell))
                    elif cell not in seen_cells:
                        reached.add(cell)
            if candidates:
                return min(candidates)[2]
            seen_cells |= reached
            frontier = reached
        return min(zeros)[1] if zeros else None


# --- what a reader can work out: feasible ranges ---------------------------------------------


def _minus(cells) -> dict[int, int]:
    return {c: -1 for c in cells}


def _systems(
    rows: Sequence[tuple[dict[int, float], float]],
) -> list[list[tuple[dict[int, float], float]]]:
    """The equations (coefficients by unknown, right-hand side) split into groups that share
    no unknown (solved apart: small problems); equations with no unknown are dropped."""
    parent: dict[int, int] = {}

    def find(c: int) -> int:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    kept = []
    for coefficients, rhs in rows:
        coefficients = {c: v for c, v in coefficients.items() if v}
        if not coefficients:
            continue
        kept.append((coefficients, rhs))
        first, *others = coefficients
        for other in others:
            parent[find(other)] = find(first)
    groups: dict[int, list] = {}
    for row in kept:
        groups.setdefault(find(next(iter(row[0]))), []).append(row)
    return list(groups.values())


class _Program:
    """Linear constraints over named non-negative unknowns, to ask for the extremes of sums."""

    def __init__(
        self,
        equations: Sequence[tuple[dict, float]],
        bounds: dict,
        inequalities: Sequence[tuple[dict, float]] = (),
        extra: Sequence = (),
        whole: bool = False,
    ) -> None:
        self.whole = whole  # solve over whole numbers (mixed-integer), not the relaxation
        names = {v for row, _ in (*equations, *inequalities) for v in row}
        self.names = sorted(names | set(bounds) | set(extra), key=str)
        self.index = {v: i for i, v in enumerate(self.names)}
        self.a_eq, self.b_eq = self._matrix(equations)
        self.a_ub, self.b_ub = self._matrix(inequalities)
        self.box = [bounds.get(v, (0, None)) for v in self.names]

    def _matrix(self, rows):
        if not rows:
            return None, None
        a = np.zeros((len(rows), len(self.names)))
        for r, (row, _) in enumerate(rows):
            for v, coef in row.items():
                a[r, self.index[v]] += coef
        return a, np.array([rhs for _, rhs in rows], dtype=float)

    def solve(self, target: dict, largest: bool):
        """A solution maximising (minimising) Σ target[v]·v: (its value, the unknowns' values)
        — None when the constraints contradict each other, (±inf, None) when unbounded."""
        from scipy.optimize import Bounds, LinearConstraint, linprog, milp

        objective = np.zeros(len(self.names))
        for v, coef in target.items():
            objective[self.index[v]] = -coef if largest else coef
        if self.whole:
            constraints = []
            if self.a_eq is not None:
                constraints.append(LinearConstraint(self.a_eq, self.b_eq, self.b_eq))
            if self.a_ub is not None:
                constraints.append(LinearConstraint(self.a_ub, -np.inf, self.b_ub))
            low = [b[0] if b[0] is not None else -np.inf for b in self.box]
            high = [b[1] if b[1] is not None else np.inf for b in self.box]
            found = milp(objective, integrality=np.ones(len(self.names)),
                         bounds=Bounds(low, high), constraints=constraints)  # fmt: skip
        else:
            found = linprog(objective, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq,
                            b_eq=self.b_eq, bounds=self.box, method="highs")  # fmt: skip
        if found.status == 2:
            return None
        if found.status != 0 or found.fun is None:  # unbounded, or a limit reached: say so
            return (math.inf if largest else -math.inf), None
        return (-found.fun if largest else found.fun), found.x

    def value_of(self, target: dict, x) -> float:
        return sum(coef * x[self.index[v]] for v, coef in target.items())

    def extreme(self, target: dict, largest: bool) -> float | None:
        """max (or min) of Σ target[v]·v, rounded inwards to a whole number; ±inf when
        unbounded; None when the constraints contradict each other."""
        found = self.solve(target, largest)
        if found is None:
            return None
        value = found[0]
        if math.isinf(value):
            return value
        return math.floor(value + 1e-6) if largest else math.ceil(value - 1e-6)


def feasible_range(
    equations: Sequence[tuple[dict, float]],
    bounds: dict,
    target: dict,
    inequalities: Sequence[tuple[dict, float]] = (),
) -> tuple[float, float] | None:
    """The smallest and largest value of Σ target[v]·v over the non-negative unknowns that
    satisfy `equations` (Σ coef·v = rhs), `inequalities` (Σ coef·v ≤ rhs) and `bounds`
    (v → (low, high), None for no upper bound), rounded inwards to whole numbers (the counts
    are whole); None when nothing satisfies them. Linear programming (HiGHS): where the
    constraints are sums of counts (tables with their totals, flows with their nodes) the
    extreme points are whole, so the range is exact; elsewhere it may be wider than the whole
    solutions allow (the tests' attacker solves the whole-number problem)."""
    program = _Program(equations, bounds, inequalities, extra=list(target))
    low = program.extreme(target, largest=False)
    if low is None:
        return None
    return low, program.extreme(target, largest=True)


def pinned(
    equations: Sequence[tuple[dict, float]],
    bounds: dict,
    targets: dict,
    inequalities: Sequence[tuple[dict, float]] = (),
    whole: bool = False,
) -> list | None:
    """The keys of `targets` (key → (a sum Σ coef·v as a dict, its true value)) whose true
    value is from 1 to 4 and that the constraints fix at it (their feasible range is that one
    value); None when the constraints contradict each other."""
    extra = [v for target, _ in targets.values() for v in target]
    program = _Program(equations, bounds, inequalities, extra=extra, whole=whole)
    remaining = {k: t for k, t in targets.items() if is_small(t[1])}
    # First, many at once: push all the remaining targets up together (then down); one that
    # lands a whole unit away from its true value can take another: not pinned.
    while remaining:
        moved = set()
        for largest in (True, False):
            together: dict = {}
            for target, _ in remaining.values():
                for v, coef in target.items():
                    together[v] = together.get(v, 0.0) + coef
            found = program.solve(together, largest)
            if found is None:
                return None
            if found[1] is None:
                continue
            for key, (target, value) in remaining.items():
                if abs(program.value_of(target, found[1]) - value) >= 1 - 1e-6:
                    moved.add(key)
        if not moved:
            break
        remaining = {k: t for k, t in remaining.items() if k not in moved}
    found = []
    for key, (target, value) in remaining.items():
        high = program.extreme(target, largest=True)
        if high is None:
            return None
        if high != value:  # a larger value fits (or the belief is wrong): not given away
            continue
        if program.extreme(target, largest=False) == value:
            found.append(key)
    return found


# --- a spread of units (centres) under a shown total ---------------------------------------


def spread_constraints(
    points: Sequence[float],
    hidden: int,
    level: tuple[int, int | None] | None,
    share_digits: int | None,
) -> tuple[list, list, dict]:
    """What a reader of a spread knows, as constraints over whole numbers: each point is a
    unit (a centre) shown because its own figure may be (a base of at least 5; a numerator and
    its complement 0 or at least 5), its value a share rounded to `share_digits` (None: a value
    that says nothing of the counts, e.g. a median); `hidden` units are counted, each with at
    least one record; `level` (base, hits — hits None without a numerator), when shown, is
    the sum of them all. Unknowns: ("b", i) and ("h", i) for point i, ("b", "hidden") and
    ("h", "hidden") for the hidden units together. Returns (equations, inequalities, bounds)."""
    equations, inequalities, bounds = [], [], {}
    hits = level is None or level[1] is not None
    half = 0.5 * 10.0 ** -(share_digits or 0)
    for i, value in enumerate(points):
        b, h = ("b", i), ("h", i)
        bounds[b] = (THRESHOLD, None)
        if not hits:
            continue
        bounds[h] = (0, None)
        inequalities.append(({h: 1, b: -1}, 0))  # hits ≤ base
        if share_digits is None:
            continue
        if value <= 0:
            equations.append(({h: 1}, 0))
        elif value >= 1:
            equations.append(({h: 1, b: -1}, 0))
        else:  # neither a numerator nor a complement from 1 to 4
            bounds[h] = (THRESHOLD, None)
            inequalities.append(({b: -1, h: 1}, -THRESHOLD))
            inequalities.append(({b: value - half, h: -1}, 0))  # (v − ½ step)·b ≤ h
            inequalities.append(({h: 1, b: -(value + half)}, 0))  # h ≤ (v + ½ step)·b
    bounds[("b", "hidden")] = (hidden, None if hidden else 0)
    if hits:
        bounds[("h", "hidden")] = (0, None)
        inequalities.append(({("h", "hidden"): 1, ("b", "hidden"): -1}, 0))
    if level is not None:
        base_row = {("b", i): 1 for i in range(len(points))} | {("b", "hidden"): 1}
        equations.append((base_row, level[0]))
        if hits:
            hit_row = {("h", i): 1 for i in range(len(points))} | {("h", "hidden"): 1}
            equations.append((hit_row, level[1]))
    return equations, inequalities, bounds


def spread_gives_away(
    points: Sequence[float],
    units_hidden: int,
    hidden: tuple[int, int | None],
    level: tuple[int, int | None] | None,
    share_digits: int | None,
) -> bool:
    """Whether the points of a spread, its count of hidden units and its level's figure pin
    a count from 1 to 4 of the `units_hidden` hidden units taken together (`hidden`: their
    base and numerator; the base, the numerator or its complement: with one hidden unit,
    that unit's own), solved over whole numbers."""
    base, hits = hidden
    if not base:
        return False
    equations, inequalities, bounds = spread_constraints(points, units_hidden, level, share_digits)
    b, h = ("b", "hidden"), ("h", "hidden")
    targets = {"base": ({b: 1}, base)}
    if hits is not None:
        targets |= {"hits": ({h: 1}, hits), "misses": ({b: 1, h: -1}, base - hits)}
    found = pinned(equations, bounds, targets, inequalities, whole=True)
    return bool(found)


# --- shares -----------------------------------------------------------------------------------

Z95 = 1.959963984540054


def wilson(k: int | None, n: int | None, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval (95 % by default) of the share k / n; None when undefined."""
    if k is None or not n:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


SHARE_DIGITS = 3  # shares reach the page rounded to 0,1 % (never the exact fraction)


def shares(frame: pl.DataFrame, numerator: str, denominator: str, name: str) -> pl.DataFrame:
    """Add `name` (numerator / denominator, rounded), its Wilson 95 % interval (`name_low`,
    `name_high`) and `name_masked`: true when the numerator or the denominator is masked (null):
    a share next to its base would give a masked count back. A share over a base of 0 is null
    and not masked: there is nothing to hide, the page says « aucun »."""
    num, den = pl.col(numerator), pl.col(denominator)
    bounds = frames.each(
        frame,
        (numerator, denominator),
        lambda s: dict(
            zip(("low", "high"), wilson(s[numerator], s[denominator]) or (None, None), strict=True)
        ),
        pl.Struct({"low": pl.Float64, "high": pl.Float64}),
    )
    return (
        frame.with_columns(
            pl.when(den > 0).then((num / den).round(SHARE_DIGITS)).alias(name),
            bounds.alias("__bounds"),
            (num.is_null() | den.is_null()).alias(masked_column(name)),
        )
        .with_columns(
            pl.col("__bounds").struct.field("low").round(SHARE_DIGITS).alias(f"{name}_low"),
            pl.col("__bounds").struct.field("high").round(SHARE_DIGITS).alias(f"{name}_high"),
        )
        .drop("__bounds")
    )
