"""Waiting for the build worker in tests: a page only asks for a build; the worker runs it."""

from __future__ import annotations

import time

from parcours.warehouse import worker


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
