"""Python functions applied to the values of a polars frame, without polars' `map_elements`.

Why: `map_elements` runs the Python function on polars' thread pool, where each task must take
the GIL. In the dashboard server, many sessions use polars at once from their own threads; a
polars call that holds the GIL while it waits for that pool (`to_pandas`, `to_arrow`…) and a
`map_elements` task queued on the pool then wait for each other forever (pola-rs/polars#26821,
#24448): the server stops answering. Measured with `bench/bench_load.py` (issue 17): 10 to 20
sessions froze the server within a minute. The values here are few (aggregates, labels): a
Python loop over them costs less than the pool would, and never enters it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl


def each(
    frame: pl.DataFrame,
    columns: str | Sequence[str],
    func: Callable[[Any], Any],
    dtype: Any = pl.String,
    *,
    skip_nulls: bool = True,
    name: str | None = None,
) -> pl.Series:
    """`func` of each row's value of `columns` (one column: the value; several: a dict of
    them), as a Series of `dtype` with `frame`'s height, named `name` (default: the column).
    One column: a null stays null without calling `func` unless `skip_nulls` is False, as
    `map_elements` does. Usable in `select` / `with_columns` (`.alias(...)` to rename)."""
    if isinstance(columns, str):
        values = frame.get_column(columns).to_list()
        out = [None if skip_nulls and v is None else func(v) for v in values]
        label = name or columns
    else:
        wanted = list(columns)
        series = [frame.get_column(c).to_list() for c in wanted]
        out = [func(dict(zip(wanted, row, strict=True))) for row in zip(*series, strict=True)]
        label = name or "value"
    return pl.Series(label, out, dtype=dtype)
