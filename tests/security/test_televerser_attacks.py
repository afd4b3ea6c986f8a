"""Each attack file dropped on Téléverser and « Vérifier »-ed, as a signed-in centre would
(AppTest of the page): a French refusal naming the limit, no exception, bounded time, and the
same session still checks a valid file afterwards — the dashboard survived. Before, the
declared-dimension workbook took the Streamlit process down."""

from __future__ import annotations

import os
import time

import pytest

from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT
from parcours.store.users import User
from tests.security import attacks
from tests.security.test_cli_upload_attacks import ATTACKS, SECONDS

PAGE = str(PROJECT_ROOT / "pages" / "televerser.py")
USER = User("centre@cisp.be", "centre", "CISP-001", None)


@pytest.fixture
def page(data_dir, centre):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=SECONDS)
    at.session_state["user"] = USER
    at.run()
    assert not at.exception
    return at


def check(at, files):
    at.file_uploader[0].set_value([(name, content, "text/csv") for name, content in files])
    at.run()
    started = time.monotonic()
    at.button(key="check").click().run()
    return time.monotonic() - started


def shown(at) -> str:
    parts = [e.value for kind in ("error", "warning", "success", "info") for e in getattr(at, kind)]
    parts += [m.value for m in at.markdown]
    return "\n".join(str(p) for p in parts)


@pytest.mark.slow
@pytest.mark.parametrize("attack", [a for a in ATTACKS if "size limit" not in a])
def test_televerser_refuses_the_attack_and_keeps_serving(attack, page, data_dir):
    name, make, words = ATTACKS[attack]
    seconds = check(page, [(name, make())])
    assert not page.exception
    text = shown(page)
    assert f"Fichier refusé : {name} — " in text
    for word in words:
        assert word in text
    assert seconds < SECONDS
    # The same session goes on: a valid file is checked as usual.
    check(page, [("heures.csv", attacks.VALID_HOURS_CSV)])
    assert not page.exception
    assert "2 ligne(s) lue(s), 2 seront enregistrées, 0 en quarantaine" in shown(page)
    # Nothing of the upload is left in the data folder's scratch space.
    assert not any(p.is_file() for p in data_dir.tmp.rglob("*"))


def test_the_drop_zone_takes_the_library_size_limit(page, monkeypatch):
    # Streamlit itself refuses a larger body before the script sees it (server.maxUploadSize,
    # and this per-widget limit); the library checks again, whatever the caller (below).
    assert page.file_uploader[0].proto.max_upload_size_mb == 50
    monkeypatch.setenv("PARCOURS_MAX_UPLOAD_MB", "7")
    page.run()
    assert page.file_uploader[0].proto.max_upload_size_mb == 7


def test_upload_service_refuses_a_file_over_the_size_limit_without_reading_it(
    data_dir, centre, monkeypatch
):
    from parcours.upload import service

    monkeypatch.setenv("PARCOURS_MAX_UPLOAD_MB", "1")
    checked = []
    real = service.ingest.ingest_content
    monkeypatch.setattr(
        service.ingest,
        "ingest_content",
        lambda *a, **k: (checked.append(a[2]), real(*a, **k))[1],
    )
    reports = service.ingest_uploads(
        data_dir,
        USER,
        "CISP-001",
        [("gros.csv", attacks.csv_too_large(megabytes=2)), ("h.csv", attacks.VALID_HOURS_CSV)],
        dry_run=True,
    )
    assert [r.status for r in reports] == ["rejected", "stored"]
    assert reports[0].errors[0]["message"] == (
        "Fichier refusé : gros.csv — 2,0 Mo dépasse la taille maximale d'un fichier (1 Mo). "
        "Envoyez l'export en plusieurs fichiers (par exemple un par année)."
    )
    assert checked == ["h.csv"]  # the large file never reached the checking process
    assert not data_dir.tmp.exists()  # and nothing was written for either
    with opstore.connected(data_dir.ops_db) as conn:
        audited = opstore.list_audit(conn, "upload_checked")
    assert [(a["actor"], a["detail"]["file_name"], a["detail"]["outcome"]) for a in audited] == [
        (USER.email, "gros.csv", "rejected"),
        (USER.email, "h.csv", "stored"),
    ]


@pytest.mark.slow
def test_televerser_refuses_too_many_files(page, monkeypatch):
    monkeypatch.setenv("PARCOURS_MAX_FILES", "2")
    check(page, [(f"h{i}.csv", attacks.VALID_HOURS_CSV) for i in range(3)])
    assert not page.exception
    assert "Envoi refusé : 3 fichiers, alors qu'un envoi en compte au plus 2." in shown(page)


def test_streamlit_and_the_library_share_the_size_limit():
    import tomllib

    from parcours.upload.limits import MB, UploadLimits

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] * MB == UploadLimits().max_bytes == 50 * MB
    assert os.environ.get("PARCOURS_MAX_UPLOAD_MB") is None
