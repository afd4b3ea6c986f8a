"""Work shared across sessions must never hand one scope another scope's figures (issue 17).

The dashboard draws a chart or a table once per content and replays it to every session that
would draw the same content (`ui.Drawing`, `ui.dataframe`), on top of the query cache keyed by
scope (`ui.load`). The attacker here is simply the next person on the same server: a centre
user right after a federation user (and the other way round), on a server whose caches the
other role has just filled. The oracle is independent of how the caches are keyed: what each
role is shown on the shared server must be exactly what it is shown on a server with empty
caches — every chart's data and spec, every table's values and display texts, every text.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import app_as

ROLES = ("nam@centre.be", "acfi@federation.be", "lie@centre.be")
PAGES = (
    "pages/freins.py",
    "pages/partenariats.py",
    "pages/resultats.py",
    "pages/trajectoires.py",
)


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def drawn(at) -> dict:
    """What a page run showed: each chart (spec and data), each table (values and the texts
    displayed), every text, in order."""
    assert not at.exception, at.exception
    charts = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        spec = json.loads(proto.spec)
        spec.pop("datasets", None)
        data = sorted(d.data.data for d in proto.datasets)
        charts.append((json.dumps(spec, sort_keys=True), data))
    tables = []
    for element in at.dataframe:
        proto = element.proto
        tables.append((proto.arrow_data.data, proto.arrow_data.styler.display_values))
    texts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    texts += [m.value for m in at.metric]
    return {"charts": charts, "tables": tables, "texts": texts}


@pytest.fixture(scope="module")
def alone(dashboard_warehouse):
    """What each role sees of a page on a server whose caches are empty (each page drawn once,
    when a test first asks for it)."""
    seen: dict[str, dict[str, dict]] = {}

    def of(page: str) -> dict[str, dict]:
        if page not in seen:
            seen[page] = {}
            for email in ROLES:
                clear_caches()
                seen[page][email] = drawn(app_as(email, page))
            clear_caches()
        return seen[page]

    return of


# `make test` shares the server on Freins levés (charts, tables and « Se situer »); the other
# pages are for `make test-all`.
@pytest.mark.parametrize(
    "page",
    [p if p == "pages/freins.py" else pytest.param(p, marks=pytest.mark.exhaustive) for p in PAGES],
)
def test_each_role_sees_on_a_shared_server_exactly_what_it_sees_alone(alone, page):
    shown = alone(page)
    # The roles are shown different figures (else this test would prove nothing)…
    for one, other in zip(ROLES, ROLES[1:], strict=False):
        assert shown[one]["charts"] != shown[other]["charts"], (page, one, other)
        assert shown[one]["tables"] != shown[other]["tables"], (page, one, other)
    # …and each, right after the others filled the caches, is shown its own and nothing else.
    clear_caches()
    for email in ROLES + tuple(reversed(ROLES)):
        assert drawn(app_as(email, page)) == shown[email], (page, email)


def test_the_same_content_is_drawn_once_and_replayed(dashboard_warehouse, monkeypatch):
    """The sharing is real: a second session of the same scope builds no chart and no table
    again (so the test above exercised replayed drawings)."""
    from parcours.dashboard import ui

    clear_caches()
    app_as("acfi@federation.be", "pages/freins.py")
    built = []
    real_chart, real_table = ui._draw_chart, ui._draw_dataframe
    monkeypatch.setattr(ui, "_draw_chart", lambda *a: (built.append("chart"), real_chart(*a)))
    monkeypatch.setattr(ui, "_draw_dataframe", lambda *a: (built.append("table"), real_table(*a)))
    again = app_as("acfi@federation.be", "pages/freins.py")
    assert not again.exception
    assert again.get("vega_lite_chart") and again.dataframe
    assert built == []
