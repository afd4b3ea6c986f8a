"""Issue 15, item 1, replayed on the demo warehouse: each federation (and the Interfédé) opens
Trajectoires for every cohort, and Freins levés; everything the page sends — tables as drawn,
captions, metrics, the data sets of its Vega-Lite charts — goes to `payload_attacker`, which
must find no masked count it can pin (the chronogram, the flow chart, the levels of a barrier
month by month, « Se situer »).

The demo (ten centres over three years, a few minutes) is built once and kept while the code is
unchanged (`warehouse_cache.demo_copy`); set PARCOURS_ATTACK_DEMO to a data folder where
`parcours demo` already ran to use that one instead."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from parcours import contract
from parcours.analytics import comparison
from parcours.store.datadir import PROJECT_ROOT
from tests.security import payload_attacker as pa

pytestmark = pytest.mark.slow

# The federations with centres in this demo (seed 1, ten centres); ALEAP has one (levels).
FEDERATIONS = ["ACFI", "ALEAP", "CAIPS", "Lire et Écrire Wallonie", "Interfédé"]


def cases(narrows: dict[str, object]) -> list:
    """Every federation, without and with a narrowing filter (ids « ACFI-tous »…). `make test`
    attacks ACFI's narrowed page, the smallest groups and so the most masks; the other
    federations and ACFI's whole page are for `make test-all` (`exhaustive`)."""
    narrowed = list(narrows)[-1]
    return [
        pytest.param(
            federation,
            narrow,
            id=f"{federation}-{name}",
            marks=() if (federation, name) == ("ACFI", narrowed) else pytest.mark.exhaustive,
        )
        for federation in FEDERATIONS
        for name, narrow in narrows.items()
    ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    reuse = os.environ.get("PARCOURS_ATTACK_DEMO")
    with pytest.MonkeyPatch.context() as patch:
        if reuse:
            patch.setenv("PARCOURS_DATA_DIR", reuse)
            yield Path(reuse)
            return
        from tests import warehouse_cache

        dest = tmp_path_factory.mktemp("attack-demo") / "data"
        root, summary = warehouse_cache.demo_copy(
            dest, centres=10, years=3, seed=1, until=date(2025, 12, 31)
        )
        assert summary["build_status"] == "success", summary["build_message"]
        patch.setenv("PARCOURS_DATA_DIR", str(root))
        yield root


def run(page: str, federation: str, narrow: dict | None = None):
    """The page as the federation's manager opens it; `narrow`: shared filters set before
    (a filière, an age band: smaller groups, more masks)."""
    from streamlit.testing.v1 import AppTest

    from parcours.dashboard.session import FILTERS_KEY
    from parcours.store.users import User
    from parcours.warehouse.reader import Filters

    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=180)
    at.session_state["user"] = User(f"{federation}@demo", "federation", None, federation)
    if narrow:
        at.session_state[FILTERS_KEY] = Filters(**narrow)
    at.run()
    assert not at.exception, at.exception
    return at


def chart_rows_with(at, *keys) -> list[dict]:
    return next((rows for rows in pa.chart_rows(at) if rows and set(keys) <= set(rows[0])), [])


def age_band(label: str) -> str:
    return next(c for c, lbl in contract.population_labels("age_band").items() if lbl == label)


def se_situer_figures(at) -> list[tuple[str, list[str], list[list[dict]]]]:
    """Each figure of the « Se situer » section, in page order: its title, its captions and
    the data sets of its charts."""
    from streamlit import dataframe_util

    figures, inside = [], False
    for element in at.main:
        kind = type(element).__name__
        value = getattr(element, "value", None)
        if kind == "Subheader":
            inside = str(value).startswith("Se situer")
        elif not inside:
            continue
        elif kind == "Markdown" and str(value).startswith("**"):
            figures.append((str(value).strip("*"), [], []))
        elif figures and kind == "Caption":
            figures[-1][1].append(value)
        elif figures and hasattr(element, "proto") and hasattr(element.proto, "spec"):
            spec = json.loads(element.proto.spec)
            rows = [list(r) for r in (spec.get("datasets") or {}).values()]
            for named in element.proto.datasets:
                frame = dataframe_util.convert_arrow_bytes_to_pandas_df(named.data.data)
                rows.append(frame.to_dict("records"))
            figures[-1][2].extend(rows)
    return figures


