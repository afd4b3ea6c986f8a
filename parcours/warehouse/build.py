"""`parcours build`: rebuild the warehouse into a new file and swap it in (DESIGN.md « The flow »).

1. Snapshot the batch and centre registries from ops.sqlite to `build/registry/*.parquet`, so dbt
   sees one consistent registry even while uploads go on.
2. Run dbt (`transform/`) in its own process — dbt keeps global state and holds DuckDB locks —
   into a NEW file under `build/work/`: `dbt build` (seeds, models, tests), then `dbt docs
   generate` (both in one child process, `parcours.warehouse.dbt_runner`).
3. Only if no model and no error-severity test failed, swap the new file in with `os.replace`
   (atomic on one filesystem): readers holding the old file keep reading it, new connections get
   the new one. The previous warehouse stays as `warehouse.previous.duckdb`.

A lock file serialises builds; every build is recorded in the `builds` table and the audit log.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from parcours.contract import CODES_CSV
from parcours.core import processes
from parcours.core.errors import BuildFailed, is_disk_full
from parcours.core.files import write_atomically
from parcours.store import opstore, registry
from parcours.store.datadir import TRANSFORM_DIR, DataDir
from parcours.warehouse import incremental
from parcours.warehouse.dbt_runner import BUILD_RESULTS

log = logging.getLogger(__name__)

WORK_NAME = "warehouse.building.duckdb"
LOCK_WAIT_SECONDS = 30 * 60

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    build_id: str
    status: str  # success | failed | interrupted
    duration_s: float
    warehouse: str
    message: str
    models: list[dict] = field(default_factory=list)
    tests: list[dict] = field(default_factory=list)
    seeds: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    # Seconds per phase: registry snapshot, dbt start and parse, dbt build, docs, swap.
    phases: dict[str, float] = field(default_factory=dict)
    # « full » (from scratch) or « incremental » (the changed centres only, on a copy of the
    # served warehouse); why a fast build was not possible or was abandoned, if it was.
    mode: str = "full"
    changed_centres: list[str] = field(default_factory=list)
    fallback: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def to_dict(self) -> dict:
        return {
            "build_id": self.build_id,
            "status": self.status,
            "duration_s": self.duration_s,
            "warehouse": self.warehouse,
            "message": self.message,
            "models": self.models,
            "tests": self.tests,
            "seeds": self.seeds,
            "warnings": self.warnings,
            "failures": self.failures,
            "phases": self.phases,
            "mode": self.mode,
            "changed_centres": self.changed_centres,
            "fallback": self.fallback,
        }


# --- registry snapshot ------------------------------------------------------------------------


def snapshot_registry(data_dir: DataDir) -> dict[str, int]:
    """Write the batch, centre and mapping registries to `build/registry/*.parquet` from one
    read transaction, and return their row counts."""
    data_dir.registry.mkdir(parents=True, exist_ok=True)
    with opstore.connected(data_dir.ops_db) as conn:
        conn.execute("begin")  # one snapshot of the three tables
        frames = {
            "batches": registry.table(conn, "batches", registry.BATCH_SCHEMA),
            "centres": registry.table(conn, "centres", registry.CENTRE_SCHEMA),
            "mappings": registry.table(conn, "code_mappings", registry.MAPPING_SCHEMA),
        }
        conn.execute("commit")
    for name, frame in frames.items():
        write_atomically(data_dir.registry / f"{name}.parquet", frame.write_parquet)
    return {name: frame.height for name, frame in frames.items()}


def write_changed_centres(data_dir: DataDir, centres: list[str]) -> None:
    """The changed centres as data for the incremental models (`macros/changed_centres.sql`);
    empty for a from-scratch build. Data, not a dbt var: a new var makes dbt parse again."""
    import polars as pl

    frame = pl.DataFrame({"centre_id": pl.Series(sorted(centres), dtype=pl.Utf8)})
    data_dir.registry.mkdir(parents=True, exist_ok=True)
    write_atomically(data_dir.registry / "changed_centres.parquet", frame.write_parquet)


# --- lock ---------------------------------------------------------------------------------------


@contextmanager
def build_lock(data_dir: DataDir, progress: Progress) -> Iterator[None]:
    """Hold the build lock; a second build waits (saying so) for the first to finish."""
    path = data_dir.root / "build" / "build.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("Une autre construction de l'entrepôt est en cours ; attente de sa fin…")
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                time.sleep(0.5)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise BuildFailed(
                            "Une autre construction de l'entrepôt est toujours en cours après "
                            f"{LOCK_WAIT_SECONDS // 60} minutes ; réessayez plus tard."
                        ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- dbt in its own process -----------------------------------------------------------------


def dbt_environment(data_dir: DataDir, warehouse_path: Path) -> dict[str, str]:
    """What the dbt project reads: the data folder (landing, registry), the warehouse file, and
    target/log paths under the data folder so builds of different data folders never collide."""
    env = dict(os.environ)
    env.update(
        {
            "PARCOURS_DATA_DIR": str(data_dir.root),
            "PARCOURS_WAREHOUSE_PATH": str(warehouse_path),
            "DBT_PROFILES_DIR": str(TRANSFORM_DIR),
            "DBT_PROJECT_DIR": str(TRANSFORM_DIR),
            "DBT_TARGET_PATH": str(data_dir.root / "build" / "target"),
            "DBT_LOG_PATH": str(data_dir.root / "build" / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PARTIAL_PARSE": "true",
            "DBT_USE_COLORS": "false",
            "PARCOURS_BUILD_SPILL_DIR": str(data_dir.root / "build" / "spill"),
        }
    )
    # dbt's file log at debug level writes every SQL statement as a JSON line (some 12 MB per
    # build), which cost about 7 % of a fast build (bench/bench_build.py, interleaved runs).
    # Results, warnings and errors are info level; `DBT_LOG_LEVEL_FILE=debug` brings the
    # statements back for whoever profiles a build.
    env.setdefault("DBT_LOG_LEVEL_FILE", "info")
    return env


def _dbt_command(*args: str) -> list[str]:
    # parcours.warehouse.dbt_runner runs `dbt build` then `dbt docs generate` in one child process.
    # Run by path: the child's working directory is transform/, where the package is not
    # importable unless installed.
    runner = Path(__file__).with_name("dbt_runner.py")
    return [sys.executable, "-W", "ignore", str(runner), *args]


_RESULT_EVENTS = {"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"}
_STEP_KIND = {
    "LogModelResult": "table",
    "LogSeedResult": "liste de codes",
    "LogSnapshotResult": "table",
}
_STEP = re.compile(r"(\d+) sur (\d+)$")


class _Steps:
    """Counts finished steps against the total the runner announces (`dbt_runner` counts the
    nodes it will run). dbt's own `index/total` counted every node of the project, unit tests
    excluded from the run included: its lines stopped at « 332/654 », as if the build had died."""

    def __init__(self) -> None:
        self.done = 0
        self.total: int | None = None

    def line(self, event: dict) -> str | None:
        """One French line per finished node: « Construction : vérification 70 sur 286 ». No
        dbt test names: they mean nothing to the person waiting (they are on Transformations)."""
        if "parcours_total" in event:
            self.total = int(event["parcours_total"])
            return None
        info = event.get("info", {})
        if info.get("name") == "BuildingCatalog":
            return "Génération de la documentation des tables…"
        if info.get("name") not in _RESULT_EVENTS:
            return None
        self.done += 1
        total = max(self.total or 0, self.done)
        data = event.get("data", {})
        node = data.get("node_info", {})
        unique_id = str(node.get("unique_id") or "")
        what = _STEP_KIND.get(info["name"], "vérification")
        if unique_id.startswith("unit_test."):
            what = "test des définitions"
        status = str(data.get("status") or node.get("node_status") or "").lower()
        trouble = " (échec)" if status in {"error", "fail"} else ""
        trouble = " (avertissement)" if status == "warn" else trouble
        return f"Construction : {what} {self.done} sur {total}{trouble}"


def progress_step(line: str) -> tuple[int, int] | None:
    """« … 70 sur 286 » → (70, 286); None for lines that carry no count."""
    match = _STEP.search(line.removesuffix(" (échec)").removesuffix(" (avertissement)"))
    return (int(match.group(1)), int(match.group(2))) if match else None


def readable(echo: Progress, every_seconds: float = 5.0) -> Progress:
    """A progress for a person at a terminal: the lines without a count as they come, the
    counted steps every few seconds and at each tenth, and the last step (so the count never
    seems to stop halfway); the first failure at once, then how many so far."""
    state = {"at": 0.0, "tenth": -1, "failed": 0}

    def say(line: str) -> None:
        step = progress_step(line)
        if step is None:
            echo(line)
            return
        done, total = step
        first_failure = False
        if line.endswith("(échec)"):
            state["failed"] += 1
            first_failure = state["failed"] == 1
            line = line.removesuffix(" (échec)")
        tenth = done * 10 // max(total, 1)
        now = time.monotonic()
        if first_failure or done == total or tenth > state["tenth"]:
            pass
        elif now - state["at"] < every_seconds:
            return
        state["at"], state["tenth"] = now, tenth
        failed = state["failed"]
        trouble = f", {failed} en échec jusqu'ici" if failed else ""
        echo(f"{line} ({done * 100 // max(total, 1)} %{trouble})")

    return say


def run_dbt(
    args: list[str], env: dict[str, str], progress: Progress, phases: dict | None = None
) -> tuple[int, list[str]]:
    """Run dbt in its own process, streaming progress lines; return its exit code and the error
    lines it logged.

    The child runs in a process group of its own and asks the kernel to kill it when this
    process dies (prctl PR_SET_PDEATHSIG, in `dbt_runner`): a build can never outlive the
    dashboard or the CLI that started it. If this side is interrupted (Ctrl-C, an exception in
    a progress callback), the whole group is stopped before the error goes on."""
    errors: list[str] = []
    steps = _Steps()
    env = {**env, "PARCOURS_BUILD_PARENT": str(os.getpid())}
    process = subprocess.Popen(
        _dbt_command(*args),
        cwd=TRANSFORM_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        for raw in process.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                if raw.strip():
                    errors.append(raw.strip())
                continue
            if "parcours_phase" in event and phases is not None:
                phases[event["parcours_phase"]] = event["seconds"]
            line = steps.line(event)
            if line:
                progress(line)
            elif event.get("info", {}).get("level") == "error":
                errors.append(event["info"].get("msg", "").strip())
        return process.wait(), errors
    except BaseException:
        stop_group(process)
        raise


def stop_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a child's whole process group: SIGTERM, then SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _severity(manifest: dict, unique_id: str) -> str:
    node = manifest.get("nodes", {}).get(unique_id, {})
    return str(node.get("config", {}).get("severity", "error")).lower()


def summarise(results_path: Path, manifest_path: Path) -> dict[str, list[dict]]:
    """Read dbt's run results (and the manifest for test severities) into plain lists."""
    results = json.loads(results_path.read_text(encoding="utf-8"))
    manifest = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out: dict[str, list[dict]] = {"models": [], "tests": [], "seeds": [], "other": []}
    for result in results.get("results", []):
        unique_id = result["unique_id"]
        resource = unique_id.split(".")[0]
        parts = unique_id.split(".")
        entry = {
            # test ids end with a hash; unit tests are named model.test: keep both parts
            "name": ".".join(parts[2:]) if resource == "unit_test" else parts[2],
            "unique_id": unique_id,
            "status": result.get("status"),
            "execution_time": round(result.get("execution_time") or 0.0, 3),
            "message": result.get("message"),
        }
        if resource in {"test", "unit_test"}:
            entry["kind"] = "unit" if resource == "unit_test" else "data"
            entry["failures"] = result.get("failures")
            entry["severity"] = _severity(manifest, unique_id) if resource == "test" else "error"
            out["tests"].append(entry)
        elif resource == "model":
            out["models"].append(entry)
        elif resource == "seed":
            out["seeds"].append(entry)
        else:
            out["other"].append(entry)
    return out


