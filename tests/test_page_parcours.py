"""The Parcours page (AppTest on the dashboard fixture warehouse, built by the real pipeline)."""

import pytest

from tests.conftest import app_as, dashboard_user
from tests.page_helpers import downloads, metrics, page_as

PAGE = "pages/parcours.py"


@pytest.fixture(scope="module")
def nam_n02(dashboard_warehouse):
    at = app_as("nam@centre.be", PAGE)
    at.selectbox[0].select("N02").run()
    return at


def test_renders_for_the_centre_without_exception(nam_n02):
    assert not nam_n02.exception
    assert nam_n02.title[0].value == "Parcours individuels"


def test_the_numbers_shown_are_the_trainees_own(nam_n02):
    # N02 (fixtures/dashboard/NAM): hours 50 + 60 + 60 + 30; mobility lifted, self-esteem lifted
    # then back (a setback, still open); two milestones; left on 15/03/2024 for a CDD.
    assert metrics(nam_n02) == {
        "Heures suivies": "200,0",
        "Freins levés": "2 sur 3",
        "Rechutes": "1",
        "Étapes franchies": "2",
        "Partenariats": "2",
    }
    assert "**Entrée** : 04/09/2023 (filière EFT) · **Sortie** : 15/03/2024 — Emploi CDD" in [
        m.value for m in nam_n02.markdown
    ]
    events = nam_n02.dataframe[0].value
    assert set(events["Quoi"]) >= {
        "Entrée au centre",
        "Sortie : Emploi CDD",
        "Mobilité",
        "Confiance en soi",
        "Forem",
        "Employeur",
        "Premier stage",
        "Contrat de travail signé",
        "Emploi CDI",
    }
    setback = events[events["Détail"].str.contains("rechute", na=False)]
    assert len(setback) == 1 and setback["Fin"].iloc[0] == "en cours"
    hours = nam_n02.dataframe[1].value
    assert hours["Mois"].tolist() == ["octobre 2023", "janvier 2024", "février 2024", "mars 2024"]


def test_every_chart_has_a_caption_and_a_download(nam_n02):
    assert len(nam_n02.caption) >= 2
    assert len(downloads(nam_n02)) == 2


def test_a_centre_user_sees_only_its_own_trainees(dashboard_warehouse):
    at = app_as("lie@centre.be", PAGE)
    assert not at.exception
    options = at.selectbox[0].options
    assert options and all(o.startswith("L") for o in options)
    # No centre choice for a centre user, whatever the URL says.
    at.query_params["centre"] = "CISP-NAM"
    at.run()
    assert all(not o.startswith("N") for o in at.selectbox[0].options)


def test_reading_another_centres_path_is_refused_where_data_is_read(dashboard_warehouse):
    from parcours.analytics import trainee_path as tp
    from parcours.warehouse.reader import Filters, Scope

    lie = Scope.for_user(dashboard_user("lie@centre.be"))
    with pytest.raises(tp.AccessDenied):
        tp.load_path(lie, Filters(), "CISP-NAM", "N02")
    with pytest.raises(tp.AccessDenied):
        tp.load_trainees(lie, Filters(), "CISP-NAM")


@pytest.mark.parametrize("email", ["acfi@federation.be", "analyste@parcours.be"])
def test_aggregate_roles_see_no_individual_path(dashboard_warehouse, email):
    from parcours.analytics import trainee_path as tp
    from parcours.warehouse.reader import Filters, Scope

    # Not offered in their navigation…
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as(email, PAGE)
    # …and the page itself, run directly, shows nothing individual.
    at = page_as(email, PAGE)
    assert not at.exception
    assert not at.dataframe and not at.metric and not at.selectbox
    assert any("visibles que par le personnel" in i.value for i in at.info)
    # …because reading is refused for their scope.
    scope = Scope.for_user(dashboard_user(email), ["CISP-NAM", "CISP-LIE"])
    with pytest.raises(tp.AccessDenied):
        tp.load_path(scope, Filters(), "CISP-NAM", "N02")


def test_admin_chooses_the_centre(dashboard_warehouse):
    at = app_as("admin@parcours.be", PAGE)
    assert not at.exception
    centre = at.selectbox[0]
    assert set(centre.options) >= {"Atelier du Confluent (CISP-NAM)", "Le Perron (CISP-LIE)"}
    centre.select("CISP-NAM").run()
    assert all(o.startswith("N") for o in at.selectbox[1].options)


def test_nothing_before_login(dashboard_warehouse):
    at = app_as(None, None)
    assert not at.exception
    assert [t.value for t in at.title] == ["Parcours"]
    assert not at.selectbox and not at.dataframe
