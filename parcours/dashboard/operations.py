"""What the pages read from the operational store (ops.sqlite), one function per question.

Each opens and closes its own connection to the data folder's store, so that no page holds a
connection or imports the store's SQLite module (tests/test_page_imports.py checks the pages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

import polars as pl

from parcours.analytics import quality
from parcours.publish import subjects
from parcours.store import opstore, registry
from parcours.store.datadir import DataDir
from parcours.warehouse import history

T = TypeVar("T")


def _read(read: Callable[[sqlite3.Connection], T], data_dir: DataDir | None = None) -> T:
    with opstore.connected((data_dir or DataDir.from_env()).ops_db) as conn:
        return read(conn)


def centre_names(centre_ids: list[str] | None = None) -> dict[str, str]:
    """centre_id → name of the registered centres (`centre_ids`: only those; None: all)."""
    allowed = None if centre_ids is None else set(centre_ids)
    return {
        c["centre_id"]: c["centre_name"]
        for c in _read(opstore.list_centres)
        if allowed is None or c["centre_id"] in allowed
    }


def last_uploads(centre_ids: list[str] | None) -> pl.DataFrame:
    """The latest active batch of each kind per centre (`registry.last_uploads`)."""
    return _read(lambda conn: registry.last_uploads(conn, centre_ids))


def waiting_quarantine(centre_ids: list[str] | None) -> pl.DataFrame:
    """Quarantined rows still waiting, per centre and kind (`registry.waiting_by_kind`)."""
    return _read(lambda conn: registry.waiting_by_kind(conn, centre_ids))


def build_warnings(scope, centre_id: str | None) -> pl.DataFrame:
    """The latest build's checks that did not pass, within the scope (`quality`)."""
    return _read(lambda conn: quality.load_build_warnings(scope, conn, centre_id))


def recent_builds(limit: int = 20) -> pl.DataFrame:
    """The last builds, newest first (`warehouse.history`)."""
    return _read(lambda conn: history.recent_builds(conn, limit=limit))


def build_tests(build_id: str) -> pl.DataFrame:
    """The dbt tests of one build (`warehouse.history`)."""
    return _read(lambda conn: history.build_tests(conn, build_id))


def report_subjects(user) -> list[subjects.Subject]:
    """The yearly reports this user may produce, their own first (`publish.subjects`)."""
    return _read(lambda conn: subjects.subjects_for(conn, user))
