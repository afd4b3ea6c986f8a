"""Who is signed in: the login form (or the identity provider's), the session's user, its
expiry, logout, and the audit of what a signed-in user does.

The signed-in user lives in `st.session_state[USER_KEY]` (a `parcours.store.users.User`) with the
token of its server-side session (`parcours.store.sessions`). Every run checks that session
(revoked at logout, ended after `PARCOURS_IDLE_MINUTES` without activity, unreadable after a key
rotation); a reload finds it again through the HttpOnly cookie that `parcours.dashboard.server`
sets. Nothing of a page is drawn before `require_login()` returns.

When Streamlit's `[auth]` secrets name an OpenID Connect provider, `st.login` is the sign-in and
the provider's e-mail is matched to a user of ops.sqlite (an unknown e-mail is refused).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

import streamlit as st

from parcours.dashboard import server
from parcours.store import opstore, sessions
from parcours.store import users as auth
from parcours.store.datadir import DataDir
from parcours.store.roles import ROLE_LABELS, can

log = logging.getLogger(__name__)

USER_KEY = "user"
TOKEN_KEY = "_session_token"
FILTERS_KEY = "_filters"
_LAST_ACTIVE = "_last_active"
_NOTICE = "_login_notice"
_COOKIE_SET = "_cookie_to_set"
_COOKIE_CLEAR = "_cookie_to_clear"
_OIDC_LOGOUT = "_oidc_logout"
_NEXT_COOKIE = "parcours_next"
_NEXT_DONE = "_next_done"
_NEXT_CLEAR = "_next_clear"

IDLE_NOTICE = (
    "Votre session a expiré après {minutes} minutes d'inactivité : reconnectez-vous pour continuer."
)


# --- audit ------------------------------------------------------------------------------------


def audit_as(actor: str, action: str, detail: dict | None = None) -> None:
    """Write one line to the audit log without touching the page (usable from any thread); a
    failure to write is logged, never shown as a crash."""
    try:
        with opstore.connected(DataDir.from_env().ops_db) as conn:
            opstore.audit(conn, actor, action, detail)
    except Exception:  # noqa: BLE001 — auditing must not take the page down
        log.exception("audit write failed: %s %s", actor, action)


def audit(action: str, detail: dict | None = None, actor: str | None = None) -> None:
    """Write one line to the audit log as the signed-in user (or `actor`)."""
    user = current_user()
    audit_as(actor or (user.email if user else "anonyme"), action, detail)


# --- the signed-in user -----------------------------------------------------------------------


def current_user() -> Any | None:
    return st.session_state.get(USER_KEY)


def current_session_id() -> str | None:
    """The server-side session of the signed-in user (None for a user set by a test)."""
    read = sessions.read_token(DataDir.from_env(), st.session_state.get(TOKEN_KEY))
    return read[0] if read else None


def streamlit_session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def client_address() -> str:
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001
        address = None
    return address if isinstance(address, str) and address else "local"


def _idle_minutes() -> int:
    return int(round(sessions.idle_seconds() / 60))


# --- a Streamlit session serves only the connection that signed in ----------------------------
# A Streamlit session id is no credential: a second websocket naming it (what a browser sends
# when it reconnects) takes the session over, session_state included. So the signed-in user of a
# session is kept only for the websocket connection that signed in, or one whose handshake
# carried that session's cookie; any other connection finds the login form.

_bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> session id
_bound_lock = threading.Lock()


def _connection() -> Any | None:
    """The websocket connection this run serves (None outside a served app: AppTest)."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None
    # serve.py serves st.App (Starlette): its websocket clients. AppTest's stand-in runtime
    # hands out mocks: no websocket there.
    from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient

    try:
        client = runtime.get_instance().get_client(ctx.session_id)
    except Exception:  # noqa: BLE001
        return None
    return client if isinstance(client, StarletteSessionClient) else None


