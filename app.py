"""Parcours — the dashboard's script: login gate, then navigation over `pages/`.

Served by `serve.py` (`python -m streamlit run serve.py`, or `make run`), which puts the access
gate of `parcours.dashboard.server` in front of it. Nothing is shown before login; every page's
URL is registered (hidden before login), so a shared link opens its page, filters included, once
signed in; the pages offered depend on the role (`pages_for`), and every page reads data through
the user's scope anyway.
"""

from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from parcours.dashboard import french, navigation, session
from parcours.store.datadir import DataDir
from parcours.upload import scratch

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")
# Streamlit's own texts (uploader, table toolbars, status…) in French, on every page.
french.french_interface()


@st.cache_resource(show_spinner=False)
def _swept_at_start() -> int:
    """Once per server process: remove the upload copies an older Parcours left in data/tmp/."""
    return scratch.sweep(DataDir.from_env())


_swept_at_start()

user = session.restore()
sections = navigation.st_pages(user, navigation.requested_path(), session.login_form)
page = st.navigation(sections, position="sidebar" if user else "hidden")
if user is None:
    session.sync_cookie()
    page.run()  # the login form, under the URL of the page asked for
    st.stop()
target = session.requested_after_login()
if target:
    # Back from the identity provider (on the home page): open the page that was asked for
    # (before the cookie is set: a switch drops what this run has drawn).
    wanted = urlsplit(target)
    for candidate in (p for pages in sections.values() for p in pages):
        if candidate.url_path and candidate.url_path == wanted.path.strip("/"):
            st.switch_page(candidate, query_params=dict(parse_qsl(wanted.query)))
session.sync_cookie()
session.sidebar_user(user)
page.run()
