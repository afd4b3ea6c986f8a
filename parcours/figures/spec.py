"""What a figure specification holds, and the two things every renderer asks of it: the chart
and the table, from the frame its analytics function returns.

A specification's words may name the period: `{years}` (« 2024 », « 2021 à 2025 ») and `{year}`
(the last year) are filled by `Words.fill` from what the renderer shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

Kind = Literal["text", "count", "share", "number", "year"]
PERCENT = " (%)"  # a share column's header suffix: `presentation.tables` shows « 32,9 % »

MASKED_NOTE = (
    " Effectifs de 1 à 4 masqués (« < 5 ») ; « masqué » : un effectif de 5 ou plus "
    "caché pour qu'un total ne trahisse pas un petit effectif."
)


@dataclass(frozen=True)
class Column:
    """A column of a figure's table: the frame's column, its French header, how it reads.
    `count`: a count of persons, masked as « < 5 » or « masqué » (its `<field>_shown` text when
    the analytics give it); `share`: 0–1, shown « 32,9 % »; `year`: without a thousands
    separator."""

    field: str
    header: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Words:
    """A figure's words, filled for what is shown."""

    title: str
    definition: str
    source: str
    tables: str  # the warehouse tables, for the method annex only

    def fill(self, **values: Any) -> Words:
        return Words(
            self.title.format_map(values),
            self.definition.format_map(values),
            self.source,
            self.tables,
        )


@dataclass(frozen=True)
class Figure:
    """One published figure.

    - `reads`: the analytics function `f(scope, filters, *args)` it reads; `part`: the key of
      its frame when the function returns several (a page's frames are masked together);
    - `value`: the column drawn (a chart whose values are all masked is not drawn);
    - `draw(frame, tooltips)`: the Altair chart (`tooltips` False on paper);
    - `columns`: the table; `wide`: on paper, the table pivoted (index header, column header,
      value header) to fit a page;
    - `masking`: what the masking hides, said under the figure where small counts are masked.
    """

    id: str
    title: str
    definition: str
    source: str
    tables: str
    reads: Callable[..., Any]
    part: str | tuple[str, ...] | None  # a key, or keys in nested frames
    value: str
    draw: Callable[[pl.DataFrame, bool], Any] | None
    columns: tuple[Column, ...]
    masking: str = MASKED_NOTE
    empty: str = "Aucune donnée pour cette sélection."
    wide: tuple[str, str, str] | None = None
    printed: Callable[[pl.DataFrame], pl.DataFrame] | None = None  # rows kept on paper
    shape: Callable[[pl.DataFrame], pl.DataFrame] | None = None  # the part → the drawn frame
    masked_drawn: bool = False  # drawn even when every value is masked (each marked « masqué »)
    extra: dict = field(default_factory=dict)  # `printed_columns`: the columns kept on paper

    # --- data ----------------------------------------------------------------------------

    def frame(self, data: Any) -> pl.DataFrame:
        """The figure's frame out of what `reads` returned."""
        if self.part is not None:
            for key in (self.part,) if isinstance(self.part, str) else self.part:
                data = data[key]
        return self.shape(data) if self.shape is not None and not data.is_empty() else data

    def load(self, scope: Any, filters: Any, *args: Any) -> pl.DataFrame:
        return self.frame(self.reads(scope, filters, *args))

    # --- words ---------------------------------------------------------------------------

    def words(self, *, masked: bool, **values: Any) -> Words:
        """Title, definition (with the masking note where small counts are masked), public
        source and the tables, for the period shown (`years`, `year`)."""
        definition = self.definition + (self.masking if masked else "")
        return Words(self.title, definition, self.source, self.tables).fill(**values)

    # --- chart and table -----------------------------------------------------------------

    def drawable(self, frame: pl.DataFrame) -> bool:
        """Whether a chart says anything: some value is shown (masked rows stay in the frame
        and are drawn as gaps, « < 5 » markers or broken lines)."""
        if self.draw is None or frame.is_empty() or self.value not in frame.columns:
            return False
        return self.masked_drawn or bool(frame[self.value].is_not_null().any())

    def chart(self, frame: pl.DataFrame, tooltips: bool = True) -> Any | None:
        """The chart, None when there is nothing to draw."""
        if not self.drawable(frame):
            return None
        return self.draw(frame, tooltips)  # type: ignore[misc]

    def table(self, frame: pl.DataFrame, printed: bool = False) -> tuple[pl.DataFrame, list[str]]:
        """The table as shown (French headers, typed values) and its count columns (text:
        the count, « < 5 » or « masqué »). `printed`: the rows kept on paper."""
        if printed and self.printed is not None and not frame.is_empty():
            frame = self.printed(frame)
        columns = self.extra.get("printed_columns", self.columns) if printed else self.columns
        return table_frame(frame, columns)


def table_frame(frame: pl.DataFrame, columns: Sequence[Column]) -> tuple[pl.DataFrame, list[str]]:
    """A frame's columns as a table reads them: French headers; a count as text where masked
    (« < 5 » for 1 to 4, « masqué » for a larger count hidden to protect another; its
    `<field>_shown` when the analytics give it); a share in percent (`… (%)`)."""
    out, counts = [], []
    for c in columns:
        if c.field not in frame.columns:
            continue
        if c.kind == "count":
            counts.append(c.header)
            shown = f"{c.field}_shown"
            if shown in frame.columns:
                out.append(pl.col(shown).alias(c.header))
            else:
                out.append(pl.col(c.field).alias(c.header))
        elif c.kind == "share":
            out.append((pl.col(c.field) * 100).round(1).alias(c.header + PERCENT))
        else:  # a year's header says « année »: `presentation.tables` writes it as it is
            out.append(pl.col(c.field).alias(c.header))
    return frame.select(out), counts


def pivot(table: pl.DataFrame, index: str, on: str, value: str) -> pl.DataFrame:
    """A long table wide (one row per `index`, one column per `on`), for paper: a cell the
    frame does not have is a zero count; masked cells keep their text."""
    if table.is_empty():
        return table
    wide = table.select(index, on, pl.col(value).cast(pl.String)).pivot(
        on=on, index=index, values=value, aggregate_function="first", sort_columns=False
    )
    return wide.with_columns(pl.col(c).fill_null("0") for c in wide.columns if c != index)


def span(first: int, last: int) -> str:
    """« en 2025 », « de 2021 à 2025 »: the years a title names."""
    return f"en {first}" if first == last else f"de {first} à {last}"
