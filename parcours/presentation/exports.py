"""What a download holds: tables as CSV or XLSX bytes and their file names, with every text cell a
spreadsheet could take for a formula neutralised (OWASP « CSV injection »).

A partner name, a quarantined value or an uploaded file's name comes from a centre's file; one
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in
another person's Excel. Such a text cell gets a leading single quote, which spreadsheets show
as text. Numbers stay numbers (a negative count in a numeric column is not text). Every
download of the dashboard goes through `csv_bytes` / `xlsx_bytes` and `safe_file_name`.
"""

from __future__ import annotations

import io
import re
import unicodedata

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def neutralise_text(value: str | None) -> str | None:
    """`'=1+1` for `=1+1`; other text unchanged."""
    if value is None or not value.startswith(FORMULA_STARTS):
        return value
    return "'" + value


def neutralise(table: pl.DataFrame) -> pl.DataFrame:
    """The table with its text cells neutralised; numeric, date and boolean columns untouched.
    Column names are text cells too (a header can come from an uploaded file)."""
    text = [name for name, dtype in table.schema.items() if isinstance(dtype, _TEXT_TYPES)]
    pattern = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    out = table.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(pattern))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )
    renames = {name: neutralise_text(name) for name in out.columns}
    return out.rename({k: v for k, v in renames.items() if k != v})


def csv_bytes(table: pl.DataFrame) -> bytes:
    """CSV as Belgian Excel opens it: `;` separator, decimal comma, UTF-8 with BOM; text cells
    neutralised."""
    return (
        neutralise(table)
        .write_csv(separator=";", decimal_comma=True, include_bom=True)
        .encode("utf-8")
    )


def xlsx_bytes(table: pl.DataFrame, sheet: str = "Tableau") -> bytes:
    """One sheet of an `.xlsx` workbook; text cells neutralised and written as strings, never
    as formulas (xlsxwriter otherwise turns a string starting with `=` into one)."""
    from xlsxwriter import Workbook

    buffer = io.BytesIO()
    with Workbook(buffer, {"in_memory": True, "strings_to_formulas": False}) as workbook:
        neutralise(table).write_excel(workbook=workbook, worksheet=sheet[:31] or "Tableau")
    return buffer.getvalue()


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_file_name(name: str, default: str = "export") -> str:
    """A download's file name: no folder, no control or reserved character, not starting like
    a formula or a hidden file, at most 120 characters (the extension kept)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = _UNSAFE_IN_NAME.sub("_", text).strip(" ._")
    while text and (text.startswith(FORMULA_STARTS) or text[0] in "'._ "):
        text = text[1:]
    if not text:
        return default
    stem, dot, ext = text.rpartition(".")
    if dot and 0 < len(ext) <= 5 and stem:
        return f"{stem[: 120 - len(ext) - 1]}.{ext}"
    return text[:120]
