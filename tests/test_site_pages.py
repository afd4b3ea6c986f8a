"""The public observatory as its readers get it: `parcours site` on the dashboard fixture with
2024 closed, served by `python -m http.server`, walked in chromium with and without JavaScript;
axe-core (WCAG 2.1 A/AA) finds nothing on the pages (`axed`: all with PARCOURS_AXE_ALL=1); the
open data validate as a Frictionless Data Package; a closed year's files do not change after a
later change of the served warehouse."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlparse

import duckdb
import pytest

from parcours.publish import periods, revisions
from parcours.site import build
from parcours.store.datadir import DataDir
from tests import depth
from tests.served import free_port

YEAR = 2024
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


SITE_URL = "https://observatoire.example.be/cisp/"  # the site's public root


def write_site(data_dir: DataDir, out: Path) -> None:
    sources = [build.ClosedYear(**s) for s in revisions.public_sources(data_dir)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_SITE_URL", SITE_URL)
        build.publish(data_dir, out, sources, actor="test")


@pytest.fixture(scope="module")
def closed(dashboard_warehouse, tmp_path_factory) -> DataDir:
    root = tmp_path_factory.mktemp("site-closed") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    data_dir = DataDir(root)
    periods.close(data_dir, YEAR, actor="test", today=date(2025, 2, 1))
    return data_dir


@pytest.fixture(scope="module")
def site(closed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(closed.root))
        write_site(closed, out)
    return out


def test_a_year_that_is_not_closed_is_refused_in_french(closed, tmp_path):
    env = {**os.environ, "PARCOURS_DATA_DIR": str(closed.root)}
    run = subprocess.run(
        [sys.executable, "-m", "parcours", "site", "--output", str(tmp_path), "--year", "2023"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "L'année 2023 n'est pas arrêtée" in run.stderr
    assert "Traceback" not in run.stderr
    assert not any(tmp_path.iterdir())


def test_the_open_data_are_a_valid_data_package(closed, site):
    from frictionless import Package

    package = Package(str(site / str(YEAR) / "datapackage.json"))
    assert package.title.startswith("Parcours des stagiaires")
    closed_on = periods.get(closed, YEAR).closed_on.isoformat()
    assert package.custom["parcours:closed_on"] == closed_on
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    names = {r.name for r in package.resources}
    assert {"chiffres-cles", "destinations", "freins-leves", "delais-medians"} <= names
    header = (site / str(YEAR) / "donnees" / "destinations.csv").read_text().splitlines()[0]
    assert header == "figure,year,level,level_value,dimension,category,count,base,share"


def test_a_closed_year_is_the_same_after_a_later_change(closed, site, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(closed.root, data)
    later = DataDir(data)
    with duckdb.connect(str(later.warehouse)) as conn:  # as a rebuild after uploads would
        conn.execute("delete from dim_participants where centre_id = 'CISP-NAM'")
    out = tmp_path / "again"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(data))
        write_site(later, out)
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before.keys() == after.keys()
    notes = {Path("index.html"), Path(str(YEAR), "index.html"), Path(str(YEAR), "annee.json")}
    changed = {p for p in before if before[p] != after[p]}
    assert changed <= notes, sorted(changed)[:5]
    year_page = after[Path(str(YEAR), "index.html")].decode()
    assert "Révision connue au" in year_page
    assert "Révision" not in before[Path(str(YEAR), "index.html")].decode()


@pytest.fixture(scope="module")
def served(site):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


def crawl(page, start: str) -> list[str]:
    """Every HTML page reachable by links from `start`, on the same server."""
    seen, queue = set(), [start]
    host = urlparse(start).netloc
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None and response.ok, url
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urljoin(url, href).split("#")[0]
            if urlparse(target).netloc == host and target.endswith(".html"):
                queue.append(target)
    return sorted(seen)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        yield browser
        browser.close()


def test_every_page_reads_without_javascript(browser, served, site):
    """Every page is reached by a link; each one is read in the whole suite, each template
    (`templates`) in `make test`."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    pages = crawl(page, served + "index.html")
    written = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {urlparse(u).path.lstrip("/") for u in pages} == written
    for url in pages if depth.EXHAUSTIVE else templates(pages):
        page.goto(url)
        assert page.get_attribute("html", "lang") == "fr", url
        for img in page.query_selector_all("img"):
            assert (img.get_attribute("alt") or "").strip(), url
            src = urljoin(url, img.get_attribute("src"))
            assert urllib.request.urlopen(src).status == 200
        if "/" + str(YEAR) + "/" in url and not url.endswith("index.html"):
            text = page.inner_text("body")
            assert "Définition" in text or "Source" in text, url
            if "-integrer" not in url:
                assert "Citer ce chiffre" in text and "Intégrer ce graphique" in text
                assert page.query_selector("table caption"), url
    shots = os.environ.get("PARCOURS_SITE_SCREENSHOTS")
    if shots:
        for name in ("index.html", f"{YEAR}/index.html",
                     f"{YEAR}/sector/all/destinations.html",
                     f"{YEAR}/sector/all/chronogramme.html"):  # fmt: skip
            page.goto(served + name)
            page.screenshot(path=f"{shots}/{name.replace('/', '_')}.png", full_page=True)
    context.close()


