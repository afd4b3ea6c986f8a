"""Formula injection, along the path an attacker uses: a centre uploads a partner name that is a
spreadsheet formula; after a build it reaches the Interfédé's « partenaires les plus sollicités »
CSV and the centre's own trainee events CSV (Parcours page), downloaded as the browser does
(the button's bytes, produced at the click). Both hold it neutralised. Plus the rules of the one
export helper, and the audit log page that an administrator reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from parcours.presentation import exports
from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT, DataDir
from tests.conftest import dashboard_user
from tests.page_helpers import fetch, record_downloads

# Slow (a cached dbt build, many page runs): first under xdist, not in `make test-quick`.
pytestmark = pytest.mark.slow

FORMULA = '=HYPERLINK("http://x","y")'


# --- the helper ---------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    table = pl.DataFrame({"Organisme": [f"{start}1+1", "Forem"], "Nombre": [-3, 4]})
    import csv
    import io

    rows = list(
        csv.reader(io.StringIO(exports.csv_bytes(table).decode("utf-8-sig")), delimiter=";")
    )
    assert rows == [["Organisme", "Nombre"], [f"'{start}1+1", "-3"], ["Forem", "4"]]


def test_numbers_stay_numbers_and_only_text_is_touched():
    table = pl.DataFrame(
        {
            "Écart": [-3, 2],
            "Taux": [-12.5, 3.0],
            "Quand": [date(2024, 3, 15), date(2024, 4, 1)],
            "Texte": ["-3", "ok"],
        }
    )
    out = exports.neutralise(table)
    assert out["Écart"].to_list() == [-3, 2] and out["Écart"].dtype == pl.Int64
    assert out["Taux"].to_list() == [-12.5, 3.0]
    assert out["Quand"].dtype == pl.Date
    assert out["Texte"].to_list() == ["'-3", "ok"]
    assert exports.csv_bytes(table).decode("utf-8-sig").splitlines()[1] == (
        "-3;-12,5;2024-03-15;'-3"
    )


def test_xlsx_cells_are_text_never_formulas():
    import io

    import openpyxl

    data = exports.xlsx_bytes(pl.DataFrame({"Organisme": [FORMULA], "N": [-1]}))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "'" + FORMULA and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -1


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("=cmd|' /C calc'!A0.csv", "cmd_' _C calc'!A0.csv"),
        ("../../etc/passwd", "etc_passwd"),
        ("rapport_1_=x.csv", "rapport_1_=x.csv"),
        ("@SUM(1).csv", "SUM(1).csv"),
        ("", "export"),
        ("-", "export"),
    ],
)
def test_file_names(name, safe):
    assert exports.safe_file_name(name) == safe


def test_every_download_goes_through_the_helper():
    """No page or module draws a download button or writes a CSV of its own."""
    offenders = []
    for path in [*PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("parcours/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if "st.download_button(" in text and rel != "parcours/dashboard/ui.py":
            offenders.append(rel)
        if ".write_csv(" in text and rel not in (
            "parcours/presentation/exports.py",
            "parcours/demo/writers.py",  # the demo writes centres' exports, not downloads
            "parcours/dashboard/ui.py",  # a drawing's frames as text, hashed into its cache key
        ):
            offenders.append(rel)
    assert offenders == []


# --- through the pipeline -----------------------------------------------------------------


@pytest.fixture(scope="module")
def poisoned(dashboard_warehouse, tmp_path_factory):
    """The fixture's data with one more partnership of CISP-NAM (trainee N01), whose partner
    name is a formula; ingested and built through the real pipeline."""
    import os

    from tests import warehouse_cache
    from tests.conftest import DASHBOARD_INPUTS, dashboard_copy

    def make(root: Path) -> dict:
        from parcours.upload import ingest
        from parcours.warehouse import build

        dashboard_copy(root)
        data_dir = DataDir(root)
        export = root.parent / "partenaires.csv"
        export.write_text(
            "participant_id,started_on,partner_type,partner_name,purpose,ended_on,result\n"
            f'N01,2024-05-06,employer,"{FORMULA.replace(chr(34), chr(34) * 2)}",internship,,\n',
            encoding="utf-8",
        )
        (report,) = ingest.ingest_files(data_dir, "CISP-NAM", [export], actor="nam@centre.be")
        result = build.build(data_dir, actor="test", docs=False)
        return {
            "report": [report.status, report.rows_stored, repr(report)],
            "build": [result.status, result.message],
        }

    # Made once while the code, the dashboard fixture and this file are unchanged.
    inputs = [Path(__file__), *DASHBOARD_INPUTS]
    dest = tmp_path_factory.mktemp("poisoned") / "data"
    root, record = warehouse_cache.copy_with_record("poisoned-partner", inputs, make, dest)
    data_dir = DataDir(root)
    status, stored, shown = record["report"]
    assert status == "stored" and stored == 1, shown
    status, message = record["build"]
    assert status == "success", message
    previous = os.environ.get("PARCOURS_DATA_DIR")
    os.environ["PARCOURS_DATA_DIR"] = str(root)
    yield data_dir
    os.environ["PARCOURS_DATA_DIR"] = previous or ""


def page(email: str, page_file: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / page_file), default_timeout=90)
    at.session_state["user"] = dashboard_user(email)
    if query:
        at.query_params.update(query)
    return at.run()


def button(at: AppTest, key_start: str):
    found = [b for b in at.get("download_button") if b.proto.id and key_start in b.proto.id]
    assert found, [b.proto.id for b in at.get("download_button")]
    return found[0]


def test_a_formula_partner_name_reaches_the_interfede_neutralised(poisoned, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(poisoned.root))
    record_downloads(monkeypatch)
    at = page("interfede@federation.be", "pages/partenariats.py", {"annees": "2024-2024"})
    assert not at.exception
    shown = [f.value for f in at.dataframe if "Organisme" in f.value.columns]
    assert shown and FORMULA in set(shown[0]["Organisme"])  # on screen, as declared
    text = fetch(button(at, "partenariats_organismes")).decode("utf-8-sig")
    assert f"'{FORMULA}".replace('"', '""') in text
    assert f'\n"{FORMULA}'.replace('"', '""')[1:] not in text.replace(f"'{FORMULA}", "")
    with opstore.connected(poisoned.ops_db) as conn:
        last = opstore.list_audit(conn, "export")[-1]
    assert last["actor"] == "interfede@federation.be"
    assert last["detail"]["file"] == "partenariats_organismes.csv"


def test_a_formula_partner_name_in_the_trainee_events_csv(poisoned, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(poisoned.root))
    record_downloads(monkeypatch)
    at = page("nam@centre.be", "pages/parcours.py", {"stagiaire": "N01"})
    assert not at.exception
    text = fetch(button(at, "parcours_CISP-NAM_N01")).decode("utf-8-sig")
    assert FORMULA.replace('"', '""') in text
    for line in text.splitlines():
        for cell in line.split(";"):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), line


# --- the audit log page -------------------------------------------------------------------


def test_the_audit_log_page_filters_and_is_for_admins(poisoned, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(poisoned.root))
    from parcours.store import users as auth

    auth.authenticate(poisoned, "admin@parcours.be", "faux", "10.1.1.1")
    at = page("admin@parcours.be", "pages/journal.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Journal d'audit"]
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["Quand", "Auteur", "Action", "Détail"]
    assert "Connexion refusée" in set(frame["Action"])
    at.multiselect(key="journal_actions").set_value(["upload_stored"]).run()
    frame = at.dataframe[0].value
    assert set(frame["Action"]) == {"Dépôt enregistré"}
    at.multiselect(key="journal_actions").set_value([]).run()
    at.selectbox(key="journal_actor").set_value("nam@centre.be").run()
    assert set(at.dataframe[0].value["Auteur"]) == {"nam@centre.be"}
    from datetime import timedelta

    long_ago = date.today() - timedelta(days=20)  # before the fixture's data folder existed
    at.date_input(key="journal_period").set_value((long_ago, long_ago + timedelta(days=1))).run()
    assert not at.dataframe
    assert "Aucune entrée pour ces filtres." in at.info[0].value
    for email in ("analyste@parcours.be", "acfi@federation.be", "nam@centre.be"):
        refused = page(email, "pages/journal.py")
        assert not refused.exception and not refused.dataframe
        assert "réservé aux administrateurs" in refused.info[0].value