def spread_leaks(at) -> list[str]:
    """« Se situer » as drawn, figure by figure: the points of its chart, the count of centres
    not shown, the levels' counts under their metrics."""
    kinds = {f.label: (f.unit, f.statistic.kind) for f in comparison.FIGURES.values()}
    found = []
    for title, captions, datasets in se_situer_figures(at):
        unit, kind = kinds[title.split(" — ")[0]]
        levels = pa.levels_of(captions, unit)
        points = [row["value"] for rows in datasets for row in rows
                  if row.get("niveau") == "Un centre"]  # fmt: skip
        hidden = pa.hidden_of(captions)
        found += [f"{title}: {leak}" for leak in pa.nested_differences(levels)]
        if points or hidden:
            selection = levels[0] if levels else None
            reader = pa.spread(points, hidden, selection, share_kind=kind == "share")
            found += [f"{title}: {leak}" for leak in reader.leaks()]
    return found


def trajectoires_leaks(at) -> list[str]:
    found = []
    captions = pa.captions(at)
    # The sections are there to be attacked (a page that failed would leak nothing).
    assert not [e for e in at.main if type(e).__name__ == "Error"], "an error on the page"
    assert pa.table_with(at, pa.MONTH, pa.STATE, pa.TRAINEES, pa.OBSERVED) or any(
        "Pas de cohorte affichable" in str(getattr(e, "value", "")) for e in at.main
    )
    cohort = pa.cohort_of(captions)
    for table in pa.table_with(at, pa.MONTH, pa.STATE, pa.TRAINEES, pa.OBSERVED):
        chart = chart_rows_with(at, "month", "state", "share")
        found += pa.chronogram(table, chart, cohort).leaks()
    leavers = pa.leavers_of(captions)
    for table in pa.table_with(at, pa.FROM, pa.FROM_SITUATION, pa.TO, pa.TO_SITUATION):
        found += pa.flows(table, leavers, cohort).leaks()
    for table in pa.table_with(at, pa.MONTH, pa.LEVEL, pa.TRAINEES, pa.ASSESSED):
        found += pa.journey(table, cohort).leaks()
    found += spread_leaks(at)
    return found


def choose(at, key: str, value) -> None:
    """Pick an option through the session state (AppTest cannot pick one shown through a
    format function)."""
    at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize(
    ("federation", "narrow"), cases({"tous": None, "defi": {"filiere": "defi"}})
)
def test_trajectoires_gives_a_federation_no_masked_count(demo, federation, narrow):
    at = run("pages/trajectoires.py", federation, narrow)
    boxes = [s for s in at.selectbox if s.label == "Cohorte (année d'entrée)"]
    years = boxes[0].options if boxes else []
    barriers = list(contract.load().labels("barrier"))
    found = []
    for year in years:
        box = next(s for s in at.selectbox if s.label == "Cohorte (année d'entrée)")
        if str(box.value) != str(year):
            box.select_index(box.options.index(year)).run()
            assert not at.exception
        found += [f"{year} {leak}" for leak in trajectoires_leaks(at)]
        # One more barrier's level journeys (each a page run: the machine is shared).
        if any(s.key == "traj_barrier" for s in at.selectbox):
            choose(at, "traj_barrier", barriers[1])
            for table in pa.table_with(at, pa.MONTH, pa.LEVEL, pa.TRAINEES, pa.ASSESSED):
                found += [f"{year} {barriers[1]} {leak}" for leak in
                          pa.journey(table, pa.cohort_of(pa.captions(at))).leaks()]  # fmt: skip
    assert found == []


@pytest.mark.parametrize(("federation", "narrow"), cases({"tous": None, "25-34": "25 à 34 ans"}))
def test_se_situer_on_freins_gives_a_federation_no_hidden_centre(demo, federation, narrow):
    at = run("pages/freins.py", federation, narrow and {"age_band": age_band(narrow)})
    assert any(str(h.value).startswith("Se situer") for h in at.subheader)
    found = spread_leaks(at)
    keys = [s.key for s in at.selectbox if (s.key or "").startswith("benchmark_")]
    for code in list(contract.load().labels("barrier"))[1:3] if keys else []:
        for key in keys:
            at.session_state[key] = code
        at.run()
        assert not at.exception, at.exception
        found += [f"{code}: {leak}" for leak in spread_leaks(at)]
    assert found == []