def _bind(session_id: str | None) -> None:
    client = _connection()
    if client is None or not session_id:
        return
    with _bound_lock:
        _bound[client] = session_id


def _connection_holds(token: str | None) -> bool:
    """Whether this run's connection opened the session of `token` or carried its cookie."""
    client = _connection()
    if client is None:
        return True
    read = sessions.read_token(DataDir.from_env(), token)
    if read is None:
        return False
    with _bound_lock:
        if _bound.get(client) == read[0]:
            return True
    try:
        cookie = st.context.cookies.get(server.COOKIE)
    except Exception:  # noqa: BLE001
        cookie = None
    carried = sessions.read_token(DataDir.from_env(), cookie) if cookie else None
    if carried is not None and carried[0] == read[0]:
        _bind(read[0])
        return True
    return False


def _sign_in(user: Any, method: str) -> None:
    data_dir = DataDir.from_env()
    session, token = sessions.open_session(data_dir, user.email, method)
    _bind(session.session_id)
    st.session_state[USER_KEY] = user
    st.session_state[TOKEN_KEY] = token
    st.session_state[_COOKIE_SET] = token
    st.session_state[_LAST_ACTIVE] = time.time()
    st.session_state.pop(_NOTICE, None)


def _forget(notice: str | None = None) -> None:
    """Drop the signed-in user from this browser tab (the server-side session is handled by
    the caller)."""
    for key in (USER_KEY, TOKEN_KEY, FILTERS_KEY, _LAST_ACTIVE, _COOKIE_SET):
        st.session_state.pop(key, None)
    streamlit_session = streamlit_session_id()
    if streamlit_session:
        server.forbid_uploads(streamlit_session)
    if notice:
        st.session_state[_NOTICE] = notice


def restore() -> Any | None:
    """The signed-in user of this run, or None. Checks the session (expiry, idle time,
    revocation, key), finds it again after a reload through the session cookie, and lets the
    Streamlit session upload only while a user allowed to is signed in."""
    data_dir = DataDir.from_env()
    user = current_user()
    token = st.session_state.get(TOKEN_KEY)
    now = time.time()
    if user is not None and token and not _connection_holds(token):
        # Another connection took this Streamlit session over without the cookie: it gets the
        # login form; the person who signed in keeps the server-side session (and the cookie).
        log.warning("Streamlit session reused without its cookie: signed out on this connection")
        _forget()
        user = None
        token = None
    if user is not None and token:
        if sessions.check(data_dir, token) is None:
            reason = sessions.end_reason(data_dir, token)
            _forget(IDLE_NOTICE.format(minutes=_idle_minutes()) if reason == "idle" else None)
            if reason in ("idle", "expired"):
                audit_as(user.email, "session_expired", {"reason": reason})
            st.session_state[_COOKIE_CLEAR] = True
            st.session_state[_OIDC_LOGOUT] = _oidc_configured()
            user = None
    elif user is not None:
        # A user set without a server-side session (tests): the idle rule still applies.
        last = st.session_state.get(_LAST_ACTIVE, now)
        if now - last > sessions.idle_seconds():
            _forget(IDLE_NOTICE.format(minutes=_idle_minutes()))
            user = None
        else:
            st.session_state[_LAST_ACTIVE] = now
    if user is None and not st.session_state.get(_OIDC_LOGOUT):
        user = _from_cookie(data_dir) or _from_identity_provider()
    if st.session_state.pop(_OIDC_LOGOUT, False):
        _oidc_logout()
    streamlit_session = streamlit_session_id()
    if streamlit_session:
        session_id = current_session_id() if user is not None else None
        if session_id and can(user.role, "upload"):
            server.allow_uploads(streamlit_session, session_id)
        else:
            server.forbid_uploads(streamlit_session)
    return user


