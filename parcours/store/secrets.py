"""Secrets kept in the data folder (`secrets/<name>.key`, 32 random bytes, mode 0600).

Created by the command that first needs one (an upload needs the pseudonymisation key), never
by opening the data folder; they never leave it and are never committed.
"""

from __future__ import annotations

import os
import secrets

from parcours.store.datadir import DataDir


def secret(data_dir: DataDir, name: str) -> bytes:
    """The named secret, created on first use."""
    path = data_dir.secrets / f"{name}.key"
    if not path.exists():
        data_dir.secrets.mkdir(parents=True, exist_ok=True)
        os.chmod(data_dir.secrets, 0o700)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        try:
            # link(), not replace(): when two processes create the key at once, the first wins
            # and both then read the same key.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()
