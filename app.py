"""Parcours — the dashboard's entry point: login gate, then navigation over `pages/`.

Run: `python -m streamlit run app.py` (or `make run`). Nothing is shown before login; the pages
offered depend on the role (`pages_for`), and every page reads data through the user's scope
anyway.
"""

import streamlit as st

from parcours.dashboard import french, navigation, session

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")
# Streamlit's own texts (uploader, table toolbars, status…) in French, on every page.
french.french_interface()

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
