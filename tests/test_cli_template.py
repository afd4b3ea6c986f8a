"""`parcours template KIND --output FILE.xlsx`: a template per kind, built from the contract, that
loads without a warning once filled in — the way a centre fills it in Excel (labels picked from
the drop-downs, real date cells)."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import polars as pl
import pytest

from parcours import contract
from parcours.publish import templates

KINDS = list(contract.load().kinds)


def niss(i: int) -> str:
    """A valid national number (born 1985, mod-97 check)."""
    base = 850_730_000 + i
    return f"{base:09d}{97 - base % 97:02d}"


def drop_down(book, sheet, column_letter: str) -> list[str] | None:
    """The labels a user can pick in this column of the data sheet (None: no drop-down)."""
    for rule in sheet.data_validations.dataValidation:
        if rule.type == "list" and f"{column_letter}2:" in str(rule.sqref):
            target, cells = rule.formula1.split("!")
            first, last = cells.replace("$", "").split(":")
            return [c.value for (c,) in book[target][f"{first}:{last}"]]
    return None


def fill(template: bytes, kind: str, rows: int) -> tuple[bytes, list[dict]]:
    """Fill the template as a user would; return the workbook and the codes expected."""
    spec = contract.load().kinds[kind]
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    expected = []
    for i in range(rows):
        codes = {}
        for col, column in enumerate(spec.columns.values(), start=1):
            letter = openpyxl.utils.get_column_letter(col)
            cell = sheet.cell(row=i + 2, column=col)
            if column.type == "code":
                labels = drop_down(book, sheet, letter)
                assert labels, f"{kind}.{column.name} has no drop-down"
                cell.value = labels[i % len(labels)]
                codes[column.name] = contract.load().code_lists[column.codes].lookup(cell.value)
            elif column.name == "participant_id":
                cell.value = f"T{i + 1:03d}"
            elif column.type in ("date", "birth_date", "month"):
                cell.value = {
                    "birth_date": date(1990, 5, 1),
                    "ended_on": date(2024, 6, 30),
                    "month": date(2024, 3, 1),
                }.get(column.name, date(2024, 3, 15))
                cell.number_format = "DD/MM/YYYY"
            elif column.type == "niss":
                cell.value = niss(i)
            elif column.type == "int":
                cell.value = 1990 if column.name == "birth_year" else 4020
            elif column.type == "decimal":
                cell.value = 12.5
            else:
                cell.value = "Horeca"
        expected.append(codes)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_filled_template_loads_without_quarantine_or_warning(
    kind, run_cli, centre, data_dir, tmp_path
):
    path = tmp_path / f"modele-{kind}.xlsx"
    made = run_cli("template", kind, "--output", path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"Modèle « {kind} » écrit dans {path}."
    spec = contract.load().kinds[kind]
    coded = [c for c in spec.columns.values() if c.type == "code"]
    rows = max([len(contract.load().labels(c.codes)) for c in coded] + [3])
    filled, expected = fill(path.read_bytes(), kind, rows)
    path.write_bytes(filled)

    result = run_cli("ingest", "--centre", centre, "--json", path)
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["kind"] == kind
    assert report["status"] == "stored"
    assert (report["rows_read"], report["rows_stored"]) == (rows, rows)
    assert report["rows_quarantined"] == 0, report["errors"][:3]
    assert report["warnings"] == []
    # Every label of every drop-down came back as its code.
    stored = pl.read_parquet(data_dir.landing_kind(kind) / f"{report['batch_id']}.parquet")
    for column in coded:
        codes = [str(code) for code in stored.sort("row_number")[column.name]]  # level: a number
        assert codes == [e[column.name] for e in expected]


def test_headers_are_the_first_french_names_of_the_contract():
    book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes("exits")))
    assert book.sheetnames == ["Données", "Explications", "Listes"]
    assert book["Listes"].sheet_state == "hidden"
    headers = [c.value for c in book["Données"][1]]
    assert headers == [
        "numéro stagiaire",
        "date de sortie",
        "situation à la sortie",
        "motif de sortie",
    ]
    sheet = book["Données"]
    assert sheet.column_dimensions["B"].number_format == "dd/mm/yyyy"
    explained = {row[0]: row for row in book["Explications"].iter_rows(min_row=5, values_only=True)}
    assert explained["date de sortie"][1] == "oui"
    assert explained["motif de sortie"][1] == "non"
    assert "Emploi CDI" in explained["situation à la sortie"][2]


def test_an_unknown_kind_exits_2_in_french(cli, tmp_path):
    result = cli("template", "stagiaires", "--output", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "Erreur : Type de fichier inconnu : « stagiaires »." in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_the_televerser_page_offers_each_template(dashboard_warehouse, monkeypatch):
    from tests.conftest import app_as
    from tests.page_helpers import downloads, fetch, record_downloads

    record_downloads(monkeypatch)
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))
    at = app_as("nam@centre.be", "pages/televerser.py")
    assert not at.exception
    choice = at.selectbox(key="tpl_kind")
    # The kinds as a person calls them (export_format.yml `label`, the page's one list).
    assert choice.options == [
        "Stagiaires",
        "Freins",
        "Partenariats",
        "Étapes franchies",
        "Sorties",
        "Suivis après la sortie",
        "Heures de formation",
    ]
    choice.select("hours").run()
    assert not at.exception
    (button,) = [d for d in downloads(at) if d.proto.label == "Télécharger le modèle (.xlsx)"]
    content = fetch(button)  # produced at the click, as the browser asks for it
    assert content[:2] == b"PK"  # an .xlsx is a zip
    assert b"xl/worksheets" in content
