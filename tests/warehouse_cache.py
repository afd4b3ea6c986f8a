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
import json
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


def built_folder(
    name: str, inputs: Iterable[Path], make: Callable[[Path], None], *, unit_tests: bool = False
) -> Path:
    """The cached folder `name` for these inputs, made by `make(root)` once (first caller, under
    a lock). Read it only through `copy_of`. `unit_tests`: its first build runs dbt's unit tests
    even when they already passed for this project in another folder."""
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
            if not unit_tests:
                _unit_tests_known_to_pass(ready / "data")
            make(ready / "data")
            _remember_unit_tests(ready / "data")
            (ready / ".complete").touch()
    return ready


# dbt's unit tests check the models' logic on fixed rows, whatever the data: once they passed
# for this project in one test folder, the other test folders' first builds skip them, as a
# rebuild does in production (`build.unit_tests_up_to_date`). They still run in every suite run:
# in the first folder made, and in test_cli_build's rebuild after a project change.
UNIT_TESTS_PASSED = "dbt-unit-tests-passed-for.txt"


def _unit_tests_known_to_pass(root: Path) -> None:
    from parcours.store.datadir import DataDir
    from parcours.warehouse import build

    known = cache_root() / UNIT_TESTS_PASSED
    project = build.project_fingerprint()
    if known.exists() and known.read_text(encoding="utf-8") == project:
        marker = build._unit_tests_marker(DataDir(root))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(project, encoding="utf-8")


def _remember_unit_tests(root: Path) -> None:
    from parcours.store.datadir import DataDir
    from parcours.warehouse import build

    if build.unit_tests_up_to_date(DataDir(root)):
        known = cache_root() / UNIT_TESTS_PASSED
        tmp = known.with_name(f".{known.name}.{os.getpid()}")
        tmp.write_text(build.project_fingerprint(), encoding="utf-8")
        os.replace(tmp, known)


def copy_of(
    name: str,
    inputs: Iterable[Path],
    make: Callable[[Path], None],
    dest: Path,
    *,
    unit_tests: bool = False,
    keep_parse: bool = False,
) -> Path:
    """A private copy at `dest` of the cached data folder `name` (made first if needed). The
    copy is taken under the cache's lock: a run with other code cannot replace the folder
    midway. dbt's partial-parse cache is dropped (it holds the paths of the folder it was parsed
    in), unless `keep_parse` (for a test of what a build makes of it)."""
    ready = built_folder(name, inputs, make, unit_tests=unit_tests)
    with _locked(cache_root() / f"{name}.lock"):
        # `dest` may exist: a folder being made holds dbt's unit-test marker before its make.
        shutil.copytree(ready / "data", dest, dirs_exist_ok=True)
    if not keep_parse:
        for parsed in dest.glob("build/target/partial_parse.msgpack"):
            parsed.unlink()
    return dest


RECORD = "record.json"


def copy_with_record(
    name: str, inputs: Iterable[Path], make: Callable[[Path], dict], dest: Path
) -> tuple[Path, dict]:
    """`copy_of` for a folder whose making says something the tests check (a build's exit code
    and output, a demo's summary): `make(root)` returns it as JSON-able data, kept beside the
    cached folder and handed back with every copy."""

    def made(root: Path) -> None:
        record = make(root)
        (root.parent / RECORD).write_text(json.dumps(record, ensure_ascii=False), "utf-8")

    root = copy_of(name, inputs, made, dest)
    with _locked(cache_root() / f"{name}.lock"):
        record = json.loads((built_folder_path(name, inputs) / RECORD).read_text("utf-8"))
    return root, record


def built_folder_path(name: str, inputs: Iterable[Path]) -> Path:
    """Where `built_folder` keeps `name` for these inputs (made or not)."""
    return cache_root() / f"{name}-{fingerprint(inputs)}"


DEMO_CODE = PROJECT_ROOT / "parcours" / "demo"


def demo_copy(
    dest: Path, *, centres: int, years: int, seed: int, until, inputs: Iterable[Path] = ()
) -> tuple[Path, dict]:
    """A copy at `dest` of the demo data folder `parcours demo` makes with these settings, made
    once while the code is unchanged; the record holds the demo's `build_status` and
    `build_message`. Several test files asking for the same settings share one build."""
    from parcours.store.datadir import DataDir

    def make(root: Path) -> dict:
        from parcours.demo.run import DEMO_ACTOR, run_demo
        from parcours.warehouse import build

        # The demo's own build writes dbt's docs too; no test of a cached demo reads them
        # (`parcours demo` itself is tested in test_demo.py).
        run_demo(DataDir(root), centres=centres, years=years, seed=seed, until=until, build=False)
        result = build.build(DataDir(root), actor=DEMO_ACTOR, docs=False)
        return {"build_status": result.status, "build_message": result.message}

    name = f"demo-{centres}x{years}-seed{seed}-{until}"
    return copy_with_record(name, [DEMO_CODE, *inputs], make, dest)
