"""Deep links, reloads and the role × page matrix, in a real browser on the real server.

- A shared link to any page, filters included, opens that page once signed in (the login form
  does not replace the URL); a reload keeps the session; after logout a reload shows the form.
- No English « Page not found »: an unknown path, or a page the role may not open, answers in
  French.
- Each role sees exactly its pages in the sidebar, cannot open the others by URL, and keeps its
  session across a reload. Screenshots per role in /tmp/shots-session/ (PARCOURS_SHOTS).
"""

from __future__ import annotations

import pytest

from parcours.dashboard import navigation
from tests.security.conftest import login, settle, shot, signed_in, wait_for_cookie

pytestmark = pytest.mark.browser

HEADINGS = {
    # url path: the page's heading
    "accueil": "Accueil",
    "freins": "Freins levés",
    "partenariats": "Partenariats",
    "resultats": "Résultats dans le temps",
    "trajectoires": "Trajectoires",
    "parcours": "Parcours individuels",
    "televerser": "Téléverser des exports",
    "qualite": "Qualité des données",
    "transformations": "Transformations",
    "rapport": "Rapport annuel",
    "journal": "Journal d'audit",
}
ROLES = {
    # role: a user of the dashboard fixture
    "centre": "nam@centre.be",
    "federation": "acfi@federation.be",
    "analyst": "analyste@parcours.be",
    "admin": "admin@parcours.be",
}
ENGLISH = ("Page not found", "You have requested page")


def no_english(page) -> None:
    body = page.locator("body").inner_text()
    found = [body[max(0, body.find(t) - 200) : body.find(t) + 300] for t in ENGLISH if t in body]
    assert not found, (page.url, found)


def heading(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=text, exact=True)).to_be_visible()
    settle(page)


def sidebar_links(page) -> list[str]:
    nav = page.locator("[data-testid='stSidebarNav']")
    # A link's text is its icon's name, then its title.
    return [t.strip().split("\n")[-1] for t in nav.get_by_role("link").all_inner_texts()]


def test_a_deep_link_with_filters_survives_login_and_reload(server, context):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(f"{server.url}/resultats?annees=2023-2024&federation=ACFI")
    settle(page)
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)
    no_english(page)
    login(page, "admin@parcours.be")
    heading(page, "Résultats dans le temps")
    assert page.url.endswith("/resultats?annees=2023-2024&federation=ACFI"), page.url
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_role("combobox", name="Fédération")).to_have_value("ACFI")
    expect(sidebar.get_by_role("combobox", name="De", exact=True)).to_have_value("2023")
    cookie = wait_for_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "motdepasse" not in cookie["value"] and "admin" not in cookie["value"]
    shot(page, "deeplink-resultats-apres-connexion")

    page.reload()
    heading(page, "Résultats dans le temps")
    signed_in(page)
    assert "annees=2023-2024" in page.url and "federation=ACFI" in page.url
    expect(sidebar.get_by_role("combobox", name="Fédération")).to_have_value("ACFI")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    settle(page)
    page.reload()
    settle(page)
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    assert [r["action"] for r in server.audit() if r["actor"] == "admin@parcours.be"][-1] == (
        "logout"
    )


def test_a_copied_cookie_is_worthless_after_logout(server, browser, context):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(server.url)
    login(page, "analyste@parcours.be")
    signed_in(page)
    stolen = wait_for_cookie(context)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    settle(page)
    thief = browser.new_context()
    try:
        thief.add_cookies([stolen])
        tab = thief.new_page()
        tab.goto(f"{server.url}/freins")
        settle(tab)
        expect(tab.get_by_label("Adresse e-mail")).to_be_visible()
        expect(tab.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    finally:
        thief.close()


def test_unknown_paths_answer_in_french(server, context):
    page = context.new_page()
    page.goto(f"{server.url}/nexiste-pas?annees=2023-2023")
    settle(page)
    no_english(page)
    login(page, "nam@centre.be")
    heading(page, "Page introuvable")
    no_english(page)
    shot(page, "page-introuvable")


# `make test` walks the matrix as a federation, the role refused the most pages (every role's
# offer is checked without a browser in test_app_pages.py); the other roles' walks are for
# `make test-all`.
@pytest.mark.parametrize(
    "role",
    [r if r == "federation" else pytest.param(r, marks=pytest.mark.exhaustive) for r in ROLES],
)
def test_role_page_matrix(server, context, role):
    from playwright.sync_api import expect

    email = ROLES[role]
    offered = [path for items in navigation.pages_for(role).values() for path, _, _ in items]
    offered_paths = [navigation.url_path(p) for p in offered]
    refused_paths = [p for p in HEADINGS if p not in offered_paths]
    page = context.new_page()
    page.goto(server.url)
    login(page, email)
    heading(page, "Accueil")
    assert sidebar_links(page) == [navigation.PAGES[p][0] for p in offered]
    shot(page, f"role-{role}-accueil")

    for path in offered_paths:
        page.goto(f"{server.url}/{path}")
        heading(page, HEADINGS[path])
        no_english(page)
        signed_in(page)  # a new page load: the cookie brings the session back
    for path in refused_paths:
        page.goto(f"{server.url}/{path}")
        heading(page, "Accès refusé")
        expect(page.get_by_text("n'est pas accessible avec votre profil")).to_be_visible()
        no_english(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert HEADINGS[path] not in body.replace(f"« {navigation.PAGES[p_(path)][0]} »", "")
    if refused_paths:
        shot(page, f"role-{role}-refus-{refused_paths[-1]}")

    page.reload()
    signed_in(page)
    assert sidebar_links(page) == [navigation.PAGES[p][0] for p in offered]


def p_(url_path: str) -> str:
    return next(p for p in navigation.PAGES if navigation.url_path(p) == url_path)