# --- swap -------------------------------------------------------------------------------------


def _settle(path: Path) -> None:
    """Make sure the new file holds everything (no pending WAL) before it is served read-only."""
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        import duckdb

        with duckdb.connect(str(path)) as conn:
            conn.execute("checkpoint")


def swap_in(new_file: Path, data_dir: DataDir) -> None:
    """Serve `new_file` atomically. The old warehouse is first hard-linked to the previous name,
    so `warehouse.duckdb` exists at every instant (a reader opening it never finds it missing)."""
    served = data_dir.warehouse
    if served.exists():
        tmp_previous = data_dir.root / f".warehouse.previous.tmp{os.getpid()}"
        tmp_previous.unlink(missing_ok=True)
        os.link(served, tmp_previous)
        os.replace(tmp_previous, data_dir.previous_warehouse)
    os.replace(new_file, served)


def project_fingerprint() -> str:
    """A digest of the dbt project and the code lists it seeds. The docs (lineage, column
    types) depend on the code only, so a rebuild after an upload can keep the published docs
    when this has not changed — that saves the catalog queries on every upload."""
    digest = hashlib.sha256()
    skipped = {"target", "logs", "dbt_packages"}
    for path in sorted(TRANSFORM_DIR.rglob("*")):
        if path.is_file() and not skipped & set(path.relative_to(TRANSFORM_DIR).parts):
            digest.update(str(path.relative_to(TRANSFORM_DIR)).encode())
            digest.update(path.read_bytes())
    digest.update(CODES_CSV.read_bytes())
    return digest.hexdigest()


