"""The declared-dimension workbook dropped on Téléverser in a real browser (Playwright, Debian's
chromium, `streamlit run` as in production), signed in as a centre: the page answers with the
French refusal, and the same server keeps serving (health check, then a valid file checked)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.conftest import DASHBOARD_PASSWORD
from tests.security import attacks
from tests.test_browser import page, server  # noqa: F401 — fixtures of the harness

pytestmark = pytest.mark.browser
# The machine is shared and often loaded: a script run may take longer than Playwright's default
# 5 s of `expect`. Waits are still on the app's own state.
WAIT = 60_000


def settle(page) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect(
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    ).to_be_attached(timeout=WAIT)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_attack_file_through_the_real_upload(page, server):  # noqa: F811
    from playwright.sync_api import expect

    expect(page.get_by_text("Connexion")).to_be_visible(timeout=WAIT)
    page.get_by_label("Adresse e-mail").fill("nam@centre.be")
    page.get_by_label("Mot de passe").fill(DASHBOARD_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible(timeout=WAIT)
    settle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Téléverser").click()
    expect(page.get_by_role("heading", name="Téléverser des exports")).to_be_visible(timeout=WAIT)
    settle(page)
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "freins.xlsx", "mimeType": mime, "buffer": attacks.xlsx_dimension_bomb()}]
    )
    check = page.get_by_role("button", name="1. Vérifier les fichiers (rien n'est enregistré)")
    expect(check).to_be_visible(timeout=WAIT)
    settle(page)
    check.click()
    expect(page.get_by_text("Fichier refusé : freins.xlsx —")).to_be_visible(timeout=WAIT)
    extent = page.get_by_text("1 048 576 lignes × 16 384 colonnes", exact=False)
    expect(extent).to_be_visible(timeout=WAIT)
    settle(page)
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as response:
        assert response.status == 200
    # The same server, the same session: a valid file is checked as usual.
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "heures.csv", "mimeType": "text/csv", "buffer": attacks.VALID_HOURS_CSV}]
    )
    settle(page)
    page.get_by_role("button", name="1. Vérifier les fichiers (rien n'est enregistré)").click()
    expect(page.get_by_text("2 seront enregistrées, 0 en quarantaine")).to_be_visible(timeout=WAIT)
    settle(page)
