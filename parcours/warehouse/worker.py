"""The build worker: builds that belong to no browser session (issue 17, item 1).

An upload, a withdrawal, a complete export or a person asks for a build with `request_build`:
one row in `build_requests` (ops.sqlite). Builds run one at a time in a process of its own,
`python -m parcours.warehouse.worker --data-dir DIR`, which outlives the page and the session
that asked. It is started by the first request (or by the dashboard) and found again by the next:
it holds an exclusive lock on `build/worker.lock` for as long as it lives, so « is a worker
running? » is « can I take that lock? », true even after a crash (the kernel drops the lock).

The worker takes every waiting request at once and runs one build for all of them; requests that
arrive during that build wait for the next one (merged). A build whose worker was killed is
marked « interrompue » by the next worker, which runs it again once (`MAX_ATTEMPTS`); after that
the request is reported as failed on the pages of the users concerned (`status_for`). The worker
leaves when it has had nothing to do for `PARCOURS_BUILD_WORKER_IDLE` seconds (default 600), or
when its data folder disappears.

`parcours build` asks through the same queue and waits for the build that takes its request
(running the worker loop in the foreground when no worker is running), so builds of the CLI and
of the dashboard never overlap and a CLI build keeps its exit code and its `--json`.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from parcours.core.errors import BuildFailed, DiskFull, is_disk_full
from parcours.core.files import write_atomically
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse import build as builder

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a build whose worker died is run once more, then reported
DEFAULT_IDLE_SECONDS = 600
IDLE_ENV = "PARCOURS_BUILD_WORKER_IDLE"
POLL_SECONDS = 0.3
DEFAULT_BUILD_SECONDS = 60.0  # an estimate before any build has succeeded

REASONS_FR = {
    "upload": "dépôt",
    "complete": "export complet",
    "withdrawal": "retrait d'un envoi",
    "manual": "demande de reconstruction",
    "cli": "parcours build",
}

DDL = """
create table if not exists build_requests (
    request_id   integer primary key autoincrement,
    requested_at text not null,
    actor        text not null,
    reason       text not null,     -- upload | complete | withdrawal | manual | cli
    centre_id    text,              -- the centre whose data changed (null: all, or none)
    docs         integer not null default 1,
    build_id     text,              -- the build that took it; null while it waits
    attempts     integer not null default 0
);
create index if not exists build_requests_waiting on build_requests(build_id);
"""


@contextmanager
def _connected(data_dir: DataDir):
    with opstore.connected(data_dir.ops_db) as conn:
        # A read first: every page asks for the status, and DDL would take the write lock.
        made = conn.execute(
            "select 1 from sqlite_master where type = 'index' and name = 'build_requests_waiting'"
        ).fetchone()
        if made is None:
            conn.executescript(DDL)
        yield conn


# --- asking ----------------------------------------------------------------------------------


def request_build(
    data_dir: DataDir,
    actor: str,
    reason: str,
    centre_id: str | None = None,
    *,
    docs: bool = True,
    start: bool = True,
) -> int:
    """Ask for a build; returns the request's id. `start`: make sure a worker will take it."""
    with _connected(data_dir) as conn, opstore.transaction(conn):
        cursor = conn.execute(
            "insert into build_requests(requested_at, actor, reason, centre_id, docs) "
            "values (?, ?, ?, ?, ?)",
            (_now(), actor, reason, centre_id, int(docs)),
        )
        request_id = int(cursor.lastrowid)
    if start:
        ensure_worker(data_dir)
    return request_id


def _now() -> str:
    # Microseconds: requests and builds of the same second must still be ordered.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _lock_path(data_dir: DataDir) -> Path:
    return data_dir.root / "build" / "worker.lock"


def progress_path(data_dir: DataDir) -> Path:
    return data_dir.root / "build" / "progress.json"


@contextmanager
def worker_lock(data_dir: DataDir, wait: bool):
    """Hold the worker lock (yields True), or yield False when another process holds it and
    `wait` is false."""
    path = _lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def worker_running(data_dir: DataDir) -> bool:
    with worker_lock(data_dir, wait=False) as mine:
        return not mine


def ensure_worker(data_dir: DataDir) -> bool:
    """Start a worker for this data folder unless one is running; True when one was started.
    Two callers racing both start one: the second finds the lock taken and leaves at once."""
    if worker_running(data_dir):
        return False
    logs = data_dir.root / "build" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    with open(logs / "worker.log", "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "parcours.warehouse.worker", "--data-dir", str(data_dir.root)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not the page's process group: it outlives the session
            close_fds=True,
            env=env,
        )
    return True


# --- working ---------------------------------------------------------------------------------


def _retry_or_report(conn) -> None:
    """Requests taken by a build that was interrupted (its worker killed), or claimed by a
    worker that died before its build even began (no `builds` row), wait again, up to
    `MAX_ATTEMPTS` builds; after that they stay with that build (reported). Only the worker
    holding the lock calls this, before it claims: any claim without a build is a dead one's."""
    with opstore.transaction(conn):
        conn.execute(
            "update build_requests set build_id = null where build_id is not null "
            "and (build_id in (select build_id from builds where status = 'interrupted') "
            "or build_id not in (select build_id from builds)) "
            f"and attempts < {MAX_ATTEMPTS}"
        )


