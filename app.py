"""Parcours — the dashboard's entry point: login gate, then navigation over `pages/`.

Run: `python -m streamlit run app.py` (or `make run`). Nothing is shown before login; the pages
offered depend on the role, and every page reads data through the user's scope anyway.
"""

import streamlit as st

from parcours import ui

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")

user = ui.require_login()

ANALYSES = [
    st.Page("pages/accueil.py", title="Accueil", icon=":material/home:", default=True),
    st.Page("pages/freins.py", title="Freins levés", icon=":material/lock_open:"),
    st.Page("pages/partenariats.py", title="Partenariats", icon=":material/handshake:"),
    st.Page("pages/resultats.py", title="Résultats dans le temps", icon=":material/timeline:"),
]
INDIVIDUAL = st.Page("pages/parcours.py", title="Parcours", icon=":material/route:")
DATA = {
    "qualite": st.Page("pages/qualite.py", title="Qualité des données", icon=":material/rule:"),
    "televerser": st.Page("pages/televerser.py", title="Téléverser", icon=":material/upload:"),
    "transformations": st.Page(
        "pages/transformations.py", title="Transformations", icon=":material/build:"
    ),
}

analyses = list(ANALYSES)
data = []
if user.role in ("centre", "admin"):
    analyses.append(INDIVIDUAL)
    data.append(DATA["televerser"])
if user.role in ("centre", "analyst", "admin"):
    data.append(DATA["qualite"])
if user.role in ("analyst", "admin"):
    data.append(DATA["transformations"])

sections = {"Analyses": analyses}
if data:
    sections["Données"] = data
page = st.navigation(sections)
ui.sidebar_user(user)
page.run()
