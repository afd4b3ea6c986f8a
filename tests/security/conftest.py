"""Helpers for the attack tests: the CLI in a real process under a hard memory ceiling, so that a
file that made it allocate without bound would abort it (exit 134) instead of a French refusal."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parcours.store.datadir import PROJECT_ROOT

# Far above what any legitimate check needs (< 1 Go), far below what the attacks would take.
CLI_ADDRESS_SPACE = 4 * 1024**3


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CLI_ADDRESS_SPACE, CLI_ADDRESS_SPACE))


@pytest.fixture
def attack_cli(data_dir, centre):
    """Run `python -m parcours ARGS` as a user would, under the memory ceiling; returns
    (completed process, seconds)."""

    def run(*args, env: dict | None = None, timeout: int = 300):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "parcours", *map(str, args)],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                "PYTHONPATH": str(PROJECT_ROOT),
                "PARCOURS_DATA_DIR": str(data_dir.root),
                "PARCOURS_USER": "attaquant@parcours.be",
                **(env or {}),
            },
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_ceiling,
        )
        return done, time.monotonic() - started

    return run


@pytest.fixture
def write(tmp_path):
    def write_file(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write_file
