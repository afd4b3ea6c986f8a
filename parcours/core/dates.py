"""Dates as the sector reads them: French month names, month arithmetic, Brussels local time.

One definition each: the analytics, the charts, the demo and the messages all use these.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def today() -> date:
    """The sector's day: the date in Brussels, whatever the server's time zone. A server on UTC
    is still on the day before between midnight and 01:00 in Brussels (02:00 in summer): its
    `date.today()` hid the audit log's latest lines and let a date of tomorrow pass as today's."""
    return datetime.now(BRUSSELS).date()


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_FR_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months; the day is kept, or clamped to the month's last
    (31/01 + 1 month → 28/02 or 29/02). A first of the month stays a first of the month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def local_time(iso: str) -> str:
    """An ISO-8601 UTC time as Belgians read it: 27/11/2026 05:15 (Brussels time)."""
    return datetime.fromisoformat(iso).astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
