"""Child processes that cannot outlive their parent, nor take more than they are given.

Used by the checking process of uploads (`parcours.upload.isolation`) and by the dbt process of
builds (`parcours.warehouse.build`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None, sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send `sig` to this process when its parent dies (prctl PR_SET_PDEATHSIG).

    Call it first thing in the child. When `parent_pid` is given and the parent is already gone
    (it died before the call), exit at once. Returns False where prctl is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        ok = libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
    return ok


_PR_SET_DUMPABLE = 4


def no_core_dump() -> None:
    """Never write this process's memory to disk: no core file (RLIMIT_CORE 0) and not
    dumpable (prctl PR_SET_DUMPABLE 0, which also keeps other processes of the same user from
    reading its memory through /proc). For a process that holds uploaded files in clear."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS): an allocation beyond fails (MemoryError in
    Python, an abort in native code) instead of swapping the machine to death."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        max_bytes = min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))


def limit_cpu(seconds: int) -> None:
    """Cap this process's CPU time (RLIMIT_CPU): SIGXCPU, then SIGKILL, past it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        seconds = min(seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, hard))


def is_alive(pid: int | None) -> bool:
    """Whether a process of this id exists (a zombie counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[-1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True
