"""Local users: argon2 password hashes, roles and the centres each role may see
(INTERFACES.md §4). Scope is enforced where data is read, with `User.scope_centre_ids`."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parcours.core.errors import ParcoursError, is_disk_full
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.roles import ROLES, can
from parcours.store.secrets import secret

log = logging.getLogger(__name__)
# What the audit log holds for an address that is not one (often a password in the wrong field).
INVALID_ADDRESS = "adresse invalide"

MIN_PASSWORD_LENGTH = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    email: str
    role: str
    centre_id: str | None = None
    federation: str | None = None

    @property
    def sees_individuals(self) -> bool:
        """Only a centre (its own trainees) and an admin see individual paths."""
        return can(self.role, "see_individuals")

    def scope_centre_ids(self, conn: sqlite3.Connection) -> list[str]:
        """The centres this user may see: a centre its own; a federation its member centres
        (every centre for the Interfédé); an analyst or an admin every centre."""
        if self.role == "centre":
            return [self.centre_id] if self.centre_id else []
        if self.role == "federation" and self.federation != opstore.INTERFEDE:
            rows = conn.execute(
                "select centre_id from centres where federation = ? order by centre_id",
                (self.federation,),
            )
        else:
            rows = conn.execute("select centre_id from centres order by centre_id")
        return [r[0] for r in rows]


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ParcoursError(f"Rôle inconnu : « {role} ». Rôles : {', '.join(ROLES)}.")


def add_user(
    data_dir: DataDir,
    email: str,
    password: str,
    role: str,
    centre_id: str | None = None,
    federation: str | None = None,
    *,
    actor: str = "system",
) -> User:
    """Add a local user; only the argon2 hash of the password is kept."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise ParcoursError(f"Adresse e-mail invalide : « {email} ».")
    check_role(role)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ParcoursError(f"Mot de passe trop court : au moins {MIN_PASSWORD_LENGTH} caractères.")
    with opstore.connected(data_dir.ops_db) as conn:
        if role == "centre":
            if not centre_id:
                raise ParcoursError("Un utilisateur de rôle centre a besoin de --centre.")
            if opstore.get_centre(conn, centre_id) is None:
                raise ParcoursError(
                    f"Centre inconnu : « {centre_id} ». Enregistrez-le d'abord avec "
                    "« parcours centres add »."
                )
            federation = None
        elif role == "federation":
            if not federation:
                raise ParcoursError(
                    "Un utilisateur de rôle federation a besoin de --federation "
                    f"(« {opstore.INTERFEDE} » pour toutes)."
                )
            federation = opstore.canonical_federation(federation, allow_interfede=True)
            centre_id = None
        else:
            centre_id = federation = None
        row = {
            "email": email,
            "password_hash": _hasher.hash(password),
            "role": role,
            "centre_id": centre_id,
            "federation": federation,
            "created_at": opstore.now_iso(),
        }
        with opstore.transaction(conn):
            if opstore.get_user(conn, email) is not None:
                raise ParcoursError(f"L'utilisateur « {email} » existe déjà.")
            opstore.insert_user(conn, row)
            opstore.audit(
                conn,
                actor,
                "user_added",
                {"email": email, "role": role, "centre_id": centre_id, "federation": federation},
            )
    # The sign-in's keys are made now, by the command that creates someone who can sign in:
    # a sign-in must work on a full disk, where no key file can be written.
    for name in SIGN_IN_SECRETS:
        secret(data_dir, name)
    return User(email, role, centre_id, federation)


SIGN_IN_SECRETS = ("throttle", "session")  # the throttle's keyed hashes, the session cookie

# --- sign-in: throttling and audit ---------------------------------------------------------
# After FAILURES_ALLOWED failed attempts within FAILURE_WINDOW_S for one account, or
# CLIENT_FAILURES_ALLOWED from one client (whatever the accounts), every attempt waits
# BACKOFF_FIRST_S after the last failure, doubling with each further failure, at most
# BACKOFF_MAX_S. A throttled attempt checks no password: the right one is refused too.
FAILURES_ALLOWED = 5
CLIENT_FAILURES_ALLOWED = 10
FAILURE_WINDOW_S = 15 * 60
BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 15 * 60

_ATTEMPTS_SCHEMA = """
create table if not exists login_failures (
    at       real not null,        -- unix seconds
    account  text not null,        -- keyed hash of the address typed (never the text itself)
    client   text not null         -- keyed hash of the client's address
);
create index if not exists login_failures_account on login_failures(account, at);
create index if not exists login_failures_client on login_failures(client, at);
"""


