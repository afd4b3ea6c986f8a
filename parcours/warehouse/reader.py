"""Read-only access to the served warehouse, and the access scope every query goes through.

- The dashboard never writes the warehouse: it attaches `DataDir.warehouse` read-only (see
  `_open`). `parcours build` swaps a new file in by atomic rename, so the open connection is
  keyed on the file's (inode, mtime): a new file → a new connection (queries already running
  finish on the old file, which the OS keeps until they let go).
- `version()` names the served file; the UI caches query results by (version, filters, scope),
  so a new build is seen at once and nothing stale is served.
- Scope is enforced here, where data is read (INTERFACES §4): every query function takes a
  `Scope` and a `Filters` and restricts `centre_id` with a bound list parameter. Filters are bound
  parameters too; SQL text is only ever written by this package, never from user text.

Topic modules (`indicators`, `barriers`, `partnerships`, `outcomes`) hold the page queries;
they build their WHERE clauses with `Where.scoped`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from parcours.contract import POPULATION
from parcours.core.errors import ParcoursError
from parcours.store.datadir import DataDir
from parcours.store.opstore import INTERFEDE


class NoWarehouse(ParcoursError):
    """There is no served warehouse yet (nothing built)."""


class UserLike(Protocol):
    email: str
    role: str
    centre_id: str | None
    federation: str | None


# --- scope and filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one user may read. Hashable: it is part of every cache key.

    centre_ids: the centres whose rows may be read (`None` = every centre).
    may_see_individuals: individual paths (one trainee's records) may be shown.
    mask_small_counts: counts under 5 are masked (see `parcours.analytics.masking`).
    """

    centre_ids: tuple[str, ...] | None
    may_see_individuals: bool
    mask_small_counts: bool

    @classmethod
    def for_user(cls, user: UserLike, federation_centres: Iterable[str] = ()) -> Scope:
        """The scope of a user's role (INTERFACES §4). `federation_centres`: the centres of the
        user's federation, for the `federation` role (ignored for « Interfédé »: all)."""
        if user.role == "centre":
            if not user.centre_id:
                return cls.nothing()
            return cls((user.centre_id,), may_see_individuals=True, mask_small_counts=False)
        if user.role == "federation":
            if user.federation == INTERFEDE:
                return cls(None, may_see_individuals=False, mask_small_counts=True)
            return cls(tuple(sorted(federation_centres)), False, True)
        if user.role == "analyst":
            return cls(None, may_see_individuals=False, mask_small_counts=True)
        if user.role == "admin":
            return cls(None, may_see_individuals=True, mask_small_counts=False)
        return cls.nothing()

    @classmethod
    def nothing(cls) -> Scope:
        return cls((), may_see_individuals=False, mask_small_counts=True)

    @property
    def sees_all(self) -> bool:
        return self.centre_ids is None


@dataclass(frozen=True)
class Filters:
    """The shared filters of the analytical pages (None = no restriction). Hashable."""

    years: tuple[int, int] | None = None
    federation: str | None = None
    centre_id: str | None = None
    province: str | None = None
    filiere: str | None = None
    # The population (`parcours.contract.POPULATION`, codes of dim_participant_population).
    age_band: str | None = None
    gender: str | None = None
    education: str | None = None
    status_at_entry: str | None = None

    def with_years(self, years: tuple[int, int] | None) -> Filters:
        return dataclasses.replace(self, years=years)

    @property
    def population(self) -> dict[str, str]:
        """The population filters chosen: dimension → code (empty: everyone)."""
        chosen = {d: getattr(self, d) for d in POPULATION_DIMENSIONS}
        return {d: code for d, code in chosen.items() if code is not None}

    def without_population(self) -> Filters:
        return dataclasses.replace(self, **dict.fromkeys(POPULATION_DIMENSIONS))


POPULATION_DIMENSIONS: tuple[str, ...] = tuple(POPULATION)


