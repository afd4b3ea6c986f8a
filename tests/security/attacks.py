"""Attack files, generated (never stored): each is what a hostile or broken export can look like.

The `.xlsx` ones are written by hand with `zipfile` and literal XML, as an attacker would, so
that no spreadsheet library's own safety nets are involved in making them.
"""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(sheet_xml: str | bytes, extra: dict[str, bytes | str] | None = None) -> bytes:
    """A minimal workbook whose first sheet is `sheet_xml`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def hours_sheet(rows: list[tuple[str, str, str]], dimension: str | None = None) -> str:
    """A legitimate hours sheet (header + rows), for the control cases."""
    lines = [("participant_id", "month", "hours"), *rows]
    body = "".join(
        f'<row r="{i}">'
        + "".join(_cell(f"{col}{i}", v) for col, v in zip("ABC", line, strict=True))
        + "</row>"
        for i, line in enumerate(lines, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{_SHEET_HEAD}{dim}<sheetData>{body}</sheetData></worksheet>"


def xlsx_dimension_bomb() -> bytes:
    """1,6 Ko: the sheet declares A1:XFD1048576 and has one cell at each corner — a reader that
    trusts either builds a 17-billion-cell grid (512 Go)."""
    sheet = (
        f'{_SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1">{_cell("A1", "participant_id")}</row>'
        f'<row r="1048576">{_cell("XFD1048576", "x")}</row>'
        "</sheetData></worksheet>"
    )
    return xlsx(sheet)


def xlsx_corner_cells_bomb(rows: int = 1_048_576, last_column: str = "GR") -> bytes:
    """No <dimension> at all, the 1M-row × 200-column variant: cells at A1 and at GR1048576
    only, so only the cells' own references tell the extent."""
    sheet = (
        f"{_SHEET_HEAD}<sheetData>"
        f'<row r="1">{_cell("A1", "participant_id")}{_cell("B1", "month")}'
        f"{_cell('C1', 'hours')}</row>"
        f'<row r="{rows}">{_cell(f"{last_column}{rows}", "x")}</row>'
        "</sheetData></worksheet>"
    )
    return xlsx(sheet)


def xlsx_zip_bomb(megabytes: int = 200) -> bytes:
    """A sheet member that inflates a thousandfold: megabytes of one repeated padding byte
    (whitespace, so it is even valid XML)."""
    padding = b" " * (megabytes * 1024 * 1024)
    sheet = hours_sheet([("P1", "03/2024", "12")]).encode()
    head, tail = sheet.split(b"<sheetData>")
    return xlsx(head + padding + b"<sheetData>" + tail)


def xlsx_billion_laughs() -> bytes:
    """Entity expansion (« billion laughs ») in the shared strings: 10 levels × 10 = 10^10."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 11)
    ]
    shared = (
        '<?xml version="1.0"?><!DOCTYPE sst [' + "".join(levels) + "]>"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>&lol10;</t></si></sst>'
    )
    return xlsx(hours_sheet([("P1", "03/2024", "12")]), {"xl/sharedStrings.xml": shared})


def csv_stray_quote(rows: int = 400_000) -> bytes:
    """An hours export where line 5 opens a quote that never closes: a naive reader makes the
    rest of the file one giant value."""
    lines = ["participant_id;month;hours"] + [f"P{i};03/2024;{i % 200}" for i in range(rows)]
    lines[5] = 'P4;"03/2024;12'
    return ("\n".join(lines) + "\n").encode()


def csv_wide(columns: int = 100_000) -> bytes:
    """2,7 Mo of header: 100 000 columns (the contract's three, then 99 997 extras)."""
    header = ["participant_id", "month", "hours"] + [f"x{i}" for i in range(columns - 3)]
    return (";".join(header) + "\n" + ";".join(["P1", "03/2024", "5"]) + "\n").encode()


def csv_too_large(megabytes: int = 51) -> bytes:
    """A valid hours CSV just over the size limit."""
    line = b"P1;03/2024;12\n"
    return b"participant_id;month;hours\n" + line * (megabytes * 1024 * 1024 // len(line) + 1)


def csv_many_lines(lines: int) -> bytes:
    """A valid hours CSV of `lines` data lines."""
    return b"participant_id;month;hours\n" + b"P1;03/2024;12\n" * lines


VALID_HOURS_CSV = b"participant_id;month;hours\nP1;03/2024;12\nP2;03/2024;20\n"
