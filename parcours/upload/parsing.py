"""Pure value parsers for the export format (EXPORT_FORMAT §2).

Each parser exists twice, with the same rules: a scalar function (`parse_date("15/03/2024")`),
used by tests and by the code that explains a failing value, and a polars expression builder
(`date_expr(pl.col("x"))`) that validation applies to whole columns. An expression yields null
where the text is not a valid value; callers tell "missing" from "invalid" by looking at the input.
Both forms share the regular expressions below, so they cannot drift apart. Values arrive trimmed
(reading trims them), so no parser trims: `"15/03/2024 "` is not a date here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import polars as pl

# --- dates -----------------------------------------------------------------------------------
# Always day first. An optional time part (`00:00`, `00:00:00`, `00:00:00.000`) is ignored.
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
ISO_DATE = rf"^([1-9][0-9]{{3}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_TIME}$"
# The same separator twice (Rust regex has no backreferences, hence one branch per separator).
_DAY_MONTH = r"([0-9]{1,2})(?:/([0-9]{1,2})/|-([0-9]{1,2})-|\.([0-9]{1,2})\.)"
DAY_FIRST_DATE = rf"^{_DAY_MONTH}([1-9][0-9]{{3}}){_TIME}$"
# Months: `2024-03`, `03/2024` (also `03-2024`, `03.2024`); any accepted date also gives its month.
ISO_MONTH = r"^([1-9][0-9]{3})-([0-9]{1,2})$"
MONTH_FIRST = r"^([0-9]{1,2})[/.\-]([1-9][0-9]{3})$"
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
    if m := _ISO_DATE_RE.fullmatch(text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DAY_FIRST_RE.fullmatch(text):
        return _safe_date(int(m[5]), int(m[2] or m[3] or m[4]), int(m[1]))
    return None


def parse_month(text: str | None) -> date | None:
    """`2024-03`, `03/2024` or any accepted date → the first day of its month."""
    if text is None:
        return None
    if m := _ISO_MONTH_RE.fullmatch(text):
        return _safe_date(int(m[1]), int(m[2]), 1)
    if m := _MONTH_FIRST_RE.fullmatch(text):
        return _safe_date(int(m[2]), int(m[1]), 1)
    day = parse_date(text)
    return day.replace(day=1) if day else None


def parse_decimal(text: str | None) -> float | None:
    """`12.5` or `12,5`."""
    if text is None or not _DECIMAL_RE.fullmatch(text):
        return None
    return float(text.replace(",", "."))


def parse_int(text: str | None) -> int | None:
    """`1990`, also `1990.0` as spreadsheets write it."""
    if text is None or not _INTEGER_RE.fullmatch(text):
        return None
    return int(re.split(r"[.,]", text)[0])


def parse_bool(text: str | None) -> bool | None:
    """oui/non, yes/no, vrai/faux, true/false, 1/0 (any case)."""
    if text is None:
        return None
    folded = text.strip().lower()
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return None


# --- Belgian national number (NISS / numéro de registre national) ----------------------------
# 11 digits once punctuation is removed; letters make it invalid. Checked by python-stdnum: the
# national register number (`stdnum.be.nn`: mod-97 check, with the « 2 » prefix for people born
# from 2000, AND a real birth date — month and day may be 00 when unknown — not in the future)
# or the BIS number of the Crossroads Bank (`stdnum.be.bis`: month + 20 or + 40), which people
# without a national number get. The birth-date part cuts false positives: a random 11-digit
# sequence passes mod 97 once in 97; far fewer also encode a possible birth date.
_NISS_PUNCTUATION = r"[\s.\-/_,]"
_NISS_PUNCTUATION_RE = re.compile(_NISS_PUNCTUATION)
# 11 digits, each pair separated by at most one space, dot, dash or slash, with no digit right
# before or after: a national number as people write it inside a sentence. A lookahead, so that
# overlapping candidates are all tried.
_NISS_IN_TEXT_RE = re.compile(r"(?<![0-9])(?=([0-9](?:[\s.\-/]?[0-9]){10})(?![0-9]))")
# The same shape for polars (Rust regex, no lookaround): a cheap filter before the exact check.
NISS_CANDIDATE = r"[0-9](?:[\s.\-/]?[0-9]){10}"


def ascii_digits(text: str) -> str:
    """NFKC (full-width and other compatibility forms), then every remaining decimal digit to
    its ASCII digit: « ７９０１… » and « ٧٩٠١… » are national numbers like « 7901… ». Reading
    applies it to every value holding such digits, before any rule looks at it."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def is_niss(digits: str) -> bool:
    """Whether 11 digits are a valid national register or BIS number (stdnum, imported on
    first use: a file without any 11-digit value never needs it, and it costs a tenth of a
    second at the start of every checking process)."""
    from stdnum.be import bis, nn

    return nn.is_valid(digits) or bis.is_valid(digits)


def normalise_niss(text: str | None) -> str | None:
    """The 11 digits of a valid national number, else None."""
    if text is None:
        return None
    digits = _NISS_PUNCTUATION_RE.sub("", ascii_digits(text))
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return None
    return digits if is_niss(digits) else None


