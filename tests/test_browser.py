"""The dashboard in a real browser: Streamlit served as in production, driven by Playwright on
Debian's chromium. Signs in as an admin, opens one trainee's path, uploads a file on
« Téléverser » (dry run, then confirm), and checks that no exception box ever appears (every page
for every role: `test_browser_roles`). Screenshots go to tests/artifacts/ (git-ignored) for a
person to look at.

Waits are on the app's own state (`data-test-script-state`), never on sleeps.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DASHBOARD_PASSWORD
from tests.served import start_server, stop_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOURS = "participant_id;month;hours\nN08;06/2024;41,5\nN07;06/2024;beaucoup\n".encode("cp1252")


@pytest.fixture(scope="module")
def server(dashboard_warehouse, tmp_path_factory):
    """`streamlit run serve.py` (app.py behind its access gate, as in production) on a copy of
    the fixture's data folder (the upload changes it)."""
    root = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    running = start_server(root, log, script="serve.py", start_within_s=60)
    yield running.url
    stop_server(running)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 2400}, locale="fr-BE")
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        # The waits are on the app's state; their bound covers a loaded 2-core machine where the
        # other browser module (test_browser_roles) runs at the same time (Playwright's 5 s
        # default for `expect` timed out there while the page was still running).
        expect.set_options(timeout=60_000)
        tab.goto(server)
        yield tab
        context.close()
        browser.close()


def settle(page) -> None:
    """Wait until the script has finished its run, then check that no exception is shown."""
    from playwright.sync_api import expect

    expect(
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    ).to_be_attached()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def arrive(page, title: str) -> None:
    """Wait for the page titled `title` to be shown and its run to be over. While a new run
    replaces the old one, both can be in the page for a moment (the sidebar link to the page
    already shown reruns it), so the heading is awaited first, then exactly one must be left."""
    from playwright.sync_api import expect

    heading = page.get_by_role("heading", name=title, exact=True)
    expect(heading.first).to_be_visible()
    settle(page)
    expect(heading).to_have_count(1)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_sign_in_then_an_individual_path_in_a_real_browser(page):
    """The walk through every page is `test_browser_roles` (once per role, the admin's
    included: no exception box, French everywhere); here, what it does not do: the sign-in
    screen before anything, and one trainee's path opened from its selector."""
    from playwright.sync_api import expect

    # Nothing before login.
    expect(page.get_by_text("Connexion")).to_be_visible()
    settle(page)
    shot(page, "0-connexion")
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)
    page.get_by_label("Adresse e-mail").fill("admin@parcours.be")
    page.get_by_label("Mot de passe").fill(DASHBOARD_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
    settle(page)

    page.locator("[data-testid='stSidebarNav']").get_by_role(
        "link", name="Parcours", exact=True
    ).click()
    arrive(page, "Parcours individuels")
    # A path with a setback, partnerships, milestones and follow-ups.
    page.locator("[data-testid='stSelectbox']").nth(1).click()
    page.get_by_role("option", name="N02 — entrée le 04/09/2023, sortie le 15/03/2024").click()
    expect(page.get_by_text("Sortie : 15/03/2024 — Emploi CDD")).to_be_visible()
    settle(page)
    shot(page, "5b-parcours-n02")


def test_upload_dry_run_then_confirm(page):
    from playwright.sync_api import expect

    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Téléverser").click()
    arrive(page, "Téléverser des exports")
    # The admin picks the centre (a centre user has its own, fixed).
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Atelier du Confluent (CISP-NAM)").click()
    settle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "heures-juin.csv", "mimeType": "text/csv", "buffer": HOURS}]
    )
    check = page.get_by_role("button", name="1. Vérifier les fichiers (rien n'est enregistré)")
    expect(check).to_be_visible()
    settle(page)
    check.click()
    expect(page.get_by_text("1 seront enregistrées, 1 en quarantaine")).to_be_visible()
    settle(page)
    page.get_by_text("Lignes en quarantaine et leurs motifs").click()
    expect(page.get_by_text("« Ligne » compte les lignes de données")).to_be_visible()
    expect(
        page.locator("[data-testid='stExpanderDetails'] [data-testid='stDataFrame']")
    ).to_be_visible()
    page.wait_for_timeout(500)  # the grid paints its cells after it becomes visible
    shot(page, "7b-televerser-verification")
    page.get_by_role("button", name="2. Confirmer et enregistrer").click()
    expect(page.get_by_role("heading", name="Fichiers enregistrés")).to_be_visible()
    expect(page.get_by_text("1 enregistrées, 1 en quarantaine")).to_be_visible()
    settle(page)
    # No rebuild button: the build was asked of the build worker; the status line follows it.
    expect(page.get_by_text("Les pages se mettent à jour toutes seules")).to_be_visible()
    shot(page, "7c-televerser-enregistre")
