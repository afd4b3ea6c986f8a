"""Warm the shared loads before people ask for them (issue 17, item 5).

Every analytical page reads through `ui.load`, cached per (warehouse version, scope, filters,
arguments) and shared by every session of the server. A new warehouse (each build's swap) or a
restart empties that cache: the first person of each scope then waits for the queries and the
disclosure control (HiGHS) of every load of the page — 1 to 5 s under load, against 0,1 s warm.

So the server remembers which loads were asked for (the most recent `MAX_KEYS`), and a thread
of its own replays them whenever it sees a new warehouse version, most recently used first,
before anybody asks again: the masked loads are then shared, as if somebody had already been
there. The keys are also written to the data folder (`build/warm-keys.json`) so a restarted
server warms what the previous one served.

What is remembered names scopes, filters and page arguments — never a person: loads of one
trainee's records (`trainee_path`) are neither remembered nor written down. A load that fails
while warming is only logged: the page will show its own error when somebody opens it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parcours.core.files import write_atomically
from parcours.store.datadir import DataDir
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters, Scope

log = logging.getLogger(__name__)

MAX_KEYS = 256
# Loads nobody asked for in this long are not worth the CPU after a swap (the pages' cache
# forgets its entries after as long: `ui._cached`'s ttl).
FORGET_AFTER_SECONDS = 6 * 3600
POLL_SECONDS = 2.0
SAVE_SECONDS = 60.0
# Individual records: nothing that names a person is kept or written down.
NOT_REMEMBERED = ("parcours.analytics.trainee_path:",)

Key = tuple[str, Scope, Filters, tuple]
Replay = Callable[[str, str, Scope, Filters, tuple], Any]

_lock = threading.Lock()
_clock = time.monotonic
_recent: OrderedDict[Key, float] = OrderedDict()  # key → when last asked (monotonic)
_changed = False


def remember(target: str, scope: Scope, flt: Filters, args: tuple) -> None:
    """A load was asked for: keep its key, most recent last."""
    global _changed
    if target.startswith(NOT_REMEMBERED) or not all(map(_plain, args)):
        return
    key = (target, scope, flt, args)
    with _lock:
        known = key in _recent
        _recent[key] = _clock()
        _recent.move_to_end(key)
        if known:
            return
        while len(_recent) > MAX_KEYS:
            _recent.popitem(last=False)
        _changed = True


def recent() -> list[Key]:
    """The keys asked for lately, most recently first."""
    since = _clock() - FORGET_AFTER_SECONDS
    with _lock:
        return [key for key, at in reversed(_recent.items()) if at >= since]


# --- on disk ------------------------------------------------------------------------------------


def keys_file(data_dir: DataDir) -> Path:
    return data_dir.root / "build" / "warm-keys.json"


def _encode(key: Key) -> dict:
    target, scope, flt, args = key
    return {"target": target, "scope": asdict(scope), "filters": asdict(flt), "args": list(args)}


def _plain(value: Any) -> bool:
    """What can be written down and read back as the same cache key."""
    return value is None or isinstance(value, str | int | float | bool)


def _decode(entry: dict) -> Key:
    scope = entry["scope"]
    centres = scope["centre_ids"]
    filters = dict(entry["filters"])
    if filters.get("years") is not None:
        filters["years"] = tuple(filters["years"])
    args = tuple(entry["args"])
    if not all(map(_plain, args)):
        raise ValueError("only plain values are remembered")
    return (
        str(entry["target"]),
        Scope(
            tuple(centres) if centres is not None else None,
            bool(scope["may_see_individuals"]),
            bool(scope["mask_small_counts"]),
        ),
        Filters(**filters),
        args,
    )


def save(data_dir: DataDir) -> None:
    """Write the remembered keys (oldest first), if they changed since the last write."""
    global _changed
    with _lock:
        if not _changed:
            return
        entries = [_encode(key) for key in _recent]
        _changed = False
    text = json.dumps(entries, ensure_ascii=False)
    path = keys_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def restore(data_dir: DataDir) -> int:
    """Remember the keys a previous server wrote down; a damaged file is ignored."""
    try:
        entries = json.loads(keys_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    restored = 0
    for entry in entries if isinstance(entries, list) else []:
        try:
            key = _decode(entry)
        except (KeyError, TypeError, ValueError):
            continue
        remember(*key)
        restored += 1
    return restored


# --- the warming thread -------------------------------------------------------------------------


def warm(version: str, replay: Replay, current: Callable[[], str | None]) -> int:
    """Replay every remembered load for `version`, most recent first; stop as soon as another
    version is served (the next round warms that one). Returns the number of loads replayed."""
    done = 0
    for target, scope, flt, args in recent():
        if current() != version:
            break
        try:
            replay(target, version, scope, flt, args)
            done += 1
        except Exception:  # noqa: BLE001 — the page shows its own error when opened
            log.warning("warming %s failed", target, exc_info=True)
    return done


class Warmer(threading.Thread):
    """Watches the served warehouse; replays the remembered loads for each new version."""

    def __init__(self, replay: Replay, data_dir: DataDir) -> None:
        super().__init__(name="parcours-warm", daemon=True)
        self.replay, self.data_dir = replay, data_dir
        self.stopped = threading.Event()

    def _replay(self, target: str, version: str, scope: Scope, flt: Filters, args: tuple):
        # The watched folder's file, whatever the process's environment says meanwhile.
        with warehouse.reading_from(self.data_dir.warehouse):
            return self.replay(target, version, scope, flt, args)

    def current(self) -> str | None:
        return warehouse.version(self.data_dir)

    def run(self) -> None:
        seen: str | None = None
        saved_at = time.monotonic()
        while not self.stopped.is_set():
            try:
                version = self.current()
                if version is not None and version != seen:
                    clock = time.monotonic()
                    done = warm(version, self._replay, self.current)
                    save(self.data_dir)
                    log.info("warmed %d loads in %.1f s", done, time.monotonic() - clock)
                    seen = version
                if time.monotonic() - saved_at > SAVE_SECONDS:
                    save(self.data_dir)
                    saved_at = time.monotonic()
            except Exception:  # noqa: BLE001 — the thread must outlive any one failure
                log.warning("warming round failed", exc_info=True)
            self.stopped.wait(POLL_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


@contextlib.contextmanager
def warming(replay: Replay) -> Iterator[Warmer]:
    """The served dashboard's warming (`serve.py`, from the server's start to its stop): the
    keys a previous server wrote down first, then the thread; the keys written down at the end
    for the next start."""
    data_dir = DataDir.from_env()
    restore(data_dir)
    warmer = Warmer(replay, data_dir)
    warmer.start()
    try:
        yield warmer
    finally:
        warmer.stopped.set()
        try:
            save(data_dir)
        except OSError:
            log.warning("warm keys not written", exc_info=True)