def _claim(conn, build_id: str) -> list[dict]:
    with opstore.transaction(conn):
        conn.execute(
            "update build_requests set build_id = ?, attempts = attempts + 1 "
            "where build_id is null",
            (build_id,),
        )
        rows = conn.execute(
            "select actor, reason, docs from build_requests where build_id = ?", (build_id,)
        ).fetchall()
    return [dict(row) for row in rows]


def _progress_writer(data_dir: DataDir, build_id: str, also=None):
    path = progress_path(data_dir)
    last = [0.0]

    def say(line: str) -> None:
        if also is not None:
            also(line)
        now = time.monotonic()
        step = builder.progress_step(line)
        # Every line is not worth a file write: a few a second are plenty for a page.
        if step is not None and now - last[0] < 0.25:
            return
        last[0] = now
        record = {"build_id": build_id, "line": line, "at": _now()}
        if step is not None:
            record["done"], record["total"] = step
        text = json.dumps(record, ensure_ascii=False)
        try:
            write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        except OSError:
            log.warning("progress not written", exc_info=True)

    return say


def run_once(data_dir: DataDir, progress=None) -> builder.BuildResult | None:
    """Take every waiting request and run one build for them (the caller holds the worker
    lock); None when nothing waits."""
    builder.mark_interrupted(data_dir, "parcours-worker")
    with _connected(data_dir) as conn:
        _retry_or_report(conn)
        build_id = builder.new_build_id()
        claimed = _claim(conn, build_id)
    if not claimed:
        return None
    actors = sorted({c["actor"] for c in claimed})
    docs = any(c["docs"] for c in claimed)
    return builder.build(
        data_dir,
        actor=", ".join(actors),
        progress=_progress_writer(data_dir, build_id, progress),
        docs=docs,
        build_id=build_id,
    )


def _waiting(data_dir: DataDir) -> bool:
    with _connected(data_dir) as conn:
        builder.mark_interrupted(data_dir, "parcours-worker")
        _retry_or_report(conn)
        (n,) = conn.execute("select count(*) from build_requests where build_id is null").fetchone()
    return n > 0


def serve(data_dir: DataDir, idle_seconds: float) -> int:
    """The worker's loop; returns when idle for `idle_seconds` or when the folder is gone."""
    for _attempt in range(10):
        with worker_lock(data_dir, wait=False) as mine:
            if mine:
                _serve_locked(data_dir, idle_seconds)
                return 0
        # Held: by another worker (then it serves the folder), or for an instant by a page
        # asking `worker_running` — try again briefly before leaving the work to the other.
        time.sleep(0.1)
    return 0


def _serve_locked(data_dir: DataDir, idle_seconds: float) -> None:
    idle_since = time.monotonic()
    while data_dir.ops_db.exists():
        try:
            result = run_once(data_dir) if _waiting(data_dir) else None
        except Exception:  # noqa: BLE001 — a worker must survive one bad build
            log.exception("build worker: build failed to run")
            result = None
            time.sleep(2)
        if result is not None:
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since > idle_seconds:
            break
        time.sleep(POLL_SECONDS)


def build_and_wait(
    data_dir: DataDir, actor: str, *, docs: bool = True, progress=None
) -> builder.BuildResult:
    """`parcours build`: ask for a build and wait for the one that takes the request. With no
    worker running, this process is the worker for as long as it takes; otherwise it relays
    the worker's progress."""
    try:
        return _build_and_wait(data_dir, actor, docs, progress or (lambda _line: None))
    except (DiskFull, OSError, sqlite3.Error) as error:
        if not isinstance(error, DiskFull) and not is_disk_full(error):
            raise
        # The request, the lock or the build's record could not be written: the served
        # warehouse stays, and the person is told as a failed build tells it.
        raise BuildFailed(builder.disk_full_message()) from error


def _build_and_wait(data_dir: DataDir, actor: str, docs: bool, say) -> builder.BuildResult:
    request_id = request_build(data_dir, actor, "cli", docs=docs, start=False)
    while True:
        with worker_lock(data_dir, wait=False) as mine:
            if mine:
                while True:
                    result = run_once(data_dir, say)
                    done = _result_of(data_dir, request_id)
                    if done is not None or result is None:
                        break
                if done is not None:
                    return done
        done = _relay_until_done(data_dir, request_id, say)
        if done is not None:
            return done
        time.sleep(POLL_SECONDS)


def _result_of(data_dir: DataDir, request_id: int) -> builder.BuildResult | None:
    """The result of the build that took a request, once it is over (None before)."""
    with _connected(data_dir) as conn:
        row = conn.execute(
            "select b.status, b.summary, r.attempts from build_requests r "
            "join builds b on b.build_id = r.build_id where r.request_id = ?",
            (request_id,),
        ).fetchone()
    if row is None or row["status"] == "running":
        return None
    if row["status"] == "interrupted" and row["attempts"] < MAX_ATTEMPTS:
        return None
    data = json.loads(row["summary"] or "{}")
    fields = builder.BuildResult.__dataclass_fields__
    return builder.BuildResult(**{k: v for k, v in data.items() if k in fields})


