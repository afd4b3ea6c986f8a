"""What a federation user is shown (AppTest through app.py), on a hand-made warehouse whose
figures are counted by hand in tests/figure_worlds.py: comparisons only between covered years,
each year with its coverage, « — » for a share over nothing, a share with its count and its
interval, the reading of a survival curve, numbers at risk masked where their differences would
give a small count away, associations true by definition left out."""

from __future__ import annotations

import pytest
from conftest import app_as

from tests import figure_worlds as fw
from tests import generated_warehouse as gw
from tests.page_helpers import shown

THIN = "\u202f"

T = "\u202f"


@pytest.fixture(scope="module")
def covered_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures") / "data"
    gw.write(fw.covered(), root)
    return root


@pytest.fixture(autouse=True)
def _served(covered_root, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(covered_root))


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def table(at, first_column: str):
    for frame in at.dataframe:
        if frame.value.columns[0] == first_column:
            return frame.value
    raise AssertionError(f"no table starting with {first_column!r}")


def test_accueil_compares_years_the_same_centres_covered():
    at = app_as("acfi@federation.be", "pages/accueil.py")
    assert not at.exception
    m = metrics(at)
    assert m["Stagiaires en formation"] == ("24", "+8 vs 2023")
    assert m["Entrées"] == ("14", "-2 vs 2023")
    # 3 exits: masked, and no change that would give them back (6 − change).
    assert m["Sorties"] == ("< 5", "")
    assert (
        "Comparée à 2023 (même durée, juste avant) : les mêmes centres ont envoyé leurs données "
        "pour les deux périodes (2 / 2 centres)."
    ) in captions(at)
    years = table(at, "Année")
    assert years["Centres couverts"].tolist() == ["2 / 2", "2 / 2"]
    assert years["Comparable à l'année d'avant"].tolist() == ["non", "oui"]
    assert years["Entrées"].tolist() == ["16", "14"]


def test_accueil_says_why_there_is_no_comparison_and_dashes_a_share_over_nothing():
    at = app_as("aid@federation.be", "pages/accueil.py")
    m = metrics(at)
    assert m["Stagiaires en formation"] == ("6", "")
    # No exit at all: a share of nothing is « — », not « masqué ».
    assert m["Sorties"] == ("0", "")
    assert m["Sorties positives"] == ("—", "")
    assert any(
        c.startswith("Pas de comparaison : 1 centre n'a pas de données pour 2023.")
        for c in captions(at)
    )


def test_freins_reads_the_curve_and_masks_numbers_at_risk_that_would_leak():
    at = app_as("acfi@federation.be", "pages/freins.py")
    assert not at.exception and not at.error
    assert metrics(at)["Matériel"] == (f"50,0{T}%", "")
    assert any(f"IC 95 % : 29,9 à 70,1{T}%" in c for c in captions(at))
    assert "**Tous les freins** : La moitié des freins sont levés en 100 jours." in captions(at)
    at_risk = next(f.value for f in at.dataframe if "0 j" in f.value.columns)
    tous = at_risk[at_risk["Groupe"] == "Tous les freins"].iloc[0]
    # 20, 12, 10 followed at days 0, 90, 180: 12 − 10 = 2 would be a small count.
    assert (tous["0 j"], tous["90 j"]) == ("20", "12")
    assert tous["180 j"] == "masqué"


def test_partenariats_leaves_out_what_is_true_by_definition():
    at = app_as("acfi@federation.be", "pages/partenariats.py")
    assert not at.exception and not at.error
    caption = next(c for c in captions(at) if c.startswith("Association, pas causalité."))
    assert "Employeur × sortie positive (être embauché par l'employeur partenaire" in caption
    association = next(shown(f) for f in at.dataframe if "Sortie positive (%)" in f.value.columns)
    employer = association[association["Type de partenaire"] == "Employeur"]
    assert set(employer["Sortie positive"]) == {"vrai par définition"}
    cpas = association[
        (association["Type de partenaire"] == "CPAS")
        & (association["Groupe"] == "Avec ce partenariat")
    ].iloc[0]
    # 6 of the 24 in training had a CPAS partnership; none left to a positive exit:
    # 0 %, Wilson upper bound 3,8416 / (6 + 3,8416) = 39,0 %.
    assert (cpas["Stagiaires"], cpas["Sortie positive"]) == ("6", "0")
    assert (cpas["Sortie positive (%)"], cpas["Sortie : IC haut"]) == (
        f"0,0{THIN}%",
        f"39,0{THIN}%",
    )
