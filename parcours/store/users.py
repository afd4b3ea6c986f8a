"""Local users: argon2 password hashes, roles and the centres each role may see
(INTERFACES.md §4). Scope is enforced where data is read, with `User.scope_centre_ids`."""

from __future__ import annotations

import contextlib
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

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
# What the audit log says instead of a malformed address typed at sign-in (often a password
# typed in the wrong field: it must never be written as typed).
INVALID_ADDRESS = "adresse invalide"
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
    return User(email, role, centre_id, federation)


def audited_address(email: str) -> str:
    """The address as the audit log may hold it: as typed when it is well-formed, otherwise
    « adresse invalide » (nothing of what was typed)."""
    return email if _EMAIL.match(email) else INVALID_ADDRESS


def authenticate(data_dir: DataDir, email: str, password: str) -> User | None:
    """The user if the password is right, else None; every attempt goes to the audit log.

    Signing in needs no write: when the audit line (or a password rehash) cannot be written —
    a full disk, a locked store — the failure is logged on the server and the answer stands."""
    email = (email or "").strip().lower()
    try:
        conn = opstore.connect(data_dir.ops_db)
    except sqlite3.Error as error:
        if not is_disk_full(error):
            raise
        # A full disk: SQLite cannot even open its WAL index. Read the main file as it stands.
        log.error("sign-in on a full disk: the store is read as a snapshot, nothing is audited")
        conn = opstore.connect_snapshot(data_dir.ops_db)
    with contextlib.closing(conn):
        row = opstore.get_user(conn, email)
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
        shown = audited_address(email) if email else "?"
        try:
            with opstore.transaction(conn):
                detail = {"email": shown}
                if user is not None and _hasher.check_needs_rehash(row["password_hash"]):
                    conn.execute(
                        "update users set password_hash = ? where email = ?",
                        (_hasher.hash(password), email),
                    )
                    detail["password_rehashed"] = True  # a change to the user: said
                opstore.audit(conn, shown, "login_success" if user else "login_failure", detail)
        except sqlite3.Error:
            log.exception("sign-in audit not written (%s)", "success" if user else "failure")
        return user
