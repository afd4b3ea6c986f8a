"""`parcours ingest --centre ID FILE…` checks each file, stores the accepted rows as one landing
parquet per file, quarantines the rest, and says so per file."""

import json
from pathlib import Path

import polars as pl
import pytest

from parcours.contract import KINDS
from parcours.core.dates import local_time
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.upload import landing
from parcours.upload.ingest import ingest_files

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"

ROWS = {
    "participants": 3,
    "barriers": 8,
    "partnerships": 3,
    "milestones": 3,
    "exits": 2,
    "followups": 2,
    "hours": 4,
}
REPORT_FIELDS = [
    "file", "kind", "status", "batch_id", "rows_read", "rows_stored", "rows_quarantined",
    "errors", "warnings", "superseded",
]  # fmt: skip


def example_files(name: str) -> list[Path]:
    return [EXAMPLES / name / f"{kind}.csv" for kind in KINDS]


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_ingest_the_canonical_examples(cli, centre, conn, data_dir):
    result = cli("ingest", "--centre", centre, "--json", *example_files("canonical"))
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [list(r) for r in reports] == [REPORT_FIELDS] * len(KINDS)
    for kind, report in zip(KINDS, reports, strict=True):
        assert report["file"].endswith(f"canonical/{kind}.csv")
        assert report["kind"] == kind
        assert report["status"] == "stored"
        assert report["rows_read"] == report["rows_stored"] == ROWS[kind]
        assert report["rows_quarantined"] == 0
        assert report["errors"] == []
        frame = pl.read_parquet(landing.batch_path(data_dir, kind, report["batch_id"]))
        assert frame.schema == landing.schema(kind)
        assert frame["batch_id"].unique().to_list() == [report["batch_id"]]
        assert frame["centre_id"].unique().to_list() == [centre]
        assert frame["row_number"].to_list() == list(range(1, ROWS[kind] + 1))
    batches = opstore.list_batches(conn, centre)
    assert [b["kind"] for b in batches] == list(KINDS)
    assert [b["seq"] for b in batches] == [1, 2, 3, 4, 5, 6, 7]
    assert [b["precedence"] for b in batches] == [1, 2, 3, 4, 5, 6, 7]
    assert {b["received_by"] for b in batches} == {"test@parcours.be"}
    assert len(opstore.list_audit(conn, "upload_stored")) == len(KINDS)


def test_both_example_sets_land_the_same_records(data_dir, conn):
    for centre_id in ("C-CANON", "C-EXCEL"):
        opstore.add_centre(conn, centre_id, centre_id, "AID", actor="test")
    canonical = ingest_files(data_dir, "C-CANON", example_files("canonical"), "test")
    excel = ingest_files(data_dir, "C-EXCEL", example_files("excel-fr"), "test")
    for one, other in zip(canonical, excel, strict=True):
        assert (one.status, other.status) == ("stored", "stored")
        drop = ["batch_id", "centre_id"]
        left = pl.read_parquet(landing.batch_path(data_dir, one.kind, one.batch_id)).drop(drop)
        right = pl.read_parquet(landing.batch_path(data_dir, other.kind, other.batch_id))
        assert left.equals(right.drop(drop)), one.kind
    hours = pl.read_parquet(landing.batch_path(data_dir, "hours", excel[-1].batch_id))
    assert hours["hours"].sum() == 264.75


def test_human_output_one_line_per_file(cli, centre, conn):
    result = cli("ingest", "--centre", centre, EXAMPLES / "canonical" / "hours.csv")
    assert result.exit_code == 0
    (batch,) = opstore.list_batches(conn)
    assert result.output == (
        f"{EXAMPLES / 'canonical' / 'hours.csv'} : hours — enregistré (lot {batch['batch_id']})"
        " — 4 lignes lues, 4 enregistrées, 0 en quarantaine\n"
    )


def test_same_bytes_again_are_a_duplicate(cli, centre, conn):
    path = EXAMPLES / "canonical" / "exits.csv"
    first = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]
    again = cli("ingest", "--centre", centre, "--json", path)
    assert again.exit_code == 0
    report = json.loads(again.stdout)[0]
    assert report["status"] == "duplicate"
    assert report["batch_id"] == first["batch_id"]
    assert (report["rows_read"], report["rows_stored"], report["rows_quarantined"]) == (0, 0, 0)
    (batch,) = opstore.list_batches(conn)
    assert report["warnings"] == [
        f"Fichier identique déjà reçu le {local_time(batch['received_at'])} "
        f"(lot {first['batch_id']}) : rien de nouveau n'est enregistré."
    ]


