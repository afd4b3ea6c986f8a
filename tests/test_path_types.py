"""Typical paths (issue 10): the sequence distance and the clustering on tiny hand-made sequences
whose answers are computed by hand (or by brute force), reproducibility, the naming rule, and
the build's tables on the dashboard fixture warehouse."""

import itertools

import duckdb
import numpy as np
import pytest

from parcours.analytics import typology as t

# --- distance ------------------------------------------------------------------------------------


def test_substitution_costs_follow_the_transition_rates_worked_by_hand():
    # Transitions: CCE: C→C, C→E; CEE: C→E, E→E; CCC: C→C, C→C. From C: 3 to C, 2 to E, so
    # p(E|C) = 2/5; from E: only E→E, so p(C|E) = 0. cost(C, E) = 2 − 0.4 − 0 = 1.6.
    costs = t.substitution_costs(np.array([[0, 0, 1], [0, 1, 1], [0, 0, 0]], dtype=np.int8))
    names = ("in_centre", "employment", "training", "not_observed")
    c, e, training, x = (t.STATES.index(s) for s in names)
    assert costs[c, e] == costs[e, c] == pytest.approx(1.6)
    assert costs[c, training] == 2.0  # never follow each other
    assert costs[c, x] == costs[x, e] == t.NOT_OBSERVED_COST == 1.0
    assert costs[c, c] == costs[x, x] == 0.0


def test_transitions_to_or_from_not_observed_do_not_count():
    # C→X is no transition: from C only C→E is seen, p(E|C) = 1, cost(C, E) = 2 − 1 − 0 = 1.
    costs = t.substitution_costs(t.encode(["CE", "CX"]))
    assert costs[0, 1] == pytest.approx(1.0)


def test_distance_is_the_sum_of_the_monthly_costs():
    costs = np.full((7, 7), 2.0)
    np.fill_diagonal(costs, 0.0)
    costs[0, 1] = costs[1, 0] = 1.6
    costs[:, 6] = costs[6, :] = 1.0
    costs[6, 6] = 0.0
    a = t.encode(["CCE", "CEE", "CCC", "CXE"])
    d = t.distances(a, a, costs)
    # By hand: CCE–CEE differ in month 1 (C/E: 1.6); CEE–CCC in months 1 and 2 (3.2);
    # CXE–CCE in month 1 (X/C: 1); CXE–CEE in month 1 (X/E: 1); CXE–CCC: 1 + 1.6.
    assert d[0, 1] == pytest.approx(1.6)
    assert d[0, 2] == pytest.approx(1.6)
    assert d[1, 2] == pytest.approx(3.2)
    assert d[3, 0] == pytest.approx(1.0)
    assert d[3, 1] == pytest.approx(1.0)
    assert d[3, 2] == pytest.approx(2.6)
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)


def test_sequences_are_padded_with_not_observed():
    decoded = t.decode(t.encode(["CCE"])[0])
    assert decoded[:4] == ["in_centre", "in_centre", "employment", "not_observed"]
    assert t.encode(["CCE"]).shape == (1, t.MONTHS)
    with pytest.raises(ValueError):
        t.encode(["CZ"])


# --- clustering ----------------------------------------------------------------------------------


def line(points):
    p = np.asarray(points, dtype=float)
    return np.abs(p[:, None] - p[None, :])


def brute_force(dist, weights, k, candidates=None):
    pool = range(len(dist)) if candidates is None else np.flatnonzero(candidates)
    best = min(
        itertools.combinations(pool, k),
        key=lambda m: ((dist[list(m)].min(axis=0) * weights).sum(), m),
    )
    return list(best)


