"""The Téléverser page: dry run, confirm, rebuild, history and withdrawal — on a copy of the
dashboard fixture's data folder (the uploads and the rebuild must not change the shared one)."""

import os
import shutil

import pytest

from parcours.store import opstore
from parcours.store.datadir import DataDir
from tests.build_helpers import wait_until_built
from tests.conftest import app_as
from tests.page_helpers import page_as

# Slow (the build worker runs dbt): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow

PAGE = "pages/televerser.py"
# A new month of hours for N08 (230 h: above the 200 h ceiling of the quality page) and a row
# whose hours are not a number (row 2: quarantined with its French message).
HOURS = "participant_id;month;hours\nN08;06/2024;230\nN07;06/2024;beaucoup\n".encode("cp1252")


@pytest.fixture(scope="module")
def scratch(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("televerser") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    # dbt's partial-parse cache holds the source paths of the folder it was built in (rendered
    # from PARCOURS_DATA_DIR): a copied folder must parse afresh or it reads the original.
    for cache in root.glob("build/target/partial_parse.msgpack"):
        cache.unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(root))
        yield DataDir.from_env()


def batches(data_dir, centre="CISP-NAM"):
    conn = opstore.connect(data_dir.ops_db)
    try:
        return opstore.list_batches(conn, centre)
    finally:
        conn.close()


def texts(at) -> str:
    parts = [e.value for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def checked(scratch):
    at = app_as("nam@centre.be", PAGE)
    assert not at.exception
    participants = os.path.dirname(__file__) + "/fixtures/dashboard/NAM/participants.csv"
    with open(participants, "rb") as handle:
        again = handle.read()
    at.file_uploader[0].set_value(
        [("heures-juin.csv", HOURS, "text/csv"), ("participants.csv", again, "text/csv")]
    )
    at.run()
    before = len(batches(scratch))
    at.button(key="check").click().run()
    assert len(batches(scratch)) == before  # a dry run writes nothing
    return at


def test_dry_run_reports_each_file_in_french(checked):
    assert not checked.exception
    shown = texts(checked)
    assert "heures-juin.csv — Heures de formation" in shown
    assert "2 ligne(s) lue(s), 1 seront enregistrées, 1 en quarantaine" in shown
    assert "participants.csv — Stagiaires** : fichier déjà reçu" in shown
    errors = checked.dataframe[0].value
    assert errors["Ligne"].tolist() == [2]
    assert errors["Colonne"].tolist() == ["hours"]
    assert errors["Valeur"].tolist() == ["beaucoup"]


def test_confirm_stores_then_rebuild_shows_the_new_data(checked, scratch):
    before = len(batches(scratch))
    checked.button(key="confirm").click().run()
    assert not checked.exception
    after = batches(scratch)
    assert len(after) == before + 1  # the duplicate is not stored again
    assert after[-1]["file_name"] == "heures-juin.csv"
    assert after[-1]["received_by"] == "nam@centre.be"
    assert "1 enregistrées, 1 en quarantaine" in texts(checked)
    history = checked.dataframe[-1].value
    assert history["Fichier"].iloc[0] == "heures-juin.csv"

    # No button to press: the upload asked the build worker, whose build the page follows.
    said = "\n".join(m.value for m in checked.markdown)
    assert "Les pages se mettent à jour toutes seules" in said
    status = wait_until_built(scratch, ("CISP-NAM",))
    assert status.state == "up_to_date", status  # the failed build's French reason if not
    checked.run()
    assert "à jour dans les pages" in "\n".join(c.value for c in checked.caption)

    # The quality page now sees the waiting quarantined row and the 230 h month.
    quality = app_as("nam@centre.be", "pages/qualite.py")
    assert not quality.exception
    tables = {tuple(df.value.columns): df.value for df in quality.dataframe}
    waiting = next(t for cols, t in tables.items() if "Lignes en attente" in cols)
    assert waiting["Lignes en attente"].tolist() == [1]
    outliers = next(t for cols, t in tables.items() if "Motif" in cols)
    assert outliers[["Stagiaire", "Heures"]].values.tolist() == [["N08", 230.0]]


def test_history_and_withdraw_own_batch(scratch):
    at = app_as("nam@centre.be", PAGE)
    mine = batches(scratch)[-1]["batch_id"]
    at.selectbox(key="withdraw_batch").select(mine).run()
    assert at.button(key="withdraw").disabled
    at.checkbox(key="withdraw_sure").check().run()
    at.button(key="withdraw").click().run()
    assert not at.exception
    assert "Lot retiré" in texts(at)
    status = wait_until_built(scratch, ("CISP-NAM",))
    assert status.state == "up_to_date", status  # the failed build's French reason if not
    assert batches(scratch)[-1]["withdrawn_by"] == "nam@centre.be"
    conn = opstore.connect(scratch.ops_db)
    audited = conn.execute(
        "select count(*) from audit_log where action = 'batch_withdrawn' and actor = ?",
        ("nam@centre.be",),
    ).fetchone()[0]
    conn.close()
    assert audited == 1


def test_a_centre_sees_and_withdraws_only_its_own_batches(scratch):
    at = app_as("lie@centre.be", PAGE)
    assert not at.exception
    assert at.selectbox[0].disabled and at.selectbox[0].value == "CISP-LIE"
    history = at.dataframe[0].value
    ids = {b["batch_id"] for b in batches(scratch, "CISP-LIE")}
    assert set(history["Lot"]) == ids
    assert set(at.selectbox(key="withdraw_batch").options) <= {
        o for o in at.selectbox(key="withdraw_batch").options if any(i in o for i in ids)
    }


@pytest.mark.parametrize("email", ["acfi@federation.be", "analyste@parcours.be"])
def test_other_roles_cannot_upload(scratch, email):
    at = page_as(email, PAGE)
    assert not at.exception
    assert not at.file_uploader
    assert any("réservé au personnel des centres" in i.value for i in at.info)


def test_admin_chooses_any_centre(scratch):
    at = app_as("admin@parcours.be", PAGE)
    assert not at.exception
    assert set(at.selectbox[0].options) >= {
        "Atelier du Confluent (CISP-NAM)",
        "Le Perron (CISP-LIE)",
        "Hainaut Avenir (CISP-HAI)",
    }
