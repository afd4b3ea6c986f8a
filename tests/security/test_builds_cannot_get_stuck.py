"""A build cannot outlive what started it, and one whose process is gone says « interrompue »."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT
from parcours.warehouse import build, history
from tests.security import attacks


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def running_row(conn, build_id: str, owner: dict) -> None:
    with opstore.transaction(conn):
        conn.execute(
            "insert into builds(build_id, started_at, actor, status, summary) "
            "values (?, ?, 'marie@cisp.be', 'running', ?)",
            (build_id, opstore.now_iso(), json.dumps({"owner": owner})),
        )


def test_a_build_whose_process_is_gone_reads_interrupted_then_is_recorded_so(data_dir, conn):
    import socket

    running_row(conn, "w-mort", {"pid": dead_pid(), "host": socket.gethostname()})
    alive = {"pid": os.getpid(), "host": socket.gethostname(), "pid_started": None}
    running_row(conn, "w-vivant", alive)
    shown = dict(history.recent_builds(conn).select("build_id", "status_fr").iter_rows())
    assert shown == {"w-mort": "interrompue", "w-vivant": "en cours"}
    # Reading wrote nothing; the next build records it, audited.
    assert conn.execute("select status from builds where build_id = 'w-mort'").fetchone()[0] == (
        "running"
    )
    assert build.mark_interrupted(data_dir, "analyste@parcours.be") == ["w-mort"]
    status, summary = conn.execute(
        "select status, summary from builds where build_id = 'w-mort'"
    ).fetchone()
    assert status == "interrupted"
    assert "interrompue" in json.loads(summary)["message"]
    (audited,) = opstore.list_audit(conn, "build_interrupted")
    assert audited["actor"] == "analyste@parcours.be"
    assert audited["detail"]["build_id"] == "w-mort"
    assert audited["detail"]["started_by"] == "marie@cisp.be"


def test_a_reused_pid_does_not_keep_a_build_running(data_dir, conn):
    import socket

    # Same pid as a live process (this one), but a different start time: another process.
    running_row(conn, "w-recycle", {"pid": os.getpid(), "host": socket.gethostname(),
                                    "pid_started": 1})  # fmt: skip
    assert build.mark_interrupted(data_dir, "test") == ["w-recycle"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.mark.slow
def test_killing_the_build_command_kills_dbt_and_the_build_reads_interrupted(
    data_dir, centre, tmp_path
):
    source = tmp_path / "heures.csv"
    source.write_bytes(attacks.VALID_HOURS_CSV)
    from parcours.upload import ingest

    ingest.ingest_files(data_dir, centre, [source], "test")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PARCOURS_DATA_DIR": str(data_dir.root)}
    parent = subprocess.Popen(
        [sys.executable, "-m", "parcours", "--actor", "marie@cisp.be", "build", "--no-docs"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        dbt = None
        while dbt is None and time.monotonic() < deadline:
            dbt = next((c for c in _children(parent.pid) if "dbt_runner" in _cmdline(c)), None)
            time.sleep(0.2)
        assert dbt is not None, "dbt never started"
        # Its own process group (so it can be stopped as a whole, and Ctrl-C goes to the
        # parent, which stops it cleanly).
        assert os.getpgid(dbt) == dbt != os.getpgid(parent.pid)
        parent.send_signal(signal.SIGKILL)  # no cleanup code runs in the parent
        parent.wait()
        deadline = time.monotonic() + 30
        while not _gone(dbt) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(dbt), "dbt outlived the build command"
    finally:
        parent.kill()
    with opstore.connected(data_dir.ops_db) as conn:
        rows = history.recent_builds(conn)
    assert rows["status_fr"].to_list() == ["interrompue"]
    assert rows["actor"].to_list() == ["marie@cisp.be"]


def test_an_interrupted_build_is_recorded_and_audited(data_dir, conn, monkeypatch):
    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_run", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        build.build(data_dir, actor="marie@cisp.be")
    (row,) = conn.execute("select status, summary from builds").fetchall()
    assert row[0] == "interrupted"
    assert "interrompue" in json.loads(row[1])["message"]
    (audited,) = opstore.list_audit(conn, "build")
    assert audited["actor"] == "marie@cisp.be"
    assert audited["detail"]["status"] == "interrupted"


def test_a_failed_build_is_audited(data_dir, conn):
    result = build.build(data_dir, actor="marie@cisp.be")  # nothing uploaded: refused
    assert result.status == "failed"
    (audited,) = opstore.list_audit(conn, "build")
    assert (audited["actor"], audited["detail"]["status"]) == ("marie@cisp.be", "failed")