def test_pam_finds_the_obvious_medoids():
    dist = line([0, 1, 2, 10, 11, 12])
    assert list(t.pam(dist, np.ones(6), 2)) == [1, 4]
    # Five trainees at 0: the medoid of {0, 1, 2} moves to 0 (cost 1 + 2 = 3 < 5 × 1 + 1 = 6).
    assert list(t.pam(dist, np.array([5, 1, 1, 1, 1, 1.0]), 2)) == [0, 4]
    # Only 2 and 12 may be medoids.
    allowed = np.array([0, 0, 1, 0, 0, 1], dtype=bool)
    assert list(t.pam(dist, np.ones(6), 2, allowed)) == [2, 5]


@pytest.mark.parametrize("seed", range(12))
def test_pam_reaches_the_brute_force_optimum_on_small_sets(seed):
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(9, 2)) + rng.integers(0, 3, size=(9, 1)) * 4
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    weights = rng.integers(1, 5, size=9).astype(float)
    medoids = list(t.pam(dist, weights, 3))
    oracle = brute_force(dist, weights, 3)
    cost = (dist[medoids].min(axis=0) * weights).sum()
    best = (dist[oracle].min(axis=0) * weights).sum()
    # PAM is a local search: on these well-separated sets it finds the optimum.
    assert cost == pytest.approx(best)


def test_silhouette_worked_by_hand():
    dist = line([0, 1, 10, 11])
    labels = np.array([0, 0, 1, 1])
    # Point 0: a = 1, b = (10 + 11) / 2 = 10.5, s = 9.5 / 10.5; point 1: a = 1, b = 9.5,
    # s = 8.5 / 9.5; the other two by symmetry.
    expected = (9.5 / 10.5 + 8.5 / 9.5) / 2
    assert t.silhouette(dist, np.ones(4), labels) == pytest.approx(expected)
    # Weight 2 on point 0 = two trainees there: each copy has a = (0 + 1) / 2, b = 10.5;
    # point 1 has a = (1 + 1) / 2 = 1, b = 9.5; point 10 has a = 1, b = (10 + 10 + 9) / 3 = 29/3;
    # point 11 has a = 1, b = (11 + 11 + 10) / 3 = 32/3.
    weighted = (2 * (10 / 10.5) + 8.5 / 9.5 + (26 / 3) / (29 / 3) + (29 / 3) / (32 / 3)) / 5
    assert t.silhouette(dist, np.array([2, 1, 1, 1.0]), labels) == pytest.approx(weighted)


# --- the typology --------------------------------------------------------------------------------

QUICK_JOB = "CCC" + "E" * 21
LONG_TRAINING = "C" * 15 + "T" * 9
STILL_IN = "C" * 24
RECENT = "C" * 5 + "X" * 19
DETOUR = "CC" + "N" * 6 + "E" * 16


def small_population():
    sequences = [QUICK_JOB, LONG_TRAINING, STILL_IN, RECENT, DETOUR]
    counts = [40, 25, 20, 15, 10]
    # Near variants of each, fewer trainees each.
    sequences += ["CCCC" + "E" * 20, "C" * 14 + "T" * 10, "C" * 23 + "X", "C" * 4 + "X" * 20]
    counts += [6, 6, 5, 5]
    sequences += ["CCC" + "N" * 5 + "E" * 16, "CCCCCE" + "E" * 18, "C" * 16 + "T" * 8]
    counts += [5, 3, 2]
    return sequences, counts


def test_typology_finds_the_hand_made_types_and_names_them():
    sequences, counts = small_population()
    result = t.typology(sequences, counts, k_range=[5], shared_by=5)
    assert result.k == 5
    assert sorted(result.medoids) == sorted([QUICK_JOB, LONG_TRAINING, STILL_IN, RECENT, DETOUR])
    # Named from the members: type 2's trainees stayed 14 to 16 months (median 15).
    assert result.names == [
        "Sortie rapide vers l'emploi",
        "Parcours de 15 mois au centre puis formation",
        "Long parcours, toujours au centre après 2 ans",
        "Entrée récente, encore au centre",
        "Sortie rapide sans emploi ni formation, puis emploi",
    ]
    by_sequence = dict(zip(result.sequences, result.types, strict=True))
    assert by_sequence["CCCC" + "E" * 20] == by_sequence[QUICK_JOB] == 1
    assert by_sequence["C" * 16 + "T" * 8] == by_sequence[LONG_TRAINING] == 2
    assert by_sequence["CCC" + "N" * 5 + "E" * 16] == by_sequence[DETOUR] == 5


