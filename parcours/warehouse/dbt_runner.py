"""Run `dbt build` then `dbt docs generate` in ONE child process (`python -m` this module).

`parcours build` never imports dbt itself: dbt keeps global state and holds DuckDB locks, so it runs
here, in a process of its own. Both commands share one dbt start-up and one parse (the manifest is
handed from one to the next), which saves several seconds per build. Logs go to stdout as dbt's
JSON lines; the parent turns them into progress lines.

It dies with its parent: first thing, it asks the kernel for SIGKILL when the parent goes
(prctl PR_SET_PDEATHSIG, by ctypes: this file runs by path and imports nothing of parcours), and
exits at once if the parent is already gone. The parent runs it in a process group of its own.

Exit code: 0 when both commands succeeded, 1 when the build failed (docs are then skipped), 2 when
dbt could not even start (bad project, parse error).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

BUILD_RESULTS = "build_results.json"


def die_with_parent() -> None:
    """SIGKILL this process when the build's parent dies (Linux); exit if it already has."""
    import ctypes
    import ctypes.util
    import signal

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = os.environ.get("PARCOURS_BUILD_PARENT")
    if parent and parent.isdigit() and os.getppid() != int(parent):
        os._exit(3)


def phase(name: str, since: float) -> None:
    """Where a build's time goes (dbt's start and parse, the build, the docs), for the parent's
    summary and the benchmark."""
    print(json.dumps({"parcours_phase": name, "seconds": round(time.monotonic() - since, 2)}))


def steps(manifest, skip_unit: bool) -> int:
    """The nodes `dbt build` reports a result for: seeds, snapshots, tests, models that are not
    ephemeral (those are inlined), and the unit tests unless skipped."""
    count = 0
    for node in manifest.nodes.values():
        kind = str(node.resource_type)
        materialized = getattr(node.config, "materialized", None)
        if kind.endswith(("seed", "snapshot", "test")) or (
            kind.endswith("model") and materialized != "ephemeral"
        ):
            count += 1
    if not skip_unit:
        count += len(getattr(manifest, "unit_tests", {}) or {})
    return count


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    docs = "--docs" in argv
    common = ["--log-format", "json"]
    clock = time.monotonic()
    parsed = dbtRunner().invoke(["parse", *common])
    phase("start_and_parse", clock)
    if not parsed.success or parsed.result is None:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    # Unit tests check the logic on fixed rows: the parent skips them once they passed for the
    # same project.
    skip_unit = "--skip-unit-tests" in argv
    unit = ["--exclude-resource-type", "unit_test"] if skip_unit else []
    # The number of steps the build will report, for a progress that ends at 100 %.
    print(json.dumps({"parcours_total": steps(parsed.result, skip_unit)}), flush=True)
    clock = time.monotonic()
    built = runner.invoke(["build", *unit, *common])
    phase("build", clock)
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    results = target / "run_results.json"
    if results.exists():
        # docs generate rewrites run_results.json: keep the build's results for the summary.
        shutil.copyfile(results, target / BUILD_RESULTS)
    if not built.success:
        return 1 if built.exception is None else 2
    if docs:
        clock = time.monotonic()
        generated = runner.invoke(["docs", "generate", "--no-compile", *common])
        phase("docs", clock)
        if not generated.success:
            return 2
    return 0


if __name__ == "__main__":
    die_with_parent()
    sys.exit(main(sys.argv[1:]))
