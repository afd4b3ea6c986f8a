"""Uploaded files live in the data folder's scratch space while they are checked: private
(0600 in a 0700 folder), removed in every outcome, and what a crash leaves is swept."""

from __future__ import annotations

import os
import stat
import time

import pytest

from parcours.store.users import User
from parcours.upload import ingest, scratch, service
from tests.security import attacks

USER = User("centre@cisp.be", "centre", "CISP-001", None)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_upload_copies_are_private_and_inside_the_data_folder(data_dir, centre, monkeypatch):
    seen = []
    real = ingest.ingest_files

    def spy(data_dir_, centre_id, paths, actor, **kwargs):
        for path in paths:
            seen.append((path, mode(path), mode(path.parent.parent), path.read_bytes()))
        return real(data_dir_, centre_id, paths, actor, **kwargs)

    monkeypatch.setattr(service.ingest, "ingest_files", spy)
    service.ingest_uploads(
        data_dir, USER, "CISP-001", [("heures.csv", attacks.VALID_HOURS_CSV)], dry_run=True
    )
    ((path, file_mode, folder_mode, content),) = seen
    assert path.is_relative_to(data_dir.tmp)
    assert (file_mode, folder_mode) == (0o600, 0o700)
    assert content == attacks.VALID_HOURS_CSV
    assert not path.exists() and not path.parent.parent.exists()


def test_upload_copies_are_removed_when_the_check_crashes(data_dir, centre, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("plantage simulé")

    monkeypatch.setattr(service.ingest, "ingest_files", crash)
    with pytest.raises(RuntimeError):
        service.ingest_uploads(
            data_dir, USER, "CISP-001", [("heures.csv", attacks.VALID_HOURS_CSV)], dry_run=False
        )
    assert list(data_dir.tmp.iterdir()) == []


def test_what_a_killed_process_left_is_swept_at_the_next_ingest(data_dir, centre, tmp_path):
    data_dir.tmp.mkdir(parents=True)
    stale = data_dir.tmp / "upload-mort"
    stale.mkdir()
    (stale / "heures.csv").write_bytes(b"donnees")
    old = time.time() - (scratch.STALE_MINUTES + 1) * 60
    os.utime(stale, (old, old))
    fresh = data_dir.tmp / "upload-en-cours"  # another upload, happening now: left alone
    fresh.mkdir()
    source = tmp_path / "heures.csv"
    source.write_bytes(attacks.VALID_HOURS_CSV)
    ingest.ingest_files(data_dir, "CISP-001", [source], "test", dry_run=True)
    assert sorted(p.name for p in data_dir.tmp.iterdir()) == ["upload-en-cours"]


def test_sweeping_a_data_folder_without_uploads_creates_nothing(data_dir):
    assert scratch.sweep(data_dir) == 0
    assert not data_dir.tmp.exists()