def _is_template(url: str) -> bool:
    """A page of the sector, or an index, method or data page: the other pages (a federation's,
    a centre's…) are the same templates with other numbers."""
    parts = urlparse(url).path.strip("/").split("/")
    return len(parts) < 4 or parts[1] == "sector" or parts[-1] == "index.html"


def templates(urls: list[str]) -> list[str]:
    """One page of each template: every page of the sector, every index, method and data
    page."""
    return [url for url in urls if _is_template(url)]


def axed(urls: list[str]) -> list[str]:
    """The pages axe checks: with PARCOURS_AXE_ALL=1 every page; in `make test` the templates
    (`templates`); in the whole suite also, for each other level kind, every page of its first
    value (axe over all of them takes most of an hour on a loaded 2-core machine)."""
    if os.environ.get("PARCOURS_AXE_ALL") == "1":
        return urls
    if not depth.EXHAUSTIVE:
        return templates(urls)
    chosen, first = [], {}
    for url in urls:
        parts = urlparse(url).path.strip("/").split("/")
        if _is_template(url) or first.setdefault(parts[1], parts[2]) == parts[2]:
            chosen.append(url)
    return chosen


def test_axe_finds_no_wcag_violation_on_any_page(browser, served):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context()
    page = context.new_page()
    failures = {}
    for url in axed(crawl(page, served + "index.html")):
        page.goto(url)
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        found = [v["id"] for v in result.response["violations"]]
        if found:
            failures[url] = found
    context.close()
    assert failures == {}


