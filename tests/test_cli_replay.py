"""`parcours mappings add LIST VALUE CODE` then `parcours replay`: quarantined rows that the new
mapping makes valid are stored, in a replay batch that keeps the original's precedence."""

import json

import polars as pl

from parcours.store import opstore
from parcours.upload import landing

BARRIERS = (
    "participant_id,assessed_on,barrier,level\n"
    "E-001,2024-01-15,mobility,3\n"
    "E-002,2024-01-15,Mobilite reduite,2\n"
    "E-003,2024-01-15,Vraiment inconnu,1\n"
)


def test_mapping_then_replay_stores_the_row(cli, centre, conn, data_dir, tmp_path):
    path = tmp_path / "freins.csv"
    path.write_text(BARRIERS, encoding="utf-8")
    original = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]
    assert original["rows_quarantined"] == 2

    result = cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    assert result.exit_code == 0
    assert result.output == "Correspondance ajoutée : barrier « Mobilite reduite » → mobility.\n"
    assert opstore.get_mappings(conn) == {"barrier": {"mobilitereduite": "mobility"}}

    result = cli("replay")
    assert result.exit_code == 0
    assert result.output == (
        "2 lignes revérifiées : 1 enregistrées (1 lot(s) de rejeu), 1 toujours en quarantaine.\n"
    )
    first, replayed = opstore.list_batches(conn)
    assert replayed["replay_of"] == first["batch_id"]
    assert replayed["precedence"] == first["precedence"] == 1
    assert replayed["seq"] == 2
    assert replayed["file_name"] == "freins.csv (rejeu)"
    assert (replayed["rows_read"], replayed["rows_stored"], replayed["rows_quarantined"]) == (
        2, 1, 1,
    )  # fmt: skip
    frame = pl.read_parquet(landing.batch_path(data_dir, "barriers", replayed["batch_id"]))
    assert frame.schema == landing.schema("barriers")
    assert frame.select("participant_id", "row_number", "barrier", "level").rows() == [
        ("E-002", 2, "mobility", 2)
    ]
    (still,) = opstore.waiting_quarantine(conn)
    assert still["row_number"] == 3

    # Nothing left that a replay can store: a second replay stores nothing more.
    assert "0 enregistrées" in cli("replay").output
    assert len(opstore.list_batches(conn)) == 2


def test_latest_upload_wins_over_a_replay_of_an_older_one(cli, centre, conn, tmp_path):
    old = tmp_path / "old.csv"
    old.write_text(BARRIERS, encoding="utf-8")
    new = tmp_path / "new.csv"
    new.write_text(
        "participant_id,assessed_on,barrier,level\nE-002,2024-01-15,mobility,0\n", "utf-8"
    )
    cli("ingest", "--centre", centre, old)
    cli("ingest", "--centre", centre, new)
    cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    cli("replay", "--centre", centre)
    by_name = {b["file_name"]: b for b in opstore.list_batches(conn)}
    # Latest wins = highest (precedence, seq, row_number): the replay keeps old.csv's rank.
    assert by_name["old.csv (rejeu)"]["precedence"] == by_name["old.csv"]["precedence"] == 1
    assert by_name["new.csv"]["precedence"] == 2
    assert by_name["old.csv (rejeu)"]["seq"] == 3


def test_withdrawing_the_original_withdraws_its_replays(cli, centre, conn, tmp_path):
    path = tmp_path / "freins.csv"
    path.write_text(BARRIERS, encoding="utf-8")
    batch_id = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]["batch_id"]
    cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    cli("replay")
    result = cli("withdraw", batch_id)
    assert result.exit_code == 0
    assert "(et 1 lot(s) de rejeu qui en dépendent)" in result.output
    assert all(b["withdrawn_at"] for b in opstore.list_batches(conn))
    # The quarantine of a withdrawn batch is no longer replayed.
    assert opstore.waiting_quarantine(conn) == []


def test_withdrawing_a_replay_puts_its_rows_back_in_quarantine(cli, centre, conn, tmp_path):
    path = tmp_path / "freins.csv"
    path.write_text(BARRIERS, encoding="utf-8")
    cli("ingest", "--centre", centre, path)
    cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    cli("replay")
    assert [r["row_number"] for r in opstore.waiting_quarantine(conn)] == [3]
    replay_id = opstore.list_batches(conn)[1]["batch_id"]
    assert cli("withdraw", replay_id).exit_code == 0
    assert [r["row_number"] for r in opstore.waiting_quarantine(conn)] == [2, 3]
    assert opstore.list_batches(conn)[0]["withdrawn_at"] is None


def test_mapping_checks_list_and_code(cli):
    bad_list = cli("mappings", "add", "frein", "x", "mobility")
    assert bad_list.exit_code == 2
    assert bad_list.stderr.startswith("Erreur : Liste de codes inconnue : « frein ».")
    bad_code = cli("mappings", "add", "barrier", "x", "teleportation")
    assert bad_code.exit_code == 2
    assert bad_code.stderr.startswith(
        "Erreur : Code inconnu dans la liste barrier : « teleportation »."
    )
    known = cli("mappings", "add", "barrier", "Mobilité", "housing")
    assert known.exit_code == 2
    assert known.stderr == (
        "Erreur : La valeur « Mobilité » est déjà reconnue dans la liste barrier (code mobility).\n"
    )


def test_mappings_list(cli):
    cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    result = cli("mappings", "list")
    assert result.exit_code == 0
    assert result.output == "barrier « Mobilite reduite » → mobility\n"


def test_new_uploads_use_the_mappings(cli, centre, tmp_path):
    cli("mappings", "add", "barrier", "Mobilite reduite", "mobility")
    path = tmp_path / "freins.csv"
    path.write_text(BARRIERS, encoding="utf-8")
    report = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]
    assert (report["rows_stored"], report["rows_quarantined"]) == (2, 1)