def test_a_medoid_is_a_path_shared_by_at_least_five_trainees():
    sequences, counts = small_population()
    result = t.typology(sequences, counts)
    shared = dict(zip(sequences, counts, strict=True))
    assert all(shared[m] >= t.SHARED_BY for m in result.medoids)


def test_same_seed_same_types_whatever_the_input_order():
    rng = np.random.default_rng(0)
    sequences = sorted({"C" * a + x * (24 - a) for a in range(1, 25) for x in "ETNU"})
    counts = list(rng.integers(1, 30, len(sequences)))
    first = t.typology(sequences, counts, sample_size=300)
    again = t.typology(sequences, counts, sample_size=300)
    shuffled = rng.permutation(len(sequences))
    other = t.typology(
        [sequences[i] for i in shuffled], [counts[i] for i in shuffled], sample_size=300
    )
    assert list(first.types) == list(again.types)
    assert first.medoids == again.medoids == other.medoids
    assert dict(zip(first.sequences, first.types, strict=True)) == dict(
        zip(other.sequences, other.types, strict=True)
    )
    sizes = np.bincount(first.types, weights=counts)[1:]
    assert list(sizes) == sorted(sizes, reverse=True)  # type 1 is the largest


# --- naming --------------------------------------------------------------------------------------


def states(text):
    return t.decode(t.encode([text])[0])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("CCC" + "E" * 21, "Sortie rapide vers l'emploi"),
        ("C" * 6 + "T" * 18, "Sortie rapide vers une formation"),
        ("C" * 7 + "E" * 17, "Parcours de 7 mois au centre puis emploi"),
        ("C" * 9 + "E" * 15, "Parcours de 9 mois au centre puis emploi"),
        ("C" * 11 + "E" * 13, "Parcours d'un an au centre puis emploi"),
        ("C" * 12 + "P" * 12, "Parcours d'un an au centre puis autre CISP"),
        ("C" * 15 + "T" * 9, "Parcours de 15 mois au centre puis formation"),
        ("C" * 20 + "T" * 4, "Long parcours au centre (20 mois) puis formation"),
        ("CC" + "N" * 6 + "E" * 16, "Sortie rapide sans emploi ni formation, puis emploi"),
        ("CCC" + "E" * 6 + "N" * 15, "Sortie rapide vers l'emploi, puis sans emploi ni formation"),
        ("C" * 4 + "U" * 20, "Sortie rapide vers une situation inconnue"),
        ("C" * 24, "Long parcours, toujours au centre après 2 ans"),
        ("C" * 8 + "X" * 16, "Entrée récente, encore au centre"),
        ("C" * 13 + "X" * 11, "Entrée récente, encore au centre"),
        ("C" * 2 + "E" * 4 + "X" * 18, "Sortie rapide vers l'emploi"),
    ],
)
def test_the_naming_rule_for_a_type_of_one_path(path, name):
    assert t.name_path(states(path)) == name


def summary(paths: dict[str, int]):
    return t.summarise([states(p) for p in paths], list(paths.values()))


def test_a_name_follows_the_majority_of_the_members_not_the_representative_path():
    # The medoid « CCCCC then not observed » gathers short paths of every kind: 3 of 10 are still
    # in the centre, so the type is named after the 7 who left after 2 to 4 months.
    members = {"C" * 5 + "X" * 19: 3, "CC" + "E" * 22: 3, "CCC" + "N" * 21: 2, "CCCC" + "E" * 20: 2}
    assert t.name(summary(members)) == "Sortie rapide vers l'emploi"
    # No state shared by more than half of the leavers: the name says so.
    mixed = {"CCC" + "E" * 21: 2, "CCC" + "T" * 21: 2, "CCC" + "N" * 21: 2}
    assert t.name(summary(mixed)) == "Sortie rapide vers des situations diverses"
    # Half still in the centre, half there for 24 months: neither « récente » nor « 2 ans ».
    stayed = {"C" * 6 + "X" * 18: 2, "C" * 24: 2, "CC" + "E" * 22: 1}
    assert t.name(summary(stayed)) == "Au centre, sans sortie observée"


