"""`parcours batches` lists the uploads (INTERFACES.md §1)."""

import json
from pathlib import Path

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"

FIELDS = {
    "batch_id", "seq", "precedence", "centre_id", "kind", "file_name", "sha256", "received_at",
    "received_by", "rows_read", "rows_stored", "rows_quarantined", "withdrawn_at",
    "withdrawn_by", "replay_of", "is_complete",
}  # fmt: skip


def test_batches_json(cli, centre, conn):
    from parcours.store import opstore

    opstore.add_centre(conn, "CISP-002", "Autre", "CAIPS", actor="test")
    cli("ingest", "--centre", centre, EXAMPLES / "canonical" / "hours.csv")
    cli("ingest", "--centre", "CISP-002", EXAMPLES / "excel-fr" / "exits.csv")

    result = cli("batches", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [set(r) for r in rows] == [FIELDS, FIELDS]
    hours, exits = rows
    assert hours["centre_id"] == centre
    assert hours["kind"] == "hours"
    assert hours["file_name"] == "hours.csv"
    assert len(hours["sha256"]) == 64
    assert hours["received_by"] == "test@parcours.be"
    assert (hours["rows_read"], hours["rows_stored"], hours["rows_quarantined"]) == (4, 4, 0)
    assert hours["withdrawn_at"] is None
    assert (hours["seq"], exits["seq"]) == (1, 2)

    only = json.loads(cli("batches", "--centre", "CISP-002", "--json").stdout)
    assert [r["kind"] for r in only] == ["exits"]


def test_batches_human(cli, centre):
    assert cli("batches").output == "Aucun envoi.\n"
    cli("ingest", "--centre", centre, EXAMPLES / "canonical" / "hours.csv")
    (line,) = cli("batches").output.splitlines()
    assert f"  {centre}  hours  hours.csv  reçu le " in line
    assert line.endswith("par test@parcours.be  4 lues / 4 enregistrées / 0 en quarantaine  actif")


def test_times_are_shown_in_brussels_time():
    from parcours.core.dates import local_time

    assert local_time("2026-11-27T04:15:00+00:00") == "27/11/2026 05:15"
    assert local_time("2026-07-01T10:00:00+00:00") == "01/07/2026 12:00"
