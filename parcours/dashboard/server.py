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
- **The session cookie** (`/parcours/session`): the page posts the signed token it just got at
  sign-in; the answer sets it as an HttpOnly, SameSite=Strict cookie (JavaScript of the page
  cannot read it back). DELETE ends the session and clears the cookie.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.cookies import SimpleCookie
from typing import Any

from parcours.dashboard import upload_memory
from parcours.store import sessions
from parcours.store.datadir import DataDir

COOKIE = "parcours_session"
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
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path = _without_base(scope.get("path") or "")
        method = scope.get("method", "GET")
        if method in ("GET", "HEAD") and path.rstrip("/") == "/" + _home_path():
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

    async def _media(self, scope, receive, send) -> None:
        from anyio import to_thread

        session_id = await to_thread.run_sync(_live_session_id, _cookie(scope))
        if session_id is None:
            await _send_status(send, 403)
            return
        # Whole files only (a range would not be recognised as the bytes produced).
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        start: dict | None = None
        chunks: list[bytes] = []

        async def buffered(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            body = b"".join(chunks)
            if start["status"] == 200 and not download_allowed(body, session_id):
                await _send_status(send, 403)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


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
