"""The CLI in a process of its own, and waiting for the build worker (a page only asks for a
build; the worker runs it): the one place tests start `python -m parcours`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from parcours.store.datadir import PROJECT_ROOT
from parcours.warehouse import worker

TEST_USER = "test@parcours.be"


def cli(
    root: Path,
    *args,
    input: str | None = None,
    user: str | None = TEST_USER,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """`python -m parcours ARGS` on the data folder `root`, as a person types it, signed as
    `user` (PARCOURS_USER; None: whatever the environment says). The timeout guards against a
    hung process, it is no speed check (bench/ measures speed): a demo's full build took 109 s
    on a loaded 2-core machine."""
    env = {**os.environ, "PARCOURS_DATA_DIR": str(root)}
    if user is not None:
        env["PARCOURS_USER"] = user
    return subprocess.run(
        [sys.executable, "-m", "parcours", *map(str, args)],
        cwd=PROJECT_ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until_built(data_dir, centre_ids: tuple[str, ...] | None = None, timeout: float = 300):
    """Wait until the latest change to these centres' data is in the served warehouse (or its
    build failed); returns the final `DataStatus`."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = worker.status_for(data_dir, centre_ids)
        if status is not None and status.state in {"up_to_date", "failed"}:
            return status
        time.sleep(0.3)
    raise AssertionError(f"no build finished in {timeout} s: {status}")
