"""Tables as a person reads them: French column names, Belgian French numbers and dates
(`1 234`, `32,9 %`, `15/03/2024`), masked counts « < 5 » aligned with the other numbers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from parcours.presentation import formatting as fmt


class HasEvents(Protocol):
    """A trainee's path as `analytics.trainee_path.TraineePath` holds it (this layer draws what
    the analytics found, and does not import them)."""

    events: pl.DataFrame


def events_table(path: HasEvents) -> pl.DataFrame:
    """The timeline's rows as a French table (dates day first), in date order."""
    frame = path.events.sort("start", "lane")
    return pl.DataFrame(
        {
            "Ligne": frame["lane"],
            "Quoi": frame["label"],
            "Début / date": [fmt.day(d) for d in frame["start"]],
            "Fin": [
                "en cours" if ongoing else (fmt.day(end) if end is not None else "")
                for end, ongoing in zip(frame["end"], frame["ongoing"], strict=True)
            ],
            "Détail": frame["detail"],
        }
    )


# --- any table, as a person reads it ---------------------------------------------------------

# A text column whose every value reads as a number (« 1 234 », « 12,5 % », « < 5 », « — »):
# aligned right like the numbers.
_NUMBERISH = re.compile(r"^(?:[-+−]?[\d\u202f\u00a0 ]+(?:,\d+)?(?:\s?%)?|< 5|—|masqué)$")
PERCENT_SUFFIX = " (%)"
MAX_DECIMALS = 2


@dataclass
class Shown:
    """A table ready for display: `frame` has the headers shown (« Part (%) » becomes « Part »,
    its values « 32,9 % »), `formats` turns each column's values into Belgian French text,
    `right` lists the columns aligned right (numbers, and « < 5 » with them)."""

    frame: pl.DataFrame
    formats: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    right: list[str] = field(default_factory=list)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return False


def _decimals(series: pl.Series) -> int:
    """The decimals a float column needs, the same for all its rows (at most 2)."""
    values = series.drop_nulls().drop_nans()
    for decimals in range(MAX_DECIMALS):
        scaled = values * 10**decimals
        if values.is_empty() or (scaled.round(0) - scaled).abs().max() < 1e-6:
            return decimals
    return MAX_DECIMALS


def _shown_count(value: Any) -> str:
    """A count column that is text already: its numbers in Belgian French, its words as
    they are."""
    if _missing(value):
        return fmt.count(None)
    text = str(value)
    return fmt.integer(int(text)) if text.lstrip("-").isdigit() else text


def _is_year(name: str) -> bool:
    return "année" in name.lower()


def shown(table: pl.DataFrame, counts: Sequence[str] = (), masking: bool = False) -> Shown:
    """How each column of `table` reads: counts `1 234` (null: « < 5 », see
    `analytics.masking`), other integers `1 234` (years as they are), decimals with the same
    number of decimals on every row and a decimal comma, « … (%) » columns (0–100) as
    `32,9 %`, dates `15/03/2024`; a missing value is « — », a missing share « masqué » where
    small counts are masked (`masking`: the reader's scope masks them)."""
    missing_share = fmt.MASKED if masking else fmt.MISSING
    out = Shown(table)
    renames = {}
    for name, dtype in table.schema.items():
        header = name
        if name in counts and dtype == pl.String:
            # Already as shown (`analytics.masking`: « < 5 », « masqué » or the count).
            out.formats[name] = _shown_count
        elif name in counts:
            out.formats[name] = lambda v: fmt.count(None if _missing(v) else v)
        elif dtype.is_integer():
            out.formats[name] = (
                (lambda v: fmt.MISSING if _missing(v) else str(int(v)))
                if _is_year(name)
                else (lambda v: fmt.integer(None if _missing(v) else v))
            )
        elif dtype.is_float():
            if name.endswith(PERCENT_SUFFIX):
                # « Part (%) » reads « Part », unless a count already has that name.
                stripped = name[: -len(PERCENT_SUFFIX)]
                header = name if stripped in table.columns else stripped
                out.formats[header] = lambda v: (
                    missing_share if _missing(v) else f"{fmt.number(v, 1)}{fmt.THIN}%"
                )
            else:
                decimals = _decimals(table[name])
                out.formats[name] = lambda v, d=decimals: fmt.number(None if _missing(v) else v, d)
        elif dtype == pl.Date:
            out.formats[name] = lambda v: fmt.MISSING if _missing(v) else fmt.day(v)
        elif dtype == pl.Datetime:
            out.formats[name] = lambda v: (
                fmt.MISSING if _missing(v) else v.strftime("%d/%m/%Y %H:%M")
            )
        elif dtype == pl.Boolean:
            out.formats[name] = lambda v: fmt.MISSING if _missing(v) else ("oui" if v else "non")
        elif dtype == pl.String:
            values = table[name].drop_nulls()
            if values.len() and values.str.contains(_NUMBERISH.pattern).all():
                out.right.append(name)
                # Counts the masking wrote as text (« 7288 » beside « < 5 » / « masqué »),
                # whatever the page named them: grouped by thousands like every count.
                if values.is_in([fmt.MASKED_COUNT, fmt.MASKED]).any():
                    out.formats[name] = _shown_count
            continue
        else:
            continue
        if header != name:
            renames[name] = header
        if dtype.is_numeric() or name in counts:
            out.right.append(header)
    out.frame = table.rename(renames) if renames else table
    return out
