"""Every download arrives whole in a real browser (chromium, which asks for gzip), per role: the
yearly report (PDF and HTML), an Excel template, and the largest CSV of every page the role is
offered. Each file's bytes are compared with what the library produces on its own (the report
and the template by their own functions, a page's tables by the same page run without the
network in AppTest). The file's URL stays worth nothing without the session that produced it,
whatever the encoding asked for.

Cost: one server for the module, one sign-in per role.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import requests

from parcours.core import dates
from parcours.dashboard import navigation
from tests.conftest import DASHBOARD_USERS, app_as, dashboard_user
from tests.security.conftest import login, settle, signed_in

pytestmark = pytest.mark.browser

# `make test` downloads as the administrator, who is offered every page; the other roles' walks
# (the same downloads on fewer pages, in other scopes) are for `make test-all`.
_OTHER_ROLE = pytest.mark.exhaustive
ROLES = [
    pytest.param("nam@centre.be", marks=_OTHER_ROLE),
    pytest.param("acfi@federation.be", marks=_OTHER_ROLE),
    pytest.param("analyste@parcours.be", marks=_OTHER_ROLE),
    "admin@parcours.be",
]
SMALLEST_INTERESTING = 1000  # Streamlit gzips /media answers from this size on


def key_class(key: str) -> str:
    """The CSS class Streamlit's frontend gives an element with a user key."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def reveal(page, locator) -> None:
    """Open the closed expanders until the button shows (a closed one draws nothing inside)."""
    closed = page.locator("[data-testid='stExpander'] details:not([open]) > summary")
    while not locator.first.is_visible() and closed.count():
        closed.first.click()
        page.wait_for_timeout(200)
    locator.wait_for(state="visible")


def click_download(page, locator):
    reveal(page, locator)
    with page.expect_download() as info:
        locator.click()
    download = info.value
    return download, download.path().read_bytes()


def open_page(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    page.wait_for_timeout(300)
    settle(page)


# --- what the library produces ---------------------------------------------------------------


def page_csvs(email: str, path: str, monkeypatch) -> dict[str, tuple[str, bytes]]:
    """file name -> (button key, bytes) of every CSV the page offers, produced by the page run
    in AppTest (no browser, no network)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict[str, tuple[str, object]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        if file_name and file_name.endswith(".csv"):
            found[file_id] = (file_name, data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    at = app_as(email, path)
    assert not at.exception
    monkeypatch.undo()
    result = {}
    for button in at.get("download_button"):
        entry = found.get(button.proto.deferred_file_id)
        if entry is None:
            continue
        name, produce = entry
        result[name] = (user_key(button.proto.id), produce())
    return result


def user_key(element_id: str) -> str:
    """The key the page gave a widget, from Streamlit's element id (`$$ID-<hash>-<key>`)."""
    parts = element_id.split("-", 2)
    assert len(parts) == 3, element_id
    return parts[2]


def same_xlsx(got: bytes, expected: bytes) -> bool:
    """The same workbook: every part byte for byte, but the creation time in docProps/core.xml."""
    a, b = zipfile.ZipFile(io.BytesIO(got)), zipfile.ZipFile(io.BytesIO(expected))
    if a.namelist() != b.namelist():
        return False
    stamp = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
    return all(
        (stamp.sub(b"", a.read(n)) == stamp.sub(b"", b.read(n)))
        if n == "docProps/core.xml"
        else a.read(n) == b.read(n)
        for n in a.namelist()
    )


def expected_report(data_dir, user, subject_name: str, year: int, format_: str, data: bytes):
    """The report the library writes for that scope and year; a PDF with the download's own
    creation time (typst stamps the second it was made)."""
    from parcours.publish import report as reports
    from parcours.publish import subjects, typeset
    from parcours.store import opstore

    with opstore.connected(data_dir.ops_db) as conn:
        (subject,) = [s for s in subjects.subjects_for(conn, user) if s.name == subject_name]
    if format_ == "pdf":
        stamp = re.search(rb"/CreationDate ?\(D:(\d{14})", data)
        assert stamp, "the PDF carries its creation time"
        made = datetime.strptime(stamp.group(1).decode(), "%Y%m%d%H%M%S").replace(tzinfo=UTC)

        class Clock(datetime):
            @classmethod
            def now(cls, tz=None):
                return made

        original = typeset.datetime
        typeset.datetime = Clock
        try:
            return reports.produce(data_dir, subject, year, format_, actor="test").data
        finally:
            typeset.datetime = original
    return reports.produce(data_dir, subject, year, format_, actor="test").data


# --- the test -----------------------------------------------------------------------------


@pytest.fixture
def as_served(server, monkeypatch):
    """The library reads the server's own data folder."""
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(server.data_dir.root))
    return server


