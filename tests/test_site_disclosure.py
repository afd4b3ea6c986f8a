"""The public observatory's disclosure control, checked by an oracle that knows nothing of the
rule (`tests/site_oracle.py`): over the demo's published files, and over random sectors drawn by
hypothesis. And the oracle can fail: with the cells masked only to protect others put back,
it finds the small counts."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.publish import periods, revisions
from parcours.site import build, disclosure
from parcours.store.datadir import DataDir
from tests import warehouse_cache
from tests.depth import examples
from tests.site_oracle import leaks, read_year

YEAR = 2024


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """Ten centres over three years (the demo security/test_masked_payloads_demo.py attacks,
    built once per run: `warehouse_cache.demo_copy`), 2024 closed, the site written."""
    dest = tmp_path_factory.mktemp("site-demo") / "data"
    root, summary = warehouse_cache.demo_copy(
        dest, centres=10, years=3, seed=1, until=date(2025, 12, 31)
    )
    assert summary["build_status"] == "success", summary["build_message"]
    out = root.parent / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(root))
        data_dir = DataDir.from_env()
        periods.close(data_dir, YEAR, actor="test", today=date(2026, 2, 1))
        sources = [build.ClosedYear(**s) for s in revisions.public_sources(data_dir)]
        build.publish(data_dir, out, sources, YEAR, actor="test")
    return out / str(YEAR)


# The oracle over a whole demo site (minutes): `make test` runs it over random sectors below.
@pytest.mark.exhaustive
def test_nothing_under_10_can_be_worked_out_from_the_demo_site(demo_site):
    values, relations = read_year(demo_site)
    masked = [k for k, v in values.items() if v is None]
    assert masked, "the demo has small counts: some must be masked"
    assert not [v for v in values.values() if v is not None and 0 < v < 10]
    assert leaks(values, relations) == []


# --- random sectors ------------------------------------------------------------------------

CATEGORIES = ("employment", "training", "none", "unknown")
TYPES = ("P", "Q", "R")  # typical paths: each person has one, and a destination within it


@st.composite
def sectors(draw):
    """Centres in federations and provinces, and a handful of people each: small counts
    everywhere. A person: (centre, destination, age group, typical path)."""
    n = draw(st.integers(3, 9))
    centres = [(draw(st.sampled_from("ABC")), draw(st.sampled_from("xyz"))) for _ in range(n)]
    people = []
    for c in range(n):
        for _ in range(draw(st.integers(0, 25))):
            people.append(
                (
                    c,
                    draw(st.sampled_from(CATEGORIES)),
                    draw(st.sampled_from("123")),
                    draw(st.sampled_from(TYPES)),
                )
            )
    return centres, people


def _names():
    """What is counted at every level: exits by destination (a partition of the exits), and
    as the site's typical paths are, the exits by path type (another partition of the same
    total) and each type's exits by destination (a partition of the type)."""
    out = {("exits",): ("exits", CATEGORIES)}
    out[("types",)] = ("exits", TYPES)
    for t in TYPES:
        out[(t,)] = (t, tuple(f"{t}:{c}" for c in CATEGORIES))
    return out


def _count(chosen, name: str) -> int:
    if name == "exits":
        return len(chosen)
    if name in CATEGORIES:
        return sum(p[1] == name for p in chosen)
    if name in TYPES:
        return sum(p[3] == name for p in chosen)
    kind, cat = name.split(":")
    return sum(p[3] == kind and p[1] == cat for p in chosen)


ALL_NAMES = ("exits", *CATEGORIES, *TYPES, *(f"{t}:{c}" for t in TYPES for c in CATEGORIES))


