"""The server warms the shared loads for every new warehouse (`parcours.dashboard.warm`): the
first visitor after a build or a restart finds the masked figures computed."""

from __future__ import annotations

import functools
import json
import os
import shutil
import time

import pytest

from parcours.analytics import barriers
from parcours.dashboard import ui, warm
from parcours.store.datadir import DataDir
from parcours.warehouse.reader import Filters, Scope
from tests.conftest import DASHBOARD_PASSWORD, app_as, dashboard_copy

FEDERATION = Scope(("CISP-LIE", "CISP-NAM"), may_see_individuals=False, mask_small_counts=True)
CENTRE = Scope(("CISP-NAM",), may_see_individuals=True, mask_small_counts=False)


@pytest.fixture(autouse=True)
def forget():
    """Each test starts with nothing remembered (the state is the server process's)."""
    with warm._lock:
        warm._recent.clear()
        warm._changed = False
    yield
    with warm._lock:
        warm._recent.clear()


def test_keys_written_down_are_the_same_cache_keys_after_a_restart(tmp_path):
    data_dir = DataDir(tmp_path)
    keys = [
        ("parcours.analytics.barriers:page", FEDERATION, Filters(years=(2023, 2024)), ()),
        (
            "parcours.analytics.trajectories:chronogram_by",
            CENTRE,
            Filters(gender="F", filiere="eft"),
            (2024, "gender"),
        ),  # fmt: skip
        (
            "parcours.analytics.level_journeys:journey",
            Scope(None, False, True),
            Filters(),
            (None, "isolation"),
        ),  # fmt: skip
    ]
    for key in keys:
        warm.remember(*key)
    warm.save(data_dir)
    warm._recent.clear()

    assert warm.restore(data_dir) == 3
    restored = warm.recent()
    # Equal and hashed alike: Streamlit's cache finds the entries the pages will ask for.
    assert restored == list(reversed(keys))
    assert [hash(k) for k in restored] == [hash(k) for k in reversed(keys)]


def test_one_persons_records_are_neither_remembered_nor_written(tmp_path):
    data_dir = DataDir(tmp_path)
    warm.remember("parcours.analytics.trainee_path:load_path", CENTRE, Filters(),
                  ("CISP-NAM", "N03"))  # fmt: skip
    warm.remember("parcours.analytics.barriers:page", CENTRE, Filters(), ())
    warm.save(data_dir)
    written = warm.keys_file(data_dir).read_text(encoding="utf-8")
    assert "N03" not in written and "trainee_path" not in written
    assert [k[0] for k in warm.recent()] == ["parcours.analytics.barriers:page"]


def test_a_damaged_or_foreign_keys_file_is_ignored(tmp_path):
    data_dir = DataDir(tmp_path)
    path = warm.keys_file(data_dir)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert warm.restore(data_dir) == 0
    entry = {"target": "parcours.analytics.barriers:page",
             "scope": {"centre_ids": None, "may_see_individuals": False,
                       "mask_small_counts": True},
             "filters": {}, "args": []}  # fmt: skip
    odd = [{**entry, "args": [{"an": "object"}]}, {**entry, "filters": {"unknown": 1}}, 42, entry]
    path.write_text(json.dumps(odd), encoding="utf-8")
    assert warm.restore(data_dir) == 1
    assert warm.recent() == [("parcours.analytics.barriers:page", Scope(None, False, True),
                              Filters(), ())]  # fmt: skip


def test_the_most_recent_keys_are_kept_and_replayed_first():
    for n in range(warm.MAX_KEYS + 10):
        warm.remember("m:f", CENTRE, Filters(), (n,))
    warm.remember("m:f", CENTRE, Filters(), (20,))  # used again: the most recent
    order = [key[3][0] for key in warm.recent()]
    assert len(order) == warm.MAX_KEYS
    assert order[:3] == [20, warm.MAX_KEYS + 9, warm.MAX_KEYS + 8]
    assert 9 not in order  # the oldest went


