"""Downloads under attack, in a real browser on the real server: a centre's file carries
spreadsheet formulas (in a value, in its file name); the quarantine report and the upload
history that another person downloads hold them neutralised; the export is audited when its
bytes are produced, not when the button is drawn; the file's URL is worth nothing without the
session that asked for it, nor after that session ended."""

from __future__ import annotations

import pytest
import requests

from tests.security.conftest import login, settle, shot, signed_in

pytestmark = pytest.mark.browser

FORMULA = '=HYPERLINK("http://x","y")'
FILE_NAME = "=cmd+partenaires.csv"
PARTNERSHIPS = (
    "participant_id;started_on;partner_type;partner_name;purpose;ended_on;result\n"
    f'N01;02/04/2024;driving_school;"{FORMULA.replace(chr(34), chr(34) * 2)}";social_support;;\n'
    f'N02;03/04/2024;"{FORMULA.replace(chr(34), chr(34) * 2)}";@SUM(A1);social_support;;\n'
    "N03;04/04/2024;employer;-2+3;internship;;\n"
).encode()


def open_page(page, link: str, heading: str) -> None:
    from playwright.sync_api import expect

    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    settle(page)


def download(button):
    with button.page.expect_download() as info:
        button.click()
    return info.value


CSV_BUTTON = "Télécharger le tableau (CSV)"


def test_formulas_in_a_centres_file_come_back_neutralised(server, context, browser):
    from playwright.sync_api import expect

    # Another person, signed in elsewhere: a live session, but not the one that downloads.
    other = browser.new_context()
    other_page = other.new_page()
    other_page.goto(server.url)
    login(other_page, "nam@centre.be")
    signed_in(other_page)
    other_page.wait_for_timeout(500)
    theirs = {c["name"]: c["value"] for c in other.cookies()}
    other.close()
    assert "parcours_session" in theirs

    page = context.new_page()
    page.goto(server.url)
    login(page, "admin@parcours.be")
    signed_in(page)
    open_page(page, "Téléverser", "Téléverser des exports")
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Atelier du Confluent (CISP-NAM)").click()
    settle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": PARTNERSHIPS}]
    )
    check = page.get_by_role("button", name="1. Vérifier les fichiers (rien n'est enregistré)")
    expect(check).to_be_visible()
    settle(page)
    before = len(server.audit("export"))
    check.click()
    settle(page)
    page.get_by_text("Lignes en quarantaine et leurs motifs").click()
    settle(page)
    assert len(server.audit("export")) == before, "drawing a download button exports nothing"

    report = download(
        page.locator("[data-testid='stExpanderDetails']").get_by_role("button", name=CSV_BUTTON)
    )
    name = report.suggested_filename
    assert not name.startswith(("=", "+", "-", "@")) and name.endswith(".csv")
    text = report.path().read_bytes().decode("utf-8-sig")
    assert f"'{FORMULA}".replace('"', '""') in text
    assert ";" + FORMULA.replace('"', '""') not in text and f'"{FORMULA}' not in text
    exports = server.audit("export")
    assert len(exports) == before + 1
    assert exports[-1]["actor"] == "admin@parcours.be"
    assert exports[-1]["detail"]["file"] == name

    # The download's own URL: useless without the session's cookie, or with another live
    # session's (asked before any other script run, which would prune the file).
    url = report.url
    assert "/media/" in url
    assert requests.get(url, timeout=30).status_code == 403
    assert requests.get(url, cookies=theirs, timeout=30).status_code == 403
    mine = {c["name"]: c["value"] for c in context.cookies()}
    assert requests.get(url, cookies=mine, timeout=30).status_code == 200
    assert len(server.audit("export")) == before + 1, "fetching the URL again is no new export"

    # Confirm: the history shows the file name; its download holds it neutralised.
    page.get_by_role("button", name="2. Confirmer et enregistrer").click()
    expect(page.get_by_role("heading", name="Fichiers enregistrés")).to_be_visible()
    settle(page)
    history = download(page.get_by_role("button", name=CSV_BUTTON).last)
    rows = history.path().read_bytes().decode("utf-8-sig")
    assert f";'{FILE_NAME};" in rows
    assert f";{FILE_NAME};" not in rows
    shot(page, "downloads-televerser")

    # After logout, the URL is dead even with the old cookie.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    settle(page)
    assert requests.get(url, cookies=mine, timeout=30).status_code == 403
