"""Reading and validating an uploaded file in a SEPARATE PROCESS, with a memory and a time limit,
so that no file — however it was made — can take the dashboard or the CLI down.

`Checker` starts one child (`python -m parcours.upload.isolation`) for a run of files and sends
it one file at a time; the child runs `validation.check_file` (pure: it writes nothing) and sends
back the `CheckedFile`. The parent then writes the landing file and the registry rows itself.

The child:
- dies with its parent (prctl PR_SET_PDEATHSIG) and runs in its own session;
- has its address space capped (RLIMIT_AS, `UploadLimits.check_memory_bytes`) and its CPU time
  too (RLIMIT_CPU), while the parent waits at most `check_seconds` of wall time per file.

When the child dies (allocation refused, crash) or runs out of time, the parent kills it, answers
« Fichier refusé : … » naming the limit, and starts a fresh child for the next file. Reaching
the memory cap is noticed at once, whatever state it leaves the child in (a native library may
hang after an allocation fails): the child's own MemoryError, or its last words on stderr
(« memory allocation of … failed »), make the parent kill it and answer « mémoire » with the
limit's variable, instead of waiting out the time limit.

The uploaded bytes never touch the disk: they go down the child's stdin pipe and live in its
memory only; the child cannot write a core file (`processes.no_core_dump`), and what it says
back about an unexpected error names the error's type and place, never its message (which may
quote the file's content).

Messages are pickles between two processes running this same code, each preceded by its length
(8 bytes, big-endian); a file's bytes follow its request raw, not pickled (one copy fewer).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parcours.core.errors import FileRejected
from parcours.store.datadir import PROJECT_ROOT
from parcours.upload.limits import UploadLimits, megabytes, refused

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger(__name__)
_HEADER = struct.Struct(">Q")
START_SECONDS = 120


@dataclass
class CheckSummary:
    """What the parent needs of a `validation.CheckedFile`: counts, quarantine, warnings and,
    only when the rows are to be stored, the landing file itself (`landing_parquet`: the bytes
    of `landing.conform(kind, accepted, batch_id)` as parquet, made by the child, which the
    parent writes as they are — the rows are not decoded and encoded again on this side)."""

    kind: str
    rows_read: int
    rows_accepted: int
    landing_parquet: bytes | None
    quarantined: list
    warnings: list[str]

    @property
    def accepted(self) -> pl.DataFrame | None:
        """The stored rows (landing schema, `batch_id` first), read back from the bytes."""
        if self.landing_parquet is None:
            return None
        import polars as pl

        return pl.read_parquet(io.BytesIO(self.landing_parquet))


def _pack(checked, batch_id: str | None) -> dict:
    data = None
    if batch_id is not None:
        from parcours.upload import landing

        buffer = io.BytesIO()
        landing.conform(checked.kind, checked.accepted, batch_id).write_parquet(
            buffer, compression=landing.COMPRESSION
        )
        data = buffer.getvalue()
    return {
        "kind": checked.kind,
        "rows_read": checked.rows_read,
        "rows_accepted": checked.accepted.height,
        "landing_parquet": data,
        "quarantined": checked.quarantined,
        "warnings": checked.warnings,
    }


def _unpack(packed: dict) -> CheckSummary:
    return CheckSummary(**packed)


class _ChildGone(Exception):
    pass


class _TimedOut(Exception):
    pass


class _OutOfMemory(Exception):
    pass


# What a process says on stderr as it fails to allocate: Python, Rust (polars, fastexcel), C++.
_OUT_OF_MEMORY = re.compile(
    r"MemoryError|memory allocation of [0-9]+ bytes failed|out of memory|"
    r"cannot allocate memory|bad_alloc|thread creation failed",
    re.IGNORECASE,
)
_POLL_SECONDS = 0.1


def _read_exact(
    fd: int, size: int, deadline: float | None, out_of_memory: threading.Event | None = None
) -> bytes:
    chunks = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
            ready, _, _ = select.select([fd], [], [], min(left, _POLL_SECONDS))
            if not ready:
                if out_of_memory is not None and out_of_memory.is_set():
                    raise _OutOfMemory
                continue
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise _ChildGone
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _send(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


_prestarted: subprocess.Popen | None = None
_prestart_lock = threading.Lock()


def prestart() -> None:
    """Start a checking process now, for the next `Checker` of this process to take, so that
    its imports (polars, the contract: half a second of CPU) are not waited for: a command that
    will check files calls this first thing (the child imports while the command does), and
    the dashboard after each upload (the next upload finds a child ready). At most one waits;
    it holds nothing but code until it is given a file, and dies with this process. Importing
    this module does not import polars, for that reason."""
    global _prestarted
    with _prestart_lock:
        if _prestarted is not None and _prestarted.poll() is None:
            return
        _prestarted = Checker._spawn_process()


def _take_prestarted() -> subprocess.Popen | None:
    global _prestarted
    with _prestart_lock:
        process, _prestarted = _prestarted, None
    if process is not None and process.poll() is not None:
        return None
    return process


class Checker:
    """`check()` = `validation.check_file`, in a child process; use as a context manager.

    Not thread-safe: one Checker per upload (the dashboard makes one per request)."""

    def __init__(self, limits: UploadLimits | None = None):
        self.limits = limits or UploadLimits.from_env()
        self._process: subprocess.Popen | None = None
        self._ready = False
        self._stderr: deque[str] = deque(maxlen=20)
        self._out_of_memory = threading.Event()

    def __enter__(self) -> Checker:
        # Started at once: its imports overlap with the parent's own work before the first file.
        self._process = self._spawn()
        self._ready = False
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- child lifecycle ------------------------------------------------------------------

    def _start(self) -> subprocess.Popen:
        process = self._spawn()
        self._wait_ready(process)
        return process

    def _spawn(self) -> subprocess.Popen:
        process = _take_prestarted() or self._spawn_process()
        self._stderr.clear()
        self._out_of_memory = threading.Event()
        threading.Thread(
            target=self._drain, args=(process, self._out_of_memory), daemon=True
        ).start()
        return process

    @staticmethod
    def _spawn_process() -> subprocess.Popen:
        env = dict(os.environ)
        # This checkout's package, whatever an installed copy says.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        env["PARCOURS_CHECK_PARENT"] = str(os.getpid())
        env["POLARS_MAX_THREADS"] = env.get("POLARS_MAX_THREADS") or "2"
        process = subprocess.Popen(
            [sys.executable, "-m", "parcours.upload.isolation"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        return process

    def _wait_ready(self, process: subprocess.Popen) -> None:
        # The child says when it is ready (imports done): a slow start on a loaded machine does
        # not eat into the time a file is given.
        try:
            assert process.stdout is not None
            fd = process.stdout.fileno()
            (size,) = _HEADER.unpack(
                _read_exact(fd, _HEADER.size, time.monotonic() + START_SECONDS)
            )
            _read_exact(fd, size, time.monotonic() + START_SECONDS)
        except (_TimedOut, _ChildGone) as error:
            self._process = process
            self._kill()
            raise RuntimeError(
                "the upload checking process did not start: " + " | ".join(self._stderr)
            ) from error
        self._ready = True

    def _drain(self, process: subprocess.Popen, out_of_memory: threading.Event) -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line[:500])
                if _OUT_OF_MEMORY.search(line):
                    out_of_memory.set()

    def _kill(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None
        finally:
            for stream in (process.stdin, process.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass

    def close(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            assert process.stdin is not None
            process.stdin.close()  # end of requests: the child exits
            process.wait(timeout=5)
            self._process = None
        except (OSError, subprocess.TimeoutExpired):
            self._kill()

    # --- one file -------------------------------------------------------------------------

    def check(self, content: bytes, file_name: str, centre_id: str, **options) -> CheckSummary:
        """`validation.check_file(content, file_name, centre_id, **options)`, isolated.

        `batch_id` given: the accepted rows come back as that batch's landing file (bytes);
        without (a dry run), they stay in the child: only their count comes back."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        elif not self._ready:
            self._wait_ready(self._process)
        process = self._process
        deadline = time.monotonic() + self.limits.check_seconds
        try:
            assert process.stdin is not None and process.stdout is not None
            _send(process.stdin, (file_name, centre_id, options, self.limits, len(content)))
            process.stdin.write(content)
            process.stdin.flush()
            fd = process.stdout.fileno()
            (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline, self._out_of_memory))
            answer = pickle.loads(_read_exact(fd, size, deadline, self._out_of_memory))
        except _OutOfMemory:
            self._kill()
            log.warning("upload check of a file reached the memory limit")
            raise FileRejected(self._memory_message(file_name)) from None
        except _TimedOut:
            out_of_memory = self._out_of_memory.is_set()
            self._kill()
            log.warning("upload check of a file timed out")
            if out_of_memory:
                raise FileRejected(self._memory_message(file_name)) from None
            raise FileRejected(
                refused(
                    file_name,
                    f"sa vérification a dépassé le temps autorisé ({self.limits.check_seconds} s,"
                    " PARCOURS_CHECK_SECONDS). Envoyez-le en plusieurs fichiers plus petits.",
                )
            ) from None
        except (_ChildGone, BrokenPipeError, ConnectionResetError, EOFError):
            code = self._kill()
            time.sleep(0.05)  # let the stderr reader take the child's last words
            # Its words are not logged: a library's message may quote the file's content.
            log.warning("upload check of a file: the checking process ended (%s)", code)
            raise FileRejected(self._death_message(file_name, code)) from None
        status = answer[0]
        if status == "ok":
            return _unpack(answer[1])
        if status == "rejected":
            raise FileRejected(answer[1], kind=answer[2])
        if status == "memory":
            self._kill()
            raise FileRejected(self._memory_message(file_name))
        raise RuntimeError(f"upload check failed: {answer[1]}")

    def _memory_message(self, file_name: str) -> str:
        return refused(
            file_name,
            "sa vérification a dépassé la mémoire autorisée "
            f"({megabytes(self.limits.check_memory_bytes)}, PARCOURS_CHECK_MEMORY_MB). "
            "Envoyez-le en plusieurs fichiers plus petits.",
        )

    def _death_message(self, file_name: str, code: int | None) -> str:
        said = " ".join(self._stderr).lower()
        if self._out_of_memory.is_set() or (
            code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, 134)
            and ("memory" in said or "alloc" in said)
        ):
            return self._memory_message(file_name)
        if code == -signal.SIGXCPU:
            return refused(
                file_name,
                f"sa vérification a dépassé le temps autorisé ({self.limits.check_seconds} s, "
                "PARCOURS_CHECK_SECONDS).",
            )
        if code == -signal.SIGKILL:
            # Killed from outside: the kernel's out-of-memory killer is the usual culprit.
            return self._memory_message(file_name)
        return refused(
            file_name,
            "sa vérification s'est arrêtée net (le fichier est sans doute malformé). "
            "Enregistrez-le à nouveau depuis votre tableur, en .xlsx ou en CSV.",
        )


