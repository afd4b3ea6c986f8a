"""The French labels of the code lists' groups are written once (contract/labels.yml, beside
codes.csv) and everything that draws or writes them reads them there: the analytics' frames, the
chart palettes and the yearly report (which draws the pages' own frames) name a group the same
way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from parcours import contract
from parcours.analytics import barriers, home, outcomes, partnerships, path_types, trajectories
from parcours.presentation import palette

ROOT = Path(__file__).resolve().parents[1]
GROUPED = ("situation", "partner_type", "barrier", "milestone")


@pytest.mark.parametrize("name", GROUPED)
def test_every_group_of_codes_csv_has_one_label(name):
    groups = {c.group for c in contract.load().code_lists[name].codes if c.group}
    assert set(contract.group_labels(name)) == groups


def test_the_readers_get_the_contract_labels():
    situation = contract.group_labels("situation")
    assert situation == outcomes.SITUATION_GROUPS
    assert {k: situation[k] for k in home.DESTINATION_GROUPS} == home.DESTINATION_GROUPS
    assert {k: v for k, v in path_types.EXITS.items() if k in situation} == situation
    assert {k: v for k, v in trajectories.STATES.items() if k in situation} == situation
    assert contract.group_labels("partner_type") == partnerships.GROUP_LABELS
    assert contract.group_labels("barrier") == barriers.GROUP_LABELS
    assert contract.group_labels("milestone") == outcomes.MILESTONE_GROUPS
    assert list(palette.colours("situation.group")) == list(situation.values())


def test_no_module_spells_a_situation_group_itself():
    """« Sans emploi ni formation » (a label no other list has) appears in no Python file: a
    second copy of the labels would drift from the contract's."""
    found = []
    for path in [*ROOT.glob("parcours/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == "Sans emploi ni formation":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_filiere_named_on_accueil_is_the_code_list_s():
    """« filière EFT » on Accueil's narrowed caption (`filters.filiere_label`) is codes.csv's
    label; an unknown code is shown as it came."""
    from parcours.dashboard.filters import filiere_label

    labels = contract.load().labels("filiere")
    assert filiere_label("eft") == labels["eft"] == "EFT"
    assert filiere_label("defi") == "DéFI"
    assert filiere_label("inconnue") == "inconnue"
