"""Whose report it is: the sector, a federation or a centre — and with which read scope.

A report is read with the scope its subject has on the dashboard (INTERFACES §4), built by the
dashboard's own rule (`Scope.for_user`): a centre's report is its own data, unmasked; a
federation's report covers its member centres (all of them for the Interfédé), small counts
masked; the sector's report covers every centre, masked. Who may ask for which report follows the
same table: a centre user its centre, a federation user its federation, an analyst the sector or
any federation, an admin any of them.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from parcours.core.errors import ParcoursError
from parcours.store import opstore
from parcours.store.users import User
from parcours.warehouse.reader import Scope

SECTOR = "sector"
FEDERATION = "federation"
CENTRE = "centre"


@dataclass(frozen=True)
class Subject:
    kind: str  # sector | federation | centre
    key: str | None  # the federation's name or the centre's id
    name: str  # as printed on the report
    scope: Scope

    @property
    def slug(self) -> str:
        """For file names: `secteur`, `acfi`, `cisp-nam`."""
        text = "secteur" if self.kind == SECTOR else (self.key or "")
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "rapport"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "name": self.name}


def sector() -> Subject:
    scope = Scope.for_user(User("rapport", "analyst"))
    return Subject(SECTOR, None, "Le secteur — tous les centres", scope)


def federation(conn: sqlite3.Connection, name: str) -> Subject:
    canonical = opstore.canonical_federation(name, allow_interfede=True)
    if canonical == opstore.INTERFEDE:
        return sector()
    user = User("rapport", "federation", federation=canonical)
    return Subject(
        FEDERATION,
        canonical,
        f"Fédération {canonical}",
        Scope.for_user(user, user.scope_centre_ids(conn)),
    )


def centre(conn: sqlite3.Connection, centre_id: str) -> Subject:
    row = opstore.get_centre(conn, centre_id)
    if row is None:
        raise ParcoursError(f"Centre inconnu : « {centre_id} ».")
    user = User("rapport", "centre", centre_id=row["centre_id"])
    return Subject(
        CENTRE,
        row["centre_id"],
        f"{row['centre_name']} ({row['centre_id']})",
        Scope.for_user(user),
    )


def resolve(
    conn: sqlite3.Connection, federation_name: str | None = None, centre_id: str | None = None
) -> Subject:
    """The subject of `parcours report`: a centre, a federation, or (neither) the sector."""
    if federation_name and centre_id:
        raise ParcoursError("Choisissez une fédération ou un centre, pas les deux.")
    if centre_id:
        return centre(conn, centre_id)
    if federation_name:
        return federation(conn, federation_name)
    return sector()


def subjects_for(conn: sqlite3.Connection, user) -> list[Subject]:
    """The reports a dashboard user may produce, the first being their own."""
    if user.role == CENTRE:
        return [centre(conn, user.centre_id)] if user.centre_id else []
    if user.role == FEDERATION:
        return [federation(conn, user.federation)] if user.federation else []
    if user.role not in ("analyst", "admin"):
        return []
    found = [sector(), *(federation(conn, name) for name in opstore.FEDERATIONS)]
    if user.role == "admin":
        found += [centre(conn, row["centre_id"]) for row in opstore.list_centres(conn)]
    return found
