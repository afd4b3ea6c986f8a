"""A full disk, for real: the data folder on a 8 Mo tmpfs filled to the last byte (these tests
need root to mount it, and are skipped otherwise). Sign-in still works; an upload and a build
say « disque plein » in French, write nothing and leave the served warehouse as it was."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from parcours.cli.commands import main
from parcours.store import opstore
from parcours.store import users as auth
from parcours.store.datadir import PROJECT_ROOT, DataDir
from parcours.upload import ingest
from tests.security import attacks

PASSWORD = "motdepasse-solide"


def _fill(folder) -> None:
    fd = os.open(folder / "remplissage", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("monter un tmpfs demande root")
    mount = tmp_path / "disque"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"tmpfs impossible ici : {done.stderr.decode()[:200]}")
    try:
        monkeypatch.setenv("PARCOURS_DATA_DIR", str(mount / "data"))
        monkeypatch.setenv("PARCOURS_USER", "admin@parcours.be")
        data_dir = DataDir.from_env()
        with opstore.connected(data_dir.ops_db) as conn:
            opstore.add_centre(conn, "CISP-001", "Le Tremplin", "ALEAP", 4020, actor="test")
        auth.add_user(data_dir, "centre@cisp.be", PASSWORD, "centre", "CISP-001")
        source = tmp_path / "heures.csv"
        source.write_bytes(attacks.VALID_HOURS_CSV)
        (report,) = ingest.ingest_files(data_dir, "CISP-001", [source], "test")
        assert report.status == "stored"
        with opstore.connected(data_dir.ops_db) as conn:
            conn.execute("pragma wal_checkpoint(truncate)")  # the next write must grow a file
        _fill(mount)
        yield data_dir
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def snapshot(data_dir: DataDir) -> dict:
    return {
        str(p.relative_to(data_dir.root)): p.stat().st_size
        for p in sorted(data_dir.root.rglob("*"))
        if p.is_file()
    }


def test_sign_in_works_on_a_full_disk(full_disk, caplog):
    with caplog.at_level(logging.ERROR, logger="parcours.store.users"):
        user = auth.authenticate(full_disk, "centre@cisp.be", PASSWORD)
    assert user is not None and user.centre_id == "CISP-001"
    with contextlib.closing(opstore.connect_snapshot(full_disk.ops_db)) as conn:
        logins = opstore.list_audit(conn, "login_success")
    # The audit line could not be written: the failure is in the server's log instead.
    assert logins == []
    assert "sign-in audit not written" in caplog.text
    assert auth.authenticate(full_disk, "centre@cisp.be", "mauvais") is None


def test_an_upload_on_a_full_disk_says_so_in_french(full_disk, tmp_path):
    before = snapshot(full_disk)
    source = tmp_path / "autres-heures.csv"
    source.write_bytes(attacks.VALID_HOURS_CSV.replace(b"P1", b"P9"))
    for dry_run in ([], ["--dry-run"]):
        result = CliRunner().invoke(main, ["ingest", "--centre", "CISP-001", *dry_run, str(source)])
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (
            "Erreur : Le disque du serveur est plein : rien n'a été enregistré. Prévenez "
            "l'administrateur, qui doit libérer de la place dans le dossier de données, puis "
            "réessayez."
        )
    with contextlib.closing(opstore.connect_snapshot(full_disk.ops_db)) as conn:
        assert len(opstore.list_batches(conn)) == 1
    after = snapshot(full_disk)
    assert {k: v for k, v in after.items() if "ops.sqlite" not in k} == {
        k: v for k, v in before.items() if "ops.sqlite" not in k
    }


@pytest.mark.slow
def test_a_build_on_a_full_disk_says_so_in_french(full_disk):
    done = subprocess.run(
        [sys.executable, "-m", "parcours", "build"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "ComputeError" not in done.stderr
    assert "La construction a échoué : le disque du serveur est plein." in done.stderr
    assert not full_disk.warehouse.exists()
