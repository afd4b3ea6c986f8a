"""The operational store: one SQLite file in WAL mode, safe for the Streamlit server and CLI
commands writing at once (each write is a short transaction; readers never block writers)."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from parcours.core.errors import ParcoursError

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
    replay_of        text references batches(batch_id),
    is_complete      integer not null default 0  -- 1: a complete export of its kind (§5 v1.1)
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
    status      text not null,     -- running | success | failed | interrupted
    summary     text               -- JSON: models, tests (name, status, failures, severity);
                                   -- owner {pid, host, pid_started} from the start
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(path: Path) -> sqlite3.Connection:
    """Open the store (creating it and its folder if needed) with WAL and a generous busy
    timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma busy_timeout=30000")
    conn.execute("pragma foreign_keys=on")
    conn.executescript(SCHEMA)
    _upgrade(conn)
    return conn


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a store created by an earlier version up to SCHEMA (columns added since)."""
    columns = {row["name"] for row in conn.execute("pragma table_info(batches)")}
    if "is_complete" not in columns:
        try:
            conn.execute("alter table batches add column is_complete integer not null default 0")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):  # another process upgraded it first
                raise


def connect_snapshot(path: Path) -> sqlite3.Connection:
    """A read-only view of the store's main file that needs no write at all (SQLite's
    `immutable` mode: no WAL index to create). For reading when the disk is full; it does not
    see what a WAL not yet checkpointed holds, so it is a last resort only."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


