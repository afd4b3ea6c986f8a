"""The upload pipeline's acceptance test (issue « Foundation and the upload pipeline », done when):
four centres send the same trainees in four different styles — canonical UTF-8/comma/ISO,
Windows-1252/semicolon/French headers and labels, tab-separated upper-case headers with synonyms
and extra columns, and `.xlsx` with real date cells — and after `parcours ingest` and
`parcours build` the warehouse holds the same records for all four. Bad rows are quarantined
exactly, and a bad file is refused without losing what was stored."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests import warehouse_cache
from tests.build_helpers import cli
from tests.conftest import EXAMPLES

# Runs dbt builds of its own: left out of `make test-quick`.
pytestmark = pytest.mark.slow

CENTRES = {
    "C-CANON": ("Centre canonique", "ACFI", "4020"),
    "C-EXCEL": ("Centre Excel", "AID", "5000"),
    "C-TAB": ("Centre tabulations", "CAIPS", "6000"),
    "C-XLSX": ("Centre classeur", "ALEAP", "1300"),
}

# Upper-case synonyms and labels for the tab-separated style (EXPORT_FORMAT §2, §3).
TAB_HEADERS = {
    "participant_id": "MATRICULE",
    "entry_date": "DATE_ENTREE",
    "birth_year": "ANNEE DE NAISSANCE",
    "gender": "SEXE",
    "education": "NIVEAU D'ETUDES",
    "postal_code": "CODE POSTAL",
    "filiere": "TYPE DE FILIERE",
    "training_area": "SECTEUR",
    "referral": "ORIENTE PAR",
    "status_at_entry": "REVENU",
    "assessed_on": "DATE DU BILAN",
    "barrier": "FREIN",
    "level": "INTENSITE",
    "started_on": "DEBUT",
    "partner_type": "PARTENAIRE TYPE",
    "partner_name": "ORGANISME",
    "purpose": "BUT",
    "ended_on": "FIN",
    "result": "ISSUE",
    "achieved_on": "DATE D'OBTENTION",
    "milestone": "VICTOIRE",
    "detail": "COMMENTAIRE",
    "exit_date": "SORTIE LE",
    "destination": "ORIENTATION A LA SORTIE",
    "reason": "MOTIF DE SORTIE",
    "observed_on": "DATE DU SUIVI",
    "situation": "SITUATION OBSERVEE",
    "month": "PERIODE",
    "hours": "HEURES PRESTEES",
}
TAB_VALUES = {  # synonyms rather than codes
    "ris": "revenu d'integration",
    "no_income": "sans revenu",
    "dei": "demandeur d'emploi",
    "ceb": "primaire",
    "foreign": "diplome etranger",
    "ce1d": "secondaire inferieur",
    "self_esteem": "estime de soi",
    "mobility": "transport",
    "housing": "hebergement",
    "driving_school": "auto ecole",
    "employer": "entreprise",
    "social_support": "suivi social",
    "internship": "stage en entreprise",
    "completed": "reussi",
    "ongoing": "en cours",
    "employment_fixed": "cdd",
    "employment_permanent": "cdi",
    "qualifying_training": "formation qualifiante",
    "job": "emploi trouve",
    "training": "entree en formation",
}
DATE_COLUMNS = {
    "entry_date",
    "assessed_on",
    "started_on",
    "ended_on",
    "achieved_on",
    "exit_date",
    "observed_on",
}
KINDS = ("participants", "barriers", "partnerships", "milestones", "exits", "followups", "hours")


def canonical_rows(kind: str) -> tuple[list[str], list[dict]]:
    with (EXAMPLES / "canonical" / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_tab_style(kind: str, folder) -> None:
    columns, rows = canonical_rows(kind)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow([TAB_HEADERS[c] for c in columns] + ["REMARQUE INTERNE", "NOM", "GSM"])
    for row in rows:
        values = [TAB_VALUES.get(row[c], row[c]) for c in columns]
        writer.writerow(values + ["à revoir", "Dupont", "0470 12 34 56"])
    (folder / f"{kind}.txt").write_text(out.getvalue(), encoding="utf-8")


def write_xlsx_style(kind: str, folder) -> None:
    columns, rows = canonical_rows(kind)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if column in DATE_COLUMNS and value:
                value = date.fromisoformat(value)
            elif column in {"birth_year", "postal_code"} and value:
                value = int(value)
            elif column in {"level", "hours"} and value:
                value = float(value)
            cells.append(None if value == "" else value)
        sheet.append(cells)
    book.save(folder / f"{kind}.xlsx")


def _make_four_centres(root: Path) -> dict:
    """Four centres loaded through the real CLI, then one build; what each step answered."""
    added = []
    for centre_id, (name, federation, postal_code) in CENTRES.items():
        done = cli(
            root,
            "centres",
            "add",
            centre_id,
            "--name",
            name,
            "--federation",
            federation,
            "--postal-code",
            postal_code,
        )
        added.append([done.returncode, done.stderr])

    tab_folder = root.parent / "tab"
    xlsx_folder = root.parent / "xlsx"
    tab_folder.mkdir()
    xlsx_folder.mkdir()
    for kind in KINDS:
        write_tab_style(kind, tab_folder)
        write_xlsx_style(kind, xlsx_folder)
    files = {
        "C-CANON": sorted((EXAMPLES / "canonical").glob("*.csv")),
        "C-EXCEL": sorted((EXAMPLES / "excel-fr").glob("*.csv")),
        "C-TAB": sorted(tab_folder.glob("*.txt")),
        "C-XLSX": sorted(xlsx_folder.glob("*.xlsx")),
    }
    ingested = {}
    for centre_id, paths in files.items():
        done = cli(root, "ingest", "--centre", centre_id, "--json", *paths)
        ingested[centre_id] = [done.returncode, done.stdout, done.stderr]
    built = cli(root, "build")
    return {
        "added": added,
        "ingested": ingested,
        "built": [built.returncode, built.stdout, built.stderr],
    }


@pytest.fixture(scope="module")
def four_centres(tmp_path_factory):
    """Four centres loaded through the real CLI, then one build: made once while the code, the
    examples and this file are unchanged (`warehouse_cache`), copied here."""
    dest = tmp_path_factory.mktemp("four") / "data"
    inputs = [Path(__file__), EXAMPLES]
    root, record = warehouse_cache.copy_with_record("four-styles", inputs, _make_four_centres, dest)
    for returncode, stderr in record["added"]:
        assert returncode == 0, stderr
    reports = {}
    for centre_id, (returncode, stdout, stderr) in record["ingested"].items():
        assert returncode == 0, stdout + stderr
        reports[centre_id] = json.loads(stdout)
    returncode, stdout, stderr = record["built"]
    assert returncode == 0, stdout[-2000:] + stderr

    def run(*args):
        return cli(root, *args)

    tab_folder = tmp_path_factory.mktemp("tab")
    for kind in KINDS:
        write_tab_style(kind, tab_folder)
    return root, reports, run, tab_folder


def test_every_file_of_every_style_is_stored_whole(four_centres):
    _, reports, _, _ = four_centres
    for centre_id, report in reports.items():
        assert sorted(r["kind"] for r in report) == sorted(KINDS), centre_id
        for file_report in report:
            assert file_report["status"] == "stored", (centre_id, file_report)
            assert file_report["rows_quarantined"] == 0, (centre_id, file_report["errors"])
            assert file_report["rows_stored"] == file_report["rows_read"] > 0


def test_extra_columns_are_kept_and_identifiers_dropped_with_warnings(four_centres):
    _, reports, _, _ = four_centres
    for file_report in reports["C-TAB"]:
        warnings = " ".join(file_report["warnings"])
        assert "NOM" in warnings and "GSM" in warnings
        assert "REMARQUE INTERNE" in warnings


TABLE_ORDER = {
    "dim_participants": "participant_id",
    "fct_barrier_episodes": "participant_id, barrier, episode_number",
    "fct_partnerships": "participant_id, started_on",
    "fct_milestones": "participant_id, achieved_on",
    "fct_exits": "participant_id",
    "fct_followups": "participant_id",
    "fct_hours": "participant_id, month",
}
CENTRE_DEPENDENT = {"centre_id", "province", "federation", "centre_name"}


@pytest.mark.parametrize("table", sorted(TABLE_ORDER))
def test_the_four_styles_give_the_same_warehouse_records(four_centres, table):
    root, _, _, _ = four_centres
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as conn:
        columns = [
            c
            for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_name = ?",
                [table],
            ).fetchall()
            if c not in CENTRE_DEPENDENT and not c.startswith("centre_") and c != "batch_id"
        ]
        by_centre = {
            centre_id: conn.execute(
                f"select {', '.join(columns)} from {table} where centre_id = ? "
                f"order by {TABLE_ORDER[table]}",
                [centre_id],
            ).fetchall()
            for centre_id in CENTRES
        }
    assert by_centre["C-CANON"], table
    for centre_id, rows in by_centre.items():
        assert rows == by_centre["C-CANON"], centre_id


def test_the_worked_example_holds_for_every_style(four_centres):
    root, _, _, _ = four_centres
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as conn:
        for centre_id in CENTRES:
            episodes = conn.execute(
                "select participant_id, barrier, episode_number, identified_on, initial_level,"
                " lifted_on, days_to_lift from fct_barrier_episodes where centre_id = ?"
                " order by 1, 2, 3",
                [centre_id],
            ).fetchall()
            assert episodes == [
                ("E-001", "mobility", 1, date(2024, 1, 15), 3, date(2024, 9, 2), 231),
                ("E-001", "self_esteem", 1, date(2024, 1, 15), 2, date(2024, 9, 2), 231),
                ("E-001", "self_esteem", 2, date(2025, 1, 10), 1, None, None),
                ("E-002", "housing", 1, date(2024, 2, 5), 3, None, None),
            ]
            (hours,) = conn.execute(
                "select sum(hours) from fct_hours where centre_id = ?", [centre_id]
            ).fetchone()
            assert hours == pytest.approx(264.75)


def test_bad_rows_are_quarantined_exactly_and_a_bad_file_loses_nothing(four_centres, tmp_path):
    root, _, run, _ = four_centres
    before = run("batches", "--centre", "C-TAB", "--json")
    bad_rows = tmp_path / "bilans.txt"
    bad_rows.write_text(
        "MATRICULE\tDATE DU BILAN\tFREIN\tINTENSITE\n"
        "E-001\t2024-12-01\tlogement\t2\n"
        "E-001\t31/02/2024\tlogement\t2\n"
        "E-002\t2024-12-01\tMobilite reduite\t2\n"
        "E-003\t2024-12-01\tisolement\t7\n",
        encoding="utf-8",
    )
    missing_column = tmp_path / "heures.csv"
    missing_column.write_text("N° stagiaire;Heures\nE-001;12\n", encoding="utf-8")

    result = run("ingest", "--centre", "C-TAB", "--json", bad_rows, missing_column)

    assert result.returncode == 2
    stored, refused = json.loads(result.stdout)
    assert (stored["status"], stored["rows_stored"], stored["rows_quarantined"]) == ("stored", 1, 3)
    assert [(e["row"], e["column"], e["value"]) for e in stored["errors"]] == [
        (2, "assessed_on", "31/02/2024"),
        (3, "barrier", "Mobilite reduite"),
        (4, "level", "7"),
    ]
    # The message names the column as the centre wrote it.
    assert "« DATE DU BILAN »" in stored["errors"][0]["message"]
    assert "Valeurs acceptées" in stored["errors"][1]["message"]
    assert refused["status"] == "rejected" and refused["batch_id"] is None
    assert "month" in refused["errors"][0]["message"] or "Mois" in refused["errors"][0]["message"]
    after = json.loads(run("batches", "--centre", "C-TAB", "--json").stdout)
    assert len(after) == len(json.loads(before.stdout)) + 1
