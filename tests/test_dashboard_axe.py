"""The dashboard for everyone: axe-core (WCAG 2.1 A/AA) in chromium finds no serious or critical
violation on the sign-in form and on every page of every role; the page says it is French; every
chart is described in French to screen readers (none of Vega's English), and the « Copy Vega-Lite
spec » button is not offered."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from parcours.dashboard import navigation
from tests.conftest import DASHBOARD_PASSWORD
from tests.served import start_server, stop_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, settle
from tests.test_browser_roles import ROLES, charts_drawn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SERIOUS = {"serious", "critical"}
VEGA_ENGLISH = re.compile(r"Vega visualization|axis titled|for a (linear|discrete|time) scale")


@pytest.fixture(scope="module")
def server(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("axe") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    log = tmp_path_factory.mktemp("axe-log") / "streamlit.log"
    running = start_server(root, log, script="app.py", start_within_s=90)
    yield running.url
    stop_server(running)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_function("() => window.__parcoursFrench === true")
    found = [
        f"{v['id']} ({v['impact']}): {n['target']} {n['html'][:160]} — "
        f"{n.get('failureSummary', '')[:200]}"
        for v in Axe().run(page, options=AXE).response["violations"]
        if v["impact"] in SERIOUS
        for n in v["nodes"]
    ]
    if page.get_attribute("html", "lang") != "fr":
        found.append("html lang is not fr")
    labels = page.eval_on_selector_all(
        "[data-testid='stVegaLiteChart'] *",
        "els => els.flatMap(e => [e.getAttribute('aria-label'),"
        " e.getAttribute('aria-roledescription')])",
    )
    found += [f"Vega's English: {t}" for t in labels if t and VEGA_ENGLISH.search(t)]
    copy = page.locator("button[aria-label^='Copy Vega-Lite spec']")
    found += (
        [f"visible copy button x{copy.count()}"]
        if any(copy.nth(i).is_visible() for i in range(copy.count()))
        else []
    )
    return found


@pytest.mark.parametrize(("prefix", "email", "role"), ROLES, ids=[r[0] for r in ROLES])
def test_no_serious_accessibility_violation_on_any_page(server, browser, prefix, email, role):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    page = context.new_page()
    page.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    found: dict[str, list[str]] = {}
    try:
        page.goto(server)
        settle(page)
        found["connexion"] = problems(page)
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(DASHBOARD_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
        settle(page)
        for items in navigation.pages_for(role).values():
            for path, title, _ in items:
                page.locator("[data-testid='stSidebarNav']").get_by_role(
                    "link", name=title, exact=True
                ).click()
                expect(
                    page.locator("[data-testid='stSidebarNav'] a[aria-current='page']")
                ).to_have_text(re.compile(re.escape(title)))
                settle(page)
                charts_drawn(page)
                page.locator("[data-testid='stVegaLiteChart']").first.hover() if page.locator(
                    "[data-testid='stVegaLiteChart']"
                ).count() else None
                found[Path(path).stem] = problems(page)
    finally:
        context.close()
    failures = {where: issues for where, issues in found.items() if issues}
    assert not failures, "\n".join(f"{w}: {i}" for w, issues in failures.items() for i in issues)
