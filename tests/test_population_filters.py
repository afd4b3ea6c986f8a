"""Who walks the paths: the population filters (age band at entry, gender, education, status at
entry) narrow every analytical page to the right trainees, for every role; they live in the URL
(a shared link reproduces the view; an unknown value is reset in French); « Ventiler par » adds
up to the unbroken figure and stays masked.

The oracle is plain SQL on the fixture's `dim_participants` and facts (the raw profile columns,
the age computed here), never the code under test."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from conftest import PROJECT_ROOT, app_as, dashboard_user

from parcours import contract
from parcours.analytics import home, trajectories
from parcours.warehouse.reader import Filters, Scope
from tests import depth

# Slow (many page runs): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow

YEAR = 2024

# dimension, code, the same population in plain SQL on dim_participants (alias d)
POPULATIONS = [
    ("gender", "F", "d.gender = 'F'"),
    ("age_band", "under_25", "d.entry_year - d.birth_year < 25"),
    ("age_band", "35_to_44", "d.entry_year - d.birth_year between 35 and 44"),
    ("education", "none", "d.education = 'none'"),
    ("status_at_entry", "ris", "d.status_at_entry = 'ris'"),
    ("gender", "unknown", "d.gender is null"),
]
KEYS = {
    "age_band": "flt_age",
    "gender": "flt_gender",
    "education": "flt_education",
    "status_at_entry": "flt_status",
}
SCOPES = {  # email → the centres it reads
    "admin@parcours.be": ("CISP-NAM", "CISP-LIE", "CISP-HAI"),
    "nam@centre.be": ("CISP-NAM",),
}


@pytest.fixture(autouse=True)
def _warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))


@pytest.fixture
def oracle(dashboard_warehouse):
    con = duckdb.connect(str(dashboard_warehouse.warehouse), read_only=True)

    def count(sql: str, centres: tuple[str, ...], population: str) -> int:
        where = f"d.centre_id in {tuple(centres) + ('',)} and ({population})"
        return con.execute(sql.format(where=where)).fetchall()[0][0]

    yield count
    con.close()


ENTRIES = "select count(*) from dim_participants d where year(d.entry_date) = 2024 and {where}"
EPISODES = (
    "select count(*) from fct_barrier_episodes e join dim_participants d "
    "using (centre_id, participant_id) where year(e.identified_on) = 2024 and {where}"
)
PARTNERSHIPS = (
    "select count(*) from fct_partnerships p join dim_participants d "
    "using (centre_id, participant_id) where year(p.started_on) = 2024 and {where}"
)
EXITS = (
    "select count(*) from fct_exits x join dim_participants d "
    "using (centre_id, participant_id) where year(x.exit_date) = 2024 and {where}"
)


def table(at, *columns: str):
    """The first table showing these columns (a pandas frame)."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def total(frame, column: str) -> int:
    return int(sum(int(v) for v in frame[column]))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def cohort(at) -> int | None:
    for c in at.caption:
        if c.value.startswith("Cohorte : "):
            return int(c.value.split()[2].replace("\u202f", ""))
    return None


# --- labels ------------------------------------------------------------------------------------


def test_labels_come_from_codes_csv_and_unknown_is_non_renseigne():
    codes = contract.load().labels("gender")
    assert contract.population_labels("gender") == {**codes, "unknown": "Non renseigné"}
    education = contract.population_labels("education")
    assert list(education)[-1] == "unknown" and education["unknown"] == "Non renseigné"
    assert set(contract.population_labels("age_band")) == {
        "under_25",
        "25_to_34",
        "35_to_44",
        "45_plus",
        "unknown",
    }


# --- each filter narrows every page ----------------------------------------------------------


# `make test` filters as the administrator (three centres: the fewest empty counts); the same
# walks in a centre's scope are for `make test-all`.
@pytest.mark.parametrize(
    "email",
    [
        e if e == "admin@parcours.be" else pytest.param(e, marks=pytest.mark.exhaustive)
        for e in SCOPES
    ],
)
@pytest.mark.parametrize(("dimension", "code", "sql"), POPULATIONS)
def test_a_population_filter_narrows_every_page(email, dimension, code, sql, oracle):
    centres = SCOPES[email]
    at = app_as(email, "pages/accueil.py")
    at = at.sidebar.selectbox(key=KEYS[dimension]).set_value(code).run()
    assert not at.exception
    label = contract.population_labels(dimension)[code]
    assert f"Population : {label}." in [c.value for c in at.caption]
    assert metric(at, "Entrées") == str(oracle(ENTRIES, centres, sql))

    at = at.switch_page("pages/freins.py").run()
    assert not at.exception
    expected = oracle(EPISODES, centres, sql)
    if expected:
        assert total(table(at, "Groupe", "Épisodes"), "Épisodes") == expected
    else:
        assert not [d for d in at.dataframe if "Épisodes" in d.value.columns]

    at = at.switch_page("pages/partenariats.py").run()
    assert not at.exception
    expected = oracle(PARTNERSHIPS, centres, sql)
    if expected:
        frame = table(at, "Type de partenaire", "Domaine", "Partenariats")
        assert total(frame, "Partenariats") == expected

    at = at.switch_page("pages/resultats.py").run()
    assert not at.exception
    expected = oracle(EXITS, centres, sql)
    if expected:
        frame = table(at, "Année de sortie", "Destination", "Sorties")
        assert total(frame[frame["Année de sortie"] == YEAR], "Sorties") == expected

    at = at.switch_page("pages/trajectoires.py").run()
    assert not at.exception
    expected = oracle(ENTRIES, centres, sql)
    assert cohort(at) == (expected or None)
    # The filter is still the one chosen, on every page.
    assert at.sidebar.selectbox(key=KEYS[dimension]).value == code


