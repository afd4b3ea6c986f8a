"""`parcours ingest --complete` (EXPORT_FORMAT §5 v1.1): a complete export of a kind replaces what
the centre sent before for that kind; the report's `superseded` says how many current records stop
counting, a dry run included, before anything is stored."""

import json

HEADER = "participant_id;exit_date;destination;reason\n"


def exits_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{r};employment_permanent;job\n" for r in rows), "utf-8")
    return path


def ingest_json(cli, *args):
    result = cli("ingest", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dry_run_counts_the_records_a_complete_export_would_supersede(cli, centre, tmp_path):
    first = exits_file(tmp_path, "sorties.csv", ["E1;2024-03-15", "E2;2024-04-30", "E3;2024-05-02"])
    ingest_json(cli, "--centre", centre, first)
    # E2's exit date was mistyped: the corrected complete export has 30/05, not 30/04.
    fixed = exits_file(
        tmp_path, "sorties-corrigees.csv", ["E1;15/03/2024", "E2;30/05/2024", "E3;02/05/2024"]
    )
    (dry,) = ingest_json(cli, "--centre", centre, "--complete", "--dry-run", fixed)
    assert dry["status"] == "stored" and dry["batch_id"] is None
    assert dry["superseded"] == 1  # (E2, 2024-04-30) stops counting; E1 and E3 are in the file
    (ordinary,) = ingest_json(cli, "--centre", centre, "--dry-run", fixed)
    assert ordinary["superseded"] == 0  # an ordinary upload never deletes anything


def test_later_uploads_add_to_a_complete_export_and_withdrawal_brings_records_back(
    cli, centre, tmp_path, conn
):
    ingest_json(
        cli, "--centre", centre, exits_file(tmp_path, "a.csv", ["E1;2024-03-15", "E2;2024-04-30"])
    )
    (complete,) = ingest_json(
        cli, "--centre", centre, "--complete", exits_file(tmp_path, "b.csv", ["E1;2024-03-15"])
    )
    assert complete["superseded"] == 1
    ingest_json(cli, "--centre", centre, exits_file(tmp_path, "c.csv", ["E4;2024-06-01"]))
    # A second complete export, measured against the first one and what came after it.
    (again,) = ingest_json(
        cli,
        "--centre",
        centre,
        "--complete",
        "--dry-run",
        exits_file(tmp_path, "d.csv", ["E9;2024-07-01"]),
    )
    assert again["superseded"] == 2  # E1 (from b) and E4 (from c); E2 no longer counts
    assert cli("withdraw", complete["batch_id"]).exit_code == 0
    (after,) = ingest_json(
        cli,
        "--centre",
        centre,
        "--complete",
        "--dry-run",
        exits_file(tmp_path, "e.csv", ["E9;2024-07-01"]),
    )
    assert after["superseded"] == 3  # E1, E2 (back) and E4
    (stored,) = [
        b
        for b in json.loads(cli("batches", "--json").output)
        if b["batch_id"] == complete["batch_id"]
    ]
    assert stored["is_complete"] == 1