@contextmanager
def connected(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for one piece of work, closed afterwards (sqlite3's own context manager
    only ends the transaction)."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


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


# --- federations -----------------------------------------------------------------------------
# The five member federations of the Interfédé (DESIGN.md); the Interfédé itself is not a
# centre's federation, but a federation user may belong to it (and then sees every centre).
FEDERATIONS = ("ACFI", "AID", "ALEAP", "CAIPS", "Lire et Écrire Wallonie")
INTERFEDE = "Interfédé"


def canonical_federation(text: str | None, *, allow_interfede: bool = False) -> str:
    """The canonical spelling of a federation typed in any case, with or without accents."""
    # Imported here: contract loads YAML, which the store itself does not need.
    from parcours.contract import fold

    allowed = (*FEDERATIONS, INTERFEDE) if allow_interfede else FEDERATIONS
    by_folded = {fold(name): name for name in allowed}
    found = by_folded.get(fold(text or ""))
    if found is None:
        raise ParcoursError(
            f"Fédération inconnue : « {text or ''} ». Valeurs acceptées : "
            + ", ".join(allowed)
            + "."
        )
    return found


# --- centres ---------------------------------------------------------------------------------


def add_centre(
    conn: sqlite3.Connection,
    centre_id: str,
    name: str,
    federation: str,
    postal_code: int | str | None = None,
    *,
    actor: str,
) -> dict:
    """Register a centre; the uploads are checked against this registry."""
    centre_id = (centre_id or "").strip()
    name = (name or "").strip()
    if not centre_id:
        raise ParcoursError("L'identifiant du centre est vide.")
    if not name:
        raise ParcoursError("Le nom du centre est vide.")
    federation = canonical_federation(federation)
    if postal_code is not None and str(postal_code).strip() != "":
        text = str(postal_code).strip()
        if not text.isdigit() or not 1000 <= int(text) <= 9999:
            raise ParcoursError(
                f"Code postal invalide : « {text} » (un code postal belge, de 1000 à 9999)."
            )
        postal_code = int(text)
    else:
        postal_code = None
    row = {
        "centre_id": centre_id,
        "centre_name": name,
        "federation": federation,
        "postal_code": postal_code,
        "created_at": now_iso(),
    }
    with transaction(conn):
        if get_centre(conn, centre_id) is not None:
            raise ParcoursError(f"Le centre « {centre_id} » existe déjà.")
        conn.execute(
            "insert into centres values (:centre_id, :centre_name, :federation, :postal_code,"
            " :created_at)",
            row,
        )
        audit(conn, actor, "centre_added", row)
    return row


def get_centre(conn: sqlite3.Connection, centre_id: str) -> dict | None:
    row = conn.execute("select * from centres where centre_id = ?", (centre_id,)).fetchone()
    return dict(row) if row else None


def list_centres(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("select * from centres order by centre_id")]


# --- batches ---------------------------------------------------------------------------------


def new_batch_id() -> str:
    """Sortable by time of receipt, unique thanks to the random tail."""
    return f"b{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def insert_batch(conn: sqlite3.Connection, batch: dict) -> dict:
    """Insert a batch row. Call inside `transaction`: `seq` is the next number, taken under
    the write lock so two uploads at once never get the same one."""
    seq = conn.execute("select coalesce(max(seq), 0) + 1 from batches").fetchone()[0]
    row = {
        "withdrawn_at": None,
        "withdrawn_by": None,
        "replay_of": None,
        "precedence": None,
        "is_complete": False,
        **batch,
        "seq": seq,
    }
    if row["precedence"] is None:
        row["precedence"] = seq
    conn.execute(
        "insert into batches (batch_id, seq, precedence, centre_id, kind, file_name, sha256,"
        " received_at, received_by, rows_read, rows_stored, rows_quarantined, withdrawn_at,"
        " withdrawn_by, replay_of, is_complete) values (:batch_id, :seq, :precedence,"
        " :centre_id, :kind, :file_name, :sha256, :received_at, :received_by, :rows_read,"
        " :rows_stored, :rows_quarantined, :withdrawn_at, :withdrawn_by, :replay_of,"
        " :is_complete)",
        row,
    )
    return row


def find_upload(conn: sqlite3.Connection, centre_id: str, sha256: str) -> dict | None:
    """The active upload of these exact bytes for this centre, if any. A withdrawn upload does
    not count: sending the same file again after a withdrawal stores it anew."""
    row = conn.execute(
        "select * from batches where centre_id = ? and sha256 = ? and replay_of is null"
        " and withdrawn_at is null order by seq limit 1",
        (centre_id, sha256),
    ).fetchone()
    return dict(row) if row else None


def get_batch(conn: sqlite3.Connection, batch_id: str) -> dict | None:
    row = conn.execute("select * from batches where batch_id = ?", (batch_id,)).fetchone()
    return dict(row) if row else None


def list_batches(conn: sqlite3.Connection, centre_id: str | None = None) -> list[dict]:
    if centre_id is None:
        rows = conn.execute("select * from batches order by seq")
    else:
        rows = conn.execute("select * from batches where centre_id = ? order by seq", (centre_id,))
    return [dict(r) for r in rows]


def counting_batch_ids(conn: sqlite3.Connection, centre_id: str, kind: str) -> list[str]:
    """The active batches of a centre and kind whose records count (EXPORT_FORMAT §5 v1.1): all
    of them, or, after a complete export, that export and what came after it (by precedence, so
    a later replay of an earlier upload does not bring superseded rows back). The warehouse
    applies the same rule in dbt (`int_<kind>_latest`)."""
    rows = conn.execute(
        """
        select batch_id from batches
        where centre_id = ? and kind = ? and withdrawn_at is null
          and precedence >= coalesce((
              select max(precedence) from batches
              where centre_id = ? and kind = ? and withdrawn_at is null and is_complete = 1
          ), 0)
        order by seq
        """,
        (centre_id, kind, centre_id, kind),
    )
    return [row[0] for row in rows]


def withdraw_batch(conn: sqlite3.Connection, batch_id: str, *, actor: str) -> list[str]:
    """Withdraw a batch and the replay batches made from it; return the withdrawn ids."""
    with transaction(conn):
        batch = get_batch(conn, batch_id)
        if batch is None:
            raise ParcoursError(f"Lot inconnu : « {batch_id} ».")
        if batch["withdrawn_at"] is not None:
            raise ParcoursError(f"Le lot « {batch_id} » est déjà retiré.")
        at = now_iso()
        ids = [batch_id] + [
            r[0]
            for r in conn.execute(
                "select batch_id from batches where replay_of = ? and withdrawn_at is null",
                (batch_id,),
            )
        ]
        conn.executemany(
            "update batches set withdrawn_at = ?, withdrawn_by = ? where batch_id = ?",
            [(at, actor, i) for i in ids],
        )
        # Rows a withdrawn replay had stored wait in quarantine again (if their own upload is
        # still active, a later replay may store them anew).
        conn.executemany(
            "update quarantine set resolved_by = null where resolved_by = ?", [(i,) for i in ids]
        )
        audit(conn, actor, "batch_withdrawn", {"batch_id": batch_id, "withdrawn": ids})
    return ids


# --- code mappings ---------------------------------------------------------------------------


def add_mapping(
    conn: sqlite3.Connection, list_name: str, value: str, code: str, *, actor: str
) -> dict:
    """Map a value that centres send (e.g. « Mobilite reduite ») to a code of a list."""
    from parcours.contract import fold, load

    lists = load().code_lists
    if list_name not in lists:
        raise ParcoursError(
            f"Liste de codes inconnue : « {list_name} ». Listes : {', '.join(sorted(lists))}."
        )
    code_list = lists[list_name]
    if code not in code_list.labels:
        raise ParcoursError(
            f"Code inconnu dans la liste {list_name} : « {code} ». "
            f"Codes acceptés : {code_list.accepted_text()}."
        )
    folded = fold(value or "")
    if not folded:
        raise ParcoursError("La valeur à associer est vide.")
    known = code_list.lookup(value)
    if known is not None:
        raise ParcoursError(
            f"La valeur « {value} » est déjà reconnue dans la liste {list_name} (code {known})."
        )
    row = {
        "list": list_name,
        "folded": folded,
        "value": value.strip(),
        "code": code,
        "added_at": now_iso(),
        "added_by": actor,
    }
    with transaction(conn):
        conn.execute(
            "insert or replace into code_mappings values (:list, :folded, :value, :code,"
            " :added_at, :added_by)",
            row,
        )
        audit(conn, actor, "mapping_added", row)
    return row


def get_mappings(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Every mapping as {list: {folded value: code}}, the shape validation takes."""
    mappings: dict[str, dict[str, str]] = {}
    for row in conn.execute("select list, folded, code from code_mappings"):
        mappings.setdefault(row["list"], {})[row["folded"]] = row["code"]
    return mappings


def list_mappings(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("select * from code_mappings order by list, folded")]


# --- quarantine ------------------------------------------------------------------------------


# One encoder for every row: json.dumps with options builds a new one per call, which dominates
# the cost of quarantining a large file.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def insert_quarantine(
    conn: sqlite3.Connection, batch_id: str, centre_id: str, kind: str, rows
) -> None:
    """Keep the quarantined rows of a batch (`rows`: objects with row_number, raw, errors)."""
    conn.executemany(
        "insert into quarantine (batch_id, row_number, centre_id, kind, raw, errors)"
        " values (?, ?, ?, ?, ?, ?)",
        [
            (
                batch_id,
                r.row_number,
                centre_id,
                kind,
                _to_json(r.raw),
                _to_json(r.errors),
            )
            for r in rows
        ],
    )


def waiting_quarantine(conn: sqlite3.Connection, centre_id: str | None = None) -> list[dict]:
    """Quarantined rows not yet stored, of batches still active, in order of receipt."""
    sql = (
        "select q.*, b.precedence, b.file_name, b.seq from quarantine q"
        " join batches b using (batch_id)"
        " where q.resolved_by is null and b.withdrawn_at is null"
    )
    params: tuple = ()
    if centre_id is not None:
        sql += " and q.centre_id = ?"
        params = (centre_id,)
    rows = []
    for r in conn.execute(sql + " order by b.seq, q.row_number", params):
        row = dict(r)
        row["raw"] = json.loads(row["raw"])
        row["errors"] = json.loads(row["errors"])
        rows.append(row)
    return rows


def resolve_quarantine(
    conn: sqlite3.Connection, batch_id: str, row_numbers: list[int], resolved_by: str
) -> int:
    """Mark rows as stored by a replay batch; return how many were still waiting."""
    done = 0
    for number in row_numbers:
        done += conn.execute(
            "update quarantine set resolved_by = ? where batch_id = ? and row_number = ?"
            " and resolved_by is null",
            (resolved_by, batch_id, number),
        ).rowcount
    return done


def update_quarantine_errors(
    conn: sqlite3.Connection, batch_id: str, row_number: int, errors: list[dict]
) -> None:
    conn.execute(
        "update quarantine set errors = ? where batch_id = ? and row_number = ?",
        (json.dumps(errors, ensure_ascii=False), batch_id, row_number),
    )


# --- users -----------------------------------------------------------------------------------


def insert_user(conn: sqlite3.Connection, user: dict) -> None:
    conn.execute(
        "insert into users (email, password_hash, role, centre_id, federation, created_at)"
        " values (:email, :password_hash, :role, :centre_id, :federation, :created_at)",
        user,
    )


def get_user(conn: sqlite3.Connection, email: str) -> dict | None:
    row = conn.execute("select * from users where email = ?", (email,)).fetchone()
    return dict(row) if row else None


def list_audit(conn: sqlite3.Connection, action: str | None = None) -> list[dict]:
    if action is None:
        rows = conn.execute("select * from audit_log order by id")
    else:
        rows = conn.execute("select * from audit_log where action = ? order by id", (action,))
    return [{**dict(r), "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows]
