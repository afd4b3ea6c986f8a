"""`parcours withdraw BATCH_ID` withdraws a whole upload; its records disappear at the next
build, and the earlier versions of the same keys come back."""

import json
from pathlib import Path

from parcours.core.dates import local_time
from parcours.store import opstore

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"


def test_withdraw_then_unknown(cli, centre, conn):
    report = json.loads(
        cli("ingest", "--centre", centre, "--json", EXAMPLES / "canonical" / "hours.csv").stdout
    )[0]
    batch_id = report["batch_id"]

    result = cli("withdraw", batch_id)
    assert result.exit_code == 0
    assert result.output == (
        f"Lot {batch_id} retiré. Lancez « parcours build » pour l'appliquer.\n"
    )
    batch = opstore.get_batch(conn, batch_id)
    assert batch["withdrawn_at"] is not None
    assert batch["withdrawn_by"] == "test@parcours.be"
    assert opstore.list_audit(conn, "batch_withdrawn")[0]["detail"]["batch_id"] == batch_id
    assert f"retiré le {local_time(batch['withdrawn_at'])}" in cli("batches").output

    again = cli("withdraw", batch_id)
    assert again.exit_code == 2
    assert again.stderr == f"Erreur : Le lot « {batch_id} » est déjà retiré.\n"

    unknown = cli("withdraw", "b-nope")
    assert unknown.exit_code == 2
    assert unknown.stderr == "Erreur : Lot inconnu : « b-nope ».\n"


def test_same_file_after_a_withdrawal_is_stored_again(cli, centre, conn):
    path = EXAMPLES / "canonical" / "hours.csv"
    first = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]
    cli("withdraw", first["batch_id"])
    second = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]
    assert second["status"] == "stored"
    assert second["batch_id"] != first["batch_id"]


def test_a_centre_withdraws_only_its_own_batches(cli, centre, data_dir):
    from parcours.core.errors import ParcoursError
    from parcours.upload.ingest import withdraw

    path = EXAMPLES / "canonical" / "hours.csv"
    batch_id = json.loads(cli("ingest", "--centre", centre, "--json", path).stdout)[0]["batch_id"]
    try:
        withdraw(data_dir, batch_id, "other@cisp.be", centre_id="CISP-999")
    except ParcoursError as error:
        assert str(error) == f"Lot inconnu : « {batch_id} »."
    else:
        raise AssertionError("another centre withdrew the batch")