def check_url(url: str, cookies: dict, expected: bytes) -> None:
    """The file's URL, fetched as any client would: whole whatever the encoding asked for;
    nothing without the session's cookie."""
    for encoding in ("gzip", "identity", "gzip, deflate, br", "*"):
        got = requests.get(url, cookies=cookies, headers={"Accept-Encoding": encoding}, timeout=60)
        assert got.status_code == 200, (encoding, got.status_code)
        assert got.content == expected, encoding
    ranged = requests.get(
        url, cookies=cookies, headers={"Range": "bytes=0-99", "Accept-Encoding": "identity"}
    )
    assert ranged.status_code == 206 and ranged.content == expected[:100]
    assert requests.get(url, timeout=60).status_code == 403
    assert requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=60).status_code == 403


@pytest.mark.parametrize("email", ROLES)
def test_every_download_arrives_whole(as_served, browser, email, monkeypatch):
    server = as_served
    role = DASHBOARD_USERS[email][0]
    user = dashboard_user(email)
    context = browser.new_context(
        viewport={"width": 1400, "height": 1600}, locale="fr-BE", accept_downloads=True
    )
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(server.url)
    login(page, email)
    signed_in(page)
    cookies = {}
    checked: list[str] = []
    try:
        for section in navigation.pages_for(role).values():
            for path, title, _ in section:
                open_page(page, title)
                if path == "pages/rapport.py":
                    checked += check_reports(page, server, user, cookies_of(context))
                if path == "pages/televerser.py":
                    checked.append(check_template(page, cookies_of(context)))
                if path == "pages/journal.py":
                    checked.append(check_journal(page, server, monkeypatch))
                    continue
                expected = page_csvs(email, path, monkeypatch)
                if not expected:
                    continue
                name, (key, data) = max(expected.items(), key=lambda item: len(item[1][1]))
                button = page.locator(f".{key_class(key)}").get_by_role("button")
                download, got = click_download(page, button)
                assert download.suggested_filename == name
                assert got == data, f"{title}: {name} differs from what the page produces"
                checked.append(f"{title}: {name} ({len(got)} o)")
                cookies = cookies_of(context)
                if len(got) >= SMALLEST_INTERESTING:
                    check_url(download.url, cookies, data)
    finally:
        context.close()
    large = [c for c in checked if int(c.rsplit("(", 1)[1].split()[0]) >= SMALLEST_INTERESTING]
    assert large, checked
    print(email, *checked, sep="\n  ")


def cookies_of(context) -> dict:
    return {c["name"]: c["value"] for c in context.cookies()}


def check_reports(page, server, user, cookies) -> list[str]:
    # What the person sees chosen when the page opens.
    year = int(page.locator(f".{key_class('report_year')}").get_by_role("combobox").input_value())
    subject = page.locator(f".{key_class('report_subject')}").get_by_role("combobox").input_value()
    done = []
    for format_, label in (("pdf", "PDF (à imprimer)"), ("html", "Page HTML (à lire à l'écran)")):
        page.get_by_text(label, exact=True).click()
        settle(page)
        page.get_by_role("button", name="Préparer le rapport").click()
        settle(page)
        button = page.locator(f".{key_class('report_download')}").get_by_role("button")
        download, got = click_download(page, button)
        assert download.suggested_filename.endswith(f".{format_}")
        expected = expected_report(server.data_dir, user, subject, year, format_, got)
        assert got == expected, f"the {format_} report differs from the library's"
        check_url(download.url, cookies, got)
        done.append(f"rapport {format_} {subject} {year} ({len(got)} o)")
    return done


def check_template(page, cookies) -> str:
    from parcours.publish import templates

    kind = templates.kinds()[0]  # the one selected when the page opens
    button = page.locator(f".{key_class('dl_template')}").get_by_role("button")
    download, got = click_download(page, button)
    assert download.suggested_filename == f"modele-{kind}.xlsx"
    assert same_xlsx(got, templates.template_bytes(kind))
    check_url(download.url, cookies, got)
    return f"modèle {kind} ({len(got)} o)"


def check_journal(page, server, monkeypatch) -> str:
    """The audit log changes with every click (the download itself is written to it): its CSV is
    compared with the log read right after, less that very line."""
    from parcours.dashboard.ui import csv_bytes
    from parcours.store import audit_log

    button = page.locator(f".{key_class('dl_journal_audit')}").get_by_role("button")
    download, got = click_download(page, button)
    today = dates.today()  # the page's default period
    table = audit_log.entries(server.data_dir, None, None, today - timedelta(days=30), today)
    assert table["Action"][0] == audit_log.ACTION_LABELS["export"]
    assert got == csv_bytes(table[1:]), "the audit log's CSV differs from the log"
    return f"journal ({len(got)} o)"
