"""Upload pipeline benchmark: is checking an upload close to the cost of merely copying it?

Generates a 1,000,000-row `hours` export as Excel writes it in Belgium (Windows-1252, `;`,
`03/2024` months, decimal commas, header « N° stagiaire;Mois;Heures ») in a temporary folder, then
runs, each in its own process so that peak memory is measured separately:

- baseline: DuckDB `copy (from read_csv(f, all_varchar=true, encoding='latin-1')) to 'x.parquet'`
  (read, no checks; the encoding must be given to DuckDB, Parcours detects it);
- parcours: the upload pipeline (`pipeline` below: read, detect, check, pseudonymise, write the
  landing parquet, batch registry: `parcours.upload.ingest.ingest_files` in a fresh data folder).

Prints, for each, the seconds of the whole process — what a person running the command waits:
interpreter start, imports, the operation, exit — measured on the commands themselves:
`python -c "import duckdb; duckdb.sql(copy …)"` against `python -m parcours ingest --centre BENCH
heures.csv` (a fresh data folder with the centre registered, prepared outside the timing; the
checking child's start and imports included); then the operation alone (imports excluded, in a
process that imported both libraries first). Best of `--repeat` fresh processes, as the machine
is shared; the ratios; each process's peak RSS. Goals: whole-process ratio ≤ 2 (issue 17),
peak < 1 GB.

    python bench/bench_ingest.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL = 2.0
PEAK_GOAL_MB = 1024


def pipeline(source: Path, target: Path) -> None:
    """What one upload costs in Parcours: the whole `ingest` path (read, detect, check,
    pseudonymise, landing parquet, batch registry) into a fresh data folder beside `target`."""
    import os
    import shutil

    from parcours.store.datadir import DataDir
    from parcours.upload import ingest

    # A fresh folder per run: the same bytes twice would be a (cheap) duplicate.
    root = target.parent / f"bench-data-{os.getpid()}"
    data_dir = DataDir(root)
    data_dir.root.mkdir(parents=True, exist_ok=True)
    ingest.register_centre(data_dir, "BENCH", "Centre de mesure", "ACFI", actor="bench")
    (report,) = ingest.ingest_files(data_dir, "BENCH", [source], actor="bench")
    (landing,) = data_dir.landing_kind("hours").glob("b*.parquet")
    shutil.copyfile(landing, target)  # counted by the parent: every row must have landed
    shutil.rmtree(root)


def server(source: Path, target: Path, checker=None) -> None:
    """The dashboard's case: the bytes are in memory and a checking process is ready (the
    server starts the next one after each upload); the same `ingest` path otherwise."""
    import os
    import shutil

    from parcours.store.datadir import DataDir
    from parcours.upload import ingest

    content = _CONTENT
    root = target.parent / f"bench-data-{os.getpid()}"
    data_dir = DataDir(root)
    data_dir.root.mkdir(parents=True, exist_ok=True)
    ingest.register_centre(data_dir, "BENCH", "Centre de mesure", "ACFI", actor="bench")
    upload = ingest.Upload(source.name, source.name, lambda: content)
    ingest.ingest_uploads(data_dir, "BENCH", [upload], actor="bench", checker=checker)
    (landing,) = data_dir.landing_kind("hours").glob("b*.parquet")
    shutil.copyfile(landing, target)
    shutil.rmtree(root)


_CONTENT = b""


def baseline(source: Path, target: Path) -> None:
    import duckdb

    # The file is Windows-1252: DuckDB refuses it as UTF-8, so it is told (Parcours detects it).
    duckdb.sql(
        f"copy (from read_csv('{source}', all_varchar=true, encoding='latin-1')) "
        f"to '{target}' (format parquet)"
    )


def generate(path: Path, rows: int) -> None:
    """Unique (trainee, month) keys: 50 consecutive months from 01/2020 per trainee."""
    import polars as pl

    months = 50
    frame = pl.select(i=pl.int_range(rows, dtype=pl.Int64)).select(
        pl.format("E-{}", (pl.col("i") // months).cast(pl.String).str.zfill(6)).alias("id"),
        pl.format(
            "{}/{}",
            ((pl.col("i") % months) % 12 + 1).cast(pl.String).str.zfill(2),
            (2020 + (pl.col("i") % months) // 12).cast(pl.String),
        ).alias("month"),
        pl.format("{},{}", (pl.col("i") * 7) % 120, (pl.col("i") % 4) * 25).alias("hours"),
    )
    text = "N° stagiaire;Mois;Heures\r\n" + "\r\n".join(
        frame.select(pl.concat_str(pl.all(), separator=";")).to_series().to_list()
    )
    path.write_bytes((text + "\r\n").encode("cp1252"))


def _child(which: str, source: Path, target: Path) -> None:
    # Import first so that only the operation is timed.
    import duckdb  # noqa: F401
    import polars  # noqa: F401

    import parcours.upload.validation  # noqa: F401

    run = {"baseline": baseline, "pipeline": pipeline, "server": server}[which]
    if which == "server":
        import functools

        from parcours.upload.isolation import Checker

        global _CONTENT
        _CONTENT = source.read_bytes()
        checker = Checker().__enter__()
        checker._wait_ready(checker._process)  # ready, as after a previous upload
        run = functools.partial(server, checker=checker)
    imports_mb = _peak_mb()
    start = time.perf_counter()
    run(source, target)
    seconds = time.perf_counter() - start
    # The upload is checked in a child process (parcours.upload.isolation): its peak counts too.
    checker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = max(_peak_mb(), checker_mb)
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "imports_mb": imports_mb}))


def _peak_mb() -> float:
    """Peak resident memory of this process since its exec. (getrusage's ru_maxrss would also
    count the parent it was forked from, which holds the generated file.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(which: str, source: Path, target: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", which, str(source), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"{which} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _whole(which: str, source: Path, work: Path) -> tuple[float, float]:
    """(seconds of the command, start to exit, as a person would run it; CPU seconds of it and
    of every process it waited for — the checking child included —, which the machine's load
    changes less)."""
    import os
    import shutil

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if which == "baseline":
        target = work / "whole.parquet"
        command = [
            sys.executable,
            "-c",
            "import duckdb; duckdb.sql(\"copy (from read_csv('"
            + str(source)
            + "', all_varchar=true, encoding='latin-1')) to '"
            + str(target)
            + "' (format parquet)\")",
        ]
    else:
        from parcours.store.datadir import DataDir
        from parcours.upload import ingest

        root = work / "whole-data"
        shutil.rmtree(root, ignore_errors=True)
        data_dir = DataDir(root)
        root.mkdir(parents=True)
        ingest.register_centre(data_dir, "BENCH", "Centre de mesure", "ACFI", actor="bench")
        env |= {"PARCOURS_DATA_DIR": str(root), "PARCOURS_USER": "bench"}
        command = [sys.executable, "-m", "parcours", "ingest", "--centre", "BENCH", str(source)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{which} (processus entier) failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def _best(repeat: int, which: str, source: Path, target: Path) -> dict:
    runs = [_measure(which, source, target) for _ in range(repeat)]
    wholes = [_whole(which, source, target.parent) for _ in range(repeat)]
    return {
        "seconds": min(r["seconds"] for r in runs),
        "whole": min(w[0] for w in wholes),
        "cpu": min(w[1] for w in wholes),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "imports_mb": max(r["imports_mb"] for r in runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "SOURCE", "TARGET"))
    parser.add_argument(
        "--check-goals", action="store_true", help="exit 1 when a goal is not met (else 0)"
    )
    args = parser.parse_args()
    if args.child:
        which, source, target = args.child
        _child(which, Path(source), Path(target))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "heures.csv"
        generate(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        print(f"{args.rows:,} lignes, {size_mb:.1f} Mo (Windows-1252, « ; », virgule décimale)")
        base = _best(args.repeat, "baseline", source, Path(tmp) / "baseline.parquet")
        ours = _best(args.repeat, "pipeline", source, Path(tmp) / "pipeline.parquet")
        target = Path(tmp) / "server.parquet"
        runs = [_measure("server", source, target) for _ in range(args.repeat)]
        served = min(r["seconds"] for r in runs)
        import polars as pl

        # Every generated row must pass, or the benchmark measured the quarantine path.
        stored = pl.scan_parquet(Path(tmp) / "pipeline.parquet").select(pl.len()).collect().item()
        print(f"lignes acceptées : {stored:,} sur {args.rows:,}")
        if stored != args.rows:
            sys.exit("le fichier généré n'est pas entièrement accepté : mesure sans objet")
    ratio = ours["seconds"] / base["seconds"]
    whole_ratio = ours["whole"] / base["whole"]
    for label, run in (("DuckDB read_csv → parquet", base), ("Parcours ingest (complet)", ours)):
        print(
            f"{label} : processus entier {run['whole']:.2f} s (CPU {run['cpu']:.2f} s), "
            "opération seule "
            f"{run['seconds']:.2f} s, pic {run['peak_mb']:.0f} Mo "
            f"(dont {run['imports_mb']:.0f} Mo pour charger les bibliothèques)"
        )
    print(f"rapport, processus entiers : {whole_ratio:.2f} (objectif ≤ {RATIO_GOAL})")
    print(f"rapport, opération seule : {ratio:.2f}")
    print(
        f"tableau de bord (octets en mémoire, processus de vérification prêt) : {served:.2f} s, "
        f"rapport {served / base['seconds']:.2f} à l'opération seule de DuckDB"
    )
    print(f"rapport, temps CPU des processus entiers : {ours['cpu'] / base['cpu']:.2f}")
    ok = whole_ratio <= RATIO_GOAL and ours["peak_mb"] < PEAK_GOAL_MB
    print("objectifs atteints" if ok else "objectifs NON atteints")
    return 1 if args.check_goals and not ok else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
