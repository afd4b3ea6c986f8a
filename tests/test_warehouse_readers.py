"""Reader safety: while builds run and swap the warehouse in, dashboard-like readers (read-only,
short-lived connections in a loop, and one long-lived connection) never see an error, a missing
table or a half-built warehouse."""

from __future__ import annotations

import shutil
import threading
import time

import duckdb
import pytest

from tests import depth
from tests import warehouse_fixtures as wf

# Runs dbt builds of its own: left out of `make test-quick`.
pytestmark = pytest.mark.slow

MARTS = (
    "dim_centres", "dim_participants", "fct_barrier_episodes", "fct_partnerships",
    "fct_milestones", "fct_exits", "fct_followups", "fct_hours", "agg_centre_month",
    "agg_entry_cohorts", "rpt_data_quality_issues",
)  # fmt: skip

# One consistent picture of the warehouse: every mart is there, and totals agree across tables
# built by different models (a half-swapped or half-built file would break one of these).
SNAPSHOT = f"""
select
    (select count(*) from information_schema.tables
     where table_schema = 'main' and table_name in ({", ".join(f"'{t}'" for t in MARTS)})) as marts,
    (select sum(hours) from fct_hours) as hours,
    (select sum(hours) from agg_centre_month) as agg_hours,
    (select count(*) from dim_participants) as participants,
    (select count(*) from fct_barrier_episodes) as episodes,
    (select sum(barrier_episodes_opened) from agg_centre_month) as agg_episodes
"""


def consistent(row) -> bool:
    marts, hours, agg_hours, _participants, episodes, agg_episodes = row
    return marts == len(MARTS) and abs(hours - agg_hours) < 1e-6 and episodes == agg_episodes


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    built = wf.fixture_warehouse(tmp_path_factory)
    assert built["completed"].returncode == 0, built["completed"].stderr[-3000:]
    root = tmp_path_factory.mktemp("readers") / "data"
    shutil.copytree(built["root"], root)
    return root


def test_readers_never_see_an_error_or_a_half_built_warehouse(data_root):
    data_dir = wf.data_dir_at(data_root)
    served = str(data_dir.warehouse)
    errors: list[str] = []
    seen: set[tuple] = set()
    reads = {"short": 0, "long": 0}
    done = threading.Event()

    def short_lived_reader():
        while not done.is_set():
            try:
                with duckdb.connect(served, read_only=True) as conn:
                    row = conn.execute(SNAPSHOT).fetchone()
                if not consistent(row):
                    errors.append(f"inconsistent: {row}")
                seen.add(row)
                reads["short"] += 1
                time.sleep(0.005)  # a dashboard's pace, leaving the CPU to the build
            except Exception as error:  # noqa: BLE001 — any error is the failure we look for
                errors.append(f"short-lived: {type(error).__name__}: {error}")

    def long_lived_reader():
        try:
            conn = duckdb.connect(served, read_only=True)
            first = conn.execute(SNAPSHOT).fetchone()
            while not done.is_set():
                row = conn.execute(SNAPSHOT).fetchone()
                if row != first:
                    errors.append(f"long-lived connection changed under it: {first} -> {row}")
                reads["long"] += 1
                time.sleep(0.01)
            conn.close()
        except Exception as error:  # noqa: BLE001
            errors.append(f"long-lived: {type(error).__name__}: {error}")

    readers = [
        threading.Thread(target=short_lived_reader),
        threading.Thread(target=long_lived_reader),
    ]
    for reader in readers:
        reader.start()
    try:
        # A build after a new upload that changes the totals; in the whole suite, a build of
        # the same data first (`make test` swaps once).
        builds = [wf.run_cli(data_root, "build", "--no-docs")] if depth.EXHAUSTIVE else []
        wf.add_batch(data_dir, "C001", "hours",
                     [{"participant_id": "E-003", "month": "2024-04", "hours": 12.5}])  # fmt: skip
        builds.append(wf.run_cli(data_root, "build", "--no-docs"))
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=30)

    for built in builds:
        assert built.returncode == 0, built.stderr[-2000:]
    assert errors == []
    assert reads["short"] > 10 and reads["long"] > 10
    # Readers saw the old warehouse, then the new one (and nothing in between).
    assert {row[1] for row in seen} <= {264.75 + 20.0, 264.75 + 20.0 + 12.5}
    with duckdb.connect(served, read_only=True) as conn:
        assert conn.execute("select sum(hours) from fct_hours").fetchone()[0] == 297.25
    assert data_dir.previous_warehouse.exists()
