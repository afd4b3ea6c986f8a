"""An `.xlsx` workbook checked BEFORE any spreadsheet reader opens it.

A workbook is a zip of XML files, and both layers can be turned into weapons: a 1,6 Ko file whose
sheet has one cell at A1 and one at XFD1048576 makes a reader allocate the whole grid (17 billion
cells, 512 Go); a zip member can inflate a thousandfold; an XML document type can define entities
that expand exponentially (« billion laughs »). So, from the bytes alone and in bounded memory:

1. the zip directory: number of members, total uncompressed size, compression ratio of each
   large member (`UploadLimits.max_xlsx_uncompressed`, `max_xlsx_ratio`);
2. every XML member is read (streamed, at most its declared size) and refused if it holds a
   document type declaration (`<!DOCTYPE`, hence no entity can be defined); `xl/workbook.xml`
   and its relationships are parsed with defusedxml, which refuses DTDs and entities too;
3. the first sheet is scanned as a stream: its declared `<dimension>`, and the extent actually
   used by its cells (highest row × highest column, cells without a reference counted by
   position), against the row, column and cell limits.

Nothing here builds the sheet: the reader (fastexcel) only runs once all of this passed, and even
then inside the memory-limited checking process (`parcours.upload.isolation`).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from parcours.core.errors import FileRejected
from parcours.upload.limits import UploadLimits, megabytes, number, refused

MAX_MEMBERS = 10_000
# Members smaller than this are not judged on their ratio (a tiny styles.xml may compress 50×).
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*["\']([^"\']*)["\']')
_REF_ATTR = re.compile(rb'(?:^|\s)ref\s*=\s*["\']([^"\']*)["\']')
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,12})\$?([0-9]{1,18})$")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _reject(file_name: str, reason: str) -> FileRejected:
    return FileRejected(refused(file_name, reason))


def column_number(letters: str) -> int:
    """`A` → 1, `Z` → 26, `AA` → 27, `XFD` → 16384."""
    value = 0
    for ch in letters.upper():
        value = value * 26 + (ord(ch) - 64)
    return value


def _cell(ref: str) -> tuple[int, int] | None:
    """`XFD1048576` → (1048576, 16384)."""
    match = _CELL_REF.match(ref.strip())
    if not match:
        return None
    return int(match[2]), column_number(match[1])


def check_xlsx(content: bytes, file_name: str, limits: UploadLimits) -> None:
    """Raise `FileRejected` (French, naming the limit) unless the workbook is safe to read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject(file_name, "archive .xlsx endommagée (zip illisible).") from None
    with archive:
        infos = archive.infolist()
        _check_directory(infos, file_name, limits)
        for info in infos:
            # Every member, whatever its name: a part's name does not decide how it is read.
            if not info.is_dir():
                _check_no_doctype(archive, info, file_name)
        sheet = _first_sheet(archive, file_name)
        if sheet is not None:
            _check_sheet(archive, archive.getinfo(sheet), file_name, limits)


def _check_directory(infos: list[zipfile.ZipInfo], file_name: str, limits: UploadLimits) -> None:
    if len(infos) > MAX_MEMBERS:
        raise _reject(
            file_name,
            f"le classeur contient {number(len(infos))} fichiers internes "
            f"(au plus {number(MAX_MEMBERS)}) : ce n'est pas un classeur ordinaire.",
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_xlsx_uncompressed:
        raise _reject(
            file_name,
            f"une fois décompressé, le classeur ferait {megabytes(total)}, plus que le maximum "
            f"de {megabytes(limits.max_xlsx_uncompressed)}. Enregistrez-le en CSV ou "
            "envoyez-le en plusieurs fichiers.",
        )
    for info in infos:
        if info.file_size < _RATIO_FLOOR:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_xlsx_ratio:
            raise _reject(
                file_name,
                f"taux de compression anormal ({ratio:.0f}×, au plus {limits.max_xlsx_ratio}×) "
                f"pour « {info.filename} » : ce n'est pas un classeur ordinaire.",
            )


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str):
    """The member's bytes in chunks, never more than its declared size (a zip header may lie:
    what lies beyond is refused, not read)."""
    left = info.file_size
    try:
        with archive.open(info) as member:
            while True:
                chunk = member.read(min(_CHUNK, left + 1))
                if not chunk:
                    return
                left -= len(chunk)
                if left < 0:
                    raise _reject(file_name, "archive .xlsx incohérente (taille déclarée fausse).")
                yield chunk
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise _reject(file_name, "archive .xlsx endommagée ou chiffrée.") from None
    except RuntimeError:  # encrypted member
        raise _reject(file_name, "classeur protégé par un mot de passe.") from None


