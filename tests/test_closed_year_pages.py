"""A closed year on the dashboard: its pages show the figures as published (the frozen copy made
at the closure), marked « chiffres arrêtés au … », whatever the served warehouse holds since;
a period that is not one closed year reads the served warehouse."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from parcours.publish import periods
from parcours.store.datadir import DataDir
from tests.conftest import app_as
from tests.page_helpers import metrics

# Slow (a closure and its rebuild): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def closed(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("closed") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    data_dir = DataDir(root)
    periods.close(data_dir, 2024, actor="test", today=date(2025, 2, 1))
    # After the closure the served warehouse changes (as a rebuild after uploads would):
    # CISP-NAM's trainees are gone from it.
    with duckdb.connect(str(data_dir.warehouse)) as conn:
        conn.execute("delete from dim_participants where centre_id = 'CISP-NAM'")
    return data_dir


@pytest.fixture(autouse=True)
def _served(closed, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(closed.root))


def in_training(at) -> str:
    return metrics(at)["Stagiaires en formation"]


def test_a_closed_year_shows_its_published_figures(closed):
    at = app_as("admin@parcours.be", "pages/accueil.py")
    assert not at.exception
    assert at.selectbox(key="flt_y0").value == 2024 == at.selectbox(key="flt_y1").value
    notes = [i.value.replace("\u00a0", " ") for i in at.info]
    assert any(n.startswith("Chiffres arrêtés au ") and "2024 est clôturée" in n for n in notes)
    assert in_training(at) == "15"  # as closed (tests/fixtures/dashboard/README.md)


def test_a_period_that_is_not_one_closed_year_reads_the_served_warehouse(closed):
    with duckdb.connect(str(closed.warehouse), read_only=True) as conn:
        (served,) = conn.execute(
            "select count(*) from dim_participants where entry_date <= date '2024-12-31' "
            "and (exit_date is null or exit_date >= date '2023-01-01')"
        ).fetchone()
    at = app_as("admin@parcours.be", "pages/accueil.py")
    at.selectbox(key="flt_y0").set_value(2023).run()
    assert not at.exception
    assert not [i for i in at.info if "arrêtés" in i.value]
    assert in_training(at) == str(served)  # NAM's trainees are gone from the served warehouse
