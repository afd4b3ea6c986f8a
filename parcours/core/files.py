"""Writing a file so that a reader never sees it half-written: write to a temporary name in the
same folder, then rename it over the target (`os.replace` is atomic on one file system).

The one helper behind landing files, registry snapshots, published dbt docs and secrets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], None], *, mode: int | None = None) -> None:
    """Call `write(tmp)` on a temporary path beside `path`, then rename it to `path`.

    `mode` (e.g. 0o600) is set on the temporary file before the rename, so the target never
    exists with looser permissions. The temporary file is removed whatever happens.
    """
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
