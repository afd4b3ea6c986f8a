"""Streamlit's upload endpoint, `PUT /_stcore/upload_file/<session>/<file>`, attacked with raw
HTTP (requests) from a live browser session that never signed in: the access gate of serve.py
answers 403 before reading the body. A signed-in federation user (no upload right) is refused
too; a centre user's session is let through (the gate is not simply closed)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.security.conftest import (
    cookie_value,
    login,
    settle,
    signed_in,
    streamlit_session_ids,
)

pytestmark = pytest.mark.browser

BIG = b"x" * (20 * 1024 * 1024)  # stands for the 500 MB of the report


def put(server, session_id: str, context, body: bytes, method: str = "PUT"):
    xsrf = cookie_value(context, "_streamlit_xsrf")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return requests.request(
        method,
        f"{server.url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        files={"file": ("attaque.csv", body, "text/csv")},
        headers={"X-Xsrftoken": xsrf or ""},
        cookies=cookies,
        timeout=120,
    )


def open_tab(server, context):
    page = context.new_page()
    ids = streamlit_session_ids(page)
    page.goto(server.url)
    settle(page)
    deadline = time.monotonic() + 30
    while not ids and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert ids, "the page never received its session id"
    return page, ids[-1]


def test_no_upload_before_login(server, context):
    from playwright.sync_api import expect

    page, session_id = open_tab(server, context)
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()  # still on the login form
    started = time.monotonic()
    response = put(server, session_id, context, BIG)
    assert response.status_code == 403
    assert time.monotonic() - started < 60
    assert b"attaque" not in response.content
    # POST is no upload route at all.
    assert put(server, session_id, context, b"a;b\n1;2\n", "POST").status_code in (403, 405)
    # Nor with a made-up session id.
    assert put(server, str(uuid.uuid4()), context, b"a;b\n1;2\n").status_code in (400, 403)


def test_no_upload_for_a_role_that_may_not_upload(server, context):
    page, session_id = open_tab(server, context)
    login(page, "acfi@federation.be")
    signed_in(page)
    assert put(server, session_id, context, b"a;b\n1;2\n").status_code == 403


def test_a_centre_may_upload_and_not_after_logout(server, context):
    page, session_id = open_tab(server, context)
    login(page, "nam@centre.be")
    signed_in(page)
    page.wait_for_timeout(500)  # the session cookie is set by the page's fetch
    assert cookie_value(context, "parcours_session")
    assert put(server, session_id, context, b"a;b\n1;2\n").status_code == 204
    page.get_by_role("button", name="Se déconnecter").click()
    settle(page)
    assert put(server, session_id, context, b"a;b\n1;2\n").status_code == 403
