"""The operational store: one SQLite file in WAL mode, safe for the Streamlit server and CLI
commands writing at once (each write is a short transaction; readers never block writers)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
create table if not exists centres (
    centre_id   text primary key,
    centre_name text not null,
    federation  text not null,
    postal_code integer,
    created_at  text not null
);
create table if not exists batches (
    batch_id         text primary key,
    seq              integer not null unique,
    precedence       integer not null,
    centre_id        text not null references centres(centre_id),
    kind             text not null,
    file_name        text not null,
    sha256           text not null,
    received_at      text not null,
    received_by      text not null,
    rows_read        integer not null,
    rows_stored      integer not null,
    rows_quarantined integer not null,
    withdrawn_at     text,
    withdrawn_by     text,
    replay_of        text references batches(batch_id)
);
create index if not exists batches_centre_sha on batches(centre_id, sha256);
create table if not exists code_mappings (
    list        text not null,
    folded      text not null,
    value       text not null,
    code        text not null,
    added_at    text not null,
    added_by    text not null,
    primary key (list, folded)
);
create table if not exists quarantine (
    batch_id    text not null references batches(batch_id),
    row_number  integer not null,
    centre_id   text not null,
    kind        text not null,
    raw         text not null,     -- JSON: canonical column -> raw value (identifiers dropped,
                                   -- NISS already pseudonymised)
    errors      text not null,     -- JSON list of {row, column, value, message}
    resolved_by text,              -- batch_id of the replay batch that stored the row
    primary key (batch_id, row_number)
);
create index if not exists quarantine_waiting on quarantine(centre_id, resolved_by);
create table if not exists users (
    email         text primary key,
    password_hash text not null,
    role          text not null check (role in ('centre', 'federation', 'analyst', 'admin')),
    centre_id     text,
    federation    text,
    created_at    text not null
);
create table if not exists audit_log (
    id      integer primary key autoincrement,
    at      text not null,
    actor   text not null,
    action  text not null,
    detail  text
);
create table if not exists builds (
    build_id    text primary key,
    started_at  text not null,
    finished_at text,
    actor       text not null,
    status      text not null,     -- running | success | failed
    summary     text               -- JSON: models, tests (name, status, failures, severity)
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(path: Path) -> sqlite3.Connection:
    """Open the store (creating it if needed) with WAL and a generous busy timeout."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma busy_timeout=30000")
    conn.execute("pragma foreign_keys=on")
    conn.executescript(SCHEMA)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once (BEGIN IMMEDIATE), so concurrent writers queue
    instead of failing halfway."""
    conn.execute("begin immediate")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    else:
        conn.execute("commit")


def audit(conn: sqlite3.Connection, actor: str, action: str, detail: dict | None = None) -> None:
    conn.execute(
        "insert into audit_log(at, actor, action, detail) values (?, ?, ?, ?)",
        (now_iso(), actor, action, json.dumps(detail, ensure_ascii=False) if detail else None),
    )