# --- the child ------------------------------------------------------------------------------


def _child() -> int:
    from parcours.core import processes

    parent = int(os.environ.get("PARCOURS_CHECK_PARENT") or os.getppid())
    processes.die_with_parent(parent)
    processes.no_core_dump()
    requests = sys.stdin.buffer
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write on the answer channel
    limits_set = False

    from parcours.upload.validation import check_file

    _send(answers, ("ready",))
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        (size,) = _HEADER.unpack(header)
        file_name, centre_id, options, limits, length = pickle.loads(requests.read(size))
        if not limits_set:
            processes.limit_memory(limits.check_memory_bytes)
            processes.limit_cpu(limits.check_seconds * 4 + 30)
            limits_set = True
        try:
            content = requests.read(length)
            batch_id = options.pop("batch_id", None)
            checked = check_file(content, file_name, centre_id, limits=limits, **options)
            del content
            answer = ("ok", _pack(checked, batch_id))
            del checked
        except FileRejected as error:
            answer = ("rejected", str(error), error.kind)
        except MemoryError:
            # Whatever was half-built is dropped with the process: say so and leave at once.
            _send_or_die(answers, ("memory",))
            os._exit(3)
        except Exception as error:  # noqa: BLE001 — reported to the parent, which decides
            answer = ("error", _where(error))
        try:
            _send(answers, answer)
        except MemoryError:
            _send_or_die(answers, ("memory",))
            os._exit(3)


def _send_or_die(stream, message) -> None:
    with contextlib.suppress(BaseException):
        _send(stream, message)


def _where(error: BaseException) -> str:
    """« ValueError in parcours/upload/reading.py:212 »: the error's type and the innermost
    place in Parcours's code, not its message (a library's message may quote the file)."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "parcours" in f.filename] or frames
    place = f" in {ours[-1].filename.rsplit('parcours', 1)[-1]}:{ours[-1].lineno}" if ours else ""
    return f"{type(error).__name__}{place}"


if __name__ == "__main__":
    sys.exit(_child())