class LoginThrottled(ParcoursError):
    """Too many failed attempts: the message says how long to wait (in French)."""

    def __init__(self, wait_seconds: float):
        self.wait_seconds = max(1, int(round(wait_seconds)))
        minutes, seconds = divmod(self.wait_seconds, 60)
        if minutes:
            wait = f"{minutes} minute{'s' if minutes > 1 else ''}" + (
                f" {seconds} s" if seconds else ""
            )
        else:
            wait = f"{seconds} seconde{'s' if seconds > 1 else ''}"
        super().__init__(
            "Trop de tentatives de connexion infructueuses. Par sécurité, attendez "
            f"{wait} avant de réessayer."
        )


def is_email(text: str | None) -> bool:
    return bool(_EMAIL.match((text or "").strip().lower()))


def audit_address(email: str) -> str:
    """The address as the audit log may keep it: a well-formed e-mail as typed (folded); anything
    else (often a password typed in the wrong field) never."""
    return email if is_email(email) else INVALID_ADDRESS


def _key(data_dir: DataDir, text: str) -> str:
    return hmac.new(secret(data_dir, "throttle"), text.encode(), hashlib.sha256).hexdigest()[:32]


def _wait(times: list[float], allowed: int, now: float) -> float:
    """Seconds still to wait given the failure times (ascending) in the window."""
    if len(times) < allowed:
        return 0.0
    delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (len(times) - allowed))
    return max(0.0, times[-1] + delay - now)


def throttle_wait(conn: sqlite3.Connection, account: str, client: str, now: float) -> float:
    conn.executescript(_ATTEMPTS_SCHEMA)
    since = now - FAILURE_WINDOW_S
    by_account = [
        r[0]
        for r in conn.execute(
            "select at from login_failures where account = ? and at > ? order by at",
            (account, since),
        )
    ]
    by_client = [
        r[0]
        for r in conn.execute(
            "select at from login_failures where client = ? and at > ? order by at",
            (client, since),
        )
    ]
    return max(
        _wait(by_account, FAILURES_ALLOWED, now), _wait(by_client, CLIENT_FAILURES_ALLOWED, now)
    )


def authenticate(
    data_dir: DataDir,
    email: str,
    password: str,
    client: str | None = None,
    *,
    method: str = "password",
) -> User | None:
    """The user if the password is right, else None; every attempt goes to the audit log
    (never the password, nor a malformed address as typed). Raises `LoginThrottled` while the
    account or the client has failed too often (INTERFACES §4: logins are audited)."""
    import time

    email = (email or "").strip().lower()
    client = client if isinstance(client, str) and client else "local"
    now = time.time()
    account_key, client_key = _key(data_dir, email), _key(data_dir, client)
    who = audit_address(email)
    detail = {"email": who, "client": client}
    try:
        conn = opstore.connect(data_dir.ops_db)
    except sqlite3.Error as error:
        if not is_disk_full(error):
            raise
        # A full disk: SQLite cannot even open its WAL index. Read the main file as it stands.
        log.error("sign-in on a full disk: the store is read as a snapshot, nothing is audited")
        conn = opstore.connect_snapshot(data_dir.ops_db)
    with contextlib.closing(conn):
        try:
            wait = throttle_wait(conn, account_key, client_key, now)
        except sqlite3.Error as error:  # a read-only snapshot: no throttling table to write
            log.error("sign-in throttling not checked: %s", error)
            wait = 0.0
        if wait > 0:
            with opstore.transaction(conn):
                opstore.audit(conn, who, "login_throttled", {**detail, "wait_s": int(wait)})
            raise LoginThrottled(wait)
        row = opstore.get_user(conn, email) if who != INVALID_ADDRESS else None
        user = None
        if row is None:
            # Hash anyway, so an unknown address takes as long as a wrong password.
            _hasher.hash(password or "")
        else:
            try:
                _hasher.verify(row["password_hash"], password or "")
            except (VerificationError, InvalidHashError):
                pass
            else:
                user = User(email, row["role"], row["centre_id"], row["federation"])
        try:
            with opstore.transaction(conn):
                if user is not None and _hasher.check_needs_rehash(row["password_hash"]):
                    conn.execute(
                        "update users set password_hash = ? where email = ?",
                        (_hasher.hash(password), email),
                    )
                if user is None:
                    conn.execute(
                        "insert into login_failures (at, account, client) values (?, ?, ?)",
                        (now, account_key, client_key),
                    )
                else:
                    conn.execute("delete from login_failures where account = ?", (account_key,))
                opstore.audit(
                    conn,
                    who,
                    "login_success" if user else "login_failure",
                    {**detail, "method": method},
                )
        except sqlite3.Error as error:
            # Signing in needs no write: a full disk or a locked store does not refuse it.
            log.error("sign-in audit not written: %s", error)
        return user


def find_user(data_dir: DataDir, email: str) -> User | None:
    """A registered user by e-mail (the sign-in through an identity provider matches on it)."""
    email = (email or "").strip().lower()
    if not is_email(email):
        return None
    with opstore.connected(data_dir.ops_db) as conn:
        row = opstore.get_user(conn, email)
    if row is None:
        return None
    return User(email, row["role"], row["centre_id"], row["federation"])
