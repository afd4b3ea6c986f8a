"""Pure value parsers for the export format (EXPORT_FORMAT §2).

Each parser exists twice, with the same rules: a scalar function (`parse_date("15/03/2024")`),
used by tests and by the code that explains a failing value, and a polars expression builder
(`date_expr(pl.col("x"))`) that validation applies to whole columns. An expression yields null
where the text is not a valid value; callers tell "missing" from "invalid" by looking at the input.
Both forms share the regular expressions below, so they cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from parcours.contract import fold

# --- dates -----------------------------------------------------------------------------------
# Always day first. An optional time part (`00:00`, `00:00:00`, `00:00:00.000`) is ignored.
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
ISO_DATE = rf"^([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_TIME}$"
# The same separator twice (Rust regex has no backreferences, hence one branch per separator).
DAY_FIRST_DATE = (
    rf"^([0-9]{{1,2}})(?:/([0-9]{{1,2}})/|-([0-9]{{1,2}})-|\.([0-9]{{1,2}})\.)([0-9]{{4}}){_TIME}$"
)
# Months: `2024-03`, `03/2024` (also `03-2024`, `03.2024`); any accepted date also gives its month.
ISO_MONTH = r"^([0-9]{4})-([0-9]{1,2})$"
MONTH_FIRST = r"^([0-9]{1,2})[/.\-]([0-9]{4})$"
# Numbers: `12.5` or `12,5`; no thousands separator (the bounded values never need one).
DECIMAL = r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$"
# Integers may carry a zero decimal part, as spreadsheets write `1990.0`.
INTEGER = r"^[+-]?[0-9]+(?:[.,]0*)?$"

_ISO_DATE_RE = re.compile(ISO_DATE)
_DAY_FIRST_RE = re.compile(DAY_FIRST_DATE)
_ISO_MONTH_RE = re.compile(ISO_MONTH)
_MONTH_FIRST_RE = re.compile(MONTH_FIRST)
_DECIMAL_RE = re.compile(DECIMAL)
_INTEGER_RE = re.compile(INTEGER)

TRUE_WORDS = ("oui", "yes", "vrai", "true", "1")
FALSE_WORDS = ("non", "no", "faux", "false", "0")


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """`2024-03-15`, `15/03/2024`, `15-03-2024`, `15.03.2024`, optionally followed by a time part;
    None when the text is not a real date (31/02/2024 included)."""
    if text is None:
        return None
    text = text.strip()
    if m := _ISO_DATE_RE.match(text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DAY_FIRST_RE.match(text):
        return _safe_date(int(m[5]), int(m[2] or m[3] or m[4]), int(m[1]))
    return None


def parse_month(text: str | None) -> date | None:
    """`2024-03`, `03/2024` or any accepted date → the first day of its month."""
    if text is None:
        return None
    text = text.strip()
    if m := _ISO_MONTH_RE.match(text):
        return _safe_date(int(m[1]), int(m[2]), 1)
    if m := _MONTH_FIRST_RE.match(text):
        return _safe_date(int(m[2]), int(m[1]), 1)
    day = parse_date(text)
    return day.replace(day=1) if day else None


def parse_decimal(text: str | None) -> float | None:
    """`12.5` or `12,5`."""
    if text is None or not _DECIMAL_RE.match(text.strip()):
        return None
    return float(text.strip().replace(",", "."))


def parse_int(text: str | None) -> int | None:
    """`1990`, also `1990.0` as spreadsheets write it."""
    if text is None or not _INTEGER_RE.match(text.strip()):
        return None
    return int(re.split(r"[.,]", text.strip())[0])


def parse_bool(text: str | None) -> bool | None:
    """oui/non, yes/no, vrai/faux, true/false, 1/0 (any case, accents ignored)."""
    if text is None:
        return None
    folded = fold(text)
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return None


# --- Belgian national number (NISS / numéro de registre national) ----------------------------
# 11 digits once punctuation is removed; letters make it invalid. The check is
# 97 - (first 9 digits mod 97) == last 2, or for people born from 2000 the same computed on
# "2" followed by the 9 digits.
_NISS_PUNCTUATION = r"[\s.\-/_,]"
_NISS_PUNCTUATION_RE = re.compile(_NISS_PUNCTUATION)


def _niss_check_ok(base: int, check: int) -> bool:
    return 97 - base % 97 == check or 97 - (2_000_000_000 + base) % 97 == check


def normalise_niss(text: str | None) -> str | None:
    """The 11 digits of a valid national number, else None."""
    if text is None:
        return None
    digits = _NISS_PUNCTUATION_RE.sub("", text)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return None
    return digits if _niss_check_ok(int(digits[:9]), int(digits[9:])) else None


def niss_check_digits(first9: str, born_from_2000: bool = False) -> str:
    """The two check digits that make `first9` a valid national number (used by tests and demos)."""
    base = int(first9) + (2_000_000_000 if born_from_2000 else 0)
    return f"{97 - base % 97:02d}"


# --- polars expressions ----------------------------------------------------------------------


def _ymd_to_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    # Going through text with strict=False turns impossible dates (31/02) into null rather
    # than an error.
    text = pl.format(
        "{}-{}-{}",
        year,
        month.str.zfill(2),
        day.str.zfill(2),
    )
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def date_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Date (null when missing or invalid), same rules as `parse_date`."""
    iso = expr.str.extract_groups(ISO_DATE)
    day_first = expr.str.extract_groups(DAY_FIRST_DATE)
    return pl.coalesce(
        _ymd_to_date(iso.struct[0], iso.struct[1], iso.struct[2]),
        _ymd_to_date(
            day_first.struct[4],
            pl.coalesce(day_first.struct[1], day_first.struct[2], day_first.struct[3]),
            day_first.struct[0],
        ),
    )


