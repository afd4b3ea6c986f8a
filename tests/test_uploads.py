"""Who may upload and withdraw for which centre (enforced in upload.service, not the page)."""

import pytest

from parcours.core.errors import ParcoursError
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.users import User
from parcours.upload import service as uploads

CENTRE_1 = User("c1@example.be", "centre", centre_id="C1")
ADMIN = User("admin@example.be", "admin")
FEDERATION = User("fed@example.be", "federation", federation="ALEAP")
ANALYST = User("analyst@example.be", "analyst")


@pytest.fixture
def data_dir(tmp_path):
    data_dir = DataDir(tmp_path)
    data_dir.root.mkdir(parents=True, exist_ok=True)
    conn = opstore.connect(data_dir.ops_db)
    for centre in ("C1", "C2"):
        opstore.add_centre(conn, centre, f"Centre {centre}", "ALEAP", actor="test")
    with opstore.transaction(conn):
        for centre in ("C1", "C2"):
            opstore.insert_batch(
                conn,
                {
                    "batch_id": f"b-{centre}",
                    "centre_id": centre,
                    "kind": "hours",
                    "file_name": "heures.csv",
                    "sha256": f"sha-{centre}",
                    "received_at": "2024-04-01T10:00:00+00:00",
                    "received_by": "someone",
                    "rows_read": 3,
                    "rows_stored": 3,
                    "rows_quarantined": 0,
                },
            )
    conn.close()
    return data_dir


def test_centre_uploads_for_itself_only_admin_for_all(data_dir):
    assert uploads.upload_centres(data_dir, CENTRE_1) == ["C1"]
    assert uploads.upload_centres(data_dir, ADMIN) == ["C1", "C2"]
    assert uploads.upload_centres(data_dir, FEDERATION) == []
    assert uploads.upload_centres(data_dir, ANALYST) == []


def test_centre_cannot_upload_for_another_centre(data_dir):
    with pytest.raises(uploads.AccessDenied, match="propre centre"):
        uploads.ingest_uploads(data_dir, CENTRE_1, "C2", [("a.csv", b"x")], dry_run=True)


@pytest.mark.parametrize("user", [FEDERATION, ANALYST])
def test_aggregate_roles_cannot_upload_or_withdraw(data_dir, user):
    with pytest.raises(uploads.AccessDenied):
        uploads.ingest_uploads(data_dir, user, "C1", [("a.csv", b"x")], dry_run=True)
    with pytest.raises(uploads.AccessDenied):
        uploads.withdraw_batch(data_dir, user, "b-C1")


def test_centre_withdraws_its_own_batch_not_another_centres(data_dir):
    with pytest.raises(ParcoursError, match="Lot inconnu"):
        uploads.withdraw_batch(data_dir, CENTRE_1, "b-C2")
    assert uploads.withdraw_batch(data_dir, CENTRE_1, "b-C1") == ["b-C1"]
    history = uploads.batch_history(data_dir, CENTRE_1, "C1")
    assert history["withdrawn_at"].is_not_null().all()
    conn = opstore.connect(data_dir.ops_db)
    actions = [r[0] for r in conn.execute("select action from audit_log")]
    conn.close()
    assert "batch_withdrawn" in actions


def test_admin_withdraws_any_batch(data_dir):
    assert uploads.withdraw_batch(data_dir, ADMIN, "b-C2") == ["b-C2"]


def test_history_is_scoped(data_dir):
    with pytest.raises(uploads.AccessDenied):
        uploads.batch_history(data_dir, CENTRE_1, "C2")
    assert uploads.batch_history(data_dir, ADMIN, "C2")["batch_id"].to_list() == ["b-C2"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("heures.csv", "heures.csv"),
        ("C:\\Users\\x\\heures.csv", "heures.csv"),
        ("../..", "fichier"),
    ],
)
def test_uploaded_names_lose_any_folder(sent, kept):
    assert uploads.safe_name(sent) == kept
