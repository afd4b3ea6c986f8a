"""Time the sector's yearly report on a full-scale warehouse: gathering (the analytics queries and
the charts drawn to SVG) and rendering (typst for the PDF), per run, then a verdict line (exit
status 1 if a run is over the goal).

Goal: ≤ 30 s per report.

    python bench/bench_report.py --source /tmp/pub150                 # the sector, last full year
    python bench/bench_report.py --source /tmp/pub150 -n 3 --year 2024 --format html
    python bench/bench_report.py --source /tmp/pub150 --federation ALEAP --centre C001

`--source` is a data folder with a built warehouse (`python -m parcours demo --centres 150
--years 10` into it). It is read, not changed, except for the `report_exported` lines the
reports add to its audit log. The first run includes the one-off start of vl-convert's engine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 30.0  # seconds per report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="data folder with a warehouse")
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    parser.add_argument("-n", type=int, default=3, help="runs of the sector's report")
    parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
    parser.add_argument("--federation", help="also time this federation's report (one run)")
    parser.add_argument("--centre", help="also time this centre's report (one run)")
    args = parser.parse_args()
    os.environ["PARCOURS_DATA_DIR"] = str(args.source.resolve())

    from parcours.publish import report, subjects
    from parcours.store import opstore
    from parcours.store.datadir import DataDir

    data_dir = DataDir.from_env()
    with opstore.connected(data_dir.ops_db) as conn:
        (centres,) = conn.execute("select count(*) from centres").fetchone()
        todo = [("secteur", subjects.sector())] * args.n
        if args.federation:
            todo.append(
                (f"fédération {args.federation}", subjects.federation(conn, args.federation))
            )
        if args.centre:
            todo.append((f"centre {args.centre}", subjects.centre(conn, args.centre)))
    size = data_dir.warehouse.stat().st_size / 1e6
    print(f"Warehouse: {data_dir.warehouse} ({size:.0f} MB, {centres} centres), year {args.year}")
    print(f"{'report':<22} {'gather':>8} {'render':>8} {'total':>8} {'pages':>6} {'size':>9}")
    totals = []
    for name, subject in todo:
        started = time.perf_counter()
        produced = report.produce(data_dir, subject, args.year, args.format, actor="bench")
        total = time.perf_counter() - started
        pages = "—"
        if args.format == "pdf":
            with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
                handle.write(produced.data)
                handle.flush()
                info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True)
                pages = next(
                    (
                        line.split()[-1]
                        for line in info.stdout.splitlines()
                        if line.startswith("Pages")
                    ),
                    "?",
                )
        print(
            f"{name:<22} {produced.seconds['gather']:>7.2f}s {produced.seconds['render']:>7.2f}s "
            f"{total:>7.2f}s {pages:>6} {len(produced.data) / 1e3:>7.0f} kB"
        )
        totals.append(total)
    sector = totals[: args.n]
    print(
        f"Sector report: median {statistics.median(sector):.2f} s, worst {max(sector):.2f} s "
        f"over {len(sector)} run(s); load average {os.getloadavg()[0]:.1f}"
    )
    worst = max(totals)
    if worst <= GOAL:
        print(f"VERDICT: PASS — every report within {GOAL:.0f} s (worst {worst:.2f} s)")
        return 0
    print(f"VERDICT: FAIL — a report took {worst:.2f} s (goal ≤ {GOAL:.0f} s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
