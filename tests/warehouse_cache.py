"""Shared test warehouses built once per run, not once per xdist worker (issue 17, item 6).

A data folder that takes a dbt build (the dashboard fixture, the worked example) is made by the
first worker that needs it, under a file lock, into a cache folder keyed by the fingerprint of
everything that decides its content: the dbt project, the export contract, the code that stores
uploads and builds, and the fixture's own inputs. Every other worker (and the next run, while
nothing of that changed) copies the cached folder into its own temporary folder: tests still
write to their copy freely, and never share one folder between processes.

The cache lives in the system's temporary folder (`PARCOURS_TEST_CACHE` to move it); deleting
it only costs one build.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from parcours.store.datadir import PROJECT_ROOT

# What a built test folder depends on besides the fixture's own inputs.
CODE_INPUTS = (
    PROJECT_ROOT / "transform",
    PROJECT_ROOT / "parcours" / "contract",
    PROJECT_ROOT / "parcours" / "core",
    PROJECT_ROOT / "parcours" / "store",
    PROJECT_ROOT / "parcours" / "upload",
    PROJECT_ROOT / "parcours" / "warehouse",
    PROJECT_ROOT / "parcours" / "cli",
)
SKIPPED_PARTS = {"target", "logs", "dbt_packages", "__pycache__", ".pytest_cache"}


def cache_root() -> Path:
    """One cache per checkout (several checkouts of different code may test at once)."""
    root = os.environ.get("PARCOURS_TEST_CACHE")
    checkout = hashlib.sha256(str(PROJECT_ROOT.resolve()).encode()).hexdigest()[:8]
    default = Path(tempfile.gettempdir()) / f"parcours-tests-{os.getuid()}-{checkout}"
    path = Path(root) if root else default
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint(inputs: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for base in [*CODE_INPUTS, *inputs]:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            if SKIPPED_PARTS & set(path.parts):
                continue
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


@contextmanager
def _locked(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_folder(name: str, inputs: Iterable[Path], make: Callable[[Path], None]) -> Path:
    """The cached folder `name` for these inputs, made by `make(root)` once (first caller, under
    a lock). Read it only through `copy_of`."""
    root = cache_root()
    ready = root / f"{name}-{fingerprint(inputs)}"
    with _locked(root / f"{name}.lock"):
        if not (ready / ".complete").exists():
            # Built in place (paths recorded by the build stay true); a folder left without its
            # `.complete` mark by a crashed run is built again. Older fingerprints go when a new
            # one is made (under the same lock, so never while a copy of them is being taken).
            for stale in root.glob(f"{name}-*"):
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            ready.mkdir(parents=True)
            make(ready / "data")
            (ready / ".complete").touch()
    return ready


def copy_of(name: str, inputs: Iterable[Path], make: Callable[[Path], None], dest: Path) -> Path:
    """A private copy at `dest` of the cached data folder `name` (made first if needed). The
    copy is taken under the cache's lock: a run with other code cannot replace the folder
    midway. dbt's partial-parse cache is dropped: it holds the paths of the folder it was parsed
    in."""
    ready = built_folder(name, inputs, make)
    with _locked(cache_root() / f"{name}.lock"):
        shutil.copytree(ready / "data", dest)
    for parsed in dest.glob("build/target/partial_parse.msgpack"):
        parsed.unlink()
    return dest