def _check_no_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str) -> None:
    tail = b""
    for chunk in _stream(archive, info, file_name):
        if _DOCTYPE.search(tail + chunk):
            raise _reject(
                file_name,
                "le classeur contient une déclaration de type de document XML (DOCTYPE / "
                "ENTITY), que jamais un tableur n'écrit et qui peut servir à saturer le "
                "serveur.",
            )
        tail = chunk[-16:]


def _read_small(archive: zipfile.ZipFile, name: str, file_name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > 16 * 1024 * 1024:
        raise _reject(file_name, f"« {name} » est anormalement grand.")
    return b"".join(_stream(archive, info, file_name))


def _parse(data: bytes, name: str, file_name: str):
    try:
        return safe_xml.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _reject(file_name, f"« {name} » contient des entités XML, refusées.") from None
    except safe_xml.ParseError:
        raise _reject(file_name, f"« {name} » n'est pas du XML valide.") from None


def _local(tag: str) -> str:
    """`{namespace}sheet` → `sheet`: transitional and strict OOXML (ISO 29500 « strict », other
    namespaces) name the same elements."""
    return tag.rsplit("}", 1)[-1]


def _first_sheet(archive: zipfile.ZipFile, file_name: str) -> str | None:
    """The zip path of the workbook's first sheet (the one that is read), whatever the
    namespace (transitional or strict) and whatever the part's name (`sheet1.xml`, `feuille`,
    `sheet1.bin.xml`…): the workbook's relationships say which part it is. A workbook whose
    first sheet cannot be found is refused: a reader might find one that was never checked."""
    workbook = _read_small(archive, "xl/workbook.xml", file_name)
    if workbook is None:
        return None
    root = _parse(workbook, "xl/workbook.xml", file_name)
    sheet = next((e for e in root.iter() if _local(e.tag) == "sheet"), None)
    names = set(archive.namelist())
    if sheet is None:
        fallback = sorted(n for n in names if n.startswith("xl/worksheets/") and "/_rels/" not in n)
        if fallback:
            return fallback[0]
        raise _reject(file_name, "le classeur ne contient aucune feuille lisible.")
    rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
    rels = _read_small(archive, "xl/_rels/workbook.xml.rels", file_name)
    if rels is not None and rel_id:
        for rel in _parse(rels, "xl/_rels/workbook.xml.rels", file_name).iter():
            if _local(rel.tag) == "Relationship" and rel.get("Id") == rel_id:
                target = rel.get("Target") or ""
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                path = posixpath.normpath(path)
                if path in names:
                    return path
    raise _reject(
        file_name,
        "la première feuille du classeur est introuvable (relations internes incohérentes). "
        "Ouvrez-le dans votre tableur et enregistrez-le à nouveau en .xlsx.",
    )


# How every spreadsheet writer (Excel, LibreOffice, openpyxl, xlsxwriter…) writes rows and cells:
# no namespace prefix, the reference first. Counted with bytes.count, read with one findall each.
_FAST_ROW = re.compile(rb'<row r="([0-9]+)"')
_FAST_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref\s*=\s*[\"']([^\"']*)[\"']")


def _count(data: bytes, tag: bytes) -> int:
    return sum(data.count(b"<" + tag + end) for end in (b" ", b">", b"/>", b"\t", b"\n", b"\r"))


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str):
    """The member in pieces that never cut a tag in two."""
    tail = b""
    for chunk in _stream(archive, info, file_name):
        data = tail + chunk
        cut = data.rfind(b"<")
        if cut == -1 or data.find(b">", cut) != -1:
            cut = len(data)
        tail, data = data[cut:], data[:cut]
        if len(tail) > _CHUNK:
            raise _reject(file_name, "feuille .xlsx illisible (balise XML démesurée).")
        yield data
    if tail:
        yield tail


