"""Time `parcours site` for one closed year at the sector's scale (150 centres × 10 years, the
bench generator of `bench_build.py`), by phase: reading every figure at every level from the
frozen warehouse, protecting the year (the suppression's linear programs), writing the pages,
SVG charts and open data. Baseline in the same run: the sector's key figures read once (one
analytics query), so that a slow machine shows as slow in both.

    python bench/bench_site.py [--data-dir /tmp/parcours-site-bench] [--keep] [--year 2024]

Goal: ≤ 60 s for a year (2-core machine).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_build import bench_folder, generate, timed_build  # noqa: E402

GOAL = 60.0


def main() -> int:
    sys.argv, year_args = _split_year(sys.argv)
    data_dir, keep = bench_folder(__doc__.splitlines()[0], "/tmp/parcours-site-bench")
    os.environ["PARCOURS_DATA_DIR"] = str(data_dir.root)
    from parcours.analytics import home
    from parcours.publish import periods, revisions
    from parcours.site import build, disclosure, tables
    from parcours.warehouse.reader import Filters, reading_from

    if not (data_dir.warehouse.exists() and keep):
        counts = generate(data_dir)
        seconds, _, _ = timed_build(data_dir.root, "--no-docs")
        print(f"Generated {counts.get('participants', '?')} participants; built in {seconds:.0f} s")
    year = year_args or date.today().year - 2
    if periods.get(data_dir, year) is None:
        periods.close(data_dir, year, actor="bench")
    period = periods.get(data_dir, year)
    print(f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)")
    with reading_from(period.path(data_dir)):
        started = time.perf_counter()
        home.raw_figures(build_scope(), Filters(), home.Period.of_years((year, year)))
        baseline = time.perf_counter() - started
        found = tables.levels(year)
    print(f"Year {year}: {len(found)} levels ({sum(lv.published for lv in found)} published)")
    print(f"Baseline: the sector's key figures, one query: {baseline:.2f} s")
    timings = _phases(disclosure, tables)
    sources = [build.ClosedYear(**s) for s in revisions.public_sources(data_dir)]
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), time.process_time()
        written = build.publish(data_dir, Path(out), sources, year, actor="bench")
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  reading  {timings['read']:>6.1f} s")
    print(f"  masking  {timings['suppress']:>6.1f} s")
    print(f"  writing  {total - timings['read'] - timings['suppress']:>6.1f} s")
    print(f"Site for {year}: {total:.1f} s ({written.pages} pages, {written.files} other files); "
          f"{cpu:.1f} s CPU (all threads); {total / baseline:.0f}× the baseline; "
          f"load average {os.getloadavg()[0]:.1f}"
          f"  [goal ≤ {GOAL:.0f} s]")  # fmt: skip
    print(f"VERDICT: {'PASS' if total <= GOAL else 'FAIL'}")
    return 0 if total <= GOAL else 1


def build_scope():
    from parcours.site.catalogue import READ_ALL

    return READ_ALL


def _phases(disclosure, tables) -> dict[str, float]:
    """Wrap the reading and the suppression to time them inside the real run."""
    timings = {"read": 0.0, "suppress": 0.0}
    suppress, system = disclosure.suppress, tables._system

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - started

        return wrapper

    tables.disclosure.suppress = timed("suppress", suppress)
    # Reading ends where the system is built: time from the call of collect to _system.
    original = tables.collect

    def collect(year):
        started = time.perf_counter()
        marks = {}

        def system_timed(*args, **kwargs):
            marks["read"] = time.perf_counter() - started
            return system(*args, **kwargs)

        tables._system = system_timed
        try:
            return original(year)
        finally:
            tables._system = system
            timings["read"] += marks.get("read", 0.0)

    tables.collect = collect
    return timings


def _split_year(argv: list[str]) -> tuple[list[str], int | None]:
    if "--year" in argv:
        i = argv.index("--year")
        return argv[:i] + argv[i + 2 :], int(argv[i + 1])
    return argv, None


if __name__ == "__main__":
    sys.exit(main())