def _from_cookie(data_dir: DataDir) -> Any | None:
    try:
        token = st.context.cookies.get(server.COOKIE)
    except Exception:  # noqa: BLE001 — no cookies outside a browser
        token = None
    if not token or token == st.session_state.get("_cookie_refused"):
        return None
    found = sessions.check(data_dir, token)
    user = auth.find_user(data_dir, found.email) if found else None
    if user is None:
        # Remember it: the cookie of this tab's first request stays what it was.
        st.session_state["_cookie_refused"] = token
        if sessions.end_reason(data_dir, token) == "idle":
            st.session_state[_NOTICE] = IDLE_NOTICE.format(minutes=_idle_minutes())
        st.session_state[_COOKIE_CLEAR] = True
        return None
    st.session_state[USER_KEY] = user
    st.session_state[TOKEN_KEY] = token
    st.session_state[_LAST_ACTIVE] = time.time()
    _bind(found.session_id)
    return user


def require_login() -> Any:
    """The signed-in user; otherwise draw the login form and stop the script here."""
    user = restore()
    if user is None:
        login_form()
        st.stop()
    return user


def logout() -> None:
    """The « Se déconnecter » button: ends the server-side session (a copied cookie is then
    worth nothing), audits, and clears the cookie."""
    user = current_user()
    token = st.session_state.get(TOKEN_KEY)
    read = sessions.read_token(DataDir.from_env(), token) if token else None
    if read is not None:
        sessions.revoke(DataDir.from_env(), read[0], "logout")
    if user is not None:
        audit_as(user.email, "logout", {"client": client_address()})
    _forget()
    st.session_state[_COOKIE_CLEAR] = True
    st.session_state[_OIDC_LOGOUT] = _oidc_configured()


# --- the browser's cookie ---------------------------------------------------------------------


def sync_cookie() -> None:
    """Set or clear the session cookie in the browser, once, through the server's route
    (`/parcours/session`, HttpOnly cookie). The token is already the page's to hold: it is
    the same that the cookie will carry."""
    if st.session_state.pop(_NEXT_CLEAR, False):
        st.html(
            f"<script>document.cookie = '{_NEXT_COOKIE}=; path=/; max-age=0';</script>",
            unsafe_allow_javascript=True,
        )
    token = st.session_state.pop(_COOKIE_SET, None)
    clear = st.session_state.pop(_COOKIE_CLEAR, False)
    if not token and not clear:
        return
    if token:
        call = (
            f"fetch('{server.SESSION_ROUTE}', {{method: 'POST', credentials: 'same-origin', "
            "headers: {'Content-Type': 'application/json', 'X-Parcours': '1'}, "
            f"body: JSON.stringify({{token: {json.dumps(token)}}})}});"
        )
    else:
        call = (
            f"fetch('{server.SESSION_ROUTE}', {{method: 'DELETE', credentials: 'same-origin', "
            "headers: {'X-Parcours': '1'}});"
        )
    # The script removes itself at once: the token does not stay in the page.
    st.html(
        f"<script>document.currentScript && document.currentScript.remove(); {call}</script>",
        unsafe_allow_javascript=True,
    )


# --- login ------------------------------------------------------------------------------------


def login_form() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Parcours")
        st.caption("La plateforme de données des CISP wallons")
        notice = st.session_state.get(_NOTICE)
        if notice:
            st.info(notice, icon=":material/schedule:")
        if _oidc_configured():
            _identity_provider_form()
        else:
            _password_form()