def docs_up_to_date(data_dir: DataDir) -> bool:
    marker = data_dir.docs / "fingerprint.txt"
    return (
        marker.exists()
        and (data_dir.docs / "catalog.json").exists()
        and marker.read_text(encoding="utf-8") == project_fingerprint()
    )


def _unit_tests_marker(data_dir: DataDir) -> Path:
    return data_dir.root / "build" / "unit_tests_passed_for.txt"


def unit_tests_up_to_date(data_dir: DataDir) -> bool:
    """dbt unit tests check the models' logic on fixed rows, not the data: once they passed for
    this project, a rebuild after an upload need not run them again (dbt's own advice for
    production runs). Any change to the project runs them again."""
    marker = _unit_tests_marker(data_dir)
    return marker.exists() and marker.read_text(encoding="utf-8") == project_fingerprint()


def publish_docs(target: Path, data_dir: DataDir) -> None:
    data_dir.docs.mkdir(parents=True, exist_ok=True)
    for name in ("index.html", "manifest.json", "catalog.json"):
        source = target / name
        if source.exists():
            write_atomically(data_dir.docs / name, lambda tmp, s=source: shutil.copyfile(s, tmp))
    (data_dir.docs / "fingerprint.txt").write_text(project_fingerprint(), encoding="utf-8")


