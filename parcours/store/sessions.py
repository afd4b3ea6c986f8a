"""Dashboard sign-in sessions: a server-side row per sign-in (`sessions` in ops.sqlite) and the
signed, expiring token that a browser keeps in a cookie to come back to it after a reload.

- The token is `v1.<session id>.<expiry>.<HMAC-SHA-256>` with the `session` key of the data
  folder (`store.secrets`). It never holds the password, nor the e-mail. Replacing the key file
  (a rotation) makes every token unreadable: everyone is signed out.
- A session ends at logout (revoked), after `PARCOURS_IDLE_MINUTES` without activity (default
  30), or at its expiry, `PARCOURS_SESSION_HOURS` after sign-in (default 12), whichever first.
- Checking a token is pure reading plus a `last_seen` update at most once a minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass

from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.secrets import secret

IDLE_ENV = "PARCOURS_IDLE_MINUTES"
LIFETIME_ENV = "PARCOURS_SESSION_HOURS"
DEFAULT_IDLE_MINUTES = 30
DEFAULT_LIFETIME_HOURS = 12
KEY_NAME = "session"
TOUCH_EVERY_S = 60

SCHEMA = """
create table if not exists sessions (
    session_id  text primary key,
    email       text not null,
    method      text not null,          -- password | oidc
    created_at  real not null,          -- unix seconds
    last_seen   real not null,
    expires_at  real not null,
    revoked_at  real,
    reason      text                    -- logout | idle | expired | ...
);
create index if not exists sessions_email on sessions(email);
"""


def idle_seconds() -> float:
    return _env_number(IDLE_ENV, DEFAULT_IDLE_MINUTES) * 60


def lifetime_seconds() -> float:
    return _env_number(LIFETIME_ENV, DEFAULT_LIFETIME_HOURS) * 3600


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return float(default)
    return value if value > 0 else float(default)


@dataclass(frozen=True)
class Session:
    session_id: str
    email: str
    method: str
    expires_at: float


def _connect(data_dir: DataDir) -> sqlite3.Connection:
    conn = opstore.connect(data_dir.ops_db)
    conn.executescript(SCHEMA)
    return conn


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _signature(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def open_session(data_dir: DataDir, email: str, method: str = "password") -> tuple[Session, str]:
    """A new session for a user who just signed in, and its token."""
    now = time.time()
    session_id = secrets.token_urlsafe(24)
    expires = int(now + lifetime_seconds())
    conn = _connect(data_dir)
    try:
        with opstore.transaction(conn):
            conn.execute(
                "insert into sessions (session_id, email, method, created_at, last_seen,"
                " expires_at) values (?, ?, ?, ?, ?, ?)",
                (session_id, email, method, now, now, expires),
            )
    finally:
        conn.close()
    payload = f"v1.{session_id}.{expires}"
    token = f"{payload}.{_signature(secret(data_dir, KEY_NAME), payload)}"
    return Session(session_id, email, method, expires), token


def read_token(data_dir: DataDir, token: str | None) -> tuple[str, float] | None:
    """(session id, expiry) of a well-signed, unexpired token; None otherwise."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != "v1":
        return None
    _, session_id, expires, signature = parts
    try:
        expiry = float(int(expires))
    except ValueError:
        return None
    payload = f"v1.{session_id}.{expires}"
    key = secret(data_dir, KEY_NAME)
    if not hmac.compare_digest(signature, _signature(key, payload)):
        return None
    if expiry <= time.time():
        return None
    return session_id, expiry


def check(data_dir: DataDir, token: str | None, *, touch: bool = True) -> Session | None:
    """The live session of a token, or None (bad signature, expired, revoked, idle too long).
    An idle or expired session found here is closed, so it cannot come back. `touch`: count
    this as activity (a page run does; fetching a download does not)."""
    read = read_token(data_dir, token)
    if read is None:
        return None
    session_id, _ = read
    now = time.time()
    conn = _connect(data_dir)
    try:
        row = conn.execute("select * from sessions where session_id = ?", (session_id,)).fetchone()
        if row is None or row["revoked_at"] is not None:
            return None
        reason = None
        if row["expires_at"] <= now:
            reason = "expired"
        elif now - row["last_seen"] > idle_seconds():
            reason = "idle"
        if reason is not None:
            with opstore.transaction(conn):
                conn.execute(
                    "update sessions set revoked_at = ?, reason = ? where session_id = ?"
                    " and revoked_at is null",
                    (now, reason, session_id),
                )
            return None
        if touch and now - row["last_seen"] >= TOUCH_EVERY_S:
            with opstore.transaction(conn):
                conn.execute(
                    "update sessions set last_seen = ? where session_id = ?", (now, session_id)
                )
        return Session(session_id, row["email"], row["method"], row["expires_at"])
    finally:
        conn.close()


def end_reason(data_dir: DataDir, token: str | None) -> str | None:
    """Why the session of a well-signed token ended (`idle`, `logout`, `expired`…), if it did."""
    read = read_token(data_dir, token)
    if read is None:
        return None
    conn = _connect(data_dir)
    try:
        row = conn.execute(
            "select reason from sessions where session_id = ?", (read[0],)
        ).fetchone()
    finally:
        conn.close()
    return row["reason"] if row else None


def revoke(data_dir: DataDir, session_id: str, reason: str = "logout") -> bool:
    """End a session (logout); True if it was live."""
    conn = _connect(data_dir)
    try:
        with opstore.transaction(conn):
            changed = conn.execute(
                "update sessions set revoked_at = ?, reason = ? where session_id = ?"
                " and revoked_at is null",
                (time.time(), reason, session_id),
            ).rowcount
    finally:
        conn.close()
    return bool(changed)


def revoke_all(data_dir: DataDir, email: str | None = None, reason: str = "revoked") -> int:
    """End every live session (of one user, when `email` is given)."""
    conn = _connect(data_dir)
    try:
        with opstore.transaction(conn):
            sql = "update sessions set revoked_at = ?, reason = ? where revoked_at is null"
            params: tuple = (time.time(), reason)
            if email is not None:
                sql += " and email = ?"
                params += (email,)
            return conn.execute(sql, params).rowcount
    finally:
        conn.close()
