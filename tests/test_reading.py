"""Reading uploaded bytes (EXPORT_FORMAT §2): every CSV shape a centre's software writes loads to
the same table; what is not a table is refused whole with a French reason."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.core.errors import FileRejected
from parcours.upload.reading import EMPTY_FILE, detect_delimiter, read_table

EXPECTED_HEADERS = ["N° stagiaire", "Mois", "Heures"]
EXPECTED_ROWS = [(1, "E-001", "01/2024", "64"), (2, "E-001", "02/2024", "88,5")]


def rows(table):
    return table.frame.rows()


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_every_encoding_delimiter_and_line_ending_reads_the_same(delimiter, newline, encoding):
    lines = [EXPECTED_HEADERS, ["E-001", "01/2024", "64"], ["E-001", "02/2024", '"88,5"']]
    text = newline.join(delimiter.join(line) for line in lines) + newline
    table = read_table(text.encode(encoding), "heures.csv")
    assert table.headers == EXPECTED_HEADERS
    assert rows(table) == EXPECTED_ROWS
    assert table.delimiter == delimiter


def test_utf8_bom_is_not_part_of_the_first_header():
    table = read_table("\ufeffparticipant_id;month\nE-1;2024-01\n".encode(), "h.csv")
    assert table.headers == ["participant_id", "month"]
    assert table.encoding == "utf-8-sig"


def test_windows_1252_characters_are_decoded():
    content = "N° stagiaire;Étape;Détail\nE-1;Permis théorique;réussi – 2e essai\n"
    table = read_table(content.encode("cp1252"), "m.csv")
    assert table.encoding == "cp1252"
    assert table.headers == ["N° stagiaire", "Étape", "Détail"]
    assert rows(table) == [(1, "E-1", "Permis théorique", "réussi – 2e essai")]


def test_quoted_fields_hold_delimiter_quotes_and_newlines():
    content = (
        "participant_id;partner_name;detail\r\n"
        'E-1;"Brasserie ""Le Relais""; Liège";"ligne 1\r\nligne 2"\r\n'
        "E-2;CPAS;\r\n"
    )
    table = read_table(content.encode(), "p.csv")
    assert rows(table) == [
        (1, "E-1", 'Brasserie "Le Relais"; Liège', "ligne 1\nligne 2"),
        (2, "E-2", "CPAS", None),
    ]


def test_delimiter_inside_quoted_header_does_not_count():
    assert detect_delimiter('"nom, prénom";date;frein') == ";"
    assert detect_delimiter("a,b;c,d") == ","


def test_header_is_the_first_non_empty_line_and_empty_lines_are_not_rows():
    content = "\n;;\n  \nparticipant_id;month;hours\n\nE-1;2024-01;3\n;;\n   \nE-2;2024-02;4\n\n"
    table = read_table(content.encode(), "h.csv")
    assert table.headers == ["participant_id", "month", "hours"]
    # Row numbers count data lines only: E-2 is the second data line.
    assert rows(table) == [(1, "E-1", "2024-01", "3"), (2, "E-2", "2024-02", "4")]


def test_values_and_headers_are_trimmed_and_blank_is_null():
    content = " participant_id ; month ;hours\n  E-1 ;\t2024-01\t;  \n"
    table = read_table(content.encode(), "h.csv")
    assert table.headers == ["participant_id", "month", "hours"]
    assert rows(table) == [(1, "E-1", "2024-01", None)]


def test_fully_empty_columns_are_ignored_but_unnamed_values_kept():
    content = "participant_id;;month;;hours\nE-1;;2024-01;x;3\nE-2;;2024-02;;4\n"
    table = read_table(content.encode(), "h.csv")
    assert table.headers == ["participant_id", "month", "colonne 4", "hours"]
    assert rows(table)[0] == (1, "E-1", "2024-01", "x", "3")


def xlsx_bytes(sheet_rows, extra_sheet=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in sheet_rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("autre").append(["ignoré"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_with_real_dates_and_whole_numbers():
    content = xlsx_bytes(
        [
            [None, None, None],
            ["N° stagiaire", "Date d'entrée", "Année de naissance", "Heures"],
            ["E-1", date(2024, 1, 15), 1990, 12.5],
            [None, None, None, None],
            ["E-2", datetime(2024, 2, 5, 0, 0), 1978.0, 40],
        ],
        extra_sheet=True,
    )
    table = read_table(content, "export.xlsx")
    assert table.file_format == "xlsx"
    assert table.headers == ["N° stagiaire", "Date d'entrée", "Année de naissance", "Heures"]
    first, second = rows(table)
    assert first[0] == 1 and second[0] == 2
    assert first[1] == "E-1" and first[2].startswith("2024-01-15")
    assert first[3] == "1990" and second[3] == "1978"
    assert first[4] == "12.5" and second[4] == "40"


def test_xlsx_is_recognised_by_content_not_name():
    content = xlsx_bytes([["participant_id", "month", "hours"], ["E-1", "2024-01", 3]])
    assert read_table(content, "heures.csv").file_format == "xlsx"


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", "participant_id;month;hours\n")
    with pytest.raises(FileRejected, match="archive zip"):
        read_table(buffer.getvalue(), "export.zip")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"participant_id;month\x00\x01\x02;hours\n", "illisible"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, r"\.xls"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image"),
        (b"participant_id;month\x07;hours\nE-1;2024-01;3\n", "illisible"),
    ],
)
def test_binary_files_are_refused_in_french(content, reason):
    with pytest.raises(FileRejected, match=reason) as refused:
        read_table(content, "fichier.csv")
    assert refused.value.kind is None
    assert "fichier.csv" in str(refused.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"   \r\n\r\n", b"participant_id;month;hours\r\n", b"participant_id;month;hours\n;;\n\n"],
)
def test_no_header_or_no_data_line_is_an_empty_file(content):
    with pytest.raises(FileRejected, match=EMPTY_FILE):
        read_table(content, "vide.csv")


def test_empty_xlsx_is_an_empty_file():
    with pytest.raises(FileRejected, match=EMPTY_FILE):
        read_table(xlsx_bytes([["participant_id", "month", "hours"]]), "vide.xlsx")


def test_surplus_values_are_kept_aside_not_cut():
    content = b"participant_id,month,hours\nE-1,2024-01,12,5\nE-2,2024-02,3\n"
    table = read_table(content, "heures.csv")
    assert table.headers == ["participant_id", "month", "hours"]
    assert rows(table) == [(1, "E-1", "2024-01", "12", "5"), (2, "E-2", "2024-02", "3", None)]


def test_an_unclosed_quote_is_refused_without_quoting_the_file():
    content = b'participant_id;detail\nE-1;"Dupont Marie\nE-2;x\n'
    with pytest.raises(FileRejected, match="guillemet") as refused:
        read_table(content, "etapes.csv")
    assert "Dupont" not in str(refused.value)


def test_a_final_dos_end_of_file_mark_is_not_binary():
    table = read_table(b"participant_id;month;hours\r\nE-1;2024-01;3\r\n\x1a", "h.csv")
    assert rows(table) == [(1, "E-1", "2024-01", "3")]


def test_a_quote_inside_an_unquoted_value_is_kept():
    content = 'participant_id;partner_name;detail\nE-1;Brasserie "Le Relais";écran 12"\n'
    assert rows(read_table(content.encode(), "p.csv")) == [
        (1, "E-1", 'Brasserie "Le Relais"', 'écran 12"')
    ]


def test_trailing_delimiters_are_not_surplus_values():
    table = read_table(b"participant_id;month;hours\nE-1;2024-01;3;\nE-2;2024-02;4; ;\n", "h.csv")
    assert rows(table) == [(1, "E-1", "2024-01", "3", None), (2, "E-2", "2024-02", "4", None)]


def test_a_closing_quote_followed_by_text_is_refused():
    with pytest.raises(FileRejected, match="guillemet fermant"):
        read_table(b'participant_id;detail\nE-1;"x"y\n', "etapes.csv")


def test_excel_unicode_text_utf16_is_read():
    content = "N° stagiaire\tMois\tHeures\r\nE-001\t01/2024\t64\r\n".encode("utf-16")
    table = read_table(content, "heures.txt")
    assert table.headers == EXPECTED_HEADERS and rows(table) == [EXPECTED_ROWS[0]]


def test_opendocument_spreadsheets_are_refused_with_advice():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(FileRejected, match=r"\.ods"):
        read_table(buffer.getvalue(), "export.ods")


TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 éèàçôÉ;,|\t\"'-/\n")), min_size=0, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_whatever_a_csv_writer_writes_reads_back(values, delimiter, newline, encoding, quoting):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(["participant_id", "detail", "remarque"])
    for i, (detail, remark) in enumerate(values):
        writer.writerow([f"E-{i}", detail, remark])
    table = read_table(buffer.getvalue().encode(encoding), "export.csv")

    def cleaned(text):
        return text.strip() or None

    assert table.headers == ["participant_id", "detail", "remarque"]
    assert rows(table) == [
        (i + 1, f"E-{i}", cleaned(detail), cleaned(remark))
        for i, (detail, remark) in enumerate(values)
    ]
