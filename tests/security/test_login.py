"""Sign-in under attack, through the login form (AppTest of app.py) on a fresh data folder:
password guessing is throttled, the audit never keeps a secret, a session ends when idle, at
logout and when the key rotates."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from parcours.store import opstore, sessions
from parcours.store import users as auth
from parcours.store.datadir import PROJECT_ROOT

EMAIL = "marie@cisp.be"
PASSWORD = "le-bon-mot-de-passe"


@pytest.fixture(autouse=True)
def _served(served_as_in_production):
    return served_as_in_production


@pytest.fixture
def account(data_dir, cli, centre):
    auth.add_user(data_dir, EMAIL, PASSWORD, "centre", "CISP-001")
    return data_dir


def app() -> AppTest:
    return AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()


def submit(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def audit(data_dir, action=None) -> list[dict]:
    with opstore.connected(data_dir.ops_db) as conn:
        return opstore.list_audit(conn, action)


def signed_in(at: AppTest) -> bool:
    return any(b.label == "Se déconnecter" for b in at.sidebar.button)


def test_guessing_is_throttled_and_the_right_password_then_refused(account):
    at = app()
    for _ in range(auth.FAILURES_ALLOWED):
        submit(at, EMAIL, "mauvais")
        assert [e.value for e in at.error] == ["Adresse e-mail ou mot de passe incorrect."]
    started = time.monotonic()
    for _ in range(25):  # the rest of « 30 wrong passwords in 6 s »
        submit(at, EMAIL, "mauvais")
    submit(at, EMAIL, PASSWORD)
    assert time.monotonic() - started < 60
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert message.startswith("Trop de tentatives de connexion infructueuses.")
    assert "attendez" in message and "avant de réessayer" in message
    assert not signed_in(at) and "user" not in at.session_state
    actions = [r["action"] for r in audit(account) if r["actor"] == EMAIL]
    assert actions.count("login_failure") == auth.FAILURES_ALLOWED
    assert actions[-1] == "login_throttled"
    assert "login_success" not in actions


def test_the_wait_doubles_and_ends(account, monkeypatch):
    for _ in range(auth.FAILURES_ALLOWED):
        assert auth.authenticate(account, EMAIL, "mauvais", "10.0.0.1") is None
    with pytest.raises(auth.LoginThrottled) as first:
        auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.1")
    assert 25 <= first.value.wait_seconds <= auth.BACKOFF_FIRST_S
    # Once the wait is over, the right password opens; a wrong one doubles the next wait.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + auth.BACKOFF_FIRST_S + 1)
    assert auth.authenticate(account, EMAIL, "encore faux", "10.0.0.1") is None
    with pytest.raises(auth.LoginThrottled) as second:
        auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.1")
    assert second.value.wait_seconds > auth.BACKOFF_FIRST_S
    monkeypatch.setattr(time, "time", lambda: now + 4 * auth.BACKOFF_FIRST_S)
    assert auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.1").email == EMAIL


def test_a_right_password_in_the_middle_of_a_burst_gives_it_no_more_guesses(account):
    """The owner signs in while someone guesses: the guesses already made still count."""
    for n in range(auth.FAILURES_ALLOWED - 1):
        assert auth.authenticate(account, EMAIL, f"devine-{n}", "10.0.0.9") is None
    assert auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.8").email == EMAIL
    assert auth.authenticate(account, EMAIL, "devine-encore", "10.0.0.9") is None
    with pytest.raises(auth.LoginThrottled):
        auth.authenticate(account, EMAIL, "devine-de-trop", "10.0.0.9")


def test_one_client_trying_many_accounts_is_throttled(account):
    for n in range(auth.CLIENT_FAILURES_ALLOWED):
        assert auth.authenticate(account, f"inconnu{n}@cisp.be", "x", "10.0.0.9") is None
    with pytest.raises(auth.LoginThrottled):
        auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.9")
    # Another client is not affected.
    assert auth.authenticate(account, EMAIL, PASSWORD, "10.0.0.10").email == EMAIL


def test_a_password_typed_in_the_email_field_is_not_audited(account):
    at = app()
    submit(at, "Tr0ub4dor&3-secret", "Tr0ub4dor&3-secret")
    assert [e.value for e in at.error] == ["Adresse e-mail ou mot de passe incorrect."]
    text = json.dumps(audit(account), ensure_ascii=False)
    assert "Tr0ub4dor" not in text.lower() and "tr0ub4dor" not in text
    (failure,) = audit(account, "login_failure")
    assert failure["actor"] == "adresse invalide"
    assert failure["detail"]["email"] == "adresse invalide"
    # A password can look like an address: one that is no user's is not kept either (a short
    # keyed hash tells the same unknown address coming back); a user's address is kept.
    submit(at, "Tr0ub4dor@Secret.be", "Tr0ub4dor&3-secret")
    last = audit(account, "login_failure")[-1]
    assert last["actor"] == last["detail"]["email"]
    assert last["actor"].startswith("adresse inconnue (") and len(last["actor"]) == 27
    assert "tr0ub4dor" not in json.dumps(audit(account), ensure_ascii=False).lower()
    submit(at, "Tr0ub4dor@Secret.be", "autre")
    assert audit(account, "login_failure")[-1]["actor"] == last["actor"]
    submit(at, EMAIL.upper(), "mauvais")
    mine = audit(account, "login_failure")[-1]
    assert (mine["actor"], mine["detail"]["email"]) == (EMAIL, EMAIL)


def test_login_opens_a_server_side_session_and_logout_revokes_it(account):
    at = submit(app(), EMAIL, PASSWORD)
    assert signed_in(at), [e.value for e in at.error]
    token = at.session_state["_session_token"]
    assert PASSWORD not in token and EMAIL not in token
    assert sessions.check(account, token, touch=False) is not None
    next(b for b in at.sidebar.button if b.label == "Se déconnecter").click().run()
    assert not signed_in(at)
    assert [t.label for t in at.text_input] == ["Adresse e-mail", "Mot de passe"]
    assert sessions.check(account, token, touch=False) is None
    assert [r["action"] for r in audit(account) if r["actor"] == EMAIL][-2:] == [
        "login_success",
        "logout",
    ]


def test_an_idle_session_ends_with_a_french_message(account, monkeypatch):
    at = submit(app(), EMAIL, PASSWORD)
    assert signed_in(at)
    # 31 minutes later (default idle time: 30 minutes).
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 31 * 60)
    at.run()
    assert not signed_in(at)
    assert [t.label for t in at.text_input] == ["Adresse e-mail", "Mot de passe"]
    assert [i.value for i in at.info] == [
        "Votre session a expiré après 30 minutes d'inactivité : reconnectez-vous pour continuer."
    ]
    assert audit(account, "session_expired")[-1]["actor"] == EMAIL


def test_the_idle_time_is_configurable(account, monkeypatch):
    monkeypatch.setenv("PARCOURS_IDLE_MINUTES", "5")
    at = submit(app(), EMAIL, PASSWORD)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 4 * 60)
    assert signed_in(at.run())
    monkeypatch.setattr(time, "time", lambda: now + 4 * 60 + 6 * 60)
    assert not signed_in(at.run())


def test_a_rotated_key_signs_everyone_out(account):
    at = submit(app(), EMAIL, PASSWORD)
    assert signed_in(at)
    key = account.secrets / f"{sessions.KEY_NAME}.key"
    key.write_bytes(b"\x01" * 32)  # the operator replaces the key
    at.run()
    assert not signed_in(at)
    assert [t.label for t in at.text_input] == ["Adresse e-mail", "Mot de passe"]


def test_a_token_cannot_be_forged_or_stretched(account):
    _, token = sessions.open_session(account, EMAIL)
    version, session_id, expires, signature = token.split(".")
    assert sessions.read_token(account, token) is not None
    later = f"{version}.{session_id}.{int(expires) + 86400}.{signature}"
    assert sessions.read_token(account, later) is None
    assert sessions.read_token(account, token[:-2] + "xx") is None
    assert sessions.read_token(account, "v1.a.b") is None
