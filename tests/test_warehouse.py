"""Read-only warehouse access: the served file is swapped by the build and must be seen at once;
scope and filters are bound parameters, never SQL text."""

from __future__ import annotations

import os

import duckdb
import pytest

from parcours.store.datadir import DataDir
from parcours.store.users import User
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters, Scope, Where


def _write(path, rows):
    tmp = path.with_suffix(".new")
    con = duckdb.connect(str(tmp))
    con.execute("create table dim_centres (centre_id varchar, centre_name varchar, "
                "federation varchar, province varchar)")  # fmt: skip
    con.executemany("insert into dim_centres values (?, ?, ?, ?)", rows)
    con.close()
    os.replace(tmp, path)  # what `parcours build` does


@pytest.fixture
def served(tmp_path, monkeypatch) -> DataDir:
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "data"))
    data_dir = DataDir.from_env()
    data_dir.root.mkdir(parents=True)  # a build made the folder
    _write(data_dir.warehouse, [("C1", "Un", "ACFI", "Namur"), ("C2", "Deux", "AID", "Liège")])
    return data_dir


def test_a_swapped_warehouse_is_read_at_once(served):
    before = warehouse.version()
    assert warehouse.scalar("select count(*) from dim_centres") == 2
    _write(served.warehouse, [("C3", "Trois", "ALEAP", "Hainaut")])
    assert warehouse.version() != before
    assert warehouse.scalar("select list(centre_id) from dim_centres") == ["C3"]


def test_the_dashboard_cannot_write(served):
    with pytest.raises(duckdb.Error):
        warehouse.query("create table oops as select 1")


def test_no_warehouse_is_a_clear_french_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "empty"))
    assert warehouse.version() is None
    assert not warehouse.has_tables("dim_centres")
    with pytest.raises(warehouse.NoWarehouse, match="parcours build"):
        warehouse.query("select 1")


def test_scope_restricts_the_centres_read(served):
    fed = Scope.for_user(User("f@x.be", "federation", None, "ACFI"), ["C1"])
    assert warehouse.centres(fed)["centre_id"].to_list() == ["C1"]
    assert warehouse.centres(Scope.nothing()).is_empty()
    assert len(warehouse.centres(Scope(None, False, True))) == 2


def test_filters_are_bound_parameters_not_sql_text(served):
    hostile = Filters(centre_id="C1' or '1'='1", federation="x'); drop table dim_centres; --")
    where = Where.scoped(Scope(None, False, True), hostile, filiere=None)
    assert "C1'" not in where.sql and "drop" not in where.sql
    rows = warehouse.query(f"select * from dim_centres where {where.sql}", where.params)
    assert rows.is_empty()
    assert warehouse.scalar("select count(*) from dim_centres") == 2


@pytest.mark.parametrize(
    ("user", "centres", "individuals", "masked"),
    [
        (User("c@x.be", "centre", "C1"), ("C1",), True, False),
        (User("f@x.be", "federation", None, "ACFI"), ("C1",), False, True),
        (User("i@x.be", "federation", None, "Interfédé"), None, False, True),
        (User("a@x.be", "analyst"), None, False, True),
        (User("d@x.be", "admin"), None, True, False),
    ],
)
def test_scope_of_each_role(user, centres, individuals, masked):
    scope = Scope.for_user(user, ["C1"])
    assert (scope.centre_ids, scope.may_see_individuals, scope.mask_small_counts) == (
        centres,
        individuals,
        masked,
    )


def test_a_query_running_during_a_swap_finishes_on_the_old_file(served):
    running = warehouse.cursor()  # another session's query, started before the swap
    _write(served.warehouse, [("C3", "Trois", "ALEAP", "Hainaut")])
    assert warehouse.scalar("select count(*) from dim_centres") == 1
    assert running.sql("select count(*) from dim_centres").fetchall() == [(2,)]
    running.close()
