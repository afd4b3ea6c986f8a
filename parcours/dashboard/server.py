"""The HTTP side of the dashboard, in front of Streamlit's own routes (`serve.py` mounts it with
`st.App(middleware=..., routes=...)`): what a request that bypasses the page gets.

- **Uploads** (`/_stcore/upload_file/<streamlit session>/<file>`): Streamlit stores whatever a
  live websocket session sends there, signed in or not. Here, only a Streamlit session that a
  signed-in user allowed to upload opened (`allow_uploads`, called by `session`), with that
  user's session cookie, gets through; anything else is answered 403 before a byte of the body
  is read.
- **Downloads** (`/media/<file>`): Streamlit serves a generated file to anyone holding its URL,
  even after the session ended. Here, a file is served only with the cookie of a live session,
  and only to the session whose click produced those very bytes (`register_download`, called
  when the bytes are produced).
- **Downloads, at any size**: the file is recognised by the bytes Streamlit stores for its URL,
  before any answer is made, so a gzipped answer (Streamlit compresses `/media` answers of
  1 000 bytes or more when the browser accepts it) or a range of the file is served as well.
- **The client's address** (`client_address`): the connection's peer, unless that peer is one
  of the reverse proxies named in `PARCOURS_TRUSTED_PROXIES` (addresses or networks, comma-
  separated); then the address that proxy forwarded (`X-Forwarded-For`, read from the right,
  skipping the trusted proxies). A client's own `X-Forwarded-For` is never believed: uvicorn's
  default trust of loopback peers is switched off by `serve.py`, this gate decides alone.
- **Headers**: every answer forbids framing the dashboard (`X-Frame-Options: DENY`, CSP
  `frame-ancestors 'none'`) and content sniffing. The public observatory is static files
  served elsewhere; its embeds are not the dashboard's.
- **Metrics** (`/_stcore/metrics`): only for a signed-in administrator (Streamlit serves them to
  anyone).
- **The session cookie** (`/parcours/session`): the page posts the signed token it just got at
  sign-in; the answer sets it as an HttpOnly, SameSite=Strict cookie (JavaScript of the page
  cannot read it back). DELETE ends the session and clears the cookie.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import threading
import time
from http.cookies import SimpleCookie
from typing import Any

from parcours.dashboard import upload_memory
from parcours.store import sessions
from parcours.store.datadir import DataDir

log = logging.getLogger(__name__)

COOKIE = "parcours_session"
TRUSTED_PROXIES_ENV = "PARCOURS_TRUSTED_PROXIES"
METRICS_PATH = "/_stcore/metrics"
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
SESSION_ROUTE = "/parcours/session"
UPLOAD_PREFIX = "/_stcore/upload_file/"
MEDIA_PREFIX = "/media/"
DOWNLOAD_TTL_S = 3600
_MAX_DOWNLOADS = 5000

_lock = threading.Lock()
_uploaders: dict[str, str] = {}  # Streamlit session id -> Parcours session id
_downloads: dict[str, tuple[str, float]] = {}  # sha256 of the bytes -> (session id, until)


# --- what the page tells the server -----------------------------------------------------------


def allow_uploads(streamlit_session: str, session_id: str) -> None:
    with _lock:
        _uploaders[streamlit_session] = session_id


def forbid_uploads(streamlit_session: str) -> None:
    with _lock:
        _uploaders.pop(streamlit_session, None)


def uploads_allowed(streamlit_session: str, session_id: str | None) -> bool:
    with _lock:
        return session_id is not None and _uploaders.get(streamlit_session) == session_id


def register_download(data: bytes, session_id: str) -> None:
    """These bytes were produced for this session: it (and only it) may fetch them."""
    now = time.time()
    digest = hashlib.sha256(data).hexdigest()
    with _lock:
        if len(_downloads) >= _MAX_DOWNLOADS:
            for key in [k for k, (_, until) in _downloads.items() if until < now]:
                del _downloads[key]
        _downloads[digest] = (session_id, now + DOWNLOAD_TTL_S)


def download_allowed(data: bytes, session_id: str) -> bool:
    digest = hashlib.sha256(data).hexdigest()
    with _lock:
        owner = _downloads.get(digest)
    return owner is not None and owner[0] == session_id and owner[1] >= time.time()


# --- middleware -------------------------------------------------------------------------------


def _cookie(scope: dict, name: str = COOKIE) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 — a malformed cookie header is no cookie
                continue
            if name in jar:
                return jar[name].value
    return None


def _live_session_id(token: str | None) -> str | None:
    """The live session of a cookie's token (checking never counts as activity)."""
    if not token:
        return None
    try:
        found = sessions.check(DataDir.from_env(), token, touch=False)
    except Exception:  # noqa: BLE001 — a store error refuses, never lets through
        return None
    return found.session_id if found else None


