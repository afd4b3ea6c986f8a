"""Parcours — the dashboard's server: Streamlit's app (`app.py`) behind the access gate of
`parcours.dashboard.server` (uploads and downloads only for the signed-in session they belong to,
and the route that sets the session cookie).

Run: `python -m streamlit run serve.py` (or `make run`); `streamlit run` recognises the `st.App`
below and serves it with uvicorn, with the usual `--server.*` options.
"""

import contextlib

import streamlit as st
import uvicorn.config
from streamlit.runtime.pages_manager import PagesManager

from parcours.dashboard import server, warm

# app.py declares its pages with st.navigation. Without this, Streamlit treats the first run of
# a fresh server as a `pages/`-folder app (until some run reaches st.navigation) and would serve
# a deep link's page file directly, without app.py's gate.
PagesManager.uses_pages_directory = False

# uvicorn (which imports this file while it loads the app) would then wrap it in its
# ProxyHeadersMiddleware, which believes X-Forwarded-For from any loopback peer: the gate alone
# decides the client's address, from PARCOURS_TRUSTED_PROXIES (`server.client_address`).
uvicorn.config.ProxyHeadersMiddleware = server.NoProxyHeaders


@contextlib.asynccontextmanager
async def warmed(app: st.App):
    """Loads asked for before are computed again, off any page, whenever a build serves a new
    warehouse (and at start): the first visitor of a scope does not wait for them (`warm`)."""
    from parcours.dashboard import ui  # here, not above: Streamlit's runtime exists by now

    with warm.warming(ui.replay_load):
        yield


app = st.App("app.py", middleware=server.middleware(), routes=server.routes(), lifespan=warmed)