@dataclass
class Where:
    """A WHERE clause written by this package, with its bound (named) parameters."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> Where:
        self.clauses.append(clause)
        self.params.update(params)
        return self

    @property
    def sql(self) -> str:
        return " and ".join(f"({c})" for c in self.clauses) or "true"

    @classmethod
    def scoped(
        cls,
        scope: Scope,
        filters: Filters,
        *,
        centre: str = "centre_id",
        filiere: str | None = "filiere",
        date: str | None = None,
        year: str | None = None,
        use_years: bool = True,
        participant: str | None = None,
        population_columns: str | None = None,
        use_population: bool = True,
    ) -> Where:
        """Scope + shared filters on a table's columns.

        centre / filiere: the columns holding them (filiere None: the table has none).
        date: a DATE column restricted to the selected years; year: an integer year column.
        The population filters (age band, gender, education, status at entry) need one of:
        participant: the participant_id column paired with `centre` (the trainee is looked up in
        dim_participant_population, the one definition); population_columns: the table carries
        the population columns itself (the aggregates built with population_columns), with
        this prefix ("" or an alias and a dot). A population filter on a query that gives
        neither is an error, never silently ignored; use_population=False says the query counts
        no trainees (centres' coverage).
        """
        where = cls()
        if scope.centre_ids is not None:
            where.add(f"{centre} in (select unnest($scope_centres::varchar[]))")
            where.params["scope_centres"] = list(scope.centre_ids)
        if filters.centre_id:
            where.add(f"{centre} = $f_centre", f_centre=filters.centre_id)
        if filters.federation:
            where.add(
                f"{centre} in (select centre_id from dim_centres where federation = $f_fed)",
                f_fed=filters.federation,
            )
        if filters.province:
            where.add(
                f"{centre} in (select centre_id from dim_centres where province = $f_prov)",
                f_prov=filters.province,
            )
        if filters.filiere and filiere:
            where.add(f"{filiere} = $f_filiere", f_filiere=filters.filiere)
        population = filters.population if use_population else {}
        if population and population_columns is not None:
            for dimension, code in population.items():
                where.add(
                    f"{population_columns}{dimension} = $f_{dimension}", **{f"f_{dimension}": code}
                )
        elif population and participant is not None:
            chosen = " and ".join(f"{d} = $f_{d}" for d in population)
            where.add(
                f"({centre}, {participant}) in (select centre_id, participant_id "
                f"from dim_participant_population where {chosen})",
                **{f"f_{d}": code for d, code in population.items()},
            )
        elif population:
            raise ValueError("this query cannot apply the population filters")
        if use_years and filters.years:
            y0, y1 = filters.years
            if date:
                where.add(f"year({date}) between $y0 and $y1", y0=y0, y1=y1)
            elif year:
                where.add(f"{year} between $y0 and $y1", y0=y0, y1=y1)
        return where


# --- connection -----------------------------------------------------------------------------

_lock = threading.Lock()
_connections: dict[Path, tuple[tuple[int, int], duckdb.DuckDBPyConnection]] = {}


_reading: contextvars.ContextVar[Path | None] = contextvars.ContextVar("reading", default=None)


@contextlib.contextmanager
def reading_from(path: Path) -> Iterator[None]:
    """Within this block (this thread only), every query reads `path` instead of the served
    warehouse: a closed year's frozen copy (`parcours.publish.periods`), read-only like it."""
    token = _reading.set(Path(path))
    try:
        yield
    finally:
        _reading.reset(token)


def warehouse_path(data_dir: DataDir | None = None) -> Path:
    frozen = _reading.get()
    if frozen is not None:
        return frozen
    return (data_dir or DataDir.from_env()).warehouse


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def version(data_dir: DataDir | None = None) -> str | None:
    """The served warehouse's identity (changes with every build), None if there is none."""
    path = warehouse_path(data_dir)
    key = _file_key(path)
    return None if key is None else f"{path}:{key[0]}:{key[1]}"


def cursor(data_dir: DataDir | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor on the served warehouse (one per query: cursors are safe across the Streamlit
    server's threads, a shared connection is not)."""
    path = warehouse_path(data_dir)
    key = _file_key(path)
    if key is None:
        raise NoWarehouse(
            "Aucun entrepôt de données n'est encore construit : téléversez des exports, "
            "puis lancez une construction (« parcours build »)."
        )
    with _lock:
        held = _connections.get(path)
        if held is None or held[0] != key:
            _connections[path] = (key, _open(path))
        cur = _connections[path][1].cursor()
    cur.execute("use wh")
    return cur


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory database with the served file attached read-only as `wh`.

    Not `duckdb.connect(path, read_only=True)`: DuckDB keeps one instance per path while any
    connection to it is open, so after a swap it would hand back the replaced file; closing
    that connection would also kill the queries other sessions are running on it. Each version
    gets its own instance instead; the old one goes when its last cursor does."""
    con = duckdb.connect(":memory:")
    con.execute("attach ? as wh (read_only)", [str(path)])
    return con


def query(sql: str, params: dict[str, Any] | None = None, data_dir: DataDir | None = None):
    """Run a query written by this package with bound parameters → polars frame."""
    cur = cursor(data_dir)
    try:
        return cur.sql(sql, params=params or {}).pl()
    finally:
        cur.close()


def scalar(sql: str, params: dict[str, Any] | None = None, data_dir: DataDir | None = None):
    cur = cursor(data_dir)
    try:
        rows = cur.sql(sql, params=params or {}).fetchall()
        return rows[0][0] if rows else None
    finally:
        cur.close()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse behind `con` has this table (a warehouse built by an older
    project may lack a newer mart)."""
    found = con.sql(
        "select count(*) from information_schema.tables where table_name = $name",
        params={"name": name},
    ).fetchall()
    return bool(found and found[0][0])


def has_tables(*names: str, data_dir: DataDir | None = None) -> bool:
    """Whether the served warehouse has these tables (False when there is no warehouse)."""
    if version(data_dir) is None:
        return False
    found = query(
        "select table_name from information_schema.tables where table_name in "
        "(select unnest($names::varchar[]))",
        {"names": list(names)},
        data_dir,
    )
    return found.height == len(set(names))


# --- shared look-ups ------------------------------------------------------------------------


def centres(scope: Scope, data_dir: DataDir | None = None) -> pl.DataFrame:
    """The centres this scope may read: centre_id, centre_name, federation, province."""
    where = Where.scoped(scope, Filters(), filiere=None)
    return query(
        f"select centre_id, centre_name, federation, province from dim_centres "
        f"where {where.sql} order by centre_name, centre_id",
        where.params,
        data_dir,
    )


def filter_options(scope: Scope, data_dir: DataDir | None = None) -> dict[str, Any]:
    """Values offered by the shared filters, restricted to the scope.

    years, federations, provinces, filieres: every value of the scope; centres: (centre_id,
    centre_name) pairs; centre_details: one dict per centre (centre_id, centre_name, federation,
    province, filieres: the filières its trainees follow), so that the centre and filière lists
    can follow the federation and province chosen (`narrowed`)."""
    c = centres(scope, data_dir)
    where = Where.scoped(scope, Filters())
    years = query(
        f"select min(entry_year) as y0, max(greatest(entry_year, year(coalesce(exit_date, "
        f"entry_date)))) as y1 from dim_participants where {where.sql}",
        where.params,
        data_dir,
    )
    filieres = query(
        f"select distinct centre_id, filiere from dim_participants where {where.sql} "
        "and filiere is not null order by filiere",
        where.params,
        data_dir,
    )
    by_centre: dict[str, list[str]] = {}
    for centre_id, filiere in filieres.iter_rows():
        by_centre.setdefault(centre_id, []).append(filiere)
    y0, y1 = (years["y0"][0], years["y1"][0]) if years.height else (None, None)
    return {
        "years": [] if y0 is None else list(range(int(y0), int(y1) + 1)),
        "federations": sorted(set(c["federation"].drop_nulls())),
        "centres": list(zip(c["centre_id"], c["centre_name"], strict=True)),
        "provinces": sorted(set(c["province"].drop_nulls())),
        "filieres": sorted(set(filieres["filiere"])),
        "centre_details": [
            {**row, "filieres": by_centre.get(row["centre_id"], [])}
            for row in c.iter_rows(named=True)
        ],
    }


def narrowed(
    options: dict[str, Any], federation: str | None = None, province: str | None = None
) -> dict[str, list]:
    """The filter values left once a federation and/or a province is chosen: the provinces of
    the federation's centres, the centres of both, the filières those centres run."""
    details = options.get("centre_details") or [
        {"centre_id": i, "centre_name": n, "federation": None, "province": None, "filieres": []}
        for i, n in options["centres"]
    ]
    in_federation = [d for d in details if federation is None or d["federation"] == federation]
    chosen = [d for d in in_federation if province is None or d["province"] == province]
    filieres = {f for d in chosen for f in d["filieres"]}
    return {
        "provinces": sorted({d["province"] for d in in_federation if d["province"]}),
        "centres": [(d["centre_id"], d["centre_name"]) for d in chosen],
        "filieres": [f for f in options["filieres"] if f in filieres]
        if options.get("centre_details")
        else list(options["filieres"]),
    }
