"""The dashboard's analytical pages on the fixture warehouse (tests/fixtures/dashboard, built
through the real pipeline): they render, show nothing before login, show the numbers computed by
hand in the fixture's README, mask small counts outside a centre's own data, and never show a
federation another federation's centres."""

from __future__ import annotations

import json

import pytest
from conftest import DASHBOARD_PASSWORD, PROJECT_ROOT, app_as
from streamlit.testing.v1 import AppTest

from parcours.dashboard import navigation
from parcours.store import opstore
from tests.page_helpers import shown

T = "\u202f"
MY_PAGES = ["pages/accueil.py", "pages/freins.py", "pages/partenariats.py", "pages/resultats.py"]
ALL_PAGES = [
    *MY_PAGES,
    "pages/parcours.py",
    "pages/qualite.py",
    "pages/televerser.py",
    "pages/transformations.py",
]


@pytest.fixture(autouse=True)
def _warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))
    return dashboard_warehouse


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, first_column: str):
    """The first displayed table whose first column is `first_column`, as a person reads it
    (a pandas frame of the cells' text)."""
    for frame in at.dataframe:
        if frame.value.columns[0] == first_column:
            return shown(frame)
    raise AssertionError(f"no table starting with {first_column!r}")


def row(frame, first_value) -> dict:
    found = frame[frame.iloc[:, 0] == first_value]
    assert len(found) == 1, (first_value, frame)
    return found.iloc[0].to_dict()


# --- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
def test_nothing_is_shown_before_login(page):
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Adresse e-mail", "Mot de passe"]
    assert not at.metric and not at.dataframe and not at.get("arrow_vega_lite_chart")


@pytest.mark.parametrize("page", MY_PAGES)
@pytest.mark.parametrize("email", ["admin@parcours.be", "acfi@federation.be", "nam@centre.be"])
def test_page_renders_without_error(page, email):
    at = app_as(email, page)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.dataframe, "every chart has its table"
    assert at.get("download_button"), "every table can be downloaded"


