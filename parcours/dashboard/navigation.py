"""Which pages a role is offered, the navigation that every URL resolves in, and the read scope
of a signed-in user.

Offering a page is convenience; every page still reads data through the user's scope, and the
rules themselves are `parcours.store.roles`. Every page's URL is always registered, so a shared
link is never Streamlit's « Page not found »: before login every page is registered hidden (the
login form is drawn in its place, and the page opens once signed in, filters included); a page
the role may not open answers with a French refusal; an unknown path with a French « page
introuvable ».
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.roles import roles_with
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Scope

# --- navigation -------------------------------------------------------------------------------

PAGES = {
    # path: (title, material icon, roles that are offered the page)
    "pages/accueil.py": ("Accueil", "home", roles_with("browse")),
    "pages/freins.py": ("Freins levés", "lock_open", roles_with("browse")),
    "pages/partenariats.py": (
        "Partenariats",
        "handshake",
        roles_with("browse"),
    ),
    "pages/resultats.py": (
        "Résultats dans le temps",
        "timeline",
        roles_with("browse"),
    ),
    "pages/trajectoires.py": ("Trajectoires", "alt_route", roles_with("browse")),
    "pages/parcours.py": ("Parcours", "route", roles_with("see_individuals")),
    "pages/televerser.py": ("Téléverser", "upload", roles_with("upload")),
    "pages/qualite.py": ("Qualité des données", "rule", roles_with("see_quality")),
    "pages/transformations.py": ("Transformations", "build", roles_with("run_builds")),
    "pages/rapport.py": ("Rapport annuel", "picture_as_pdf", roles_with("browse")),
    "pages/journal.py": ("Journal d'audit", "history", roles_with("administer")),
}
HOME = "pages/accueil.py"
SECTIONS = {
    "Analyses": (
        "pages/accueil.py",
        "pages/freins.py",
        "pages/partenariats.py",
        "pages/resultats.py",
        "pages/trajectoires.py",
        "pages/parcours.py",
    ),
    "Données": ("pages/televerser.py", "pages/qualite.py", "pages/transformations.py"),
    "Publication": ("pages/rapport.py",),
    "Administration": ("pages/journal.py",),
}


def pages_for(role: str) -> dict[str, list[tuple[str, str, str]]]:
    """The pages offered to a role, by section: (path, title, icon). Offering is convenience;
    every page still reads data through the user's scope."""
    offered = {}
    for section, paths in SECTIONS.items():
        items = [
            (path, PAGES[path][0], f":material/{PAGES[path][1]}:")
            for path in paths
            if role in PAGES[path][2]
        ]
        if items:
            offered[section] = items
    return offered


def url_path(page_file: str) -> str:
    """The URL path Streamlit gives a page file (`pages/freins.py` → `freins`)."""
    return Path(page_file).stem


def st_pages(
    user: Any | None, requested: str | None = None, login_page: Any = None
) -> dict[str, list]:
    """The `st.navigation` sections for this user (None: not signed in; then `login_page`
    answers every page's URL). `requested`: the URL path the browser asked for, if it names no
    page (then a hidden « page introuvable » answers it)."""
    import streamlit as st

    offered = (
        {path for items in pages_for(user.role).values() for path, _, _ in items} if user else set()
    )
    sections: dict[str, list] = {}
    hidden: list = []
    for section, paths in SECTIONS.items():
        for path in paths:
            title, icon, _ = PAGES[path]
            if user is None:
                page = st.Page(
                    path,
                    title=title,
                    icon=f":material/{icon}:",
                    default=path == HOME,
                    visibility="hidden",
                )
            elif path in offered:
                page = st.Page(path, title=title, icon=f":material/{icon}:", default=path == HOME)
                sections.setdefault(section, []).append(page)
                continue
            else:
                page = st.Page(
                    _refusal(title), title=title, url_path=url_path(path), visibility="hidden"
                )
            hidden.append(page)
    if requested and requested not in {url_path(p) for p in PAGES}:
        hidden.append(
            st.Page(
                login_page if user is None else _not_found,
                title="Page introuvable",
                url_path=requested,
                visibility="hidden",
            )
        )
    if hidden:
        # A section of hidden pages only: it is never drawn in the sidebar.
        sections.setdefault("", []).extend(hidden)
    return sections


def requested_path() -> str | None:
    """The page part of the URL the browser opened, when it names no registered page (read
    before `st.navigation`, which would answer it with Streamlit's English « Page not found »).
    Remembered for the browser tab's later runs."""
    import streamlit as st

    unknown = st.session_state.get("_unknown_path")
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001
        url = None
    if not url:
        return unknown
    path = urlparse(url).path.strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :].strip("/")
    known = {url_path(p) for p in PAGES}
    if path and path not in known and "/" not in path and path != unknown:
        st.session_state["_unknown_path"] = path
        return path
    return unknown


def _refusal(title: str):
    def refused() -> None:
        import streamlit as st

        st.title("Accès refusé")
        st.warning(
            f"La page « {title} » n'est pas accessible avec votre profil. Les pages que vous "
            "pouvez ouvrir sont dans le menu de gauche.",
            icon=":material/block:",
        )
        st.page_link(HOME, label="Retour à l'accueil", icon=":material/home:")

    refused.__name__ = f"refused_{title}"
    return refused


def _not_found() -> None:
    import streamlit as st

    st.title("Page introuvable")
    st.warning(
        "L'adresse demandée ne correspond à aucune page de Parcours. Vérifiez le lien, ou "
        "choisissez une page dans le menu de gauche.",
        icon=":material/travel_explore:",
    )
    st.page_link(HOME, label="Retour à l'accueil", icon=":material/home:")


# --- scope ------------------------------------------------------------------------------------


def scope_for(user: Any) -> Scope:
    """The user's read scope. A member federation's centres come from the centre registry
    (`User.scope_centre_ids`); the Interfédé, analysts and admins read every centre, including
    centres registered after they signed in."""
    if user.role == "federation" and user.federation != warehouse.INTERFEDE:
        with opstore.connected(DataDir.from_env().ops_db) as conn:
            ids = user.scope_centre_ids(conn)
        return Scope.for_user(user, ids)
    return Scope.for_user(user)
