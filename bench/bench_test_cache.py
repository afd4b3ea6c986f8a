"""What the test suite's shared warehouse cache saves (issue 17, item 6): the dashboard fixture
made through `tests/warehouse_cache.copy_of` twice on an empty cache — a miss (one dbt build, what
each xdist worker paid before) then a hit (a copy).

    python bench/bench_test_cache.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    cache = Path(tempfile.mkdtemp(prefix="parcours-bench-cache-"))
    os.environ["PARCOURS_TEST_CACHE"] = str(cache)
    from tests import conftest, warehouse_cache

    print(f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)")
    inputs = [conftest.DASHBOARD_FIXTURE, Path(conftest.__file__)]
    for label in ("miss (one dbt build)", "hit (a copy)"):
        dest = Path(tempfile.mkdtemp()) / "data"
        started = time.monotonic()
        warehouse_cache.copy_of("dashboard", inputs, conftest._make_dashboard_folder, dest)
        print(f"dashboard fixture, cache {label}: {time.monotonic() - started:.1f} s")
        shutil.rmtree(dest.parent)
    shutil.rmtree(cache)
    print(f"Load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