def test_duplicate_human_output(cli, centre, conn):
    path = EXAMPLES / "canonical" / "exits.csv"
    cli("ingest", "--centre", centre, path)
    result = cli("ingest", "--centre", centre, path)
    assert result.exit_code == 0
    (batch,) = opstore.list_batches(conn)
    assert result.output == (
        f"{path} : exits — déjà reçu\n"
        f"  Avertissement : Fichier identique déjà reçu le {local_time(batch['received_at'])} "
        f"(lot {batch['batch_id']}) : rien de nouveau n'est enregistré.\n"
    )


def test_same_bytes_for_another_centre_are_stored(cli, centre, conn):
    opstore.add_centre(conn, "CISP-002", "Autre", "AID", actor="test")
    path = EXAMPLES / "canonical" / "exits.csv"
    assert cli("ingest", "--centre", centre, path).exit_code == 0
    result = cli("ingest", "--centre", "CISP-002", "--json", path)
    assert json.loads(result.stdout)[0]["status"] == "stored"


def test_a_rejected_file_does_not_stop_the_others(cli, centre, conn, data_dir, tmp_path):
    bad = write(tmp_path / "sans_date.csv", "participant_id,gender\nE-9,F\n")
    good = EXAMPLES / "canonical" / "hours.csv"
    result = cli("ingest", "--centre", centre, "--json", bad, good)
    assert result.exit_code == 2
    rejected, stored = json.loads(result.stdout)
    assert rejected["status"] == "rejected"
    assert rejected["batch_id"] is None
    assert rejected["rows_stored"] == 0
    assert len(rejected["errors"]) == 1
    assert rejected["errors"][0]["row"] is None
    assert rejected["errors"][0]["message"]
    assert stored["status"] == "stored"
    assert [b["kind"] for b in opstore.list_batches(conn)] == ["hours"]
    landed = sorted(p.name for p in data_dir.landing.rglob("*.parquet") if p.name[0] == "b")
    assert landed == [f"{stored['batch_id']}.parquet"]


def test_rejected_file_message_in_french(cli, centre, tmp_path):
    bad = write(tmp_path / "x.csv", "colonne,autre\n1,2\n")
    result = cli("ingest", "--centre", centre, bad)
    assert result.exit_code == 2
    first_line, reason = result.output.splitlines()[:2]
    assert first_line == f"{bad} : type inconnu — refusé"
    assert reason.startswith("  ")


def test_unknown_centre(cli, data_dir):
    result = cli("ingest", "--centre", "NOPE", EXAMPLES / "canonical" / "hours.csv")
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Centre inconnu : « NOPE ». Enregistrez-le d'abord avec "
        "« parcours centres add NOPE --name … --federation … ».\n"
    )


def test_missing_file_is_rejected_others_go_on(cli, centre, tmp_path):
    result = cli(
        "ingest",
        "--centre",
        centre,
        "--json",
        tmp_path / "absent.csv",
        EXAMPLES / "canonical" / "hours.csv",
    )
    assert result.exit_code == 2
    absent, hours = json.loads(result.stdout)
    assert absent["status"] == "rejected"
    assert absent["errors"][0]["message"] == (
        "Fichier illisible : fichier introuvable (vérifiez le chemin)."
    )
    assert hours["status"] == "stored"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("ops.sqlite")
    }


def test_dry_run_writes_nothing_but_its_audit_lines(cli, centre, conn, data_dir):
    before = snapshot(data_dir.root)
    audit_before = opstore.list_audit(conn)
    files = example_files("excel-fr")
    result = cli("ingest", "--centre", centre, "--dry-run", "--json", *files)
    assert result.exit_code == 0
    reports = json.loads(result.stdout)
    assert {r["status"] for r in reports} == {"stored"}
    assert {r["batch_id"] for r in reports} == {None}
    assert [r["rows_stored"] for r in reports] == list(ROWS.values())
    assert snapshot(data_dir.root) == before
    assert opstore.list_batches(conn) == []
    # A dry run is audited (who checked which file, and what a real upload would do), and
    # nothing else is written.
    audit_after = opstore.list_audit(conn)
    assert audit_after[: len(audit_before)] == audit_before
    added = audit_after[len(audit_before) :]
    assert [(a["action"], a["actor"]) for a in added] == [
        ("upload_checked", "test@parcours.be")
    ] * len(files)
    assert [a["detail"]["file_name"] for a in added] == [Path(f).name for f in files]
    assert {(a["detail"]["dry_run"], a["detail"]["outcome"]) for a in added} == {(True, "stored")}


def test_dry_run_human_output(cli, centre):
    result = cli("ingest", "--centre", centre, "--dry-run", EXAMPLES / "excel-fr" / "hours.csv")
    assert result.exit_code == 0
    assert result.output == (
        "Essai (--dry-run) : rien n'est enregistré.\n"
        f"{EXAMPLES / 'excel-fr' / 'hours.csv'} : hours — serait enregistré"
        " — 4 lignes lues, 4 enregistrées, 0 en quarantaine\n"
    )