def test_the_months_in_a_name_are_the_members_median():
    members = {"C" * 8 + "E" * 16: 5, "C" * 9 + "E" * 15: 3, "C" * 12 + "E" * 12: 2}
    assert t.name(summary(members)) == "Parcours de 8 mois au centre puis emploi"  # lower median
    members = {"C" * 8 + "E" * 16: 2, "C" * 9 + "E" * 15: 3, "C" * 12 + "E" * 12: 4}
    assert t.name(summary(members)) == "Parcours de 9 mois au centre puis emploi"


def test_equal_names_are_told_apart_by_the_months_at_the_centre():
    names = t.distinct_names([summary({"CCC" + "E" * 21: 1}), summary({"CCCCC" + "E" * 19: 1})])
    assert names == [
        "Sortie rapide vers l'emploi (3 mois au centre)",
        "Sortie rapide vers l'emploi (5 mois au centre)",
    ]
    twins = t.distinct_names([summary({"CCC" + "E" * 21: 1}), summary({"CCC" + "E" * 20 + "N": 1})])
    assert len(set(twins)) == 2


# --- the build (dashboard fixture warehouse) ---------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(dashboard_warehouse):
    with duckdb.connect(str(dashboard_warehouse.warehouse), read_only=True) as db:
        yield db


def test_every_trainee_with_months_has_one_type(warehouse):
    (with_months,) = warehouse.execute(
        "select count(*) from fct_participant_months where months_since_entry = 0"
    ).fetchone()
    (typed, keys) = warehouse.execute(
        "select count(*), count(distinct (centre_id, participant_id)) "
        "from intermediate.int_participant_path_type"
    ).fetchone()
    assert typed == keys == with_months > 0
    (counted,) = warehouse.execute("select sum(trainees) from agg_path_types").fetchone()
    assert counted == typed


def test_the_sequence_is_the_contract_table_s_first_24_months(warehouse):
    rows = warehouse.execute(
        """
        select t.sequence, list(m.state order by m.months_since_entry)
        from intermediate.int_participant_path_type t
        join fct_participant_months m using (centre_id, participant_id)
        where m.months_since_entry < 24
        group by centre_id, participant_id, t.sequence
        """
    ).fetchall()
    for sequence, months in rows:
        assert t.decode(t.encode([sequence])[0]) == months + ["not_observed"] * (24 - len(months))


def test_types_are_named_by_the_rule_from_their_members(warehouse):
    rows = warehouse.execute(
        """
        select path_type, path_type_name, list(sequence), list(trainees)
        from (
            select path_type, path_type_name, sequence, count(*) as trainees
            from intermediate.int_participant_path_type group by all
        )
        group by all order by path_type
        """
    ).fetchall()
    assert 2 <= len(rows) <= t.K_MAX
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    summaries = [t.summarise([states(s) for s in r[2]], r[3]) for r in rows]
    assert [r[1] for r in rows] == t.distinct_names(summaries)
    lengths = warehouse.execute(
        "select count(*) from agg_path_type_sequences group by path_type"
    ).fetchall()
    assert {n for (n,) in lengths} == {t.MONTHS}


def test_the_build_is_reproducible(warehouse):
    """The typology recomputed from the built sequences gives the same types."""
    rows = warehouse.execute(
        "select sequence, count(*), any_value(path_type) "
        "from intermediate.int_participant_path_type group by 1 order by 1"
    ).fetchall()
    result = t.typology([r[0] for r in rows], [r[1] for r in rows])
    assert list(result.types) == [r[2] for r in rows]


