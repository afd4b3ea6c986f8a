"""The door under a patient attacker, through the served app (`streamlit run serve.py`) and a raw
websocket client (`streamlit_ws`), as issue 15 replayed them:

- 30 sign-ins sent at once on one account, spread over two server processes on one ops.sqlite,
  check no more passwords than the throttle allows;
- a Streamlit session id alone (a second websocket naming it, as a browser's reconnect does)
  opens nothing; with the session's cookie it still does (a real reconnect);
- a forged X-Forwarded-For does not spread attempts over fake clients;
- every answer forbids framing; the metrics are for a signed-in administrator only;
- years outside the data in a link give a French message.
"""

from __future__ import annotations

import random
import re
import threading

import pytest
import requests

from parcours.store import opstore
from parcours.store import users as auth
from tests.security.conftest import PASSWORD, start_server, stop_server
from tests.security.streamlit_ws import (
    StreamlitClient,
    sign_in,
    signed_in,
    text_value,
    trigger,
)

pytestmark = pytest.mark.browser  # a served app (no browser, but the same cost class)

ACCOUNT = "lie@centre.be"
TOKEN = re.compile(r"token: \"(v1\.[^\"]+)\"")


@pytest.fixture(autouse=True)
def fresh_throttle(server):
    """Each attack starts with no failure on record (they all come from this one machine)."""
    with opstore.connected(server.data_dir.ops_db) as conn:
        conn.executescript(auth._ATTEMPTS_SCHEMA)
        with opstore.transaction(conn):
            conn.execute("delete from login_failures")
    return server


def token_of(run) -> str:
    """The session token the page hands to the browser (for its cookie) after a sign-in."""
    for text in run.texts:
        found = TOKEN.search(text)
        if found:
            return found.group(1)
    raise AssertionError("no session token in the page")


def attempts(server, email: str) -> list[str]:
    with opstore.connected(server.data_dir.ops_db) as conn:
        return [
            r["action"]
            for r in opstore.list_audit(conn)
            if r["actor"] == email and r["action"].startswith("login_")
        ]


def test_a_burst_of_30_sign_ins_checks_no_more_passwords_than_allowed(server, tmp_path):
    second = start_server(server.data_dir.root, tmp_path / "second.log")
    try:
        urls = [server.url, second.url]
        before = len(attempts(server, ACCOUNT))
        right = random.randrange(30)
        clients, forms = [], []
        for n in range(30):
            client = StreamlitClient(urls[n % 2])
            clients.append(client)
            forms.append(client.run())
        results: list = [None] * 30
        barrier = threading.Barrier(30)

        def attempt(n: int) -> None:
            form = forms[n]
            email_id = form.widgets["Adresse e-mail"][1]
            password_id = form.widgets["Mot de passe"][1]
            submit_id = form.widgets["Se connecter"][1]
            password = PASSWORD if n == right else f"mauvais-{n}"
            barrier.wait()
            typed = [text_value(email_id, ACCOUNT), text_value(password_id, password)]
            results[n] = clients[n].run([*typed, trigger(submit_id)])

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        for client in clients:
            client.close()
    finally:
        stop_server(second)
    assert all(r is not None and not r.exceptions for r in results)
    actions = attempts(server, ACCOUNT)[before:]
    checked = [a for a in actions if a in ("login_failure", "login_success")]
    assert len(actions) == 30, actions
    # At most FAILURES_ALLOWED wrong passwords checked, wherever the right one came (it takes
    # back its own reservation only: the burst's other guesses still count).
    assert checked.count("login_failure") <= auth.FAILURES_ALLOWED, actions
    refused = [r for r in results if r.says("Trop de tentatives") or r.says("dans un instant")]
    assert len(refused) == 30 - len(checked)
    # The right password signs in only if it came among the attempts that were checked.
    assert signed_in(results[right]) == ("login_success" in actions)


def test_a_session_id_alone_opens_nothing(server):
    owner = StreamlitClient(server.url, page="parcours")
    run = sign_in(owner, "nam@centre.be", PASSWORD)
    assert signed_in(run)
    stolen, token = owner.session_id, token_of(run)
    assert stolen

    # The id alone (from an upload URL, a proxy log): the login form, nothing of the page.
    with StreamlitClient(server.url, session_id=stolen, page="parcours") as thief:
        taken = thief.run()
        assert thief.session_id in (None, stolen)
        assert not signed_in(taken)
        assert "Adresse e-mail" in taken.widgets and "Mot de passe" in taken.widgets
        assert not any("N0" in t or "CISP-NAM" in t for t in taken.texts)
        # Even after a second run on that connection.
        assert not signed_in(thief.run())

    # The browser that holds the cookie reconnects (same id, its cookie): signed in again.
    with StreamlitClient(
        server.url, session_id=stolen, cookies={"parcours_session": token}, page="parcours"
    ) as back:
        assert signed_in(back.run())
    owner.close()


def test_a_forged_x_forwarded_for_does_not_spread_the_attempts(server):
    """PARCOURS_TRUSTED_PROXIES is not set: the peer is the client, whatever it claims."""
    for n in range(auth.CLIENT_FAILURES_ALLOWED):
        forged = f"203.0.113.{n + 1}"
        with StreamlitClient(server.url, headers={"X-Forwarded-For": forged}) as client:
            run = sign_in(client, f"inconnu{n}@exemple.be", "devine")
            assert run.says("Adresse e-mail ou mot de passe incorrect."), run.texts[7:]
    with StreamlitClient(server.url, headers={"X-Forwarded-For": "198.51.100.7"}) as client:
        run = sign_in(client, "nam@centre.be", PASSWORD)
    assert not signed_in(run)
    assert run.says("Trop de tentatives de connexion infructueuses.")
    with opstore.connected(server.data_dir.ops_db) as conn:
        clients = {r["detail"].get("client") for r in opstore.list_audit(conn, "login_failure")}
    assert not any(c and (c.startswith("203.0.113.") or c == "198.51.100.7") for c in clients)


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/freins", "/media/inexistant.csv"])
def test_no_answer_can_be_framed(server, path):
    answer = requests.get(server.url + path, timeout=60)
    assert answer.headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in answer.headers.get("Content-Security-Policy", "")
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"


def test_metrics_are_for_a_signed_in_administrator_only(server):
    metrics = server.url + "/_stcore/metrics"
    assert requests.get(metrics, timeout=60).status_code == 403
    with StreamlitClient(server.url) as centre:
        token = token_of(sign_in(centre, "nam@centre.be", PASSWORD))
    assert requests.get(metrics, cookies={"parcours_session": token}, timeout=60).status_code == 403
    with StreamlitClient(server.url) as admin:
        token = token_of(sign_in(admin, "admin@parcours.be", PASSWORD))
    answer = requests.get(metrics, cookies={"parcours_session": token}, timeout=60)
    assert answer.status_code == 200 and answer.content


@pytest.mark.parametrize("years", ["1990", "2999", "1990-2999", "2999-1990"])
def test_years_without_data_in_a_link_are_said_in_french(server, years):
    with StreamlitClient(server.url, page="freins", query=f"annees={years}") as client:
        run = sign_in(client, "acfi@federation.be", PASSWORD)
    assert signed_in(run) and not run.exceptions
    assert run.says(f"Le lien demande les années « {years} », hors des données")
