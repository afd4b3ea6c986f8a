"""`parcours users add` adds a local user; only an argon2 hash of the password is kept."""

from argon2 import PasswordHasher

from parcours.store import opstore
from parcours.store.users import User, add_user, authenticate


def test_add_a_centre_user_with_password_on_stdin(cli, centre, conn, data_dir):
    result = cli(
        "users",
        "add",
        "Marie@CISP.be",
        "--role",
        "centre",
        "--centre",
        centre,
        "--password-stdin",
        input="un mot de passe\n",
    )
    assert result.exit_code == 0
    assert result.output == "Utilisateur marie@cisp.be ajouté (rôle centre, CISP-001).\n"
    row = opstore.get_user(conn, "marie@cisp.be")
    assert row["password_hash"].startswith("$argon2id$")
    assert "un mot de passe" not in row["password_hash"]
    assert PasswordHasher().verify(row["password_hash"], "un mot de passe")
    assert b"un mot de passe" not in data_dir.ops_db.read_bytes()
    assert authenticate(data_dir, "marie@cisp.be", "un mot de passe") == User(
        "marie@cisp.be", "centre", "CISP-001", None
    )


def test_password_is_asked_twice(cli, conn):
    result = cli("users", "add", "a@b.be", "--role", "admin", input="secret123\nsecret123\n")
    assert result.exit_code == 0, result.output
    assert opstore.get_user(conn, "a@b.be")["role"] == "admin"


def test_two_different_passwords_are_refused(cli, conn):
    result = cli("users", "add", "a@b.be", "--role", "admin", input="secret123\nsecret124\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Les deux mots de passe saisis diffèrent. Rien n'a été ajouté.\n"
    )
    assert opstore.get_user(conn, "a@b.be") is None


def test_bad_role_is_refused(cli, conn):
    result = cli(
        "users", "add", "a@b.be", "--role", "chef", "--password-stdin", input="secret123\n"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Rôle inconnu : « chef ». Rôles : centre, federation, analyst, admin.\n"
    )
    assert opstore.get_user(conn, "a@b.be") is None


def test_centre_role_needs_an_existing_centre(cli):
    result = cli(
        "users",
        "add",
        "a@b.be",
        "--role",
        "centre",
        "--centre",
        "NOPE",
        "--password-stdin",
        input="secret123\n",
    )
    assert result.exit_code == 2
    assert "Centre inconnu : « NOPE »" in result.stderr


def test_short_password_and_bad_email_are_refused(cli):
    short = cli("users", "add", "a@b.be", "--role", "admin", "--password-stdin", input="court\n")
    assert short.exit_code == 2
    assert short.stderr == "Erreur : Mot de passe trop court : au moins 8 caractères.\n"
    bad = cli(
        "users", "add", "pas-un-email", "--role", "admin", "--password-stdin", input="secret123\n"
    )
    assert bad.exit_code == 2
    assert bad.stderr == "Erreur : Adresse e-mail invalide : « pas-un-email ».\n"


def test_federation_user_needs_a_known_federation(cli):
    result = cli(
        "users",
        "add",
        "f@b.be",
        "--role",
        "federation",
        "--federation",
        "interfede",
        "--password-stdin",
        input="secret123\n",
    )
    assert result.exit_code == 0
    assert result.output == "Utilisateur f@b.be ajouté (rôle federation, Interfédé).\n"


def test_login_is_checked_and_audited(data_dir, conn):
    add_user(data_dir, "a@b.be", "secret123", "analyst")
    assert authenticate(data_dir, "a@b.be", "wrong-one") is None
    assert authenticate(data_dir, "nobody@b.be", "secret123") is None
    assert authenticate(data_dir, "a@b.be", "secret123").role == "analyst"
    actions = [e["action"] for e in opstore.list_audit(conn) if e["action"].startswith("login")]
    assert actions == ["login_failure", "login_failure", "login_success"]


def test_scope_by_role(data_dir, conn):
    opstore.add_centre(conn, "A1", "Alpha", "ACFI", actor="t")
    opstore.add_centre(conn, "A2", "Beta", "ACFI", actor="t")
    opstore.add_centre(conn, "L1", "Gamma", "ALEAP", actor="t")
    assert User("c@b.be", "centre", centre_id="A2").scope_centre_ids(conn) == ["A2"]
    assert User("f@b.be", "federation", federation="ACFI").scope_centre_ids(conn) == ["A1", "A2"]
    everyone = ["A1", "A2", "L1"]
    assert User("i@b.be", "federation", federation="Interfédé").scope_centre_ids(conn) == everyone
    assert User("x@b.be", "analyst").scope_centre_ids(conn) == everyone
    assert User("y@b.be", "admin").scope_centre_ids(conn) == everyone