# --- the build ------------------------------------------------------------------------------


def _owner() -> dict:
    """What identifies this process later, to tell a running build from one whose process is
    gone: pid, host, and the process's start time (a pid is reused; a start time is not)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "pid_started": _started(os.getpid())}


def _started(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return int(handle.read().rsplit(")", 1)[-1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def build_process_gone(summary: dict) -> bool:
    """Whether the process that recorded a « running » build is gone (on this host; a build of
    another host, or one recorded before pids were kept, is taken as still running)."""
    owner = summary.get("owner") if isinstance(summary, dict) else None
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int) or not processes.is_alive(pid):
        return True
    started = owner.get("pid_started")
    return started is not None and _started(pid) != started


INTERRUPTED_MESSAGE = (
    "La construction a été interrompue (son processus s'est arrêté avant la fin). "
    "L'entrepôt servi n'a pas changé."
)


def mark_interrupted(data_dir: DataDir, actor: str) -> list[str]:
    """Mark « interrompue » every build still « running » whose process is gone, and audit it.
    Called at the start of each build (reading pages compute the same without writing)."""
    with opstore.connected(data_dir.ops_db) as conn:
        rows = conn.execute(
            "select build_id, summary, actor from builds where status = 'running'"
        ).fetchall()
        gone = []
        for build_id, summary, started_by in rows:
            try:
                data = json.loads(summary) if summary else {}
            except ValueError:
                data = {}
            if build_process_gone(data):
                gone.append((build_id, data, started_by))
        for build_id, data, started_by in gone:
            data = {**data, "status": "interrupted", "message": INTERRUPTED_MESSAGE}
            with opstore.transaction(conn):
                conn.execute(
                    "update builds set status = 'interrupted', finished_at = ?, summary = ? "
                    "where build_id = ? and status = 'running'",
                    (opstore.now_iso(), json.dumps(data, ensure_ascii=False), build_id),
                )
                opstore.audit(
                    conn,
                    actor,
                    "build_interrupted",
                    {"build_id": build_id, "started_by": started_by, "owner": data.get("owner")},
                )
    return [build_id for build_id, _, _ in gone]


def _record_start(data_dir: DataDir, build_id: str, actor: str) -> None:
    with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
        conn.execute(
            "insert into builds(build_id, started_at, actor, status, summary) "
            "values (?, ?, ?, ?, ?)",
            (
                build_id,
                opstore.now_iso(),
                actor,
                "running",
                json.dumps({"owner": _owner()}, ensure_ascii=False),
            ),
        )


def _record_end(data_dir: DataDir, result: BuildResult, actor: str) -> None:
    """Record the outcome and audit it (failed and interrupted builds too). A full disk must not
    hide the build's own message: the failure to record is logged, the row is then taken for
    « interrompue » at the next build."""
    try:
        with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
            conn.execute(
                "update builds set finished_at = ?, status = ?, summary = ? where build_id = ?",
                (
                    opstore.now_iso(),
                    result.status,
                    json.dumps(result.to_dict() | {"owner": _owner()}, ensure_ascii=False),
                    result.build_id,
                ),
            )
            opstore.audit(
                conn,
                actor,
                "build",
                {
                    "build_id": result.build_id,
                    "status": result.status,
                    "duration_s": result.duration_s,
                    "failures": [f["name"] for f in result.failures],
                    "warnings": len(result.warnings),
                },
            )
    except Exception as error:
        if not is_disk_full(error):
            raise
        log.exception("build %s: outcome not recorded (disk full)", result.build_id)


def _failure_message(failures: list[dict], errors: list[str]) -> str:
    if failures:
        parts = []
        for failure in failures[:5]:
            what = "le modèle" if failure.get("resource") == "model" else "le test"
            if failure.get("resource") == "seed":
                what = "la table de codes"
            detail = ""
            if failure.get("failures"):
                detail = f" ({failure['failures']} ligne(s) en défaut)"
            if failure.get("resource") != "test" and failure.get("message"):
                lines = [line.strip() for line in str(failure["message"]).splitlines()]
                detail += " : " + " — ".join([line for line in lines if line][:2])
            parts.append(f"{what} {failure['name']} a échoué{detail}")
        more = f" et {len(failures) - 5} autre(s)" if len(failures) > 5 else ""
        reason = " ; ".join(parts) + more
    else:
        reason = errors[-1] if errors else "dbt s'est arrêté sans résultat"
    return f"La construction a échoué : {reason}. L'entrepôt servi n'a pas changé."


def new_build_id() -> str:
    return "w" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def build(
    data_dir: DataDir,
    *,
    actor: str,
    progress: Progress | None = None,
    docs: bool = True,
    build_id: str | None = None,
) -> BuildResult:
    """Rebuild the warehouse; swap it in only if everything passed. Returns the summary (the
    caller decides the exit code); never touches the served file on failure."""
    say = progress or (lambda _line: None)
    with build_lock(data_dir, say):
        started = time.monotonic()
        build_id = build_id or new_build_id()
        try:
            mark_interrupted(data_dir, actor)
            _record_start(data_dir, build_id, actor)
        except Exception as error:
            if is_disk_full(error):
                return BuildResult(
                    build_id, "failed", 0.0, str(data_dir.warehouse), disk_full_message()
                )
            raise
        result = BuildResult(build_id, "failed", 0.0, str(data_dir.warehouse), "")
        try:
            _run(data_dir, result, say, docs)
        except DbtKilled as error:
            # Killed from outside (out of memory, an operator): not the data's fault, so the
            # build worker runs it once more (`worker.MAX_ATTEMPTS`) before reporting it.
            result.status = "interrupted"
            result.message = str(error)
        except BuildFailed as error:
            result.message = str(error)
        except Exception as error:  # noqa: BLE001 — recorded, then reported as a failed build
            if is_disk_full(error):
                result.message = disk_full_message()
            else:
                result.message = f"La construction a échoué : {type(error).__name__}: {error}."
        except BaseException:
            # Interrupted (Ctrl-C): record it, so the build does not stay "running" for ever.
            result.status = "interrupted"
            result.message = "La construction a été interrompue. L'entrepôt servi n'a pas changé."
            result.duration_s = round(time.monotonic() - started, 2)
            _record_end(data_dir, result, actor)
            raise
        finally:
            _tidy_work(data_dir)
        result.duration_s = round(time.monotonic() - started, 2)
        _record_end(data_dir, result, actor)
        return result


# What a warning means for the person who reads it (a warning never stops a build).
WARNING_MEANINGS = {
    "dq_undeclared_participant": "enregistrement(s) (freins, heures, étapes…) renvoient à un "
    "stagiaire que le centre n'a déclaré dans aucun fichier de participants",
    "dq_exit_before_entry": "sortie(s) datée(s) avant l'entrée du stagiaire",
    "dq_event_before_entry": "enregistrement(s) daté(s) avant l'entrée du stagiaire",
}


def explain_warning(warning: dict) -> str:
    """A warning in plain French: what it counts, that it did not stop the build, and where
    the rows are listed."""
    count = warning.get("failures")
    meaning = WARNING_MEANINGS.get(str(warning.get("name")))
    if meaning and isinstance(count, int):
        return (
            f"Avertissement : {count} {meaning}. Ces lignes sont gardées et listées sur la page "
            "« Qualité des données » pour que le centre les corrige ; elles n'empêchent pas la "
            "construction."
        )
    rows = f" ({count} ligne(s) à vérifier)" if isinstance(count, int) else ""
    return (
        f"Avertissement : le contrôle {warning.get('name')}{rows} signale des données à vérifier "
        "sans bloquer la construction (détail sur la page « Transformations »)."
    )


class DbtKilled(BuildFailed):
    """dbt's process was killed by a signal (not a failure of the data or the project)."""


