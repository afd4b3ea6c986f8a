"""`make bench` keeps working: the ingest benchmark runs end to end on a small file."""

from __future__ import annotations

import subprocess
import sys

from parcours.store.datadir import PROJECT_ROOT


def test_ingest_benchmark_runs_on_a_small_export():
    done = subprocess.run(
        [sys.executable, "bench/bench_ingest.py", "--rows", "2000", "--repeat", "1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Without --check-goals the verdict is printed, and only a failed measurement exits non-zero.
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1] in ("objectifs atteints", "objectifs NON atteints")
    assert "2,000 lignes" in done.stdout
    assert "DuckDB read_csv → parquet" in done.stdout and "Parcours ingest (complet)" in done.stdout
    assert "lignes acceptées : 2,000 sur 2,000" in done.stdout
    assert "rapport, processus entiers :" in done.stdout
