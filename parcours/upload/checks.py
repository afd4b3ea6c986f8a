"""How many uploads one server process checks at once.

Each check runs a child process that may take up to `UploadLimits.check_memory_bytes` of memory
and a core of CPU: without a bound, a handful of people (or one person with several tabs)
pressing « Vérifier » together would take the machine's memory. `slot` lets at most
`UploadLimits.max_concurrent_checks` uploads be checked at once in this process; the next one
waits a few seconds for a slot, then is told in French to try again (`Busy`), with nothing read
or stored.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from parcours.core.errors import ParcoursError
from parcours.upload.limits import UploadLimits

WAIT_SECONDS = 5.0

_lock = threading.Condition()
_running = 0


class Busy(ParcoursError):
    """Every checking slot is taken: try again in a moment."""


def running() -> int:
    """Checks in progress in this process."""
    with _lock:
        return _running


@contextlib.contextmanager
def slot(limits: UploadLimits, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold one of the `limits.max_concurrent_checks` slots for the length of the block."""
    global _running
    deadline = time.monotonic() + (WAIT_SECONDS if wait_seconds is None else wait_seconds)
    with _lock:
        while _running >= limits.max_concurrent_checks:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Busy(
                    "Le serveur vérifie déjà d'autres envois "
                    f"({limits.max_concurrent_checks} à la fois au plus, "
                    "PARCOURS_MAX_CONCURRENT_CHECKS) : réessayez dans un instant. "
                    "Rien n'a été lu ni enregistré."
                )
            _lock.wait(left)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            _lock.notify()