def disk_full_message() -> str:
    return (
        "La construction a échoué : le disque du serveur est plein. L'entrepôt servi n'a pas "
        "changé. Prévenez l'administrateur, qui doit libérer de la place dans le dossier de "
        "données, puis relancez la construction."
    )


def _tidy_work(data_dir: DataDir) -> None:
    """A failed build's half-written warehouse goes at once (it may be what filled the disk)."""
    work = data_dir.build_work / WORK_NAME
    for path in (work, work.with_name(work.name + ".wal")):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", path, exc_info=True)


def forget_parse_of_another_folder(target: Path, data_dir: DataDir) -> None:
    """dbt's partial parse cache keeps the landing paths it was parsed with: a data folder that
    was copied or moved must be parsed afresh, or it would build from the old folder."""
    marker = target / "parsed_for.txt"
    if marker.exists() and marker.read_text(encoding="utf-8") == str(data_dir.root):
        return
    (target / "partial_parse.msgpack").unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(data_dir.root), encoding="utf-8")


def check_landing(data_dir: DataDir) -> None:
    """A data folder that never received an upload has nothing to build: say so plainly rather
    than serve an empty warehouse. (Once batches exist, withdrawing all of them does build an
    empty warehouse: that is the truth to show.) The zero-row `_schema.parquet` files that keep
    dbt's globs valid are written by the upload path with the first upload."""
    with opstore.connected(data_dir.ops_db) as conn:
        (batches,) = conn.execute("select count(*) from batches").fetchone()
    if not batches:
        raise BuildFailed(
            "La construction a échoué : aucun fichier de dépôt dans "
            + str(data_dir.root)
            + " (déposez d'abord des fichiers avec « parcours ingest »). "
            "L'entrepôt servi n'a pas changé."
        )