def random_system(centres, people):
    """The sector, the federations and provinces with at least 3 centres, and the age groups:
    exits by destination and by typical path, as the site's system of quantities → (system,
    levels)."""
    levels = {("sector", "all"): lambda c, a: True}
    for kind, pos in (("federation", 0), ("province", 1)):
        for value in sorted({centre[pos] for centre in centres}):
            if sum(centre[pos] == value for centre in centres) >= 3:
                levels[(kind, value)] = lambda c, a, p=pos, v=value: centres[c][p] == v
    for age in "123":
        levels[("age", age)] = lambda c, a, v=age: a == v
    system = disclosure.System()
    for level, inside in levels.items():
        chosen = [p for p in people if inside(p[0], p[2])]
        for name in ALL_NAMES:
            system.set((*level, name), _count(chosen, name))
        for total, parts in _names().values():
            system.relate((*level, total), [(*level, p) for p in parts])
    for kind in ("federation", "province", "age"):
        for name in ALL_NAMES:
            total = ("sector", "all", name)
            shown = [(*lv, name) for lv in levels if lv[0] == kind]
            rest = system.values[total] - sum(system.values[k] for k in shown)
            if rest or kind != "age":
                system.set((kind, "_rest", name), rest, hidden=True)
                shown.append((kind, "_rest", name))
            system.relate(total, shown)
    return system, levels


def publish_random(centres, people):
    """`random_system` masked by `disclosure` → (values the oracle reads, relations it
    knows)."""
    system, levels = random_system(centres, people)
    status = disclosure.suppress(system)
    values = {k: (None if k in status else v) for k, v in system.values.items()}
    values = {k: v for k, v in values.items() if k[1] != "_rest"}
    # What the oracle knows: each partition adds up to its total; each kind plus a remainder is
    # the sector (its own remainder, not the site's).
    relations = [
        ((*lv, total), tuple((*lv, p) for p in parts))
        for lv in levels
        for total, parts in _names().values()
    ]
    for kind in ("federation", "province", "age"):
        for name in ALL_NAMES:
            parts = [(*lv, name) for lv in levels if lv[0] == kind]
            if parts:
                relations.append((("sector", "all", name), (*parts, ("remainder", kind, name))))
    return values, relations


@settings(max_examples=examples(25, 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sectors())
def test_nothing_under_10_can_be_worked_out_in_a_random_sector(sector):
    values, relations = publish_random(*sector)
    assert not [v for v in values.values() if v is not None and 0 < v < 10]
    assert leaks(values, relations) == []


def test_primary_suppression_alone_would_leak():
    """Put back every masked cell that is not itself from 1 to 9 (the cells masked only to
    protect others): the oracle finds the small counts. It has teeth."""
    rng = random.Random(3)
    centres = [("A", "x")] * 3 + [("B", "y")] * 3
    people = [(c, rng.choice(CATEGORIES[:2]), "1", "P") for c in range(6) for _ in range(20)]
    people += [(0, "none", "1", "P")] * 4
    values, relations = publish_random(centres, people)
    assert leaks(values, relations) == []
    groups = {
        ("sector", "all"): lambda p: True,
        ("federation", "A"): lambda p: centres[p[0]][0] == "A",
        ("federation", "B"): lambda p: centres[p[0]][0] == "B",
        ("province", "x"): lambda p: centres[p[0]][1] == "x",
        ("province", "y"): lambda p: centres[p[0]][1] == "y",
        ("age", "1"): lambda p: p[2] == "1",
        ("age", "2"): lambda p: p[2] == "2",
        ("age", "3"): lambda p: p[2] == "3",
    }
    primary_only = dict(values)
    for key, value in values.items():
        truth = _count([p for p in people if groups[key[:2]](p)], key[2])
        if value is None and not 0 < truth < 10:
            primary_only[key] = truth
    assert primary_only != values
    assert leaks(primary_only, relations)


@settings(max_examples=examples(10, 3), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sectors())
def test_the_kept_highs_model_masks_as_linprog_does(sector):
    """The suppression re-solves one HiGHS model (scipy's binding); with scipy's `linprog`
    (another scipy) it masks exactly the same cells."""
    fast = disclosure.suppress(random_system(*sector)[0])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(disclosure, "_highs", None)
        slow = disclosure.suppress(random_system(*sector)[0])
    assert fast == slow
