"""Temporary copies of uploaded files, inside the data folder (`data/tmp/`), never in the
machine's shared /tmp.

Each upload gets a private folder (mode 0700) whose files are mode 0600 and created exclusively;
the folder is removed when the upload is done, whatever the outcome. What a crash leaves behind
(the process killed between writing and removing) is swept: any entry of `data/tmp/` older than
`STALE_MINUTES` is removed at the start of the next upload and when the dashboard starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from parcours.store.datadir import DataDir

log = logging.getLogger(__name__)

STALE_MINUTES = 30
PREFIX = "upload-"


def sweep(data_dir: DataDir, older_than_minutes: float = STALE_MINUTES) -> int:
    """Remove the entries of `data/tmp/` older than `older_than_minutes`; return how many.
    Creates nothing (a folder that never had an upload has nothing to sweep)."""
    folder = data_dir.tmp
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return 0
    limit = time.time() - older_than_minutes * 60
    removed = 0
    for entry in entries:
        try:
            if entry.lstat().st_mtime >= limit:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except FileNotFoundError:
            continue  # another process swept it first
        except OSError:
            log.warning("could not sweep %s", entry, exc_info=True)
    return removed


@contextlib.contextmanager
def upload_folder(data_dir: DataDir) -> Iterator[Path]:
    """A private folder under `data/tmp/` for one upload, removed on the way out."""
    data_dir.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir.tmp, 0o700)
    folder = data_dir.tmp / f"{PREFIX}{secrets.token_hex(8)}"
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, content: bytes) -> None:
    """Write a new file readable by this user only (0600 from its creation, not after)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