def _admin_cookie(token: str | None) -> bool:
    if not token:
        return False
    from parcours.store import users

    try:
        found = sessions.check(DataDir.from_env(), token, touch=False)
        user = users.find_user(DataDir.from_env(), found.email) if found else None
    except Exception:  # noqa: BLE001 — a store error refuses
        return False
    return user is not None and user.role == "admin"


# --- the client's address and the headers of every answer --------------------------------------


def trusted_proxies() -> list:
    """The networks of `PARCOURS_TRUSTED_PROXIES` (none by default); a malformed entry is
    logged and ignored."""
    found = []
    for entry in (os.environ.get(TRUSTED_PROXIES_ENV) or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            log.error("%s: « %s » is no address or network, ignored", TRUSTED_PROXIES_ENV, entry)
    return found


def _ip(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: list[str], proxies: list) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    address of `X-Forwarded-For` that is not itself a trusted proxy."""

    def trusted(address) -> bool:
        return address is not None and any(address in network for network in proxies)

    peer_ip = _ip(peer) if peer else None
    if not trusted(peer_ip):
        return peer
    chain = [part for value in forwarded_for for part in value.split(",") if part.strip()]
    for part in reversed(chain):
        address = _ip(part)
        if address is None:
            break  # garbage in the proxies' chain: attribute the request to the proxy
        if not trusted(address):
            return str(address)
    return peer


def _with_client(scope: dict) -> dict:
    """The scope with the client's address (and, behind a trusted proxy, its scheme)."""
    proxies = trusted_proxies()
    if not proxies:
        return scope
    headers = scope.get("headers") or ()
    peer = (scope.get("client") or (None, 0))[0]
    forwarded = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
    address = client_address(peer, forwarded, proxies)
    changed = {} if address == peer else {"client": (address, 0)}
    peer_ip = _ip(peer) if peer else None
    if peer_ip is not None and any(peer_ip in network for network in proxies):
        proto = next(
            (v.decode("latin-1").strip() for k, v in headers if k == b"x-forwarded-proto"), ""
        )
        if proto in ("http", "https"):
            changed["scheme"] = (
                proto.replace("http", "ws") if scope["type"] == "websocket" else proto
            )
    return {**scope, **changed} if changed else scope


def _with_security_headers(send):
    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers") or ()}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message = {**message, "headers": [*(message.get("headers") or ()), *extra]}
        await send(message)

    return sending


class NoProxyHeaders:
    """Put in place of uvicorn's `ProxyHeadersMiddleware` by `serve.py`: uvicorn trusts
    `X-Forwarded-For` from loopback peers by default; here only the gate decides, from
    `PARCOURS_TRUSTED_PROXIES`."""

    def __init__(self, app: Any, trusted_hosts: Any = None) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


async def _send_status(send, status: int, body: bytes = b"") -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _without_base(path: str) -> str:
    """The request's path under Streamlit's `server.baseUrlPath` (as its routes see it)."""
    from streamlit import config

    base = "/" + str(config.get_option("server.baseUrlPath") or "").strip("/")
    if base != "/" and (path == base or path.startswith(base + "/")):
        return path[len(base) :] or "/"
    return path


def _home_path() -> str:
    from parcours.dashboard import navigation

    return navigation.url_path(navigation.HOME)


async def _redirect_home(scope, send) -> None:
    """`/accueil` typed by hand: the home page lives at `/` (Streamlit would answer its own
    path with « Page not found »)."""
    full = scope.get("path") or "/"
    target = full[: full.rstrip("/").rfind("/") + 1] or "/"
    query = scope.get("query_string") or b""
    location = target.encode() + (b"?" + query if query else b"")
    await send(
        {
            "type": "http.response.start",
            "status": 307,
            "headers": [(b"location", location), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


class AccessGate:
    """ASGI middleware: uploads and downloads only for the signed-in session they belong to."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope = _with_client(scope)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        path = _without_base(scope.get("path") or "")
        method = scope.get("method", "GET")
        if path.rstrip("/") == METRICS_PATH:
            await self._metrics(scope, receive, send)
        elif method in ("GET", "HEAD") and path.rstrip("/") == "/" + _home_path():
            await _redirect_home(scope, send)
        elif path.startswith(UPLOAD_PREFIX) and method in ("PUT", "POST", "DELETE"):
            await self._upload(scope, receive, send, path)
        elif path.startswith(MEDIA_PREFIX):
            await self._media(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _upload(self, scope, receive, send, path: str) -> None:
        from anyio import to_thread

        rest = path.split(UPLOAD_PREFIX, 1)[1]
        streamlit_session = rest.split("/", 1)[0]
        session_id = await to_thread.run_sync(_live_session_id, _cookie(scope))
        if not uploads_allowed(streamlit_session, session_id):
            # Answer before reading the body: nothing of it is kept, not even in memory.
            await _send_status(send, 403, "Dépôt refusé : connectez-vous d'abord.".encode())
            return
        if scope.get("method") != "DELETE":
            # In memory only, and within the session's share (parcours.dashboard.upload_memory).
            refused = upload_memory.refusal(streamlit_session, scope.get("headers") or [])
            if refused is not None:
                await _send_status(send, refused[0], refused[1].encode())
                return
        await self.app(scope, receive, send)

    async def _metrics(self, scope, receive, send) -> None:
        from anyio import to_thread

        if not await to_thread.run_sync(_admin_cookie, _cookie(scope)):
            await _send_status(send, 403, "Réservé aux administrateurs connectés.".encode())
            return
        await self.app(scope, receive, send)

    async def _media(self, scope, receive, send) -> None:
        from anyio import to_thread

        session_id = await to_thread.run_sync(_live_session_id, _cookie(scope))
        path = _without_base(scope.get("path") or "")
        stored = _stored_media(path[len(MEDIA_PREFIX) :])
        # The file is recognised by the bytes Streamlit keeps for it, before any answer is made:
        # whatever the response then is (gzipped or not, a range of it), it is those bytes.
        if session_id is None or stored is None or not download_allowed(stored, session_id):
            await _send_status(send, 403)
            return
        await self.app(scope, receive, send)


def _stored_media(name: str) -> bytes | None:
    """The bytes Streamlit's media store holds under a `/media/` file name, or None."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    manager = Runtime.instance().media_file_mgr
    if not manager.can_read_files or "/" in name:
        return None
    try:
        found = manager.read_file(name)
    except Exception:  # noqa: BLE001 — unreadable is refused
        return None
    return bytes(found.content) if found is not None else None


# --- the session cookie's route ---------------------------------------------------------------


def _same_origin(request) -> bool:
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if origin is None or host is None:
        return False
    return origin.split("://", 1)[-1] == host


async def session_cookie(request):
    """POST {"token": …}: set the session cookie; DELETE: end the session, clear the cookie."""
    from anyio import to_thread
    from starlette.responses import Response

    if request.headers.get("x-parcours") != "1" or not _same_origin(request):
        return Response(status_code=403)
    secure = request.url.scheme == "https"
    if request.method == "DELETE":
        token = request.cookies.get(COOKIE)
        read = sessions.read_token(DataDir.from_env(), token) if token else None
        if read is not None:
            await to_thread.run_sync(sessions.revoke, DataDir.from_env(), read[0])
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    try:
        body = json.loads((await request.body())[:1000] or b"{}")
        token = str(body.get("token") or "")
    except (ValueError, AttributeError):
        return Response(status_code=400)
    found = await to_thread.run_sync(lambda: sessions.check(DataDir.from_env(), token, touch=False))
    if found is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        token,
        max_age=max(0, int(found.expires_at - time.time())),
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    return response


def routes() -> list:
    from starlette.routing import Route

    return [Route(SESSION_ROUTE, session_cookie, methods=["POST", "DELETE"])]


def middleware() -> list:
    from starlette.middleware import Middleware

    return [Middleware(AccessGate)]
