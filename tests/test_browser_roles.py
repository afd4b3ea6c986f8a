"""Every page for every role in a real browser (Streamlit served as in production, Playwright on
Debian's chromium), in one walk per role:

- no English interface text anywhere a person reads — visible text, and the `aria-label` /
  `title` / `placeholder` a screen reader reads — and a screenshot of each page;
- the dashboard for everyone: axe-core (WCAG 2.1 A/AA) finds no serious or critical violation on
  the sign-in form and on every page; the page says it is French; every chart is described in
  French to screen readers (none of Vega's English), and the « Copy Vega-Lite spec » button is
  not offered.

Streamlit's own texts are rewritten by `parcours.dashboard.french`; this test fails on any that
slips through (a new Streamlit version, a new widget). Screenshots (1280 × 900) go to
tests/artifacts/roles/, or to $PARCOURS_SCREENSHOTS (docs/screenshots/ for the closing note:
`PARCOURS_SCREENSHOTS=docs/screenshots pytest tests/test_browser_roles.py`).

Waits are on the app's own state (`data-test-script-state`) and on the charts being drawn.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from parcours.dashboard import navigation
from parcours.store.datadir import PROJECT_ROOT
from tests.conftest import DASHBOARD_PASSWORD
from tests.served import start_server, stop_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, HOURS, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SERIOUS = {"serious", "critical"}
VEGA_ENGLISH = re.compile(r"Vega visualization|axis titled|for a (linear|discrete|time) scale")

# `make test` walks as the administrator, who is offered every page; the other roles' walks
# (the same pages, fewer of them, in other scopes) are for `make test-all`.
_OTHER_ROLES = pytest.mark.exhaustive
ROLES = [
    # (file name prefix, email, role)
    pytest.param("centre", "nam@centre.be", "centre", marks=_OTHER_ROLES, id="centre"),
    pytest.param(
        "federation-acfi",
        "acfi@federation.be",
        "federation",
        marks=_OTHER_ROLES,
        id="federation-acfi",
    ),
    pytest.param(
        "interfede", "interfede@federation.be", "federation", marks=_OTHER_ROLES, id="interfede"
    ),
    pytest.param("analyst", "analyste@parcours.be", "analyst", marks=_OTHER_ROLES, id="analyst"),
    pytest.param("admin", "admin@parcours.be", "admin", id="admin"),
]
# The heading of « Se situer » each role meets on Freins levés (dashboard/benchmark.py).
SE_SITUER = {
    "centre": "Se situer : le centre, sa fédération, le secteur",
    "federation": "Se situer : d'un centre à l'autre",
    "analyst": "Se situer : d'un centre à l'autre",
    "admin": "Se situer : d'un centre à l'autre",
}
# Streamlit's English, as a person would meet it (whole words).
ENGLISH = [
    "Browse files",
    "Drag and drop",
    "Download",
    "Search",
    "Page not found",
    "Running",
    "Limit 200MB",
    "per file",
    "Upload",
    "Deploy",
    "Stop",
    "Rerun",
    "Clear cache",
    "Settings",
    "Print",
    "Record a screencast",
    "About",
    "Choose an option",
    "No results",
    "Press Enter",
    "Fullscreen",
    "Skip to main content",
    "Show/hide columns",
    "Sort ascending",
    "Made with Streamlit",
    "Loading",
    "Help for",
    "file upload",
    "View more",
    "Main menu",
    "Close",
    "Open",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")

# What a person reads: visible text (icons' ligature names excluded: they show as icons) and the
# accessible names and hints of the elements on screen.
READ_TEXT = """() => {
  const out = [];
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden') return false;
    }
    return true;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = (node.nodeValue || '').trim();
    const el = node.parentElement;
    const skipped = '[data-testid=stIconMaterial], script, style, noscript';
    if (!text || !el || el.closest(skipped)) continue;
    if (shown(el)) out.push(text);
  }
  document.querySelectorAll('[aria-label], [title], [placeholder]').forEach((el) => {
    if (!shown(el)) return;
    for (const name of ['aria-label', 'title', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  });
  return out;
}"""


def screenshots_dir() -> Path:
    folder = os.environ.get("PARCOURS_SCREENSHOTS")
    path = (
        (PROJECT_ROOT / folder if not Path(folder).is_absolute() else Path(folder))
        if folder
        else Path(__file__).parent / "artifacts" / "roles"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(dashboard_warehouse, tmp_path_factory):
    """`streamlit run app.py` on a copy of the dashboard fixture's data folder."""
    root = tmp_path_factory.mktemp("roles") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    log = tmp_path_factory.mktemp("roles-log") / "streamlit.log"
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


def charts_drawn(page) -> None:
    """Wait until every chart on the page has its canvas or SVG."""
    from playwright.sync_api import expect

    charts = page.locator("[data-testid='stVegaLiteChart']")
    for i in range(charts.count()):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_attached()


def shot(page, path: Path) -> None:
    """A screenshot of the viewport, kept small (a 256-colour PNG: the pages are flat colours)."""
    from PIL import Image

    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def english_on(page) -> list[str]:
    # The translation script installs itself once the page has drawn it (`french.py` sets this
    # flag after its first pass): wait on that, not on time.
    page.wait_for_function("() => window.__parcoursFrench === true")
    return sorted({t for t in page.evaluate(READ_TEXT) if ENGLISH_RE.search(t)})


def accessibility_problems(page) -> list[str]:
    """axe's serious and critical violations, a page not in French, Vega's English, a visible
    « Copy Vega-Lite spec » button."""
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


@pytest.mark.parametrize(("prefix", "email", "role"), ROLES)
def test_every_page_reads_in_french_and_passes_axe(server, browser, prefix, email, role):
    """One walk per role checks both (it was two walks, one per check: issue 17, item 6)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    page = context.new_page()
    page.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    found: dict[str, list[str]] = {}
    axe: dict[str, list[str]] = {}
    try:
        page.goto(server)
        settle(page)
        found["connexion"] = english_on(page)
        axe["connexion"] = accessibility_problems(page)
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(DASHBOARD_PASSWORD)
        found["connexion (saisie)"] = english_on(page)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
        settle(page)
        for items in navigation.pages_for(role).values():
            for path, title, _ in items:
                name = Path(path).stem
                page.locator("[data-testid='stSidebarNav']").get_by_role(
                    "link", name=title, exact=True
                ).click()
                expect(
                    page.locator("[data-testid='stSidebarNav'] a[aria-current='page']")
                ).to_have_text(re.compile(re.escape(title)))
                settle(page)
                charts_drawn(page)
                found[name] = english_on(page)
                shot(page, screenshots_dir() / f"{prefix}-{name}.png")
                # axe with a chart hovered (its tooltip and focus styles drawn), after the
                # screenshot so that the committed screenshots show no tooltip.
                charts = page.locator("[data-testid='stVegaLiteChart']")
                if charts.count():
                    charts.first.hover()
                axe[name] = accessibility_problems(page)
                page.mouse.move(0, 0)  # the tooltip goes: the rest of the walk reads the page
                if name == "freins":
                    # « Se situer »: a centre beside its federation and the sector; anyone who
                    # sees several centres, their spread.
                    heading = page.get_by_role("heading", name=SE_SITUER[role])
                    heading.scroll_into_view_if_needed()
                    expect(heading).to_be_visible()
                    if role == "centre":
                        expect(page.get_by_text("Votre centre").first).to_be_visible()
                    found["freins (se situer)"] = english_on(page)
                    shot(page, screenshots_dir() / f"{prefix}-freins-se-situer.png")
                if name == "televerser" and role == "centre":
                    # A file in the drop zone: its name, size and remove button read French.
                    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                        files=[{"name": "heures.csv", "mimeType": "text/csv", "buffer": HOURS}]
                    )
                    expect(page.get_by_text("heures.csv")).to_be_visible()
                    settle(page)
                    found["televerser (fichier déposé)"] = english_on(page)
    finally:
        context.close()
    english = {where: texts for where, texts in found.items() if texts}
    failures = {where: issues for where, issues in axe.items() if issues}
    assert not english and not failures, f"English: {english}\n" + "\n".join(
        f"{w}: {i}" for w, issues in failures.items() for i in issues
    )