# --- the page's query and the section, per role ---


def cohorts(data_dir):
    """entry year → path_type → trainees, from the typology table and dim_participants."""
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as db:
        rows = db.execute(
            """
            select p.entry_year, t.path_type, count(*)
            from intermediate.int_participant_path_type t
            join dim_participants p using (centre_id, participant_id)
            group by all
            """
        ).fetchall()
    out: dict[int, dict[int, int]] = {}
    for year, kind, n in rows:
        out.setdefault(year, {})[kind] = n
    return out


def test_the_unmasked_query_counts_every_trainee_of_the_cohort(dashboard_warehouse):
    from parcours.analytics import path_types
    from parcours.warehouse.reader import Filters, Scope

    admin = Scope(None, may_see_individuals=True, mask_small_counts=False)
    expected = cohorts(dashboard_warehouse)
    for year, by_type in expected.items():
        frames = path_types.path_types(admin, Filters(), year)
        types = frames["types"]
        assert dict(zip(types["path_type"], types["trainees"], strict=True)) == by_type
        assert frames["cohort"]["trainees"][0] == sum(by_type.values())
        # Each type's exits add up to its size, and so do its states at 12 months.
        sums = frames["outcomes"].group_by("path_type", "outcome").agg(pl_sum("trainees"))
        for kind, outcome, n in sums.iter_rows():
            assert n == by_type[kind], (kind, outcome)
        assert (frames["barriers"]["trainees"] <= frames["barriers"]["type_trainees"]).all()
        assert set(frames["paths"]["path_type"]) == set(by_type)
        assert (frames["paths"].group_by("path_type").len()["len"] == t.MONTHS).all()


def pl_sum(column):
    import polars as pl

    return pl.col(column).sum()


def test_a_masked_scope_shows_no_count_under_five(dashboard_warehouse):
    from parcours.analytics import path_types
    from parcours.warehouse.reader import Filters, Scope

    analyst = Scope(None, may_see_individuals=False, mask_small_counts=True)
    for year in cohorts(dashboard_warehouse):
        frames = path_types.path_types(analyst, Filters(), year)
        for name in ("types", "outcomes", "barriers", "cohort"):
            frame = frames[name]
            if frame.is_empty():
                continue
            shown = [n for n in frame["trainees"].to_list() if n is not None]
            assert all(n == 0 or n >= 5 for n in shown), (year, name, shown)
        # The representative paths of the fixture are too rare to be drawn for a masked view.
        paths = frames["paths"]
        assert paths.is_empty() or (paths["shared_by"] >= 5).all()


ROLES = [
    "nam@centre.be",
    "lie@centre.be",
    "acfi@federation.be",
    "interfede@federation.be",
    "analyste@parcours.be",
    "admin@parcours.be",
]


@pytest.mark.parametrize("email", ROLES)
def test_the_section_shows_for_every_role(dashboard_warehouse, email):
    from tests.conftest import DASHBOARD_USERS, app_as

    at = app_as(email, "pages/trajectoires.py")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Parcours types" in [h.value for h in at.subheader]
    role = DASHBOARD_USERS[email][0]
    texts = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    if role == "centre":
        # A centre sees its own cohort's types, counts unmasked, named by the rule.
        with duckdb.connect(str(dashboard_warehouse.warehouse), read_only=True) as db:
            query = "select distinct path_type_name from agg_path_types"
            names = [r[0] for r in db.execute(query).fetchall()]
        assert any(name in texts for name in names)
    for frame in at.dataframe:
        if "Part du parcours type" in frame.value.columns and role in ("federation", "analyst"):
            for cell in frame.value["Stagiaires"]:
                text = str(cell).replace("\u202f", "")
                assert (
                    text in ("< 5", "masqué", "None", "nan", "<NA>")
                    or float(text) == 0
                    or float(text) >= 5
                )
