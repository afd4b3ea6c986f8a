"""The dashboard server never runs a Python function on polars' thread pool (issue 17).

Many sessions use polars at once, each from its own thread; a `map_elements` task waits on the
pool for the GIL while another session's polars call holds the GIL waiting for the pool, and the
server stops answering (measured: `bench/bench_load.py`, 10 to 20 sessions). Python functions
over a frame's values go through `parcours.core.frames.each`, which never enters the pool.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from parcours.core import frames
from parcours.store.datadir import PROJECT_ROOT

UDFS = re.compile(r"\.(map_elements|map_batches|map_rows|map_groups)\(")


# Run elsewhere: the public site and the demo generator in their own commands; the upload
# parsing in the isolation child (`parcours.upload.isolation`), one file at a time.
ELSEWHERE = ("parcours/site/", "parcours/demo/", "parcours/upload/parsing.py")


def server_sources() -> list[Path]:
    """What the dashboard server process imports and runs."""
    files = [PROJECT_ROOT / "app.py", PROJECT_ROOT / "serve.py"]
    files += sorted((PROJECT_ROOT / "pages").glob("*.py"))
    for path in sorted((PROJECT_ROOT / "parcours").rglob("*.py")):
        if not path.relative_to(PROJECT_ROOT).as_posix().startswith(ELSEWHERE):
            files.append(path)
    return files


def test_no_code_the_server_runs_hands_a_python_function_to_polars():
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for path in server_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UDFS.search(line)
    ]
    assert found == []


MONTHS = [dt.date(2024, 1, 1), None, dt.date(2023, 12, 1)]


@pytest.mark.parametrize("skip_nulls", [True, False])
def test_each_gives_what_map_elements_gave(skip_nulls):
    frame = pl.DataFrame({"month": MONTHS, "n": [3, None, 12]})

    def label(d):
        return "—" if d is None else f"{d.month:02d}/{d.year}"

    expected = frame.select(
        pl.col("month").map_elements(label, return_dtype=pl.String, skip_nulls=skip_nulls)
    )["month"]
    assert frames.each(frame, "month", label, skip_nulls=skip_nulls).to_list() == (
        expected.to_list()
    )


def test_each_over_several_columns_sees_each_row_as_a_dict():
    frame = pl.DataFrame({"stage": ["exit", "entry"], "code": ["employment", None]})
    out = frames.each(frame, ("stage", "code"), lambda r: f"{r['stage']}:{r['code']}")
    assert out.to_list() == ["exit:employment", "entry:None"]
    assert out.dtype == pl.String and out.len() == frame.height
