"""The real server (`streamlit run serve.py`: app.py behind the access gate) on a copy of the
dashboard fixture's data folder, and a headless chromium to attack it with. Each test module gets
its own server (its own data folder, so its logins and audit lines are its own).
Also: the CLI in a real process under a hard memory ceiling, so that a file that made it
allocate without bound would abort it (exit 134) instead of a French refusal.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parcours.store.datadir import PROJECT_ROOT, DataDir
from tests.conftest import DASHBOARD_PASSWORD, DASHBOARD_USERS
from tests.served import Server, free_port, start_server, stop_server  # noqa: F401
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

SHOTS = Path(os.environ.get("PARCOURS_SHOTS", "/tmp/shots-session"))
PASSWORD = DASHBOARD_PASSWORD
USERS = DASHBOARD_USERS


def copy_data(dashboard_warehouse: DataDir, tmp_path_factory, name: str) -> Path:
    root = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    return root


@pytest.fixture
def served_as_in_production(monkeypatch):
    """AppTest runs app.py on every run, as `serve.py` serves it (by default AppTest treats a
    project with a `pages/` folder as a pages-folder app and runs a page file on its own after
    the first run)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="module")
def server(dashboard_warehouse, tmp_path_factory, request):
    root = copy_data(dashboard_warehouse, tmp_path_factory, "security")
    extra = getattr(request.module, "SERVER_ENV", None)
    log = tmp_path_factory.mktemp("security-log") / "streamlit.log"
    running = start_server(root, log, extra)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # The machine is shared and loaded: a first run can take more than expect's 5 s.
    expect.set_options(timeout=60_000)

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookie) per test."""
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1600}, locale="fr-BE", accept_downloads=True
    )
    ctx.set_default_timeout(60_000)
    yield ctx
    ctx.close()


def settle(page) -> None:
    """Wait until the script has finished its run; no exception box, ever."""
    from playwright.sync_api import expect

    page.wait_for_timeout(150)
    expect(
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    ).to_be_attached()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def login(page, email: str, password: str = PASSWORD) -> None:
    """Fill the login form on the current page (the URL stays what it was)."""
    from playwright.sync_api import expect

    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    settle(page)


def signed_in(page, timeout: float = 30_000) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible(timeout=timeout)
    settle(page)


def wait_for_cookie(context, name: str = "parcours_session", timeout_s: float = 15) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for cookie in context.cookies():
            if cookie["name"] == name:
                return cookie
        time.sleep(0.1)
    raise AssertionError(f"no {name} cookie: {context.cookies()}")


def shot(page, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def streamlit_session_ids(page) -> list[str]:
    """Collect the Streamlit session ids the server announces to this tab (NewSession message on
    the websocket): what a script on the page, or an attacker's own client, knows."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    found: list[str] = []

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            return
        try:
            msg = ForwardMsg.FromString(payload)
        except Exception:  # noqa: BLE001 — not every frame is a ForwardMsg
            return
        if msg.WhichOneof("type") == "new_session":
            found.append(msg.new_session.initialize.session_id)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return found


def cookie_value(context, name: str) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == name), None)


# --- the CLI under a memory ceiling (upload attacks) ----------------------------------------

# Far above what any legitimate check needs (< 1 Go), far below what the attacks would take.
CLI_ADDRESS_SPACE = 4 * 1024**3


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CLI_ADDRESS_SPACE, CLI_ADDRESS_SPACE))


@pytest.fixture
def attack_cli(data_dir, centre):
    """Run `python -m parcours ARGS` as a user would, under the memory ceiling; returns
    (completed process, seconds)."""

    def run(*args, env: dict | None = None, timeout: int = 300):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "parcours", *map(str, args)],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                "PYTHONPATH": str(PROJECT_ROOT),
                "PARCOURS_DATA_DIR": str(data_dir.root),
                "PARCOURS_USER": "attaquant@parcours.be",
                **(env or {}),
            },
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_ceiling,
        )
        return done, time.monotonic() - started

    return run


@pytest.fixture
def write(tmp_path):
    def write_file(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write_file