def _check_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str, limits: UploadLimits
) -> None:
    """The sheet's declared and used extent. Every writer of spreadsheets gives each row and
    cell its reference (`r="12"`, `r="C12"`): the extent is then the highest ones, found by a
    few regular-expression scans. A sheet where some have none is walked tag by tag instead,
    cells counted by position (slower; the checking process's time limit bounds it)."""
    max_row = max_col = 0
    for data in _chunks(archive, info, file_name):
        for declared in _DIMENSION.findall(data):
            position = _cell(declared.decode("ascii", "replace").split(":")[-1])
            if position:
                _check_extent(*position, file_name, limits, declared=True)
        rows = _FAST_ROW.findall(data)
        cells = _FAST_CELL.findall(data)
        if (
            len(rows) != _count(data, b"row")
            or len(cells) != _count(data, b"c")
            or re.search(rb"<[A-Za-z_][\w.-]*:(?:row|c)[\s/>]", data)
        ):
            return _check_sheet_by_position(archive, info, file_name, limits)
        if rows:
            max_row = max(max_row, max(map(int, rows)))
        if cells:
            letters = {c for c, _ in cells}
            max_col = max(max_col, max(column_number(c.decode("ascii")) for c in letters))
            max_row = max(max_row, max(int(r) for _, r in cells))
        if max_row > limits.max_rows + 1 or max_col > limits.max_columns:
            break  # refused below; no need to read on
    _check_extent(max_row, max_col, file_name, limits, declared=False)


def _check_sheet_by_position(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str, limits: UploadLimits
) -> None:
    max_row = max_col = 0
    row = col = 0
    for data in _chunks(archive, info, file_name):
        for match in _TAG.finditer(data):
            tag, attrs = match[1], match[2]
            ref = _R_ATTR.search(attrs)
            if tag == b"c":
                position = _cell(ref[1].decode("ascii", "replace")) if ref else None
                col = position[1] if position else col + 1
                if position:
                    row = max(row, position[0])
                max_col = max(max_col, col)
                max_row = max(max_row, row)
            elif tag == b"row":
                row = int(ref[1][:18]) if ref and ref[1].isdigit() else row + 1
                col = 0
                max_row = max(max_row, row)
        if max_row > limits.max_rows + 1 or max_col > limits.max_columns:
            break
    _check_extent(max_row, max_col, file_name, limits, declared=False)


def _check_extent(
    rows: int, columns: int, file_name: str, limits: UploadLimits, *, declared: bool
) -> None:
    where = (
        "la feuille déclare une étendue de" if declared else "les cellules de la feuille couvrent"
    )
    extent = f"{number(rows)} lignes × {number(columns)} colonnes"
    advice = " Copiez les données utiles dans une nouvelle feuille, ou enregistrez-la en CSV."
    if rows > limits.max_rows + 1:  # + the header line
        raise _reject(
            file_name,
            f"{where} {extent}, plus que le maximum de {number(limits.max_rows)} lignes de "
            f"données.{advice}",
        )
    if columns > limits.max_columns:
        raise _reject(
            file_name,
            f"{where} {extent}, plus que le maximum de {number(limits.max_columns)} "
            f"colonnes.{advice}",
        )
    if rows * columns > limits.max_cells:
        raise _reject(
            file_name,
            f"{where} {extent}, soit {number(rows * columns)} cellules, plus que le maximum "
            f"de {number(limits.max_cells)} cellules.{advice}",
        )
