"""Local users: argon2 password hashes, roles and the centres each role may see
(INTERFACES.md §4). Scope is enforced where data is read, with `User.scope_centre_ids`."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import sqlite3
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parcours.core.errors import ParcoursError, is_disk_full
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.roles import ROLES, can
from parcours.store.secrets import secret

log = logging.getLogger(__name__)
# What the audit log holds for an address that is not one (often a password in the wrong field),
# and for a well-formed address that is no user's (a password can look like an address too): a
# short keyed hash lets an administrator see the same unknown address come back, never read it.
INVALID_ADDRESS = "adresse invalide"
UNKNOWN_ADDRESS = "adresse inconnue"

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
# A right password takes back only its own reservation: the account's other failures in the
# window still count (a sign-in in the middle of a burst must not give the burst five more).
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


def audit_name(data_dir: DataDir, email: str, registered: bool) -> str:
    """The name a sign-in attempt is audited under: a user's address, else never the text."""
    if not is_email(email):
        return INVALID_ADDRESS
    if registered:
        return email
    return f"{UNKNOWN_ADDRESS} ({_key(data_dir, email)[:8]})"


def _registered(data_dir: DataDir, email: str) -> bool:
    if not is_email(email):
        return False
    try:
        with opstore.connected(data_dir.ops_db) as conn:
            return opstore.get_user(conn, email) is not None
    except sqlite3.Error:
        return False


def _key(data_dir: DataDir, text: str) -> str:
    return hmac.new(secret(data_dir, "throttle"), text.encode(), hashlib.sha256).hexdigest()[:32]


def _wait(times: list[float], allowed: int, now: float) -> float:
    """Seconds still to wait given the failure times (ascending) in the window."""
    if len(times) < allowed:
        return 0.0
    delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (len(times) - allowed))
    return max(0.0, times[-1] + delay - now)


def throttle_wait(conn: sqlite3.Connection, account: str, client: str, now: float) -> float:
    """Seconds the account or the client must still wait (the table must exist: executescript
    would commit an open transaction, so it is created before, by `_reserve`)."""
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


# --- at most a few passwords hashed at once --------------------------------------------------
# argon2 takes 64 MiB per hash: 40 attempts at once took the server from 550 MB to 1.4 GB. Past
# HASHING_SLOTS hashes in progress (per server process), an attempt waits HASHING_WAIT_S for a
# slot, then is refused with « réessayez dans un instant » (no password checked, nothing counted).
HASHING_SLOTS_ENV = "PARCOURS_MAX_CONCURRENT_SIGNINS"
DEFAULT_HASHING_SLOTS = 2
HASHING_WAIT_S = 5.0
BUSY_MESSAGE = "Trop de connexions en cours sur le serveur : réessayez dans un instant."


def _slots() -> int:
    import os

    try:
        return max(1, int(os.environ.get(HASHING_SLOTS_ENV, DEFAULT_HASHING_SLOTS)))
    except ValueError:
        return DEFAULT_HASHING_SLOTS


_hashing = threading.BoundedSemaphore(_slots())


class SignInBusy(ParcoursError):
    """Every hashing slot is taken: the person is asked to try again in a moment (in French)."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


def _reserve(
    conn: sqlite3.Connection, account: str, client: str, now: float
) -> tuple[float, int | None]:
    """One write transaction (BEGIN IMMEDIATE: concurrent attempts, in any process, queue here):
    the wait still due, else a failure recorded in advance (its row id is returned, so that a
    right password takes back this reservation and no other). The reservation is what makes a
    burst count: the sixth of 30 simultaneous attempts already sees five failures."""
    conn.executescript(_ATTEMPTS_SCHEMA)
    with opstore.transaction(conn):
        wait = throttle_wait(conn, account, client, now)
        if wait <= 0:
            cursor = conn.execute(
                "insert into login_failures (at, account, client) values (?, ?, ?)",
                (now, account, client),
            )
            return 0.0, cursor.lastrowid
        return wait, None


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
    account or the client has failed too often (INTERFACES §4: logins are audited), and
    `SignInBusy` when too many passwords are being checked at once.

    Check, reserve, record: the throttle is read and a failure reserved in one transaction
    before any password is hashed; the right password then takes its reservation back."""
    import time

    email = (email or "").strip().lower()
    client = client if isinstance(client, str) and client else "local"
    account_key, client_key = _key(data_dir, email), _key(data_dir, client)
    who = audit_name(data_dir, email, _registered(data_dir, email))
    detail = {"email": who, "client": client}
    if not _hashing.acquire(timeout=HASHING_WAIT_S):
        _audit_quietly(data_dir, who, "login_busy", detail)
        raise SignInBusy()
    try:
        return _authenticate(
            data_dir, email, password, who, detail, account_key, client_key, method, time.time()
        )
    finally:
        _hashing.release()


def _audit_quietly(data_dir: DataDir, who: str, action: str, detail: dict) -> None:
    try:
        with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
            opstore.audit(conn, who, action, detail)
    except sqlite3.Error as error:
        log.error("sign-in audit not written: %s", error)


def _authenticate(
    data_dir: DataDir,
    email: str,
    password: str,
    who: str,
    detail: dict,
    account_key: str,
    client_key: str,
    method: str,
    now: float,
) -> User | None:
    try:
        conn = opstore.connect(data_dir.ops_db)
    except sqlite3.Error as error:
        if not is_disk_full(error):
            raise
        # A full disk: SQLite cannot even open its WAL index. Read the main file as it stands.
        log.error("sign-in on a full disk: the store is read as a snapshot, nothing is audited")
        conn = opstore.connect_snapshot(data_dir.ops_db)
    with contextlib.closing(conn):
        reserved = True
        try:
            wait, reservation = _reserve(conn, account_key, client_key, now)
        except sqlite3.Error as error:
            # A full disk or a read-only snapshot: nothing can be reserved, read what is there.
            log.error("sign-in throttle not reserved: %s", error)
            reserved, reservation = False, None
            try:
                conn.executescript(_ATTEMPTS_SCHEMA)
                wait = throttle_wait(conn, account_key, client_key, now)
            except sqlite3.Error:
                wait = 0.0
        if wait > 0:
            try:
                with opstore.transaction(conn):
                    opstore.audit(conn, who, "login_throttled", {**detail, "wait_s": int(wait)})
            except sqlite3.Error as error:
                log.error("sign-in audit not written: %s", error)
            raise LoginThrottled(wait)
        row = opstore.get_user(conn, email) if is_email(email) else None
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
                if user is None and not reserved:
                    conn.execute(
                        "insert into login_failures (at, account, client) values (?, ?, ?)",
                        (now, account_key, client_key),
                    )
                elif user is not None and reservation is not None:
                    # Only this attempt's own reservation is taken back. The account's other
                    # failures stay until the window ends: they may be a burst's guesses in
                    # flight, and forgiving them would give the burst five more.
                    conn.execute("delete from login_failures where rowid = ?", (reservation,))
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
