"""Closed periods: what is published stays published (DESIGN.md).

Closing a year copies the served warehouse, as it stands, to `periods/<year>/` under the data
folder (read-only, one copy per closure) and records who closed it, when, and which build it
froze (`closed_periods` in the operational store; `period_closed` in the audit log). The year's
report then reads that copy — « chiffres arrêtés au JJ/MM/AAAA » — and lists beside it what the
current warehouse would revise (`revisions`). Reopening (`period_reopened`) ends the closure:
the report reads the served warehouse again; the copy and the closure's row stay, as the record
of what was published.

A copy of the whole warehouse rather than of the report's figures: any subject's report of the
year (the sector, each federation, each centre, or a centre registered later) comes out of it
exactly as it would have the day of the closure, through the same analytics code. At the
sector's scale it is about 120 MB per closed year.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from parcours.core import dates
from parcours.core.errors import ParcoursError
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse import reader

SCHEMA = """
create table if not exists closed_periods (
    id                integer primary key autoincrement,
    year              integer not null,
    closed_at         text not null,
    closed_by         text not null,
    build_id          text,           -- the build of the frozen warehouse
    build_started_at  text,           -- its registry snapshot: later uploads are revisions
    build_finished_at text,
    frozen_file       text not null,  -- relative to the data folder
    reopened_at       text,
    reopened_by       text
);
create unique index if not exists closed_periods_open on closed_periods(year)
    where reopened_at is null;
"""
ADMIN_ROLES = ("admin",)


@dataclass(frozen=True)
class ClosedPeriod:
    id: int
    year: int
    closed_at: str
    closed_by: str
    build_id: str | None
    build_started_at: str | None
    build_finished_at: str | None
    frozen_file: str
    reopened_at: str | None = None
    reopened_by: str | None = None

    @property
    def closed_on(self) -> date:
        return local(self.closed_at).date()

    def path(self, data_dir: DataDir) -> Path:
        return data_dir.root / self.frozen_file

    def to_dict(self) -> dict:
        return asdict(self)


def local(iso: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Brussels"))


@contextmanager
def connected(data_dir: DataDir) -> Iterator[sqlite3.Connection]:
    with opstore.connected(data_dir.ops_db) as conn:
        conn.executescript(SCHEMA)
        yield conn


def _row(row: sqlite3.Row | None) -> ClosedPeriod | None:
    return None if row is None else ClosedPeriod(**dict(row))


def check_admin(user) -> None:
    """Closing and reopening are admin actions (INTERFACES §4); the CLI runs as the operator."""
    if user is not None and user.role not in ADMIN_ROLES:
        raise ParcoursError("Arrêter ou rouvrir une année est réservé aux administrateurs.")


def get(data_dir: DataDir, year: int) -> ClosedPeriod | None:
    """The year's current closure, None when the year is open."""
    with connected(data_dir) as conn:
        return _row(
            conn.execute(
                "select * from closed_periods where year = ? and reopened_at is null", (year,)
            ).fetchone()
        )


def history(data_dir: DataDir) -> list[ClosedPeriod]:
    """Every closure, current and ended, latest year first."""
    with connected(data_dir) as conn:
        rows = conn.execute("select * from closed_periods order by year desc, id desc")
        return [ClosedPeriod(**dict(r)) for r in rows]


def served_build(conn: sqlite3.Connection) -> dict | None:
    """The build of the served warehouse: the latest successful one."""
    row = conn.execute(
        "select build_id, started_at, finished_at from builds where status = 'success' "
        "order by finished_at desc limit 1"
    ).fetchone()
    return dict(row) if row else None


def close(data_dir: DataDir, year: int, *, actor: str, user=None, today: date | None = None):
    """Freeze the year as the served warehouse has it. Refused for a year not over yet, a year
    already closed, or a year the warehouse holds no data for."""
    from parcours.publish import content, subjects
    from parcours.warehouse import build

    check_admin(user)
    today = today or dates.today()
    if year >= today.year:
        raise ParcoursError(
            f"L'année {year} n'est pas terminée : on n'arrête que les chiffres d'une année révolue."
        )
    if get(data_dir, year) is not None:
        raise ParcoursError(f"L'année {year} est déjà arrêtée (« parcours periods list »).")
    content.check_has_data(content.coverage(subjects.sector().scope, year), subjects.sector(), year)
    folder = data_dir.root / "periods" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    closed_at = opstore.now_iso()
    stamp = closed_at[:19].replace("-", "").replace(":", "")
    target = folder / f"warehouse-{stamp}.duckdb"
    # No build may swap the served file while it is copied and its build is named.
    with build.build_lock(data_dir, lambda _line: None):
        with connected(data_dir) as conn:
            served = served_build(conn) or {}
        tmp = folder / f".{target.name}.tmp{os.getpid()}"
        with open(reader.warehouse_path(data_dir), "rb") as source, open(tmp, "wb") as copy:
            shutil.copyfileobj(source, copy, 16 * 1024 * 1024)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    row = {
        "year": year,
        "closed_at": closed_at,
        "closed_by": actor,
        "build_id": served.get("build_id"),
        "build_started_at": served.get("started_at"),
        "build_finished_at": served.get("finished_at"),
        "frozen_file": str(target.relative_to(data_dir.root)),
    }
    with connected(data_dir) as conn, opstore.transaction(conn):
        try:
            cursor = conn.execute(
                "insert into closed_periods (year, closed_at, closed_by, build_id,"
                " build_started_at, build_finished_at, frozen_file) values (:year, :closed_at,"
                " :closed_by, :build_id, :build_started_at, :build_finished_at, :frozen_file)",
                row,
            )
        except sqlite3.IntegrityError:  # closed by someone else meanwhile
            target.unlink(missing_ok=True)
            raise ParcoursError(f"L'année {year} est déjà arrêtée.") from None
        opstore.audit(conn, actor, "period_closed", row)
    return ClosedPeriod(id=cursor.lastrowid, **row)


def reopen(data_dir: DataDir, year: int, *, actor: str, user=None) -> ClosedPeriod:
    """End the year's closure: its report reads the served warehouse again."""
    check_admin(user)
    with connected(data_dir) as conn, opstore.transaction(conn):
        period = _row(
            conn.execute(
                "select * from closed_periods where year = ? and reopened_at is null", (year,)
            ).fetchone()
        )
        if period is None:
            raise ParcoursError(f"L'année {year} n'est pas arrêtée : rien à rouvrir.")
        at = opstore.now_iso()
        conn.execute(
            "update closed_periods set reopened_at = ?, reopened_by = ? where id = ?",
            (at, actor, period.id),
        )
        opstore.audit(
            conn,
            actor,
            "period_reopened",
            {"year": year, "closed_at": period.closed_at, "frozen_file": period.frozen_file},
        )
    return ClosedPeriod(**{**period.to_dict(), "reopened_at": at, "reopened_by": actor})
