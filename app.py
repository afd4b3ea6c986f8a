"""Parcours — the dashboard's entry point: login gate, then navigation over `pages/`.

Run: `python -m streamlit run app.py` (or `make run`). Nothing is shown before login; the pages
offered depend on the role (`pages_for`), and every page reads data through the user's scope
anyway.
"""

import streamlit as st

from parcours.dashboard import navigation, session
from parcours.store.datadir import DataDir
from parcours.upload import scratch

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")


@st.cache_resource(show_spinner=False)
def _swept_at_start() -> int:
    """Once per server process: remove the upload copies a crash left in data/tmp/."""
    return scratch.sweep(DataDir.from_env())


_swept_at_start()

if session.current_user() is None:
    # Before login the login form is the only page: without a navigation of its own, Streamlit
    # would list every file of pages/ in the sidebar (and serve them by URL to the form).
    st.navigation([st.Page(session.login_form, title="Connexion")], position="hidden").run()
    st.stop()
user = session.require_login()
sections = {
    section: [
        st.Page(path, title=title, icon=icon, default=path == "pages/accueil.py")
        for path, title, icon in pages
    ]
    for section, pages in navigation.pages_for(user.role).items()
}
page = st.navigation(sections)
session.sidebar_user(user)
page.run()
