"""The status line under every page's title (issue 17, item 1): where the user's data stands —
waiting for a build with the time it should show, up to date, or a failed build in plain French
with what to do and a button to ask again. Only the users whose centres changed see it."""

from __future__ import annotations

import json
import shutil

import pytest

from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse import worker
from tests.conftest import app_as


@pytest.fixture
def folder(dashboard_warehouse, tmp_path, monkeypatch):
    root = tmp_path / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))
    # No worker process here: the requests stay waiting, as when a build is queued.
    monkeypatch.setattr(worker, "ensure_worker", lambda data_dir: False)
    return DataDir.from_env()


def failed_build_for(data_dir, centre_id: str) -> None:
    request_id = worker.request_build(data_dir, "nam@centre.be", "upload", centre_id, start=False)
    with opstore.connected(data_dir.ops_db) as conn:
        conn.execute(
            "insert into builds(build_id, started_at, finished_at, actor, status, summary) "
            "values ('wfail', ?, ?, 'nam@centre.be', 'failed', ?)",
            (
                opstore.now_iso(),
                opstore.now_iso(),
                json.dumps({"message": "La construction a échoué : le test X a échoué."}),
            ),
        )
        conn.execute(
            "update build_requests set build_id = 'wfail', attempts = 1 where request_id = ?",
            (request_id,),
        )


def infos(at) -> str:
    kinds = ("info", "error", "caption")
    text = "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))
    return text.replace("\xa0", " ")


def test_no_line_for_a_user_whose_data_never_changed(folder):
    at = app_as("nam@centre.be", "pages/freins.py")
    assert not at.exception
    assert "Vos données" not in infos(at)


def test_a_waiting_upload_says_when_it_will_show(folder):
    worker.request_build(folder, "nam@centre.be", "upload", "CISP-NAM", start=False)
    at = app_as("nam@centre.be", "pages/freins.py")
    assert not at.exception
    text = infos(at)
    assert "Vos données du " in text and "seront visibles " in text
    # Another centre's user is not concerned.
    other = app_as("lie@centre.be", "pages/freins.py")
    assert "seront visibles" not in infos(other)


def test_a_failed_build_says_what_happened_and_what_to_do(folder):
    failed_build_for(folder, "CISP-NAM")
    at = app_as("nam@centre.be", "pages/resultats.py")
    assert not at.exception
    text = "\n".join(e.value for e in at.error).replace("\xa0", " ")
    assert "La mise à jour des pages avec vos données du " in text
    assert "le test X a échoué" in text
    assert "Que faire ?" in text and "Relancez la mise à jour" in text
    assert at.button(key="_retry_build").label == "Relancer la mise à jour"
    at.button(key="_retry_build").click().run()
    assert not at.exception
    with opstore.connected(folder.ops_db) as conn:
        reasons = [r[0] for r in conn.execute("select reason from build_requests order by 1")]
    assert sorted(reasons) == ["manual", "upload"]
    assert "seront visibles" in infos(at)


def test_up_to_date_once_a_later_build_succeeded(folder):
    failed_build_for(folder, "CISP-NAM")
    request_id = worker.request_build(folder, "admin@parcours.be", "manual", None, start=False)
    with opstore.connected(folder.ops_db) as conn:
        conn.execute(
            "insert into builds(build_id, started_at, finished_at, actor, status, summary) "
            "values ('wok', ?, ?, 'admin', 'success', '{\"duration_s\": 9}')",
            (opstore.now_iso(), opstore.now_iso()),
        )
        conn.execute(
            "update build_requests set build_id = 'wok' where request_id = ?", (request_id,)
        )
    at = app_as("nam@centre.be", "pages/accueil.py")
    assert not at.exception
    assert "à jour dans les pages" in infos(at)
    assert not at.error
