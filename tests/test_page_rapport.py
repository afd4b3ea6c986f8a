"""The « Rapport annuel » page: each role is offered the reports its scope allows, the file is the
one `parcours report` writes, its production and its download are audited; admins close and
reopen years."""

from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT
from tests.conftest import app_as
from tests.page_helpers import downloads

PAGE = "pages/rapport.py"


@pytest.fixture
def warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))
    return dashboard_warehouse


def last_audit(root, action):
    with opstore.connected(root / "ops.sqlite") as conn:
        return opstore.list_audit(conn, action)[-1]


def test_nothing_before_login(warehouse):
    at = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Adresse e-mail", "Mot de passe"]
    assert not [b for b in at.button if b.key == "report_make"]


@pytest.mark.parametrize(
    "email,offered",
    [
        ("nam@centre.be", ["Atelier du Confluent (CISP-NAM)"]),
        ("acfi@federation.be", ["Fédération ACFI"]),
        ("interfede@federation.be", ["Le secteur — tous les centres"]),
        (
            "analyste@parcours.be",
            [
                "Le secteur — tous les centres",
                "Fédération ACFI",
                "Fédération AID",
                "Fédération ALEAP",
                "Fédération CAIPS",
                "Fédération Lire et Écrire Wallonie",
            ],
        ),
    ],
)
def test_each_role_is_offered_its_own_reports(warehouse, email, offered):
    at = app_as(email, PAGE)
    assert not at.exception
    choice = at.selectbox(key="report_subject")
    assert choice.options == offered
    assert choice.disabled == (len(offered) == 1)
    assert at.selectbox(key="report_year").value == 2024
    assert not [b for b in at.button if b.key == "close"]  # closing is for admins


def test_a_centre_produces_and_downloads_its_report(warehouse, monkeypatch):
    from tests.page_helpers import fetch, record_downloads

    record_downloads(monkeypatch)
    at = app_as("nam@centre.be", PAGE)
    at.radio(key="report_format").set_value("html").run()
    at.button(key="report_make").click().run(timeout=120)
    assert not at.exception and not at.error
    (button,) = [d for d in downloads(at) if d.proto.label.startswith("Télécharger")]
    assert button.proto.label == "Télécharger parcours-rapport-2024-cisp-nam.html"
    made = last_audit(warehouse.root, "report_exported")
    assert made["actor"] == "nam@centre.be"
    assert made["detail"]["subject"]["key"] == "CISP-NAM"
    content = fetch(button)  # the bytes the browser gets at the click
    assert content.startswith(b"<!DOCTYPE html") or b"<html" in content[:500]
    clicked = last_audit(warehouse.root, "export")
    assert clicked["actor"] == "nam@centre.be"
    assert clicked["detail"] == {
        "file": "parcours-rapport-2024-cisp-nam.html",
        "page": "Rapport annuel",
        "bytes": len(content),
    }


def test_a_year_without_data_is_refused_on_the_page(warehouse, monkeypatch):
    from parcours.publish import report as reports

    def refuse(*args, **kwargs):
        from parcours.core.errors import ParcoursError

        raise ParcoursError("Aucune donnée pour 2024 dans le périmètre « x ».")

    at = app_as("acfi@federation.be", PAGE)
    monkeypatch.setattr(reports, "produce", refuse)
    at.button(key="report_make").click().run()
    assert [e.value for e in at.error] == ["Aucune donnée pour 2024 dans le périmètre « x »."]
    assert not [d for d in downloads(at) if d.proto.label.startswith("Télécharger parcours")]


def test_an_admin_closes_and_reopens_a_year(dashboard_warehouse, tmp_path, monkeypatch):
    root = tmp_path / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))
    at = app_as("admin@parcours.be", PAGE)
    assert not at.exception
    assert at.selectbox(key="close_year").options == ["2024", "2023"]
    assert at.button(key="close").disabled
    at.selectbox(key="close_year").select(2023).run()
    at.checkbox(key="close_sure").check().run()
    at.button(key="close").click().run()
    assert not at.exception
    (done,) = at.success
    assert re.fullmatch(r"Année 2023 arrêtée le \d\d/\d\d/\d{4}\.", done.value)
    assert at.dataframe[0].value["Année"].tolist() == [2023]
    assert last_audit(root, "period_closed")["actor"] == "admin@parcours.be"
    at.checkbox(key="reopen_sure").check().run()
    at.button(key="reopen").click().run()
    assert [s.value for s in at.success] == ["Année 2023 rouverte."]
    assert last_audit(root, "period_reopened")["actor"] == "admin@parcours.be"


def test_only_an_admin_may_close_a_year(warehouse):
    from parcours.core.errors import ParcoursError
    from parcours.publish import periods
    from tests.conftest import dashboard_user

    with pytest.raises(ParcoursError, match="réservé aux administrateurs"):
        periods.close(warehouse, 2023, actor="x", user=dashboard_user("analyste@parcours.be"))