def test_the_keyboard_reaches_the_content_first(browser, served):
    context = browser.new_context()
    page = context.new_page()
    page.goto(served + f"{YEAR}/sector/all/destinations.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"
    # Every link is reachable by Tab.
    hrefs = set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"))
    reached = set()
    for _ in range(len(hrefs) + 6):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.getAttribute('href')"))
    assert hrefs <= reached
    context.close()


def test_each_figure_says_what_its_specification_says(site):
    """One definition per figure: the site's title, definition and source of each figure are
    its specification's (`parcours.figures`, which the dashboard and the report render too),
    on the page and in `datapackage.json`."""
    from parcours.figures import catalogue as specifications
    from parcours.site import catalogue

    package = json.loads((site / str(YEAR) / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    specs = specifications()
    for figure in catalogue.figures():
        assert figure.spec in specs, figure.id
        words = specs[figure.spec].words(
            masked=False, years=str(YEAR), year=YEAR, span=f"en {YEAR}", known="", excluded=""
        )
        text = (site / str(YEAR) / "sector" / "all" / f"{figure.id}.html").read_text("utf-8")
        title = html.unescape(re.search(r"<h1>(.*?)</h1>", text).group(1))
        definition = html.unescape(re.search(r"<strong>Définition\.</strong> (.*?)</p>", text)[1])
        source = html.unescape(re.search(r"<strong>Source\.</strong> (.*?) ;", text)[1])
        assert title.startswith(words.title + " — Secteur"), figure.id
        assert definition.startswith(words.definition), figure.id
        assert source == words.source.capitalize(), figure.id
        assert resources[figure.id]["title"] == words.title
        assert resources[figure.id]["description"] == words.definition


def test_typical_paths_are_published_under_the_typology_names(closed, site):
    """The year's entrants by typical path: every type of the frozen warehouse's typology, by
    its name, at every published level; the types add up to the entries where both are
    published; a representative path is drawn only where 10 trainees of the sector share it."""
    frozen = next(s["frozen"] for s in revisions.public_sources(closed) if s["year"] == YEAR)
    with duckdb.connect(str(frozen), read_only=True) as conn:
        types = conn.execute(
            "select path_type, any_value(path_type_name), "
            "sum(trainees) filter (where entry_year = ?) from agg_path_types "
            "group by path_type order by path_type",
            [YEAR],
        ).fetchall()
        shared = dict(
            conn.execute(
                "select distinct path_type, shared_by from agg_path_type_sequences"
            ).fetchall()
        )
    assert types, "the fixture has a typology"
    with (site / str(YEAR) / "donnees" / "parcours-types.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sector = {r["category"]: r for r in rows if r["level"] == "sector"}
    for number, _name, trainees in types:
        published = sector[str(number)]["count"]
        assert published == "" or int(published) == (trainees or 0)
    levels = {(r["level"], r["level_value"]) for r in rows}
    assert len(levels) > 5  # not the sector alone
    key = {
        r["category"]: r["count"]
        for r in csv.DictReader(
            (site / str(YEAR) / "donnees" / "chiffres-cles.csv").open(encoding="utf-8")
        )
        if r["level"] == "sector"
    }
    sizes = [sector[str(n)]["count"] for n, _, _ in types]
    if key["entries"] and all(sizes):
        assert sum(int(s) for s in sizes) == int(key["entries"])
    text = html.unescape(
        (site / str(YEAR) / "sector" / "all" / "parcours-types.html").read_text("utf-8")
    )
    for number, name, _ in types:
        assert name in text
        drawn = f"parcours-types/type-{number}.svg" in text
        assert drawn == (shared[number] >= 10), (number, shared[number])


def test_a_keyboard_walk_reaches_every_link_in_order_with_visible_focus(browser, served):
    """Tab from the top of a figure's page: the skip link first (visible once focused), then
    every link and download in the order of the page, each with a visible focus outline."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(served + f"{YEAR}/sector/all/parcours-types.html")
    # The links, and the regions that scroll on a phone (a wide table), in the page's order.
    links = page.eval_on_selector_all(
        "a[href], [tabindex='0']",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('aria-label'))",
    )
    assert any(h.endswith(".csv") for h in links)
    walked = []
    for _ in links:
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => {
                const e = document.activeElement, s = getComputedStyle(e);
                const r = e.getBoundingClientRect();
                return {href: e.getAttribute('href') || e.getAttribute('aria-label'),
                        style: s.outlineStyle,
                        width: parseFloat(s.outlineWidth), shown: r.width > 0 && r.height > 0
                        && r.right > 0 && r.bottom > 0 && r.left < innerWidth};
            }"""
        )
        assert focus["style"] != "none" and focus["width"] >= 2, focus
        assert focus["shown"], focus
        walked.append(focus["href"])
    assert walked == links
    assert walked[0] == "#contenu"
    context.close()


def test_the_citation_and_the_snippet_point_at_the_published_figure(site):
    """What a journalist copies works on another page: absolute addresses under the site's
    public root, naming files the site holds (the figure's page, its embeddable chart)."""
    pages = sorted(site.glob(f"{YEAR}/*/*/*.html"))
    figures = [p for p in pages if not p.name.endswith("-integrer.html") and p.name != "index.html"]
    assert figures
    for path in figures:
        text = html.unescape(path.read_text(encoding="utf-8"))
        address = path.relative_to(site).as_posix()
        cite = re.search(r'<p class="cite">(.*?)</p>', text, re.S).group(1)
        assert cite.endswith(", " + SITE_URL + address), (address, cite)
        embedded = re.search(r'<iframe src="([^"]+)"', text).group(1)
        assert embedded.startswith(SITE_URL)
        assert (site / embedded.removeprefix(SITE_URL)).is_file(), embedded
