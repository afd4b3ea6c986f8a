"""Who is signed in: the login form, the session's user, logout, and the audit of what a
signed-in user does.

The signed-in user lives in `st.session_state[USER_KEY]` (a `parcours.store.users.User`);
nothing of a page is drawn before `require_login()` returns.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.roles import ROLE_LABELS

log = logging.getLogger(__name__)

USER_KEY = "user"
FILTERS_KEY = "_filters"


# --- audit ------------------------------------------------------------------------------------


def audit(action: str, detail: dict | None = None, actor: str | None = None) -> None:
    """Write one line to the audit log; a failure to write is logged, never shown as a crash."""
    user = current_user()
    who = actor or (user.email if user else "anonyme")
    try:
        with opstore.connected(DataDir.from_env().ops_db) as conn:
            opstore.audit(conn, who, action, detail)
    except Exception:  # noqa: BLE001 — auditing must not take the page down
        log.exception("audit write failed: %s %s", who, action)


# --- login ------------------------------------------------------------------------------------


def current_user() -> Any | None:
    return st.session_state.get(USER_KEY)


def _authenticate(email: str, password: str):
    from parcours.store import users as auth

    return auth.authenticate(DataDir.from_env(), email, password)


def login_form() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _login_form()


def _login_form() -> None:
    st.title("Parcours")
    st.caption("La plateforme de données des CISP wallons")
    with st.form("login"):
        st.subheader("Connexion")
        email = st.text_input("Adresse e-mail")
        password = st.text_input("Mot de passe", type="password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        email = email.strip().lower()
        try:
            user = _authenticate(email, password) if email and password else None
        except Exception:  # noqa: BLE001 — no traceback reaches a user
            log.exception("authentication failed")
            st.error("La connexion est momentanément impossible. Réessayez plus tard.")
            return
        # `auth.authenticate` writes every attempt (success or failure) to the audit log.
        if user is None:
            st.error("Adresse e-mail ou mot de passe incorrect.")
            return
        st.session_state[USER_KEY] = user
        st.rerun()


def require_login() -> Any:
    """The signed-in user; otherwise draw the login form and stop the script here."""
    user = current_user()
    if user is None:
        login_form()
        st.stop()
    return user


def logout() -> None:
    user = current_user()
    if user is not None:
        audit("logout", actor=user.email)
    for key in (USER_KEY, FILTERS_KEY):
        st.session_state.pop(key, None)


def sidebar_user(user: Any) -> None:
    with st.sidebar:
        where = user.centre_id or user.federation or ""
        st.caption(f"Connecté·e : **{user.email}** — {ROLE_LABELS.get(user.role, user.role)}")
        if where:
            st.caption(where)
        st.button("Se déconnecter", on_click=logout, key="logout")
