"""One trainee's path: what the Parcours page draws, and who may read it."""

from datetime import date

import pytest

from parcours.analytics import trainee_path as tp
from parcours.store.users import User
from parcours.warehouse.reader import Scope, reading_from
from tests.handmade import make_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return make_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture
def con(warehouse):
    """The handmade warehouse, read the way the analytics read any (`reader.query`)."""
    with reading_from(warehouse):
        yield


def scope(role, centre_id=None, federation=None):
    user = User(f"{role}@example.be", role, centre_id, federation)
    return Scope.for_user(user, ["C1", "C2"] if federation else ())


def test_path_shows_every_kind_of_event_in_french(con):
    path = tp.trainee_path(scope("centre", "C1"), "C1", "E-001")
    events = path.events
    kinds = events.group_by("lane", "kind").len()
    assert {(r[0], r[1]): r[2] for r in kinds.iter_rows()} == {
        (tp.LANE_STAGES, "entry"): 1,
        (tp.LANE_STAGES, "exit"): 1,
        (tp.LANE_BARRIERS, "episode"): 3,
        (tp.LANE_BARRIERS, "assessment"): 6,
        (tp.LANE_PARTNERSHIPS, "partnership"): 2,
        (tp.LANE_MILESTONES, "milestone"): 3,
        (tp.LANE_FOLLOWUPS, "followup"): 1,
    }
    labels = set(events["label"])
    assert {"Mobilité", "Auto-école", "Permis de conduire", "Emploi CDI"} <= labels
    assert "Sortie : Emploi CDD" in labels
    assert path.total_hours == 152.5
    assert path.setbacks == 1
    assert path.summary["filiere"] == "EFT"


def test_a_setback_is_a_second_episode_and_stays_open(con):
    path = tp.trainee_path(scope("admin"), "C1", "E-001")
    self_esteem = path.events.filter(
        (path.events["kind"] == "episode") & (path.events["track"] == "Confiance en soi")
    ).sort("start")
    first, second = self_esteem.iter_rows(named=True)
    assert first["end"] == date(2024, 9, 2) and not first["ongoing"]
    assert "levé en 231 jours" in first["detail"]
    assert "rechute (épisode 2)" in second["detail"] and second["ongoing"]
    # An open bar runs to the last date known for the trainee (here the follow-up).
    assert second["end"] == date(2025, 7, 31)


def test_barrier_levels_at_each_assessment_show_the_way_down(con):
    path = tp.trainee_path(scope("centre", "C1"), "C1", "E-001")
    mobility = path.events.filter(
        (path.events["kind"] == "assessment") & (path.events["track"] == "Mobilité")
    ).sort("start")
    assert mobility["label"].to_list() == ["niveau 3", "niveau 1", "niveau 0"]
    assert mobility["detail"][0] == "évaluation : fort"


def test_an_ongoing_partnership_runs_to_the_last_known_date(con):
    path = tp.trainee_path(scope("centre", "C1"), "C1", "E-002")
    cpas = path.events.filter(path.events["lane"] == tp.LANE_PARTNERSHIPS).row(0, named=True)
    assert cpas["ongoing"] and cpas["end"] == date(2024, 3, 31)  # last day of its last hours


def test_same_participant_id_in_two_centres_are_two_trainees(con):
    c2 = tp.trainee_path(scope("centre", "C2"), "C2", "E-001")
    assert c2.total_hours == 231.0
    assert set(c2.events["label"]) == {"Entrée au centre", "Santé physique"}
    assert c2.events.filter(c2.events["kind"] == "assessment").height == 0


def test_unknown_trainee_is_none(con):
    assert tp.trainee_path(scope("centre", "C1"), "C1", "E-999") is None


def test_a_centre_user_cannot_read_another_centre(con):
    with pytest.raises(tp.AccessDenied, match="propre centre"):
        tp.trainee_path(scope("centre", "C2"), "C1", "E-001")
    with pytest.raises(tp.AccessDenied):
        tp.list_trainees(scope("centre", "C2"), "C1")


@pytest.mark.parametrize("role", ["federation", "analyst"])
def test_aggregate_roles_never_read_an_individual_path(con, role):
    who = scope(role, federation="ALEAP")
    assert not tp.can_see_individuals(who)
    with pytest.raises(tp.AccessDenied, match="agrégés"):
        tp.trainee_path(who, "C1", "E-001")
    with pytest.raises(tp.AccessDenied):
        tp.list_trainees(who, "C1")


def test_trainee_list_is_most_recent_first(con):
    trainees = tp.list_trainees(scope("centre", "C1"), "C1")
    assert trainees["participant_id"].to_list() == ["E-003", "E-002", "E-001"]