def test_a_federation_sees_a_narrow_population_masked(oracle):
    """ACFI, women only: every count shown is 0 or at least 5, on every page."""
    at = app_as("acfi@federation.be", "pages/accueil.py")
    at = at.sidebar.selectbox(key="flt_gender").set_value("F").run()
    expected = oracle(ENTRIES, ("CISP-NAM", "CISP-LIE"), "d.gender = 'F'")
    shown = metric(at, "Entrées")
    assert shown == ("< 5" if 0 < expected < 5 else str(expected))
    for page in ("accueil", "freins", "partenariats", "resultats", "trajectoires"):
        at = at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        for frame in at.dataframe:
            for column in frame.value.columns:
                if any(w in column for w in ("Stagiaires", "Sorties", "Entrées", "Épisodes")):
                    if "%" in column or "IC" in column:
                        continue
                    for value in frame.value[column]:
                        assert str(value) not in {"1", "2", "3", "4"}, (page, column)


# --- the URL ---------------------------------------------------------------------------------


def _fresh(query: dict[str, str], email: str = "admin@parcours.be"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = dashboard_user(email)
    at.query_params.update(query)
    return at.run()


def _qp(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def test_a_shared_link_reproduces_the_population():
    at = app_as("admin@parcours.be", "pages/accueil.py")
    at = at.sidebar.selectbox(key="flt_gender").set_value("F").run()
    at = at.sidebar.selectbox(key="flt_age").set_value("35_to_44").run()
    link = _qp(at)
    assert link["genre"] == "F" and link["age"] == "35_to_44"
    entries = metric(at, "Entrées")
    again = _fresh(link)
    assert not again.exception
    assert again.sidebar.selectbox(key="flt_gender").value == "F"
    assert again.sidebar.selectbox(key="flt_age").value == "35_to_44"
    assert metric(again, "Entrées") == entries
    assert "Population : 35 à 44 ans, Femme." in [c.value for c in again.caption]
    # « Tous » again: the parameter leaves the URL.
    again = again.sidebar.selectbox(key="flt_age").set_value("").run()
    assert "age" not in again.query_params


@pytest.mark.parametrize(
    "query", [{"genre": "Z"}, {"statut": "'; drop table x"}, {"age": "99"}, {"etudes": ""}]
)
def test_an_unknown_population_value_in_the_url_is_reset_in_french(query):
    at = _fresh({"annees": "2024-2024", **query})
    assert not at.exception
    key, value = next(iter(query.items()))
    if value:
        assert any(
            "valeur inconnue" in w.value and "remis à « Tous »" in w.value for w in at.warning
        )
        assert key not in at.query_params
    for widget in KEYS.values():
        assert at.sidebar.selectbox(key=widget).value == ""


# --- « Ventiler par » ------------------------------------------------------------------------

ALL = Scope(None, may_see_individuals=True, mask_small_counts=False)
FEDERATION = Scope(("CISP-NAM", "CISP-LIE"), may_see_individuals=False, mask_small_counts=True)
COUNTS = ("in_training", "entries", "exits", "positive_exits")


@pytest.mark.parametrize("by", list(contract.POPULATION))
def test_the_months_breakdown_adds_up_to_the_months(by):
    data = home.page(ALL, Filters(years=(YEAR, YEAR)), YEAR, by)
    sums = data["months_by"].group_by("month").agg(pl.col(c).sum() for c in COUNTS)
    joined = data["months"].select("month", *COUNTS).join(sums, on="month", suffix="_by")
    for c in COUNTS:
        assert joined[c].fill_null(0).to_list() == joined[f"{c}_by"].fill_null(0).to_list(), c


@pytest.mark.parametrize("by", list(contract.POPULATION))
def test_the_chronogram_breakdown_adds_up_to_the_chronogram(by):
    whole = trajectories.chronogram(ALL, Filters(), YEAR)
    parts = trajectories.chronogram_by(ALL, Filters(), YEAR, by)
    summed = parts.group_by("month", "state").agg(pl.col("trainees").sum())
    joined = whole.select("month", "state", "trainees").join(
        summed, on=["month", "state"], how="full", suffix="_by", coalesce=True
    )
    assert joined["trainees"].fill_null(0).to_list() == joined["trainees_by"].fill_null(0).to_list()
    assert parts["cohort"][0] == whole.filter(pl.col("month") == 0)["trainees"].sum()


def _one_masked_in_a_shown_total(parts: pl.DataFrame, totals: pl.DataFrame, key, col, whole):
    """(key, …) where the total is shown and exactly one of its parts is masked: that part
    would be the total minus the others."""
    found = []
    for row in totals.iter_rows(named=True):
        if row[whole] is None:
            continue
        inside = parts.filter(pl.all_horizontal(pl.col(k) == row[k] for k in key))
        if inside[col].null_count() == 1:
            found.append(row)
    return found


# `make test` breaks down the narrowest population (no diploma); the whole population and the
# women are for `make test-all`.
@pytest.mark.parametrize("by", list(contract.POPULATION))
@pytest.mark.parametrize(
    "population",
    [
        pytest.param({}, marks=pytest.mark.exhaustive),
        pytest.param({"gender": "F"}, marks=pytest.mark.exhaustive),
        {"education": "none"},
    ],
)
def test_a_breakdown_of_a_narrow_population_stays_masked(by, population):
    filters = Filters(years=(YEAR, YEAR), **population)
    data = home.page(FEDERATION, filters, YEAR, by)
    months, parts = data["months"], data["months_by"]
    for c in COUNTS:
        shown = parts[c].drop_nulls().to_list() + months[c].drop_nulls().to_list()
        assert not [v for v in shown if 0 < v < 5], c
        assert not _one_masked_in_a_shown_total(parts, months, ["month"], c, c), c
    chrono = trajectories.chronogram_by(FEDERATION, Filters(**population), YEAR, by)
    if chrono.is_empty():
        return
    for c in ("trainees", "observable"):
        assert not [v for v in chrono[c].drop_nulls().to_list() if 0 < v < 5], c
    observable = chrono.unique(["code", "month"]).select("code", "month", "observable")
    assert not _one_masked_in_a_shown_total(
        chrono, observable, ["code", "month"], "trainees", "observable"
    )
    cohort_shown = chrono["cohort"][0]
    if cohort_shown is not None:
        month0 = observable.filter(pl.col("month") == 0)
        assert month0["observable"].null_count() != 1


@pytest.mark.parametrize("by", list(contract.POPULATION))
def test_the_destinations_breakdown_adds_up_and_stays_masked(by):
    from parcours.analytics import outcomes

    key = ["exit_year", "destination_group"]
    whole = outcomes.page(ALL, Filters(years=(2023, YEAR)), by)
    sums = whole["destinations_by"].group_by(key).agg(pl.col("exits").sum())
    joined = whole["destinations"].select(*key, "exits").join(sums, on=key, suffix="_by")
    assert joined.height == whole["destinations"].height
    assert joined["exits"].to_list() == joined["exits_by"].to_list()
    masked = outcomes.page(FEDERATION, Filters(years=(2023, YEAR), gender="F"), by)
    parts = masked["destinations_by"]
    assert not [v for v in parts["exits"].drop_nulls().to_list() if 0 < v < 5]
    assert not _one_masked_in_a_shown_total(parts, masked["destinations"], key, "exits", "exits")


def test_the_breakdown_boxes_draw_every_dimension():
    for page, key in (
        ("pages/accueil.py", "accueil_ventiler"),
        ("pages/resultats.py", "resultats_ventiler"),
        ("pages/trajectoires.py", "trajectoires_ventiler"),
    ):
        # A federation's masked breakdowns in `make test`; every role in the whole suite.
        emails = ("admin@parcours.be", "acfi@federation.be", "nam@centre.be")
        for email in emails if depth.EXHAUSTIVE else ("acfi@federation.be",):
            at = app_as(email, page)
            for by in contract.POPULATION:
                at = at.selectbox(key=key).set_value(by).run()
                assert not at.exception, (page, email, by)


def test_a_population_filter_is_a_bound_parameter_and_never_silently_skipped():
    from parcours.warehouse.reader import Where

    chosen = Filters(gender="F'; drop table x; --", age_band="under_25")
    joined = Where.scoped(ALL, chosen, centre="e.centre_id", participant="e.participant_id")
    assert "drop" not in joined.sql and joined.params["f_gender"].startswith("F'")
    assert "dim_participant_population" in joined.sql
    own = Where.scoped(ALL, chosen, population_columns="")
    assert "age_band = $f_age_band" in own.sql
    with pytest.raises(ValueError):
        Where.scoped(ALL, chosen)
    assert Where.scoped(ALL, chosen, use_population=False).sql == "true"
