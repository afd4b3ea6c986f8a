"""Belgian French formatting for everything the dashboard shows.

Conventions (one choice, used everywhere):
- thousands are grouped with a narrow no-break space (U+202F, `THIN`): `1 234`;
- the decimal mark is a comma: `12,5`;
- a percentage has the same narrow no-break space before `%`: `12,5 %`;
- dates are day first: `15/03/2024`; months are written in French: `mars 2024`.

Missing values are shown as an em dash, never as `nan` or `None`.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from parcours import contract
from parcours.core.dates import MONTHS_FR, MONTHS_FR_SHORT

THIN = "\u202f"
NBSP = "\u00a0"
MISSING = "—"
# What stands for a masked figure (INTERFACES §4; contract/labels.yml, which the masking rule of
# the analytics writes too): a count from 1 to 4, and anything else hidden.
MASKED_COUNT = contract.series_labels("masked")["count"]
MASKED = contract.series_labels("masked")["other"]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, decimals: int = 0) -> str:
    """`1234.5` → `1 234,5` (with `decimals=1`)."""
    if _missing(value):
        return MISSING
    text = f"{value:,.{decimals}f}"
    return text.replace(",", THIN).replace(".", ",")


def integer(value: float | int | None) -> str:
    """`1234` → `1 234`."""
    return number(value, 0)


def percent(ratio: float | None, decimals: int = 1) -> str:
    """A ratio in [0, 1] as a percentage: `0.125` → `12,5 %`."""
    if _missing(ratio):
        return MISSING
    return f"{number(ratio * 100, decimals)}{THIN}%"


def signed(value: float | int | None, decimals: int = 0, unit: str = "") -> str:
    """A change with its sign: `+12`, `-3,5 pts` (with the unit given)."""
    if _missing(value):
        return MISSING
    # ASCII minus: st.metric colours a delta by its leading "-".
    sign = "+" if value > 0 else ("-" if value < 0 else "")
    text = sign + number(abs(value), decimals)
    return f"{text}{THIN}{unit}" if unit else text


def day(value: date | datetime | None) -> str:
    """`date(2024, 3, 15)` → `15/03/2024`."""
    if value is None:
        return MISSING
    return value.strftime("%d/%m/%Y")


def month(value: date | datetime | None, short: bool = False) -> str:
    """`date(2024, 3, 1)` → `mars 2024` (`mars 2024` too with short; `janv. 2024`)."""
    if value is None:
        return MISSING
    names = MONTHS_FR_SHORT if short else MONTHS_FR
    return f"{names[value.month - 1]} {value.year}"


def days(value: float | int | None) -> str:
    """A duration in days: `1 jour`, `45 jours`."""
    if _missing(value):
        return MISSING
    n = round(value)
    return f"{integer(n)} jour" if n in (0, 1) else f"{integer(n)} jours"


def years_label(start: int, end: int) -> str:
    """`2023` or `2022–2024`."""
    return str(start) if start == end else f"{start}–{end}"


def count(value: float | int | None) -> str:
    """A count that may be masked (None, see `parcours.analytics.masking`): `1 234` or `< 5`."""
    return MASKED_COUNT if _missing(value) else integer(value)


def share(value: float | None, decimals: int = 1) -> str:
    """A share that may be masked (None): `12,5 %` or `masqué`."""
    return MASKED if _missing(value) else percent(value, decimals)


def typography(text: str) -> str:
    """French spacing that never breaks a line: « and » held to their words, and the space
    before ; : ! ? made a no-break space (a line never starts with » or ;)."""
    text = text.replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»")
    for mark in (";", ":", "!", "?"):
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text


def shown_text(text: str | None) -> str:
    """A count the masking already wrote as text (`<column>_shown`: « 7288 », « < 5 »,
    « masqué ») as a person reads it: the number grouped by thousands (« 7 288 »), the words as
    they are."""
    if text is None:
        return MISSING
    return integer(int(text)) if text.lstrip("-").isdigit() else text


def shown_count(row: dict, key: str, show=None) -> str:
    """A count of a masked frame as a person reads it: the number (`show`, default `count`),
    or what stands for it when masked — « < 5 » for a count under 5, « masqué » for one masked
    so that a total does not give a small one away (`<key>_shown`, `analytics.masking`)."""
    value = row[key]
    if value is not None:
        return (show or count)(value)
    return row.get(f"{key}_shown") or count(None)


def shown_share(value: float | None, masked: bool) -> str:
    """A share or rate as shown: « masqué » only when it is masked; « — » when there is
    nothing to divide."""
    if masked:
        return MASKED
    return MISSING if value is None else share(value)
