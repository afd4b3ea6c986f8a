"""Issue 17, done when: « tried as a centre would in chromium: store an upload, go to another page
at once, and see the new figures there within seconds ». The build belongs to no page: leaving
Téléverser right after « Confirmer » does not cancel it, and Accueil follows it (its status line
says when the data will show, then the page runs again by itself with the new warehouse)."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.conftest import DASHBOARD_PASSWORD
from tests.served import start_server, stop_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, arrive, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# 100 more hours in 2024 for N08 (in training then): Accueil's « Heures de formation » grows.
HOURS = b"participant_id;month;hours\nN08;06/2024;100\n"


@pytest.fixture(scope="module")
def server(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("upload-to-figures") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    for cache in root.glob("build/target/partial_parse.msgpack"):
        cache.unlink()  # parsed for the original folder's paths
    log = tmp_path_factory.mktemp("upload-to-figures-log") / "streamlit.log"
    running = start_server(root, log, script="serve.py", start_within_s=90)
    yield running
    stop_server(running)


def hours_metric(page):
    """The key figure « Heures de formation » of the year shown (the first metric so named)."""
    return (
        page.locator("[data-testid='stMetric']")
        .filter(has_text="Heures de formation")
        .first.locator("[data-testid='stMetricValue']")
    )


def go(page, link: str, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link, exact=True).click()
    arrive(page, title)


def test_a_centre_uploads_leaves_at_once_and_sees_its_new_figures(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-BE")
        page = context.new_page()
        page.set_default_timeout(90_000)
        expect.set_options(timeout=90_000)
        page.goto(server.url)
        page.get_by_label("Adresse e-mail").fill("nam@centre.be")
        page.get_by_label("Mot de passe").fill(DASHBOARD_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
        go(page, "Accueil", "Accueil")
        expect(hours_metric(page)).to_be_visible()
        before = hours_metric(page).inner_text()

        go(page, "Téléverser", "Téléverser des exports")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            files=[{"name": "heures-juin.csv", "mimeType": "text/csv", "buffer": HOURS}]
        )
        check = page.get_by_role("button", name="1. Vérifier les fichiers (rien n'est enregistré)")
        expect(check).to_be_visible()
        settle(page)
        check.click()
        expect(page.get_by_text("1 seront enregistrées, 0 en quarantaine")).to_be_visible()
        settle(page)
        page.get_by_role("button", name="2. Confirmer et enregistrer").click()
        expect(page.get_by_role("heading", name="Fichiers enregistrés")).to_be_visible()
        stored = time.monotonic()

        # At once to another page: the build goes on without Téléverser.
        go(page, "Accueil", "Accueil")
        expect(hours_metric(page)).not_to_have_text(before, timeout=240_000)
        seen_after = time.monotonic() - stored
        expect(page.get_by_text("à jour dans les pages")).to_be_visible()
        settle(page)
        after = hours_metric(page).inner_text()
        print(f"upload → new figure on Accueil: {seen_after:.1f} s ({before} → {after})")
        context.close()
        browser.close()

    def hours(text: str) -> float:
        digits = "".join(c for c in text if c.isdigit() or c == ",")
        return float(digits.replace(",", "."))

    assert hours(after) == pytest.approx(hours(before) + 100)
    builds = [a for a in server.audit("build")]
    assert builds and "nam@centre.be" in builds[-1]["actor"]
