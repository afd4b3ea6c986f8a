"""The audit log names who really acted, and never holds what a user mistyped at sign-in."""

from __future__ import annotations

import getpass
import json

import pytest

from parcours.store import opstore
from parcours.store import users as auth


def last(conn, action: str) -> dict:
    return opstore.list_audit(conn, action)[-1]


def test_the_global_actor_option_names_who_acted(cli, conn):
    result = cli(
        "--actor", "marie@federation.be", "centres", "add", "C9", "--name", "X", "--federation",
        "ACFI",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert last(conn, "centre_added")["actor"] == "marie@federation.be"


def test_without_option_the_environment_then_the_os_user(cli, conn, monkeypatch):
    cli("centres", "add", "C1", "--name", "X", "--federation", "ACFI")
    assert last(conn, "centre_added")["actor"] == "test@parcours.be"  # PARCOURS_USER
    monkeypatch.delenv("PARCOURS_USER")
    cli("centres", "add", "C2", "--name", "X", "--federation", "ACFI")
    actor = last(conn, "centre_added")["actor"]
    assert actor == "cli:" + getpass.getuser()
    assert actor != "cli"


def test_user_changes_are_audited_with_the_actor(cli, conn, centre):
    result = cli(
        "--actor", "admin@parcours.be", "users", "add", "marie@cisp.be", "--role", "centre",
        "--centre", centre, "--password-stdin", input="motdepasse-solide\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = last(conn, "user_added")
    assert added["actor"] == "admin@parcours.be"
    assert added["detail"] == {
        "email": "marie@cisp.be",
        "role": "centre",
        "centre_id": centre,
        "federation": None,
    }


@pytest.mark.parametrize(
    "typed",
    ["Mon mot de passe 2024!", "marie.cisp.be", "marie@", "<script>alert(1)</script>"],
)
def test_a_malformed_address_typed_at_sign_in_is_never_written(data_dir, conn, typed):
    assert auth.authenticate(data_dir, typed, "quelconque") is None
    entry = last(conn, "login_failure")
    assert entry["actor"] == "adresse invalide"
    assert entry["detail"]["email"] == "adresse invalide"
    conn.execute("pragma wal_checkpoint(truncate)")
    stored = b"".join(
        p.read_bytes() for p in data_dir.root.glob("ops.sqlite*") if p.is_file()
    ).lower()
    assert typed.strip().lower().encode() not in stored


def test_a_well_formed_unknown_address_is_not_kept_for_the_audit(data_dir, conn):
    # It may be a password that looks like an address: only a short keyed hash is kept.
    auth.authenticate(data_dir, "Inconnu@Exemple.be ", "x")
    entry = last(conn, "login_failure")
    assert entry["detail"]["email"] == entry["actor"]
    assert entry["actor"].startswith("adresse inconnue (")
    assert "exemple" not in json.dumps(entry).lower()


def test_a_failed_audit_write_does_not_block_sign_in(data_dir, centre, monkeypatch, caplog):
    import sqlite3

    auth.add_user(data_dir, "marie@cisp.be", "motdepasse-solide", "centre", centre)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(opstore, "audit", full)
    user = auth.authenticate(data_dir, "marie@cisp.be", "motdepasse-solide")
    assert user is not None and user.email == "marie@cisp.be"
    assert "sign-in audit not written" in caplog.text
