"""Whose address a request is: the peer, unless the peer is a reverse proxy named in
PARCOURS_TRUSTED_PROXIES; then what that proxy forwarded, read from the right. A forged
X-Forwarded-For sent straight to the server, or prepended to a real proxy's, changes nothing.
(The served spray is in test_door.py.)"""

from __future__ import annotations

import asyncio

import pytest

from parcours.dashboard import server


def proxies(text: str, monkeypatch) -> list:
    monkeypatch.setenv(server.TRUSTED_PROXIES_ENV, text)
    return server.trusted_proxies()


def test_no_proxy_configured_means_the_peer(monkeypatch):
    monkeypatch.delenv(server.TRUSTED_PROXIES_ENV, raising=False)
    assert server.trusted_proxies() == []
    assert server.client_address("127.0.0.1", ["203.0.113.9"], []) == "127.0.0.1"
    assert server.client_address("198.51.100.4", ["203.0.113.9"], []) == "198.51.100.4"


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # A client talking to the server directly: its claim is ignored.
        ("198.51.100.4", ["203.0.113.9"], "198.51.100.4"),
        # Through the proxy: the address the proxy saw (right-most).
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        # The client's forged entry, then the proxy's: still the one the proxy saw.
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        ("10.0.0.2", ["1.2.3.4", "203.0.113.9"], "203.0.113.9"),
        # Two proxies in a row, both trusted: the first untrusted from the right.
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9, 10.0.0.3"], "203.0.113.9"),
        # Garbage in the chain: attributed to the proxy, never to the garbage.
        ("10.0.0.2", ["1.2.3.4, pas-une-adresse"], "10.0.0.2"),
        # IPv6, with ports.
        ("10.0.0.2", ["[2001:db8::7]:4711"], "2001:db8::7"),
        ("10.0.0.2", ["203.0.113.9:5050"], "203.0.113.9"),
    ],
)
def test_the_address_a_trusted_proxy_forwarded(peer, forwarded, expected, monkeypatch):
    trusted = proxies("10.0.0.0/24, pas-un-réseau", monkeypatch)
    assert len(trusted) == 1  # the malformed entry is ignored
    assert server.client_address(peer, forwarded, trusted) == expected


def test_the_gate_rewrites_the_scope_it_passes_on(monkeypatch):
    seen: list[dict] = []

    async def app(scope, receive, send):
        seen.append(scope)

    gate = server.AccessGate(app)
    scope = {
        "type": "websocket",
        "path": "/_stcore/stream",
        "client": ("10.0.0.2", 5555),
        "headers": [
            (b"x-forwarded-for", b"1.2.3.4, 203.0.113.9"),
            (b"x-forwarded-proto", b"https"),
        ],
    }
    monkeypatch.delenv(server.TRUSTED_PROXIES_ENV, raising=False)
    asyncio.run(gate(dict(scope), None, None))
    assert seen[-1]["client"] == ("10.0.0.2", 5555) and "scheme" not in seen[-1]
    monkeypatch.setenv(server.TRUSTED_PROXIES_ENV, "10.0.0.2")
    asyncio.run(gate(dict(scope), None, None))
    assert seen[-1]["client"][0] == "203.0.113.9"
    assert seen[-1]["scheme"] == "wss"


def test_serve_switches_off_uvicorns_own_trust_of_loopback(monkeypatch):
    import importlib

    import uvicorn.config
    from streamlit.runtime.pages_manager import PagesManager

    # serve.py sets this for the served app: put it back for the other tests of the session.
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)

    original = uvicorn.config.ProxyHeadersMiddleware
    monkeypatch.setattr(uvicorn.config, "ProxyHeadersMiddleware", original)
    import serve

    importlib.reload(serve)
    assert uvicorn.config.ProxyHeadersMiddleware is server.NoProxyHeaders