def _relay_until_done(data_dir: DataDir, request_id: int, say) -> builder.BuildResult | None:
    say("Une construction est en cours dans le service de construction ; attente de la vôtre…")
    seen = None
    while worker_running(data_dir):
        done = _result_of(data_dir, request_id)
        if done is not None:
            return done
        try:
            record = json.loads(progress_path(data_dir).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        if record and record.get("line") != seen:
            seen = record.get("line")
            say(seen)
        time.sleep(POLL_SECONDS)
    return _result_of(data_dir, request_id)


# --- where a user's data stands --------------------------------------------------------------


@dataclass(frozen=True)
class DataStatus:
    state: str  # waiting | building | up_to_date | failed
    requested_at: datetime  # the latest change of the user's data (UTC)
    reason: str
    eta: datetime | None = None  # when the figures should show it (waiting, building)
    message: str | None = None  # the failed build's message
    progress: tuple[int, int] | None = None  # steps done, steps in all (building)


def _typical_seconds(conn) -> float:
    rows = conn.execute(
        "select summary from builds where status = 'success' order by started_at desc limit 5"
    ).fetchall()
    seconds = []
    for (summary,) in rows:
        try:
            seconds.append(float(json.loads(summary)["duration_s"]))
        except (ValueError, KeyError, TypeError):
            continue
    return statistics.median(seconds) if seconds else DEFAULT_BUILD_SECONDS


def status_for(data_dir: DataDir, centre_ids: tuple[str, ...] | None) -> DataStatus | None:
    """Where the latest change to these centres' data stands (`None` = every centre); None when
    no change was ever requested for them. A change is visible once any build that started
    after it succeeded (every build reads every stored upload)."""
    if not data_dir.ops_db.exists():
        return None
    with _connected(data_dir) as conn:
        where, params = "", ()
        if centre_ids is not None:
            if not centre_ids:
                return None
            marks = ",".join("?" * len(centre_ids))
            where, params = f"where centre_id in ({marks})", tuple(centre_ids)
        latest = conn.execute(
            "select request_id, requested_at, reason, build_id, attempts from build_requests "
            f"{where} order by request_id desc limit 1",
            params,
        ).fetchone()
        if latest is None:
            return None
        requested = datetime.fromisoformat(latest["requested_at"])
        base = {"requested_at": requested, "reason": latest["reason"]}
        covered = conn.execute(
            "select 1 from build_requests r join builds b on b.build_id = r.build_id "
            "where r.request_id >= ? and b.status = 'success' limit 1",
            (latest["request_id"],),
        ).fetchone()
        if covered:
            return DataStatus("up_to_date", **base)
        typical = timedelta(seconds=_typical_seconds(conn))
        running = conn.execute(
            "select build_id, started_at, summary from builds where status = 'running' "
            "order by started_at desc limit 1"
        ).fetchone()
        running_alive = running is not None and not builder.build_process_gone(
            json.loads(running["summary"] or "{}")
        )
        own = None
        if latest["build_id"]:
            own = conn.execute(
                "select status, summary, started_at from builds where build_id = ?",
                (latest["build_id"],),
            ).fetchone()
    now = datetime.now(UTC)
    if own is not None and own["status"] == "success":
        # Its build succeeded between the reads above (each read is a statement of its own).
        return DataStatus("up_to_date", **base)
    if own is not None and own["status"] == "running" and running_alive:
        started = datetime.fromisoformat(own["started_at"])
        return DataStatus("building", **base, eta=started + typical, progress=_progress(data_dir))
    if own is None and latest["build_id"] and worker_running(data_dir):
        # Claimed by the worker, whose build has not recorded its start yet (it marks stale
        # builds first, and may wait for the build lock): starting, not failed.
        return DataStatus("building", **base, eta=now + typical)
    # Interrupted, still « running » with its process gone, or claimed by a worker that died
    # before its build began: run again while attempts remain.
    retry = own is None or own["status"] in {"interrupted", "running"}
    if latest["build_id"] is None or (retry and latest["attempts"] < MAX_ATTEMPTS):
        ensure_worker(data_dir)  # found again by the next: a page that sees a wait starts one
        start = now
        if running_alive:
            start = max(now, datetime.fromisoformat(running["started_at"]) + typical)
        return DataStatus("waiting", **base, eta=start + typical)
    summary = json.loads(own["summary"] or "{}") if own is not None else {}
    message = summary.get("message") or builder.INTERRUPTED_MESSAGE
    return DataStatus("failed", **base, message=message)


def _progress(data_dir: DataDir) -> tuple[int, int] | None:
    try:
        record = json.loads(progress_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if "done" in record and "total" in record:
        return int(record["done"]), int(record["total"])
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parcours.warehouse.worker")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--idle", type=float, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    idle = args.idle
    if idle is None:
        idle = float(os.environ.get(IDLE_ENV) or DEFAULT_IDLE_SECONDS)
    return serve(DataDir(Path(args.data_dir)), idle)


if __name__ == "__main__":
    sys.exit(main())