def _run(data_dir: DataDir, result: BuildResult, say: Progress, docs: bool) -> None:
    check_landing(data_dir)
    if docs and docs_up_to_date(data_dir):
        say("Documentation dbt inchangée (le projet n'a pas changé) : conservée.")
        docs = False
    skip_unit_tests = unit_tests_up_to_date(data_dir)
    if skip_unit_tests:
        say("Tests unitaires dbt déjà réussis pour ce projet inchangé : non relancés.")
    clock = time.monotonic()
    counts = snapshot_registry(data_dir)
    result.phases["snapshot"] = round(time.monotonic() - clock, 2)
    say(
        f"Registre figé : {counts['batches']} lot(s), {counts['centres']} centre(s). "
        "Lancement de dbt…"
    )
    fingerprint = project_fingerprint()
    planned = incremental.plan(data_dir, result.build_id, fingerprint, docs)
    if planned.centres is not None:
        try:
            _dbt_pass(data_dir, result, say, planned.centres, docs=False, skip_unit_tests=True)
            return
        except DbtKilled:
            raise
        except Exception as error:  # noqa: BLE001 — the from-scratch build decides
            reason = str(error) if isinstance(error, BuildFailed) else type(error).__name__
            log.warning("build %s: fast path abandoned: %s", result.build_id, reason)
            say("Mise à jour rapide impossible : reconstruction complète de l'entrepôt…")
            _set_aside(result, "fast")
            result.fallback = reason
            # The fast attempt did not run the unit tests; the full build runs them if due.
    else:
        result.fallback = planned.reason
    try:
        _dbt_pass(data_dir, result, say, [], docs=docs, skip_unit_tests=skip_unit_tests)
    except BuildFailed:
        if not _out_of_memory(result) or dbt_threads() == 1:
            raise
        # Several models at once share DuckDB's memory limit; one at a time, each has all of
        # it (at 10× the sector: 4 threads ran out of 1 GB, 1 thread peaked at 1,5 GB in all).
        log.warning("build %s: out of memory with %d threads, again with 1", result.build_id,
                    dbt_threads())  # fmt: skip
        say(
            "Mémoire insuffisante pour construire plusieurs tables à la fois : nouvelle "
            "tentative, une table à la fois (plus lente)…"
        )
        _set_aside(result, "first")
        _dbt_pass(data_dir, result, say, [], docs=docs, skip_unit_tests=skip_unit_tests, threads=1)


