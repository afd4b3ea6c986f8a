"""Bytes of an uploaded file → a table of strings (EXPORT_FORMAT §2).

What this module decides, so that every caller numbers rows the same way:

- The **header** is the first non-empty line (a line holding only spaces and delimiters, as
  spreadsheets write for an empty row, counts as empty).
- `row_number` counts **data lines from 1**: the header is not a row, and empty lines (blank, or
  only delimiters) are not data lines either, so they take no number. A CSV record whose quoted
  field spans several physical lines is one data line.
- Values are trimmed; an empty value is null. A column with a blank header and no value at all
  is ignored; a column with a blank header but some values is kept under the name
  « colonne N » (N counted from 1 in the file) so that the values are not lost.
- A file with no header, or a header and no data line, is refused whole
  (« fichier vide : aucune ligne de données »), as is anything that is not text or an `.xlsx`
  workbook.

CSV: the encoding is UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (UTF-16 with a
BOM, what Excel writes as « texte Unicode », is read too); the delimiter is the one of `;` tab `,`
`|` that occurs most in the header line outside quotes; line endings LF or CRLF; RFC 4180 quoting.
XLSX (recognised by its content, not its name): the first sheet; date cells become
`YYYY-MM-DD HH:MM:SS` text and whole numbers lose their `.0`, so the same parsers apply.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass

import polars as pl

from parcours.core.errors import FileRejected
from parcours.upload.limits import UploadLimits, check_size, number, refused
from parcours.upload.parsing import ascii_digits

DELIMITERS = (";", "\t", ",", "|")
ROW_NUMBER = "row_number"
# Values found beyond the header's last column, joined by the delimiter (null when none).
OVERFLOW = "_overflow"
_OVERFLOW_COLUMNS = 64

_ZIP_MAGIC = b"PK\x03\x04"
_BINARY_MAGICS = {
    b"\xd0\xcf\x11\xe0": (
        "un classeur Excel ancien (.xls) ou protégé par un mot de passe : enregistrez-le sans "
        "mot de passe en .xlsx ou en CSV"
    ),
    b"%PDF": "un document PDF",
    b"\x89PNG": "une image",
    b"\xff\xd8\xff": "une image",
    b"GIF8": "une image",
}
# Control characters no text export holds (tab, newlines, vertical tab and form feed are text;
# a final Ctrl-Z, the old DOS end-of-file mark, is removed before this check).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_EMPTY_LINE = re.compile(r"^[\s;,\t|]*$")

EMPTY_FILE = "fichier vide : aucune ligne de données"


@dataclass
class RawTable:
    """A file as read: original header texts and one String column per header.

    `frame` has `row_number` (Int32) first, then one column per header, named `c0`, `c1`, …
    (headers may repeat or be blank, so they cannot be column names), and, only when some line
    has more values than the header has columns, `_overflow`: that line's surplus values.
    """

    headers: list[str]
    frame: pl.DataFrame
    file_format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.headers))]

    @property
    def height(self) -> int:
        return self.frame.height


def read_table(content: bytes, file_name: str, limits: UploadLimits | None = None) -> RawTable:
    """Read an uploaded CSV or XLSX file; raise `FileRejected` (French) when it cannot be read
    or breaks one of the `limits` (size, lines, columns, cells, value length; for `.xlsx` also
    the zip and XML checks of `parcours.upload.xlsx_guard`, made before the sheet is read)."""
    limits = limits or UploadLimits.from_env()
    check_size(file_name, len(content), limits)
    if not content or content.isspace():
        raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
    if content.startswith(_ZIP_MAGIC):
        return _read_xlsx(content, file_name, limits)
    for magic, what in _BINARY_MAGICS.items():
        if content.startswith(magic):
            raise FileRejected(f"{file_name} : fichier illisible, c'est {what}.")
    text, encoding, utf8 = _decode(content, file_name)
    return _read_csv(text, encoding, file_name, limits, utf8=utf8)


# --- CSV -------------------------------------------------------------------------------------


def _decode(content: bytes, file_name: str) -> tuple[str, str, bytes | None]:
    """(text, encoding, the text's UTF-8 bytes when they came for free, else None)."""
    encoding = "utf-8"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "utf-16", None
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: judged as bytes below
    elif content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
        encoding = "utf-8-sig"
    if b"\x00" in content:
        raise FileRejected(
            f"{file_name} : fichier illisible (contenu binaire). "
            "Envoyez un fichier CSV ou un classeur .xlsx."
        )
    content = content.rstrip(b"\x1a")
    utf8 = None
    end = content.find(b"\n")
    if end != -1 and content[end + 1 :].isascii():
        # Accents and « N° » usually sit in the header only: when the rest is ASCII, only the
        # first line is decoded by table, and the parser gets the rest as it came.
        head, body = content[: end + 1], content[end + 1 :]
        head_text, encoding = _decode_text(head, encoding)
        text = head_text + body.decode("ascii")
        utf8 = head_text.encode("utf-8") + body
    else:
        text, encoding = _decode_text(content, encoding)
    if _CONTROL_CHARS.search(text[:65536]):
        raise FileRejected(
            f"{file_name} : fichier illisible (caractères de contrôle). "
            "Envoyez un fichier CSV ou un classeur .xlsx."
        )
    return text, encoding, utf8


def _decode_text(content: bytes, encoding: str) -> tuple[str, str]:
    """UTF-8, else Windows-1252, else Latin-1 (which decodes anything)."""
    try:
        return content.decode("utf-8"), encoding
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            # Bytes undefined in Windows-1252 (0x81, 0x8d…).
            return content.decode("latin-1"), "latin-1"


def detect_delimiter(header_line: str) -> str:
    """The delimiter occurring most in the header line outside quoted parts (`;` wins ties)."""
    unquoted = _QUOTED.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _skip_leading_empty_lines(text: str) -> str:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        line = text[start:] if end == -1 else text[start:end]
        if not _EMPTY_LINE.match(line):
            return text[start:]
        if end == -1:
            return ""
        start = end + 1
    return ""


def _polars_csv(data: bytes, delimiter: str, width: int | None = None) -> pl.DataFrame:
    if width is not None:
        # Polars takes the number of columns from the first line: a line of `width` empty
        # fields comes first (it is an empty line, dropped like the others).
        data = (delimiter * (width - 1) + "\n").encode("utf-8") + data
    return pl.read_csv(
        data,
        separator=delimiter,
        has_header=False,
        infer_schema=False,
        quote_char='"',
        truncate_ragged_lines=width is not None,
    )


def _parse_fast(
    text: str, first_line: str, delimiter: str, utf8: bytes | None = None
) -> tuple[int, pl.DataFrame]:
    """(header width, frame) with polars; lines longer than the header make the frame wider.
    `utf8`: `text` already encoded, when the caller has it."""
    data = utf8 if utf8 is not None else text.encode("utf-8")
    try:
        frame = _polars_csv(data, delimiter)
        return frame.width, frame
    except pl.exceptions.ComputeError as error:
        if "more fields" not in str(error):
            raise
    width = _polars_csv(first_line.encode("utf-8"), delimiter).width
    return width, _polars_csv(data, delimiter, width + _OVERFLOW_COLUMNS)


def _parse_lenient(text: str, delimiter: str, max_field: int) -> tuple[int, pl.DataFrame]:
    """The same with Python's csv module in strict mode: slower, but it also takes a quote
    inside an unquoted value (`12" écran`), which polars refuses; an unclosed quote still fails,
    and so does a value longer than `max_field` (a stray quote must not swallow the file)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max_field + 1)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    finally:
        csv.field_size_limit(previous)
    width = len(rows[0])
    # Lines longer than the header keep at most _OVERFLOW_COLUMNS surplus values, as in polars.
    widest = min(max(len(row) for row in rows), width + _OVERFLOW_COLUMNS)
    rows = [row[:widest] for row in rows]
    padded = [row + [""] * (widest - len(row)) for row in rows]
    schema = {f"column_{i}": pl.String for i in range(widest)}
    return width, pl.DataFrame(padded, schema=schema, orient="row")


def _check_csv_shape(text: str, first_line: str, delimiter: str, file_name: str, limits) -> None:
    """Lines, columns and cells counted on the text, before any parser builds a table."""
    columns = _QUOTED.sub("", first_line).count(delimiter) + 1
    if columns > limits.max_columns:
        raise FileRejected(
            refused(
                file_name,
                f"l'en-tête compte {number(columns)} colonnes, plus que le maximum de "
                f"{number(limits.max_columns)} colonnes.",
            )
        )
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines - 1 > limits.max_rows:
        raise FileRejected(
            refused(
                file_name,
                f"le fichier compte {number(lines)} lignes, plus que le maximum de "
                f"{number(limits.max_rows)} lignes de données. Envoyez-le en plusieurs fichiers "
                "(par exemple un par année).",
            )
        )
    if (lines - 1) * columns > limits.max_cells:
        raise FileRejected(
            refused(
                file_name,
                f"{number(lines - 1)} lignes × {number(columns)} colonnes, soit "
                f"{number((lines - 1) * columns)} valeurs, plus que le maximum de "
                f"{number(limits.max_cells)} valeurs. Envoyez-le en plusieurs fichiers.",
            )
        )


def _field_too_long(
    file_name: str, limits: UploadLimits, row: int | None = None, *, line: int | None = None
) -> FileRejected:
    where = f" (enregistrement n° {number(row)} du fichier, en-tête compris)" if row else ""
    if line:
        where = f" (à partir de la ligne {number(line)} du fichier, en-tête compris)"
    return FileRejected(
        refused(
            file_name,
            f"une valeur dépasse {number(limits.max_field_chars)} caractères{where}, le maximum "
            "d'une cellule d'Excel : un guillemet ouvert n'est sans doute pas refermé, et la "
            "suite du fichier serait lue comme une seule valeur.",
        )
    )


def _csv_error(error: csv.Error, file_name: str, limits: UploadLimits, line: int | None = None):
    if "field larger than field limit" in str(error):
        return _field_too_long(file_name, limits, line=line)
    if "end of data" in str(error):
        reason = "un guillemet ouvert n'est pas refermé"
    elif "expected after" in str(error):
        reason = "un guillemet fermant est suivi d'autres caractères"
    else:
        reason = "structure CSV incohérente"
    # The library's own message may quote the file's content: it is not shown.
    return FileRejected(f"{file_name} : fichier CSV illisible ({reason}).")


@functools.cache
def _long_quoted(delimiter: str, max_field: int) -> re.Pattern:
    # A quote opening a value, then more characters without a quote than a value may hold.
    return re.compile(rf'(?:^|{re.escape(delimiter)})"[^"]{{{max_field + 1},}}', re.MULTILINE)


def _check_quotes(text: str, delimiter: str, file_name: str, limits: UploadLimits) -> None:
    """A stray quote makes the rest of the file one value: refused here, in bounded memory,
    before a parser builds that value (polars needs some forty times the file's size for it,
    more than the checking process is given). The pattern only points at a suspect; Python's
    csv module, streamed (no row kept), decides (a value may end with the delimiter, and its
    closing quote then looks like an opening one)."""
    suspect = '"' in text and _long_quoted(delimiter, limits.max_field_chars).search(text)
    if not suspect:
        return
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.max_field_chars + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as error:
        line = text.count("\n", 0, suspect.start() + 1) + 1
        raise _csv_error(error, file_name, limits, line) from None
    finally:
        csv.field_size_limit(previous)


def _read_csv(
    text: str, encoding: str, file_name: str, limits: UploadLimits, utf8: bytes | None = None
) -> RawTable:
    skipped = _skip_leading_empty_lines(text)
    if len(skipped) != len(text):
        utf8 = None  # no longer the same text
    text = skipped
    if not text:
        raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
    end = text.find("\n")
    first_line = text if end == -1 else text[:end]
    delimiter = detect_delimiter(first_line)
    _check_csv_shape(text, first_line, delimiter, file_name, limits)
    _check_quotes(text, delimiter, file_name, limits)
    try:
        width, frame = _parse_fast(text, first_line, delimiter, utf8)
    except pl.exceptions.PolarsError:
        try:
            width, frame = _parse_lenient(text, delimiter, limits.max_field_chars)
        except csv.Error as error:
            raise _csv_error(error, file_name, limits) from None
    overflow = None
    if frame.width > width:
        # Some lines have more values than the header has columns (often an unquoted delimiter
        # inside a value, such as `12,5` in a comma-separated file). Their surplus is kept aside
        # so that those rows are quarantined rather than silently cut.
        surplus = [pl.col(c).str.strip_chars().replace("", None) for c in frame.columns[width:]]
        overflow = frame.select(
            pl.concat_str(surplus, separator=delimiter, ignore_nulls=True)
            .replace("", None)
            .alias(OVERFLOW)
        ).to_series()
        frame = frame.select(frame.columns[:width])
    return _to_table(
        frame,
        file_name,
        "csv",
        limits,
        encoding=encoding,
        delimiter=delimiter,
        multiline='"' in text,
        overflow=overflow,
    )


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(content: bytes, file_name: str, limits: UploadLimits) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        names = set()
    if "xl/workbook.xml" not in names:
        what = "une archive zip et non un classeur .xlsx"
        if "content.xml" in names:
            what = "un classeur OpenDocument (.ods) : enregistrez-le en .xlsx ou en CSV"
        raise FileRejected(f"{file_name} : fichier illisible, c'est {what}.")
    # Zip sizes, XML document types and the sheet's extent, before the reader allocates anything.
    from parcours.upload.xlsx_guard import check_xlsx

    check_xlsx(content, file_name, limits)
    import fastexcel

    try:
        reader = fastexcel.read_excel(content)
        if not reader.sheet_names:
            raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001 — fastexcel raises its own exception types
        # Its message is English (calamine's) and may quote the sheet: it is not shown.
        raise FileRejected(
            f"{file_name} : classeur .xlsx illisible (endommagé, ou d'une variante que Parcours "
            "ne lit pas, comme le format « Open XML strict »). Ouvrez-le dans votre tableur et "
            "enregistrez-le à nouveau au format « Classeur Excel (.xlsx) », ou en CSV."
        ) from None
    if frame.width == 0:
        raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
    frame = frame.select(pl.all().cast(pl.String))
    # Excel keeps `1990` as the float 1990.0; a whole number is written back without `.0`.
    frame = frame.with_columns(pl.all().str.replace(r"^(-?[0-9]+)\.0$", "$1"))
    return _to_table(frame, file_name, "xlsx", limits, multiline=True)


# --- shared ----------------------------------------------------------------------------------

# A decimal digit other than 0-9: full-width ７, Arabic-Indic ٧, mathematical 𝟕…
_OTHER_DIGIT = r"[\p{Nd}--0-9]"


def _ascii_digits(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Values written with non-ASCII digits, rewritten with ASCII ones before any rule reads
    them, so that every national-number test (the number's column, trainee ids, free text,
    extra columns) sees the digits. Only the values holding such digits are touched; the
    screen is cheap (bytes ≠ characters: not ASCII), the exact test runs on the distinct
    non-ASCII values only."""
    updates = []
    for name in names:
        values = frame.get_column(name)
        wide = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
        if not wide.any():
            continue
        odd = values.filter(wide).unique()
        odd = odd.filter(odd.str.contains(_OTHER_DIGIT))
        if odd.is_empty():
            continue
        changed = {v: ascii_digits(v) for v in odd.to_list()}
        updates.append(values.replace(changed).alias(name))
    return frame.with_columns(updates) if updates else frame


def _to_table(
    frame: pl.DataFrame,
    file_name: str,
    file_format: str,
    limits: UploadLimits,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    multiline: bool = False,
    overflow: pl.Series | None = None,
) -> RawTable:
    frame = frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)})
    names = frame.columns
    if frame.height > limits.max_rows + 1:  # lines counted by the parser (xlsx: rows)
        raise FileRejected(
            refused(
                file_name,
                f"{number(frame.height)} lignes, plus que le maximum de "
                f"{number(limits.max_rows)} lignes de données.",
            )
        )
    longest = frame.select(pl.max_horizontal(pl.col(names).str.len_chars().max()).alias("n")).item()
    if longest is not None and longest > limits.max_field_chars:
        position = frame.select(
            pl.any_horizontal(pl.col(names).str.len_chars() > limits.max_field_chars).arg_true()
        ).to_series()
        raise _field_too_long(file_name, limits, position[0] + 1 if len(position) else None)
    if overflow is not None:
        frame = frame.with_columns(overflow)
    if encoding not in ("cp1252", "latin-1"):  # no other digit exists in those encodings
        frame = _ascii_digits(frame, names)
    values = pl.col(names).str.strip_chars()
    if multiline:
        # Quoted values may span lines: one newline convention, whatever the file used.
        values = values.str.replace_all("\r\n", "\n", literal=True)
    frame = frame.with_columns(values.replace("", None))
    # Empty lines and rows of empty cells are not data lines (nor header lines).
    filled = names + ([OVERFLOW] if overflow is not None else [])
    frame = frame.filter(pl.any_horizontal(pl.col(filled).is_not_null()))
    if frame.height == 0:
        raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
    header_row = frame.row(0)
    data = frame.slice(1)
    if data.height == 0:
        raise FileRejected(f"{file_name} : {EMPTY_FILE}.")
    non_null = data.select(pl.col(names).is_not_null().any()).row(0)
    kept = [i for i, name in enumerate(names) if header_row[i] is not None or non_null[i]]
    headers = [header_row[i] or f"colonne {i + 1}" for i in kept]
    data = data.select(
        pl.int_range(1, data.height + 1, dtype=pl.Int32).alias(ROW_NUMBER),
        *(pl.col(names[i]).alias(f"c{j}") for j, i in enumerate(kept)),
        *([pl.col(OVERFLOW)] if overflow is not None else []),
    )
    return RawTable(headers, data, file_format, encoding=encoding, delimiter=delimiter)
