"""Which pages a role is offered, and the read scope of a signed-in user.

Offering a page is convenience; every page still reads data through the user's scope, and the
rules themselves are `parcours.store.roles`.
"""

from __future__ import annotations

from typing import Any

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
    "pages/parcours.py": ("Parcours", "route", roles_with("see_individuals")),
    "pages/televerser.py": ("Téléverser", "upload", roles_with("upload")),
    "pages/qualite.py": ("Qualité des données", "rule", roles_with("see_quality")),
    "pages/transformations.py": ("Transformations", "build", roles_with("run_builds")),
    "pages/rapport.py": ("Rapport annuel", "picture_as_pdf", roles_with("browse")),
}
SECTIONS = {
    "Analyses": (
        "pages/accueil.py",
        "pages/freins.py",
        "pages/partenariats.py",
        "pages/resultats.py",
        "pages/parcours.py",
    ),
    "Données": ("pages/televerser.py", "pages/qualite.py", "pages/transformations.py"),
    "Publication": ("pages/rapport.py",),
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