def niss_spans(text: str) -> list[tuple[int, int]]:
    """Where valid national numbers stand in a free text (start, end), in order."""
    spans: list[tuple[int, int]] = []
    for match in _NISS_IN_TEXT_RE.finditer(text):
        start, end = match.span(1)
        if spans and start < spans[-1][1]:
            continue
        if is_niss(re.sub(r"[^0-9]", "", match[1])):
            spans.append((start, end))
    return spans


def mask_niss_in_text(text: str) -> str:
    """The text with the digits of every national number in it replaced by `•`."""
    spans = niss_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(re.sub(r"[0-9]", "•", text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def niss_check_digits(first9: str, born_from_2000: bool = False) -> str:
    """The two check digits that make `first9` a valid national number (used by demos)."""
    base = int(first9) + (2_000_000_000 if born_from_2000 else 0)
    return f"{97 - base % 97:02d}"


# --- polars expressions ----------------------------------------------------------------------


def _ymd_to_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    # Going through text with strict=False turns impossible dates (31/02) into null rather
    # than an error.
    text = pl.format("{}-{}-{}", year, month.str.zfill(2), day.str.zfill(2))
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _any_date(expr: pl.Expr) -> pl.Expr:
    """Every accepted date shape, by regular expression (the general, slower path)."""
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


def _strptime_when(shape: str, expr: pl.Expr, fmt: str) -> pl.Expr:
    # The shape is checked first: strptime alone would accept more than the contract says.
    return pl.when(expr.str.contains(shape)).then(expr.str.strptime(pl.Date, fmt, strict=False))


# A column usually holds one shape: each step parses what the previous ones left, so the common
# case costs one pass of a cheap check and one strptime instead of every regular expression.
_DATE_STEPS = (
    lambda v: _strptime_when(r"^[0-9]{1,2}/[0-9]{1,2}/[1-9][0-9]{3}$", v, "%d/%m/%Y"),
    lambda v: _strptime_when(r"^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}$", v, "%Y-%m-%d"),
    _any_date,
)
_MONTH_STEPS = (
    lambda v: pl.when(v.str.contains(r"^[0-9]{1,2}/[1-9][0-9]{3}$")).then(
        pl.concat_str(pl.lit("01/"), v).str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    ),
    lambda v: pl.when(v.str.contains(ISO_MONTH)).then(
        pl.concat_str(v, pl.lit("-01")).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    ),
    lambda v: pl.when(v.str.contains(MONTH_FIRST)).then(
        pl.concat_str(pl.lit("01/"), v.str.replace(r"[.\-]", "/")).str.strptime(
            pl.Date, "%d/%m/%Y", strict=False
        )
    ),
    lambda v: pl.coalesce(*(step(v) for step in _DATE_STEPS)).dt.truncate("1mo"),
)


def _cascade(series: pl.Series, steps) -> pl.Series:
    """Apply `steps` in turn, each only to the values the previous steps could not parse."""
    frame = series.to_frame("v")
    result = frame.select(steps[0](pl.col("v")).alias(series.name)).to_series()
    if len(steps) == 1:
        return result
    left = (result.is_null() & series.is_not_null()).arg_true()
    if left.is_empty():
        return result
    rest = _cascade(series.gather(left), steps[1:])
    return result.scatter(left, rest)


def parse_dates(series: pl.Series) -> pl.Series:
    """Text Series → Date Series (null when missing or invalid), same rules as `parse_date`."""
    return _cascade(series.cast(pl.String), _DATE_STEPS)


def parse_months(series: pl.Series) -> pl.Series:
    """Text Series → first day of the month, same rules as `parse_month`."""
    return _cascade(series.cast(pl.String), _MONTH_STEPS)


def date_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Date (null when missing or invalid), same rules as `parse_date`."""
    return expr.map_batches(parse_dates, return_dtype=pl.Date)


def month_expr(expr: pl.Expr) -> pl.Expr:
    """Text → Date of the first day of the month, same rules as `parse_month`."""
    return expr.map_batches(parse_months, return_dtype=pl.Date)


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
    """Text → Boolean, same rules as `parse_bool`."""
    lowered = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered.is_in(TRUE_WORDS))
        .then(True)
        .when(lowered.is_in(FALSE_WORDS))
        .then(False)
        .otherwise(None)
    )


def _niss_series(series: pl.Series) -> pl.Series:
    digits = series.cast(pl.String).str.replace_all(_NISS_PUNCTUATION, "")
    shaped = digits.filter(digits.str.contains(r"^[0-9]{11}$").fill_null(False)).unique()
    valid = {d: d for d in shaped.to_list() if is_niss(d)}
    if not valid:
        return pl.Series(series.name, [None] * len(series), dtype=pl.String)
    return digits.replace_strict(valid, default=None, return_dtype=pl.String)


def niss_expr(expr: pl.Expr) -> pl.Expr:
    """Text → the 11 digits of a valid national number (null when missing or invalid), same
    rules as `normalise_niss` (each distinct value checked once: national numbers are few)."""
    return expr.map_batches(_niss_series, return_dtype=pl.String)
