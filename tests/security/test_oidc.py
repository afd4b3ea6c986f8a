"""Sign-in through an OpenID Connect provider, end to end: a local test provider
(`oidc-provider-mock`, on 127.0.0.1), the real server configured with Streamlit's `[auth]`
secrets (then `st.login` is the sign-in), headless chromium. A known e-mail opens its role's
pages, the deep link it started from included; an unknown e-mail is refused in French; the
session survives a reload; logout ends it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.security.conftest import (
    copy_data,
    settle,
    shot,
    signed_in,
    start_server,
    stop_server,
    wait_for_cookie,
)
from tests.served import free_port

pytestmark = pytest.mark.browser
pytest.importorskip("oidc_provider_mock")
pytest.importorskip("authlib")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("oidc-log") / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the OIDC test provider did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def oidc_server(dashboard_warehouse, tmp_path_factory, provider):
    root = copy_data(dashboard_warehouse, tmp_path_factory, "oidc")
    port = free_port()
    secrets = tmp_path_factory.mktemp("oidc-secrets") / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "un-secret-de-test-pour-les-cookies"\n'
        'client_id = "parcours"\n'
        'client_secret = "secret-de-test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    log = tmp_path_factory.mktemp("oidc-log") / "streamlit.log"
    running = start_server(root, log, args=("--secrets.files", str(secrets)), port=port)
    yield running
    stop_server(running)


def sign_in_at_provider(page, subject: str) -> None:
    """The provider's own form: type the subject (the mock uses it as the e-mail)."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("input[name='sub']")).to_be_visible()
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def test_a_known_email_opens_its_pages_from_the_deep_link(oidc_server, context):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(f"{oidc_server.url}/partenariats?annees=2024-2024")
    settle(page)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    expect(page.get_by_label("Mot de passe")).to_have_count(0)  # no password form
    shot(page, "oidc-0-connexion")
    sign_in_at_provider(page, "acfi@federation.be")
    expect(page.get_by_role("heading", name="Partenariats", exact=True)).to_be_visible()
    signed_in(page)
    assert "/partenariats" in page.url and "annees=2024-2024" in page.url, page.url
    shot(page, "oidc-1-partenariats")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_role("link", name="Téléverser")).to_have_count(0)
    success = [r for r in oidc_server.audit("login_success") if r["actor"] == "acfi@federation.be"]
    assert success and success[-1]["detail"]["method"] == "oidc"
    wait_for_cookie(context)

    page.reload()
    expect(page.get_by_role("heading", name="Partenariats", exact=True)).to_be_visible()
    signed_in(page)

    page.get_by_role("button", name="Se déconnecter").click()
    # Streamlit's st.logout also ends the session at the provider (its own confirmation page).
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    settle(page)
    page.reload()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    settle(page)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    assert [r["action"] for r in oidc_server.audit() if r["actor"] == "acfi@federation.be"][
        -1
    ] == "logout"


def test_an_unknown_email_is_refused_in_french(oidc_server, context):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(oidc_server.url)
    settle(page)
    sign_in_at_provider(page, "inconnu@ailleurs.be")
    expect(page.get_by_text("Votre compte n'a pas accès à Parcours")).to_be_visible()
    settle(page)
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)
    expect(page.get_by_role("heading", name="Accueil")).to_have_count(0)
    shot(page, "oidc-2-inconnu")
    refused = oidc_server.audit("login_failure")
    assert refused[-1]["actor"] == "inconnu@ailleurs.be"
    assert refused[-1]["detail"]["method"] == "oidc"
