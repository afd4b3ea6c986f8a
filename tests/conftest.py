"""Fixtures shared by the tests: a fresh data folder per test, never ./data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from parcours import opstore
from parcours.cli import main
from parcours.settings import PROJECT_ROOT, DataDir

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = FIXTURES / "examples"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> DataDir:
    """A fresh data folder, also the one the CLI uses (PARCOURS_DATA_DIR)."""
    root = tmp_path / "data"
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))
    monkeypatch.setenv("PARCOURS_USER", "test@parcours.be")
    return DataDir.from_env()


@pytest.fixture
def conn(data_dir):
    connection = opstore.connect(data_dir.ops_db)
    yield connection
    connection.close()


@pytest.fixture
def cli(data_dir):
    """Invoke the CLI in-process: cli("ingest", "--centre", ...) → click Result."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def centre(cli) -> str:
    """A registered centre, CISP-001 (ALEAP, Liège)."""
    result = cli(
        "centres",
        "add",
        "CISP-001",
        "--name",
        "Le Tremplin",
        "--federation",
        "ALEAP",
        "--postal-code",
        "4020",
    )
    assert result.exit_code == 0, result.output
    return "CISP-001"


def run_cli(data_dir: DataDir, *args, input: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m parcours` in a real process, as a user would."""
    env = {**os.environ, "PARCOURS_DATA_DIR": str(data_dir.root), "PARCOURS_USER": "test"}
    return subprocess.run(
        [sys.executable, "-m", "parcours", *map(str, args)],
        cwd=PROJECT_ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