def test_warming_stops_when_another_warehouse_is_served_and_survives_a_failing_load():
    for n in range(5):
        warm.remember("m:f", CENTRE, Filters(), (n,))
    replayed = []
    served = ["v1"]

    def replay(target, version, scope, flt, args):
        replayed.append((version, args[0]))
        if args[0] == 3:
            raise RuntimeError("one load fails")
        if args[0] == 2:
            served[0] = "v2"  # a build swaps in a new file meanwhile

    done = warm.warm("v1", replay, lambda: served[0])
    assert replayed == [("v1", 4), ("v1", 3), ("v1", 2)]
    assert done == 2


def test_a_new_warehouse_is_warmed_before_anybody_opens_the_page(tmp_path, monkeypatch):
    """The page's load is computed for the new warehouse by the server's thread alone, and the
    next visit reads it from the cache (the query function is not called again)."""
    root = dashboard_copy(tmp_path / "data")
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))
    data_dir = DataDir.from_env()
    calls = []
    real = barriers.page

    @functools.wraps(real)  # the same name: the page and the warmer look it up by name
    def counted(scope, flt, *args):
        calls.append(scope)
        return real(scope, flt, *args)

    monkeypatch.setattr(barriers, "page", counted)
    warmer = warm.Warmer(ui._cached, data_dir)
    monkeypatch.setattr(warm, "POLL_SECONDS", 0.05)
    ui._cached.clear()
    try:
        warmer.start()
        at = app_as("acfi@federation.be", "pages/freins.py")
        assert not at.exception
        assert len(calls) == 1

        # A build swaps in a new file (same content: only its version changes).
        copy = root / "warehouse.next.duckdb"
        shutil.copyfile(data_dir.warehouse, copy)
        os.replace(copy, data_dir.warehouse)
        deadline = time.monotonic() + 60
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) == 2, "the new warehouse's load was not computed by the warmer"

        again = app_as("acfi@federation.be", "pages/freins.py")
        assert not again.exception
        assert len(calls) == 2  # read from the cache the warmer filled
        assert [m.value for m in again.markdown] == [m.value for m in at.markdown]
    finally:
        warmer.stop()
        ui._cached.clear()


def test_the_served_dashboard_writes_down_what_it_served_for_its_next_start(
    dashboard_warehouse, tmp_path
):
    """`serve.py` as in production: a federation user opens Freins levés; at the server's stop
    the page's loads are written down (no person named), for the next start to warm."""
    from tests.security.streamlit_ws import StreamlitClient, sign_in, signed_in
    from tests.served import start_server, stop_server

    root = dashboard_copy(tmp_path / "data")
    data_dir = DataDir(root)
    running = start_server(root, tmp_path / "first.log", script="serve.py")
    try:
        with StreamlitClient(running.url) as client:
            assert signed_in(sign_in(client, "acfi@federation.be", DASHBOARD_PASSWORD))
            client.page = "freins"
            assert not client.run().exceptions
    finally:
        stop_server(running)
    entries = json.loads(warm.keys_file(data_dir).read_text(encoding="utf-8"))
    pages = {(e["target"], tuple(e["scope"]["centre_ids"] or ())) for e in entries}
    assert ("parcours.analytics.barriers:page", ("CISP-LIE", "CISP-NAM")) in pages
    for entry in entries:  # nobody's records (the fixture's trainees are N01…, L01…)
        assert "trainee_path" not in entry["target"]


def test_loads_nobody_asked_for_lately_are_not_warmed(monkeypatch):
    warm.remember("m:f", CENTRE, Filters(), ("old",))
    later = time.monotonic() + warm.FORGET_AFTER_SECONDS + 1
    monkeypatch.setattr(warm, "_clock", lambda: later)
    warm.remember("m:f", CENTRE, Filters(), ("new",))
    assert [key[3] for key in warm.recent()] == [("new",)]