def _set_aside(result: BuildResult, attempt: str) -> None:
    """Before another dbt pass of the same build: the abandoned pass's phases are kept under
    its name (`fast_build`, `first_build`…; the registry snapshot is shared), its results go."""
    phases = {f"{attempt}_{k}": v for k, v in result.phases.items() if k != "snapshot"}
    result.phases = {"snapshot": result.phases["snapshot"], **phases}
    result.models, result.tests, result.seeds = [], [], []
    result.warnings, result.failures = [], []


OUT_OF_MEMORY = "Out of Memory Error"


def _out_of_memory(result: BuildResult) -> bool:
    """Whether a failed build ran out of DuckDB's memory limit (not a fault of the data)."""
    return any(OUT_OF_MEMORY in str(failure.get("message") or "") for failure in result.failures)


def dbt_threads() -> int:
    """dbt's threads for a build (`transform/profiles.yml`: PARCOURS_BUILD_THREADS, 4)."""
    try:
        return max(1, int(os.environ.get("PARCOURS_BUILD_THREADS", "4")))
    except ValueError:
        return 4


def _dbt_pass(
    data_dir: DataDir,
    result: BuildResult,
    say: Progress,
    centres: list[str],
    *,
    docs: bool,
    skip_unit_tests: bool,
    threads: int | None = None,
) -> None:
    """One dbt build into the work file, then the swap. `centres` empty: from scratch, into a
    new file; otherwise incremental for those centres, on a copy of the served warehouse.
    `threads`: dbt's threads for this pass (default: the environment's)."""
    fast = bool(centres)
    data_dir.build_work.mkdir(parents=True, exist_ok=True)
    work = data_dir.build_work / WORK_NAME
    for stale in (work, work.with_name(work.name + ".wal")):
        stale.unlink(missing_ok=True)
    write_changed_centres(data_dir, centres)
    if fast:
        clock = time.monotonic()
        incremental.copy_served(data_dir, work)
        result.phases["copy"] = round(time.monotonic() - clock, 2)
        say(f"Mise à jour rapide pour {len(centres)} centre(s) : {', '.join(centres)}.")
    env = dbt_environment(data_dir, work)
    if threads is not None:
        env["PARCOURS_BUILD_THREADS"] = str(threads)
    target = Path(env["DBT_TARGET_PATH"])
    forget_parse_of_another_folder(target, data_dir)
    results = target / BUILD_RESULTS
    results.unlink(missing_ok=True)

    flags = (["--docs"] if docs else []) + (["--skip-unit-tests"] if skip_unit_tests else [])
    clock = time.monotonic()
    code, errors = run_dbt(flags, env, say, result.phases)
    result.phases["dbt_process"] = round(time.monotonic() - clock, 2)
    if code < 0:
        raise DbtKilled(
            f"La construction a été interrompue : dbt a été arrêté (signal {-code}), par "
            "manque de mémoire ou par une intervention sur le serveur. L'entrepôt servi n'a "
            "pas changé."
        )
    if not results.exists():
        raise BuildFailed(_failure_message([], errors))
    summary = summarise(results, target / "manifest.json")
    result.models, result.tests = summary["models"], summary["tests"]
    result.seeds = summary["seeds"]
    result.warnings = [
        {"name": t["name"], "failures": t.get("failures"), "message": t.get("message")}
        for t in result.tests
        if t["status"] == "warn"
    ]
    for resource, entries in (("model", result.models), ("test", result.tests)):
        for entry in entries:
            if entry["status"] in {"error", "fail"}:
                result.failures.append({"resource": resource, **entry})
    for entry in result.seeds + summary["other"]:
        if entry["status"] in {"error", "fail"}:
            result.failures.append({"resource": "seed", **entry})
    if code != 0 or result.failures:
        raise BuildFailed(_failure_message(result.failures, errors))
    clock = time.monotonic()
    _settle(work)
    if fast and incremental.data_end(work) != incremental.data_end(data_dir.warehouse):
        # Every centre's months end at the data's last month: when it moves, every centre
        # changes, and only a from-scratch build is right.
        raise BuildFailed("la fin des données a changé")
    incremental.forget_served(data_dir)
    swap_in(work, data_dir)
    try:
        incremental.record_served(data_dir, project_fingerprint(), result.build_id)
    except OSError:
        # Served already: without its record the next build is simply from scratch.
        log.warning("build %s: served warehouse not recorded", result.build_id, exc_info=True)
    result.phases["swap"] = round(time.monotonic() - clock, 2)
    result.status = "success"
    result.mode = "incremental" if fast else "full"
    result.changed_centres = list(centres)
    if not skip_unit_tests:
        _unit_tests_marker(data_dir).write_text(project_fingerprint(), encoding="utf-8")
    if docs:
        try:
            publish_docs(target, data_dir)
        except OSError as error:
            # The new warehouse is already served: a docs copy problem is a warning, not a failure.
            result.warnings.append({"name": "docs", "failures": None, "message": str(error)})
    what = (
        f"Entrepôt mis à jour pour {len(centres)} centre(s) ({', '.join(centres)}) : "
        if fast
        else "Entrepôt reconstruit : "
    )
    result.message = (
        f"{what}{len(result.models)} modèles, {len(result.tests)} tests, "
        f"{len(result.warnings)} avertissement(s)"
        + (
            " (des données à vérifier, qui n'empêchent pas la construction)."
            if result.warnings
            else "."
        )
    )