def month_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Date of the first day of the month, same rules as `parse_month`."""
    iso = expr.str.extract_groups(ISO_MONTH)
    month_first = expr.str.extract_groups(MONTH_FIRST)
    return pl.coalesce(
        _ymd_to_date(iso.struct[0], iso.struct[1], pl.lit("01")),
        _ymd_to_date(month_first.struct[1], month_first.struct[0], pl.lit("01")),
        date_expr(expr).dt.truncate("1mo"),
    )


def decimal_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Float64, same rules as `parse_decimal`."""
    return (
        pl.when(expr.str.contains(DECIMAL))
        .then(expr.str.replace(",", ".", literal=True))
        .otherwise(None)
        .cast(pl.Float64, strict=False)
    )


def int_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Int64, same rules as `parse_int`."""
    return (
        pl.when(expr.str.contains(INTEGER))
        .then(expr.str.extract(r"^([+-]?[0-9]+)", 1))
        .otherwise(None)
        .cast(pl.Int64, strict=False)
    )


def bool_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Boolean, same rules as `parse_bool` (the folding of these words is lower case)."""
    lowered = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered.is_in(TRUE_WORDS))
        .then(True)
        .when(lowered.is_in(FALSE_WORDS))
        .then(False)
        .otherwise(None)
    )


def niss_expr(expr: pl.Expr) -> pl.Expr:
    """Text → the 11 digits of a valid national number (null when missing or invalid)."""
    digits = expr.str.replace_all(_NISS_PUNCTUATION, "")
    shaped = digits.str.contains(r"^[0-9]{11}$")
    base = digits.str.slice(0, 9).cast(pl.Int64, strict=False)
    check = digits.str.slice(9, 2).cast(pl.Int64, strict=False)
    valid = shaped & (
        (pl.lit(97) - base % 97 == check) | (pl.lit(97) - (base + 2_000_000_000) % 97 == check)
    )
    return pl.when(valid).then(digits).otherwise(None)