def test_login_form_signs_in_and_is_audited(dashboard_warehouse):
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("analyste@parcours.be")
    at.text_input[1].input("mauvais mot de passe")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Adresse e-mail ou mot de passe incorrect."]
    assert not at.metric
    at.text_input[1].input(DASHBOARD_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Accueil"]
    conn = opstore.connect(dashboard_warehouse.ops_db)
    try:
        actions = [
            r["action"]
            for r in conn.execute(
                "select action from audit_log where actor = 'analyste@parcours.be'"
            )
        ]
    finally:
        conn.close()
    assert actions[-2:] == ["login_failure", "login_success"]


def test_drawing_a_download_button_exports_nothing(dashboard_warehouse):
    """The bytes of a download are produced, and audited, only at the click (a real browser
    clicks in tests/security/test_downloads.py; AppTest does not fetch the file)."""

    def exports():
        conn = opstore.connect(dashboard_warehouse.ops_db)
        try:
            sql = "select count(*) from audit_log where action = 'export'"
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()

    before = exports()
    at = app_as("acfi@federation.be", "pages/freins.py")
    assert at.get("download_button")
    assert exports() == before


def test_csv_download_is_audited(dashboard_warehouse, monkeypatch):
    from page_helpers import fetch, record_downloads

    record_downloads(monkeypatch)
    at = app_as("acfi@federation.be", "pages/freins.py")
    at.get("download_button")[0].click().run()
    fetch(at.get("download_button")[0])  # the click makes the browser ask for the bytes
    conn = opstore.connect(dashboard_warehouse.ops_db)
    try:
        last = conn.execute(
            "select actor, action, detail from audit_log where action = 'export' "
            "order by id desc limit 1"
        ).fetchone()
    finally:
        conn.close()
    assert last["actor"] == "acfi@federation.be"
    assert json.loads(last["detail"])["file"] == "freins_par_groupe.csv"


def test_pages_offered_follow_the_role():
    def titles(role):
        return [title for pages in navigation.pages_for(role).values() for _, title, _ in pages]

    assert titles("federation") == [
        "Accueil",
        "Freins levés",
        "Partenariats",
        "Résultats dans le temps",
        "Trajectoires",
        "Rapport annuel",
    ]
    assert "Parcours" in titles("centre") and "Téléverser" in titles("centre")
    assert "Transformations" in titles("analyst") and "Parcours" not in titles("analyst")
    # the eight pages, « Trajectoires », « Rapport annuel », « Journal d'audit »
    assert len(titles("admin")) == 11


# --- Accueil ------------------------------------------------------------------------------


def test_accueil_key_figures_for_every_centre():
    m = metrics(app_as("admin@parcours.be", "pages/accueil.py"))
    assert m["Stagiaires en formation"] == "15"
    assert m["Entrées"] == "12"
    assert m["Sorties"] == "6"
    assert m["Heures de formation"] == f"1{T}200"
    assert m["Avec un frein levé"] == f"46,7{T}%"
    assert m["Avec une étape franchie"] == f"53,3{T}%"
    assert m["Sorties positives"] == f"66,7{T}%"


def test_accueil_no_change_against_a_previous_period_not_covered():
    # The fixture's hours: NAM in 3 months of 2023 and 5 of 2024, HAI in 2 and 4, LIE none in
    # 2023 and 3 in 2024 — no centre covers either year (10 months out of 12): no comparison,
    # and a sentence says why (it used to show « +10 vs 2023 »).
    at = app_as("admin@parcours.be", "pages/accueil.py")
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Stagiaires en formation"] == ""
    assert deltas["Entrées"] == ""
    assert deltas["Avec une étape franchie"] == ""
    reason = (
        "Pas de comparaison : 1 centre n'a pas de données pour 2023 ; 2 centres n'ont que des "
        "données partielles pour 2023 (moins de 10 mois sur 12) ; 3 centres n'ont que des "
        "données partielles pour 2024 (moins de 10 mois sur 12)."
    )
    assert any(c.value.startswith(reason) for c in at.caption)


def test_accueil_chiffres_cles():
    at = app_as("admin@parcours.be", "pages/accueil.py")
    m = metrics(at)
    assert (m["Centres"], m["Stagiaires"]) == ("3", "15")
    assert "1 DéFI, 1 EFT, 1 les deux" in [c.value for c in at.caption]
    destinations = table(at, "Destination")
    assert row(destinations, "Formation")["Part"] == f"40,0{T}%"
    assert row(destinations, "Emploi")["Sorties"] == "2"


def test_accueil_masks_small_counts_for_a_federation():
    m = metrics(app_as("acfi@federation.be", "pages/accueil.py"))
    assert m["Stagiaires en formation"] == "10"
    assert m["Entrées"] == "8"
    assert m["Sorties"] == "< 5"
    assert m["Heures de formation"] == "800"
    assert m["Avec un frein levé"] == f"50,0{T}%"
    assert m["Sorties positives"] == "masqué"


def test_a_centre_sees_its_own_small_counts():
    m = metrics(app_as("lie@centre.be", "pages/accueil.py"))
    assert (m["Stagiaires en formation"], m["Entrées"], m["Sorties"]) == ("3", "3", "1")


def test_a_federation_never_sees_another_federations_centres():
    at = app_as("aid@federation.be", "pages/accueil.py")
    m = metrics(at)
    assert m["Stagiaires en formation"] == "5"  # H02–H06 only
    assert m["Entrées"] == "< 5"
    assert m["Heures de formation"] == "400"
    heatmap = table(app_as("aid@federation.be", "pages/partenariats.py"), "Centre")
    assert set(heatmap["Centre"]) == {"Hainaut Avenir"}


def test_a_shared_url_cannot_widen_the_scope():
    from conftest import dashboard_user

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = dashboard_user("aid@federation.be")
    at.query_params.update({"annees": "2024-2024", "centre": "CISP-NAM", "federation": "ACFI"})
    at.run()
    assert not at.exception
    assert metrics(at)["Stagiaires en formation"] == "5"


def test_filters_live_in_the_url_and_persist_across_pages():
    at = app_as("admin@parcours.be")
    at.sidebar.selectbox(key="flt_fed").set_value("ACFI").run()
    assert at.query_params["federation"] in ("ACFI", ["ACFI"])
    at.switch_page("pages/freins.py").run()
    assert at.sidebar.selectbox(key="flt_fed").value == "ACFI"
    groups = table(at, "Groupe")
    assert row(groups, "Matériel")["Épisodes"] == "6"  # NAM + LIE only


# --- Freins levés -------------------------------------------------------------------------


def test_freins_per_group_and_barrier():
    at = app_as("admin@parcours.be", "pages/freins.py")
    m = metrics(at)
    assert m["Matériel"] == f"55,6{T}%"
    assert m["Psychosocial"] == f"66,7{T}%"
    assert m["Compétences"] == f"50,0{T}%"
    mobility = row(table(at, "Frein"), "Mobilité")
    assert (mobility["Stagiaires concernés"], mobility["Épisodes"], mobility["Épisodes levés"]) == (
        "7",
        "7",
        "4",
    )
    assert mobility["Taux de levée"] == f"57,1{T}%"
    # The product-limit median is 90 days (tests/test_kaplan_meier.py), but at 90 days only 3
    # mobility episodes are still followed: fewer than 10, the curve is not read there.
    assert mobility["Durée médiane (Kaplan–Meier, jours)"] == "—"
    assert mobility["Médiane des seuls freins levés (jours)"] == "75"
    assert row(table(at, "Frein"), "Confiance en soi")["Rechutes"] == "1"


def test_freins_secondary_suppression_for_a_federation():
    at = app_as("acfi@federation.be", "pages/freins.py")
    groups = table(at, "Groupe")
    per_barrier = table(at, "Frein")
    assert row(per_barrier, "Logement")["Épisodes"] == "< 5"
    # The group's 6 episodes (mobility 5 + housing 1) would give housing back: 6 − 5. Masking
    # mobility would not do, now that a masked count says whether it is under 5: 6 = « masqué »
    # (at least 5) + « < 5 » (at least 1) still gives 5 and 1. So the group's 6 is masked
    # (« masqué », not « < 5 »: it is not under 5) and mobility's 5 can be shown.
    assert row(groups, "Matériel")["Épisodes"] == "masqué"
    assert row(per_barrier, "Mobilité")["Épisodes"] == "5"
    assert metrics(at)["Matériel"] == "masqué"  # 3 lifted of 6


# --- Partenariats -------------------------------------------------------------------------


def test_partenariats_types_and_association():
    at = app_as("admin@parcours.be", "pages/partenariats.py")
    types = table(at, "Type de partenaire")
    assert row(types, "CPAS")["Stagiaires concernés"] == "4"
    assert row(types, "Employeur")["Stagiaires concernés"] == "3"
    association = None
    for frame in at.dataframe:
        if "Groupe" in frame.value.columns and "Sortie positive" in frame.value.columns:
            association = shown(frame)
    # Among the 15 in training in 2024, CPAS (N04, N06, H04, H05): milestone H04 only (1 of 4),
    # no positive exit; without CPAS: 11, milestones 7 (63,6 %), positive exits 4 (N02, N03,
    # H02, H03: 36,4 %).
    cpas = association[association["Type de partenaire"] == "CPAS"]
    with_ = cpas[cpas["Groupe"] == "Avec ce partenariat"].iloc[0]
    without = cpas[cpas["Groupe"] == "Sans ce partenariat"].iloc[0]
    assert (with_["Stagiaires"], with_["Avec une étape franchie"]) == ("4", "1")
    assert with_["Avec une étape franchie (%)"] == f"25,0{T}%"
    assert (with_["Sortie positive"], with_["Sortie positive (%)"]) == ("0", f"0,0{T}%")
    assert (without["Stagiaires"], without["Avec une étape franchie (%)"]) == ("11", f"63,6{T}%")
    assert (without["Sortie positive"], without["Sortie positive (%)"]) == ("4", f"36,4{T}%")
    # An internship with the employer *is* the milestone « premier stage », a job with it *is*
    # a positive exit: the employer's 100 % bars are true by definition and left out (they
    # used to read 3 of 3 = 100 % against 41,7 %).
    employer = association[association["Type de partenaire"] == "Employeur"]
    assert set(employer["Avec une étape franchie"]) == {"vrai par définition"}
    assert set(employer["Sortie positive"]) == {"vrai par définition"}
    assert set(employer["Avec une étape franchie (%)"]) == {"—"}
    assert any(c.value.startswith("Association, pas causalité.") for c in at.caption)
    assert any("association, pas une cause" in c.value for c in at.caption)


# --- Résultats dans le temps ---------------------------------------------------------------


def test_resultats_destinations_and_after_exit():
    at = app_as("admin@parcours.be", "pages/resultats.py")
    destinations = table(at, "Année de sortie")
    in_2024 = destinations[destinations["Année de sortie"] == "2024"]
    assert dict(zip(in_2024["Destination"], in_2024["Sorties"], strict=True)) == {
        "Emploi": "2",
        "Formation": "2",
        "Sans emploi ni formation": "1",
        "Inconnue": "1",
    }
    after = table(at, "Moment")
    six = after[after["Moment"] == "6 mois après la sortie"]
    assert dict(zip(six["Situation"], six["Stagiaires"], strict=True)) == {
        "Emploi": "2",
        "Formation": "1",
    }


def test_empty_warehouse_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "empty"))
    at = app_as("admin@parcours.be", "pages/freins.py")
    assert not at.exception
    assert any("Que faire" in i.value for i in at.info)


def test_interfede_sees_every_centre_in_aggregate_only():
    at = app_as("interfede@federation.be", "pages/accueil.py")
    m = metrics(at)
    assert (m["Stagiaires en formation"], m["Entrées"], m["Sorties"]) == ("15", "12", "6")
    # 6 exits, 5 with a known destination (chiffres clés, same year): 6 − 5 would give L01's
    # unknown destination back (1 person), so the 5 is masked (« masqué »: not under 5).
    captions = [c.value.replace("\u00a0", " ") for c in at.caption]  # French no-break spaces
    assert any("sorties dont la suite est connue : masqué" in c for c in captions)
    assert m["Sorties positives"] == "masqué"  # 4 of 6: numerator under 5
    federation_pages = navigation.pages_for("federation").values()
    assert "Parcours" not in [t for p in federation_pages for _, t, _ in p]