def test_bad_rows_are_quarantined_and_reported(cli, centre, conn, data_dir, tmp_path):
    path = write(
        tmp_path / "freins.csv",
        "participant_id,assessed_on,barrier,level\n"
        "E-001,2024-01-15,mobility,3\n"
        "E-002,2024-01-15,Mobilite reduite,2\n",
    )
    human = cli("ingest", "--centre", centre, "--dry-run", path)
    assert human.exit_code == 0
    result = cli("ingest", "--centre", centre, "--json", path)
    assert result.exit_code == 0
    (report,) = json.loads(result.stdout)
    assert (report["rows_read"], report["rows_stored"], report["rows_quarantined"]) == (2, 1, 1)
    (error,) = report["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "barrier", "Mobilite reduite")
    assert error["message"].startswith("Ligne 2, colonne « barrier » : ")
    assert human.output.splitlines()[2] == f"  {error['message']}"
    (waiting,) = opstore.waiting_quarantine(conn, centre)
    assert waiting["row_number"] == 2
    assert waiting["raw"]["barrier"] == "Mobilite reduite"
    assert waiting["errors"] == report["errors"]
    frame = pl.read_parquet(landing.batch_path(data_dir, "barriers", report["batch_id"]))
    assert frame["participant_id"].to_list() == ["E-001"]


def test_errors_shown_are_capped(cli, centre, tmp_path):
    lines = "".join(f"E-{i},2024-01-15,inconnu{i},2\n" for i in range(25))
    path = write(tmp_path / "freins.csv", "participant_id,assessed_on,barrier,level\n" + lines)
    result = cli("ingest", "--centre", centre, path)
    assert result.exit_code == 0
    shown = result.output.splitlines()
    assert sum(line.startswith("  Ligne ") for line in shown) == 20
    assert "  … et 5 autres erreurs (voir --json)." in shown


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_schema_file_once_a_file_is_stored(cli, centre, data_dir, kind):
    """After the first upload of any kind, the build's glob over every kind is valid."""
    assert not data_dir.landing.exists()  # opening a data folder writes nothing
    hours = EXAMPLES / "canonical" / "hours.csv"
    assert cli("ingest", "--centre", centre, hours).exit_code == 0
    frame = pl.read_parquet(data_dir.landing_kind(kind) / "_schema.parquet")
    assert frame.height == 0
    assert frame.schema == landing.schema(kind)
    assert list(frame.schema)[:3] == ["batch_id", "centre_id", "row_number"]
    assert list(frame.schema)[-1] == "extra"


def test_xlsx_lands_like_csv(cli, centre, conn, data_dir, tmp_path):
    csv_path = EXAMPLES / "canonical" / "participants.csv"
    xlsx_path = tmp_path / "stagiaires.xlsx"
    pl.read_csv(csv_path, infer_schema=False).write_excel(xlsx_path)
    result = cli("ingest", "--centre", centre, "--json", csv_path, xlsx_path)
    assert result.exit_code == 0, result.output
    from_csv, from_xlsx = json.loads(result.stdout)
    assert from_xlsx["status"] == "stored"
    frames = [
        pl.read_parquet(landing.batch_path(data_dir, "participants", r["batch_id"]))
        for r in (from_csv, from_xlsx)
    ]
    assert frames[0].drop("batch_id").equals(frames[1].drop("batch_id"))


def test_same_file_twice_in_one_call(cli, centre):
    path = EXAMPLES / "canonical" / "hours.csv"
    for dry_run in (["--dry-run"], []):
        result = cli("ingest", "--centre", centre, "--json", *dry_run, path, path)
        assert result.exit_code == 0
        assert [r["status"] for r in json.loads(result.stdout)] == ["stored", "duplicate"]


def test_end_to_end_in_real_processes(run_cli):
    """As a user types it: register, upload the Excel-made exports, list the batches."""
    added = run_cli("centres", "add", "CISP-9", "--name", "Neuf", "--federation", "CAIPS")
    assert (added.returncode, added.stderr) == (0, "")
    files = example_files("excel-fr")
    ingested = run_cli("ingest", "--centre", "CISP-9", *files)
    assert ingested.returncode == 0, ingested.stderr
    lines = ingested.stdout.splitlines()
    assert len(lines) == len(KINDS)
    assert all(" — enregistré (lot b" in line for line in lines)
    assert lines[-1].endswith(" — 4 lignes lues, 4 enregistrées, 0 en quarantaine")
    listed = json.loads(run_cli("batches", "--json").stdout)
    assert [b["kind"] for b in listed] == list(KINDS)


def test_internal_error_is_one_line_exit_1(run_cli, tmp_path):
    broken = DataDir(tmp_path / "broken")
    broken.root.mkdir(parents=True)
    broken.ops_db.mkdir()  # the store cannot be opened
    hours = EXAMPLES / "canonical" / "hours.csv"
    result = run_cli("ingest", "--centre", "X", hours, root=broken.root)
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur interne : ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
