"""The build worker (issue 17, item 1): builds asked by uploads run in a process of their own,
requests that arrive during a build are merged into the next one, a build whose worker was
killed is run again once then reported, and each page can say where a centre's data stands."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from parcours.store import opstore
from parcours.warehouse import build as builder
from parcours.warehouse import worker
from tests import warehouse_fixtures as wf


@pytest.fixture
def folder(tmp_path):
    data_dir = wf.data_dir_at(tmp_path / "data")
    opstore.connect(data_dir.ops_db).close()
    return data_dir


def fake_builds(monkeypatch, outcome="success"):
    """Replace the dbt build by one that records what it was asked and its outcome."""
    calls = []

    def fake(data_dir, *, actor, progress, docs, build_id):
        calls.append({"actor": actor, "docs": docs, "build_id": build_id})
        with opstore.connected(data_dir.ops_db) as conn:
            conn.execute(
                "insert into builds(build_id, started_at, finished_at, actor, status, summary) "
                "values (?, ?, ?, ?, ?, ?)",
                (
                    build_id,
                    opstore.now_iso(),
                    opstore.now_iso(),
                    actor,
                    outcome,
                    json.dumps({"duration_s": 12.0, "message": f"résultat {outcome}"}),
                ),
            )
        return builder.BuildResult(build_id, outcome, 12.0, "", f"résultat {outcome}")

    monkeypatch.setattr(builder, "build", fake)
    return calls


def requests(data_dir):
    with opstore.connected(data_dir.ops_db) as conn:
        return [
            dict(r)
            for r in conn.execute("select * from build_requests order by request_id").fetchall()
        ]


def test_requests_waiting_together_make_one_build(folder, monkeypatch):
    calls = fake_builds(monkeypatch)
    for actor, centre in (("a@c1.be", "C1"), ("b@c2.be", "C2"), ("a@c1.be", "C1")):
        worker.request_build(folder, actor, "upload", centre, start=False)
    assert worker.run_once(folder) is not None
    assert len(calls) == 1
    assert calls[0]["actor"] == "a@c1.be, b@c2.be"
    assert {r["build_id"] for r in requests(folder)} == {calls[0]["build_id"]}
    # Nothing waits any more: no second build.
    assert worker.run_once(folder) is None
    assert len(calls) == 1


def test_a_request_during_a_build_waits_for_the_next_one(folder, monkeypatch):
    calls = fake_builds(monkeypatch)
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    original = builder.build

    def build_during_which_another_upload_arrives(data_dir, **kwargs):
        worker.request_build(data_dir, "b@c2.be", "withdrawal", "C2", start=False)
        return original(data_dir, **kwargs)

    monkeypatch.setattr(builder, "build", build_during_which_another_upload_arrives)
    worker.run_once(folder)
    first, second = requests(folder)
    assert first["build_id"] == calls[0]["build_id"]
    assert second["build_id"] is None
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"
    monkeypatch.setattr(builder, "build", original)
    worker.run_once(folder)
    assert requests(folder)[1]["build_id"] == calls[1]["build_id"]
    assert worker.status_for(folder, ("C2",)).state == "up_to_date"


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def claimed_by_a_dead_worker(data_dir, request_id: int, attempts: int) -> str:
    build_id = builder.new_build_id()
    owner = builder._owner() | {"pid": dead_pid()}
    with opstore.connected(data_dir.ops_db) as conn:
        conn.execute(
            "insert into builds(build_id, started_at, actor, status, summary) "
            "values (?, ?, 'x', 'running', ?)",
            (build_id, opstore.now_iso(), json.dumps({"owner": owner})),
        )
        conn.execute(
            "update build_requests set build_id = ?, attempts = ? where request_id = ?",
            (build_id, attempts, request_id),
        )
    return build_id


def test_a_build_whose_worker_was_killed_runs_again_once(folder, monkeypatch):
    calls = fake_builds(monkeypatch)
    request_id = worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    claimed_by_a_dead_worker(folder, request_id, attempts=1)
    worker.run_once(folder)
    assert len(calls) == 1
    assert requests(folder)[0]["attempts"] == 2
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"


def test_a_build_killed_twice_is_reported_in_french(folder, monkeypatch):
    calls = fake_builds(monkeypatch)
    request_id = worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    claimed_by_a_dead_worker(folder, request_id, attempts=worker.MAX_ATTEMPTS)
    assert worker.run_once(folder) is None
    assert calls == []
    status = worker.status_for(folder, ("C1",))
    assert status.state == "failed"
    assert "interrompue" in status.message
    # Another centre's data is not concerned.
    assert worker.status_for(folder, ("C2",)) is None


def test_a_failed_build_is_reported_to_the_centre_until_a_build_succeeds(folder, monkeypatch):
    fake_builds(monkeypatch, outcome="failed")
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    worker.run_once(folder)
    status = worker.status_for(folder, ("C1",))
    assert (status.state, status.message) == ("failed", "résultat failed")
    # A later build for anyone's request covers this centre's data too (each build reads all).
    fake_builds(monkeypatch, outcome="success")
    worker.request_build(folder, "b@c2.be", "upload", "C2", start=False)
    worker.run_once(folder)
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"


def test_waiting_status_gives_a_time_from_the_last_builds(folder, monkeypatch):
    fake_builds(monkeypatch)
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    worker.run_once(folder)  # a build of 12 s: the estimate
    monkeypatch.setattr(worker, "ensure_worker", lambda data_dir: False)
    worker.request_build(folder, "a@c1.be", "complete", "C1", start=False)
    status = worker.status_for(folder, ("C1",))
    assert status.state == "waiting"
    assert status.reason == "complete"
    expected = datetime.now(UTC) + timedelta(seconds=12)
    assert abs((status.eta - expected).total_seconds()) < 3


def test_french_progress_counts_to_its_total():
    steps = builder._Steps()
    assert steps.line({"parcours_total": 3}) is None
    lines = [
        steps.line({"info": {"name": "LogSeedResult"}, "data": {"status": "success"}}),
        steps.line(
            {"info": {"name": "LogModelResult"}, "data": {"node_info": {"unique_id": "model.p.x"}}}
        ),
        steps.line({"info": {"name": "LogTestResult"}, "data": {"status": "warn"}}),
    ]
    assert lines == [
        "Construction : liste de codes 1 sur 3",
        "Construction : table 2 sur 3",
        "Construction : vérification 3 sur 3 (avertissement)",
    ]
    said = []
    readable = builder.readable(said.append)
    for line in lines:
        readable(line)
    assert said[-1].endswith("3 sur 3 (avertissement)") or said[-1].endswith("(100 %)")


@pytest.mark.slow
def test_the_worker_is_a_process_of_its_own_found_again_by_the_next_request(folder, monkeypatch):
    """A real worker process and a real dbt build on the fixture data: it outlives the caller's
    request, one worker serves the folder, and it leaves when idle."""
    wf.write_schema_files(folder)
    wf.add_centre(folder, "C001", "CISP Exemple", "ACFI", 4020)
    wf.load_worked_example(folder)
    monkeypatch.setenv(worker.IDLE_ENV, "3")
    # Without dbt's docs (test_cli_build.py publishes them): a shorter build, the same worker.
    worker.request_build(folder, "centre@c001.be", "upload", "C001", docs=False)
    deadline = time.monotonic() + 300
    while not worker.worker_running(folder) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.worker_running(folder)
    assert worker.ensure_worker(folder) is False  # found again: no second worker
    while time.monotonic() < deadline:
        status = worker.status_for(folder, ("C001",))
        if status.state in {"up_to_date", "failed"}:
            break
        time.sleep(0.5)
    assert status.state == "up_to_date", status
    assert folder.warehouse.exists()
    # Idle for 3 s, the worker leaves on its own.
    while worker.worker_running(folder) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not worker.worker_running(folder)


def test_a_killed_dbt_makes_an_interrupted_build_that_the_worker_runs_again(folder, monkeypatch):
    """dbt killed by a signal (the out-of-memory killer, an operator): the build is « interrupted »
    (not « failed »: the data is not at fault), and its requests wait for one more build."""
    wf.write_schema_files(folder)
    wf.add_centre(folder, "C001", "CISP Exemple", "ACFI", 4020)
    wf.load_worked_example(folder)
    monkeypatch.setattr(builder, "run_dbt", lambda *args, **kwargs: (-9, []))
    worker.request_build(folder, "centre@c001.be", "upload", "C001", start=False)
    result = worker.run_once(folder)
    assert result.status == "interrupted"
    assert "signal 9" in result.message and "n'a pas changé" in result.message
    assert not folder.warehouse.exists()
    monkeypatch.setattr(worker, "ensure_worker", lambda data_dir: False)
    assert worker.status_for(folder, ("C001",)).state == "waiting"  # to be run again
    second = worker.run_once(folder)
    assert second is not None and second.status == "interrupted"
    # Twice killed: reported on the centre's pages, no third attempt.
    assert worker.run_once(folder) is None
    status = worker.status_for(folder, ("C001",))
    assert status.state == "failed" and "signal 9" in status.message


def test_a_page_asking_at_the_moment_a_worker_starts_does_not_stop_it(folder, monkeypatch):
    """`worker_running` takes the lock for an instant: a worker starting right then waits a
    little for it instead of leaving the requests to nobody."""
    import threading

    calls = fake_builds(monkeypatch)
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    held = threading.Event()

    def a_page_asks():
        with worker.worker_lock(folder, wait=False):
            held.set()
            time.sleep(0.3)

    asking = threading.Thread(target=a_page_asks)
    asking.start()
    held.wait(5)
    worker.serve(folder, idle_seconds=0.5)
    asking.join()
    assert len(calls) == 1
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"


def test_a_claimed_build_that_has_not_started_yet_is_not_reported_failed(folder, monkeypatch):
    """Between the worker's claim and its build's first record (it marks stale builds, then may
    wait for the build lock) a page must say « building », not a failed build."""
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    with worker._connected(folder) as conn:
        worker._claim(conn, builder.new_build_id())
    monkeypatch.setattr(worker, "worker_running", lambda data_dir: True)
    status = worker.status_for(folder, ("C1",))
    assert status.state == "building", status


def test_a_claim_whose_worker_died_before_building_is_run_again(folder, monkeypatch):
    calls = fake_builds(monkeypatch)
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    with worker._connected(folder) as conn:
        worker._claim(conn, builder.new_build_id())  # then the worker died: no build recorded
    started = []
    monkeypatch.setattr(worker, "ensure_worker", lambda data_dir: started.append(1) or True)
    assert worker.status_for(folder, ("C1",)).state == "waiting"
    assert started, "a page that sees the orphaned request starts a worker"
    assert worker.run_once(folder) is not None
    assert len(calls) == 1
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"


def test_a_build_that_succeeds_between_the_status_reads_is_up_to_date(folder, monkeypatch):
    """The status is read in several statements: a build recorded « success » after the first
    read (which found no covering build) must not come out as a failure."""
    worker.request_build(folder, "a@c1.be", "upload", "C1", start=False)
    build_id = builder.new_build_id()
    with worker._connected(folder) as conn:
        worker._claim(conn, build_id)
        conn.execute(
            "insert into builds(build_id, started_at, finished_at, actor, status, summary) "
            "values (?, ?, ?, 'x', 'success', '{}')",
            (build_id, opstore.now_iso(), opstore.now_iso()),
        )
    real = worker._connected

    @contextlib.contextmanager
    def covered_query_sees_nothing(data_dir):
        with real(data_dir) as conn:
            yield _NoCoverOnce(conn)

    monkeypatch.setattr(worker, "_connected", covered_query_sees_nothing)
    assert worker.status_for(folder, ("C1",)).state == "up_to_date"


class _NoCoverOnce:
    """A connection whose « is this request covered by a successful build » query answers
    nothing, as it would have a moment before the build recorded its success."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql, *args):
        if "b.status = 'success'" in sql:
            return self._conn.execute("select 1 where 0")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)
