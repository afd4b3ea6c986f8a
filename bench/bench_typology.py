"""Benchmark of the typical paths (issue 10) at the sector's scale: 150 centres × 10 years.

Reuses `bench_build.generate` (synthetic landing files, ~143,000 trainees), then, in the same
run and on the same data:
1. a full `parcours build --no-docs` (with the typology: the dbt Python model
   `int_participant_path_type` and the marts `agg_path_types`, `agg_path_type_sequences`);
2. the same `dbt build` without them (`--exclude int_participant_path_type+`), into a scratch
   file, with the environment `parcours build` gives dbt;
3. the typology alone, in this process, on the sequences of the built warehouse.

    python bench/bench_typology.py [--data-dir /tmp/parcours-bench-typology] [--keep]

Goal: the whole build stays ≤ 90 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_build import bench_folder, generate, timed_build, timed_child  # noqa: E402

from parcours.analytics import typology  # noqa: E402
from parcours.store.datadir import DataDir  # noqa: E402
from parcours.warehouse import build  # noqa: E402

TYPOLOGY_NODES = ("int_participant_path_type", "agg_path_types", "agg_path_type_sequences")


def dbt_build_without_typology(data_dir: DataDir) -> tuple[float, float]:
    """Wall and CPU seconds of `dbt build` without the typology and what depends on it."""
    scratch = data_dir.root / "build" / "work" / "bench-without-typology.duckdb"
    scratch.unlink(missing_ok=True)
    env = build.dbt_environment(data_dir, scratch)
    env["PYTHONPATH"] = str(REPO)
    command = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        "build",
        "--exclude",
        "int_participant_path_type+",
        "--exclude-resource-type",
        "unit_test",
        "--quiet",
    ]
    elapsed, cpu, done = timed_child(command, build.TRANSFORM_DIR, env)
    scratch.unlink(missing_ok=True)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:])
        raise SystemExit(1)
    return elapsed, cpu


def typology_alone(data_dir: DataDir) -> tuple[float, typology.Typology, int, int]:
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as db:
        rows = db.execute(
            "select sequence, count(*) from intermediate.int_participant_path_type "
            "group by 1 order by 1"
        ).fetchall()
    sequences, counts = [r[0] for r in rows], [r[1] for r in rows]
    started = time.monotonic()
    result = typology.typology(sequences, counts)
    return time.monotonic() - started, result, len(sequences), sum(counts)


def stress_test(distinct: int = 20_000) -> tuple[float, typology.Typology]:
    """The typology on many distinct sequences: entry spell, then one or two situations, some
    cut by the end of observation."""
    rng = np.random.default_rng(1)
    found: set[str] = set()
    while len(found) < distinct:
        months = int(rng.integers(1, 25))
        rest = typology.MONTHS - months
        first = int(rng.integers(0, rest + 1)) if rest else 0
        a, b = "ETPNU"[int(rng.integers(0, 5))], "ETPNU"[int(rng.integers(0, 5))]
        path = "C" * months + a * first + b * (rest - first)
        if rng.random() < 0.3:
            path = path[: int(rng.integers(1, 25))].ljust(typology.MONTHS, "X")
        found.add(path)
    sequences = sorted(found)
    counts = list(rng.integers(1, 15, len(sequences)))
    started = time.monotonic()
    result = typology.typology(sequences, counts)
    return time.monotonic() - started, result


def main() -> None:
    data_dir, keep = bench_folder(__doc__.splitlines()[0], "/tmp/parcours-bench-typology")
    os.environ["PYTHONPATH"] = str(REPO)  # the dbt child imports parcours.analytics.typology
    print(f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)")
    if not (data_dir.ops_db.exists() and keep):
        started = time.monotonic()
        counts = generate(data_dir)
        print(f"Generated in {time.monotonic() - started:.1f} s: {counts}")

    full, cpu, summary = timed_build(data_dir.root, "--no-docs")
    nodes = {m["name"]: m["execution_time"] for m in summary["models"]}
    tests = sum(
        t["execution_time"]
        for t in summary["tests"]
        if any(node in t["name"] for node in TYPOLOGY_NODES)
    )
    print(
        f"Full build with the typology (--no-docs): {full:.1f} s wall, {cpu:.1f} s CPU  "
        "[goal ≤ 90 s]"
    )
    print(
        "  typology nodes: "
        + ", ".join(f"{n} {nodes.get(n, 0):.1f} s" for n in TYPOLOGY_NODES)
        + f"; their data tests {tests:.1f} s"
    )
    without, cpu = dbt_build_without_typology(data_dir)
    print(
        f"dbt build without the typology (same data, same run): {without:.1f} s wall, "
        f"{cpu:.1f} s CPU"
    )
    alone, result, distinct, trainees = typology_alone(data_dir)
    print(
        f"Typology alone (numpy, in process): {alone:.1f} s for {trainees} trainees, "
        f"{distinct} distinct 24-month sequences; k = {result.k}, silhouette "
        f"{result.silhouette:.2f}"
    )
    sizes = [int((result.types == i + 1).sum()) for i in range(result.k)]
    for number, (name, medoid) in enumerate(zip(result.names, result.medoids, strict=True), 1):
        print(f"  {number}. {name}  [{medoid}]  ({sizes[number - 1]} distinct sequences)")
    stress_seconds, stress = stress_test()
    print(
        f"Typology alone on 20,000 distinct sequences (synthetic, seed 1; real exports are more "
        f"varied than the bench's): {stress_seconds:.1f} s, k = {stress.k}"
    )
    print(f"Load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
