"""Run `dbt build` then `dbt docs generate` in ONE child process (`python -m` this module).

`parcours build` never imports dbt itself: dbt keeps global state and holds DuckDB locks, so it runs
here, in a process of its own. Both commands share one dbt start-up and one parse (the manifest is
handed from one to the next), which saves several seconds per build. Logs go to stdout as dbt's
JSON lines; the parent turns them into progress lines.

Exit code: 0 when both commands succeeded, 1 when the build failed (docs are then skipped), 2 when
dbt could not even start (bad project, parse error).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

BUILD_RESULTS = "build_results.json"


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    docs = "--docs" in argv
    common = ["--log-format", "json"]
    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success or parsed.result is None:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    # Unit tests check the logic on fixed rows: the parent skips them once they passed for the
    # same project.
    unit = ["--exclude-resource-type", "unit_test"] if "--skip-unit-tests" in argv else []
    built = runner.invoke(["build", *unit, *common])
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    results = target / "run_results.json"
    if results.exists():
        # docs generate rewrites run_results.json: keep the build's results for the summary.
        shutil.copyfile(results, target / BUILD_RESULTS)
    if not built.success:
        return 1 if built.exception is None else 2
    if docs:
        generated = runner.invoke(["docs", "generate", "--no-compile", *common])
        if not generated.success:
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
