"""The sign-in's limits, in process (the served burst is in test_door.py):

- the throttle counts atomically: check and reservation in one write transaction, so 30 threads,
  each with its own connection, racing through a slowed-down check still check at most
  FAILURES_ALLOWED passwords;
- at most PARCOURS_MAX_CONCURRENT_SIGNINS passwords hashed at once (argon2: 64 MiB each); past
  that an attempt is refused in French, « réessayez dans un instant », on the login form;
- the audit log's details read in French on « Journal d'audit », stored keys unchanged.
"""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from parcours.store import audit_log, opstore
from parcours.store import users as auth
from parcours.store.datadir import PROJECT_ROOT

EMAIL = "marie@cisp.be"
PASSWORD = "le-bon-mot-de-passe"


@pytest.fixture
def account(data_dir, cli, centre):
    auth.add_user(data_dir, EMAIL, PASSWORD, "centre", "CISP-001")
    return data_dir


def audit(data_dir, action=None) -> list[dict]:
    with opstore.connected(data_dir.ops_db) as conn:
        return opstore.list_audit(conn, action)


def test_a_burst_through_a_slow_check_is_counted_atomically(account, monkeypatch):
    monkeypatch.setattr(auth, "_hashing", threading.BoundedSemaphore(30))
    original = auth.throttle_wait

    def slow(*args, **kwargs):
        wait = original(*args, **kwargs)
        time.sleep(0.05)  # the gap where a read-then-write throttle lets everyone through
        return wait

    monkeypatch.setattr(auth, "throttle_wait", slow)
    outcomes: list[str] = []
    barrier = threading.Barrier(30)

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            user = auth.authenticate(account, EMAIL, PASSWORD if n == 29 else f"faux-{n}", "c")
            outcomes.append("success" if user else "failure")
        except auth.LoginThrottled:
            outcomes.append("throttled")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = [a for a in outcomes if a != "throttled"]
    assert len(outcomes) == 30
    # At most FAILURES_ALLOWED wrong passwords checked, wherever the right one came.
    assert outcomes.count("failure") <= auth.FAILURES_ALLOWED, outcomes
    audited = [r["action"] for r in audit(account) if r["actor"] == EMAIL]
    assert audited.count("login_failure") + audited.count("login_success") == len(checked)


def test_hashing_is_capped_and_the_rest_asked_to_retry(account, monkeypatch):
    monkeypatch.setattr(auth, "_hashing", threading.BoundedSemaphore(2))
    monkeypatch.setattr(auth, "HASHING_WAIT_S", 0.2)
    running, most = 0, 0
    lock = threading.Lock()

    class SlowHasher:
        """Counts the hashes in progress (argon2's own takes 64 MiB each)."""

        def _work(self):
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.5)
            with lock:
                running -= 1

        def hash(self, password):
            self._work()
            return "x"

        def verify(self, stored, password):
            self._work()
            raise auth.VerificationError()

    monkeypatch.setattr(auth, "_hasher", SlowHasher())
    busy: list[str] = []

    def attempt(n: int) -> None:
        try:
            auth.authenticate(account, f"personne{n}@exemple.be", "x", f"10.0.0.{n}")
        except auth.SignInBusy as refused:
            busy.append(str(refused))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most <= 2
    assert busy and all("réessayez dans un instant" in m for m in busy)
    assert len(audit(account, "login_busy")) == len(busy)
    assert len(audit(account, "login_failure")) == 10 - len(busy)


def test_the_login_form_says_busy_in_french(account, served_as_in_production, monkeypatch):
    held = threading.BoundedSemaphore(1)
    held.acquire()  # every slot taken by sign-ins in progress
    monkeypatch.setattr(auth, "_hashing", held)
    monkeypatch.setattr(auth, "HASHING_WAIT_S", 0.1)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input(EMAIL)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [auth.BUSY_MESSAGE]
    assert "réessayez dans un instant" in auth.BUSY_MESSAGE
    assert "user" not in at.session_state


def test_the_audit_details_read_in_french(account):
    auth.authenticate(account, EMAIL, "mauvais", "10.1.2.3")
    auth.authenticate(account, EMAIL, PASSWORD, "10.1.2.3")
    table = audit_log.entries(account)
    details = dict(zip(table["Action"], table["Détail"], strict=False))
    assert details["Connexion refusée"] == (
        f"adresse : {EMAIL}, poste : 10.1.2.3, méthode : mot de passe"
    )
    for detail in table["Détail"]:
        for english in ("email :", "client :", "method :", "centre_id :", "role :", "bytes :"):
            assert english not in detail, detail
    # Stored keys are unchanged (scripts read them).
    stored = audit(account, "login_failure")[-1]["detail"]
    assert set(stored) == {"email", "client", "method"}