def _password_form() -> None:
    with st.form("login"):
        st.subheader("Connexion")
        email = st.text_input("Adresse e-mail")
        password = st.text_input("Mot de passe", type="password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if not submitted:
        return
    email = email.strip().lower()
    if not email or not password:
        st.error("Adresse e-mail ou mot de passe incorrect.")
        return
    try:
        # Every attempt (success, failure, throttled) is written to the audit log there.
        user = auth.authenticate(DataDir.from_env(), email, password, client_address())
    except auth.LoginThrottled as throttled:
        st.error(str(throttled), icon=":material/timer:")
        return
    except auth.SignInBusy as busy:
        st.warning(str(busy), icon=":material/hourglass_top:")
        return
    except Exception:  # noqa: BLE001 — no traceback reaches a user
        log.exception("authentication failed")
        st.error("La connexion est momentanément impossible. Réessayez plus tard.")
        return
    if user is None:
        st.error("Adresse e-mail ou mot de passe incorrect.")
        return
    _sign_in(user, "password")
    # The URL is left as it is: the page it names (and its filters) opens once signed in.
    st.rerun()


# --- sign-in through an OpenID Connect provider (Streamlit's st.login) ------------------------


def _oidc_configured() -> bool:
    """Whether Streamlit's `[auth]` secrets name a provider (then `st.login` is the sign-in)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 — no secrets file: password sign-in
        return False
    if not isinstance(section, Mapping):
        return False
    if "server_metadata_url" in section:
        return True
    return any(isinstance(v, Mapping) and "server_metadata_url" in v for v in section.values())


def _provider() -> str | None:
    section = st.secrets.get("auth") or {}
    if "server_metadata_url" in section:
        return None
    named = [k for k, v in section.items() if isinstance(v, Mapping) and "server_metadata_url" in v]
    return named[0] if named else None


def _identity_provider_form() -> None:
    identity = st.user if st.user.is_logged_in else None
    if identity is not None:
        st.error(
            "Votre compte n'a pas accès à Parcours : l'adresse "
            f"« {identity.get('email') or '?'} » n'est pas enregistrée. Demandez un accès à "
            "l'administrateur de la plateforme.",
            icon=":material/block:",
        )
        st.button("Se déconnecter du fournisseur d'identité", on_click=st.logout, key="oidc_out")
        return
    st.subheader("Connexion")
    st.markdown("Connectez-vous avec le compte de votre organisation.")
    # Remember the page asked for (and its filters): the provider brings the browser back to
    # the home page.
    st.html(
        "<script>document.cookie = '"
        + _NEXT_COOKIE
        + "=' + encodeURIComponent(location.pathname + location.search)"
        " + '; path=/; max-age=900; samesite=lax';</script>",
        unsafe_allow_javascript=True,
    )
    st.button(
        "Se connecter",
        type="primary",
        on_click=st.login,
        args=(_provider(),) if _provider() else (),
        key="oidc_login",
    )


def _from_identity_provider() -> Any | None:
    if not _oidc_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "").strip().lower()
    data_dir = DataDir.from_env()
    user = auth.find_user(data_dir, email)
    detail = {"email": auth.audit_address(email), "client": client_address(), "method": "oidc"}
    if user is None:
        if not st.session_state.get("_oidc_refused"):
            audit_as(auth.audit_address(email), "login_failure", {**detail, "reason": "inconnu"})
            st.session_state["_oidc_refused"] = True
        return None
    _sign_in(user, "oidc")
    audit_as(user.email, "login_success", detail)
    return user


def _oidc_logout() -> None:
    if _oidc_configured() and st.user.is_logged_in:
        st.logout()


def requested_after_login() -> str | None:
    """The page and query string asked for before the identity provider's round trip (once)."""
    if st.session_state.get(_NEXT_DONE):
        return None
    st.session_state[_NEXT_DONE] = True
    try:
        raw = st.context.cookies.get(_NEXT_COOKIE)
    except Exception:  # noqa: BLE001
        return None
    if not raw:
        return None
    from urllib.parse import unquote

    st.session_state[_NEXT_CLEAR] = True  # cleared in the browser on the next run
    target = unquote(raw)
    return target if target.startswith("/") and not target.startswith("//") else None


def sidebar_user(user: Any) -> None:
    with st.sidebar:
        where = user.centre_id or user.federation or ""
        st.caption(f"Connecté·e : **{user.email}** — {ROLE_LABELS.get(user.role, user.role)}")
        if where:
            st.caption(where)
        st.button("Se déconnecter", on_click=logout, key="logout")
