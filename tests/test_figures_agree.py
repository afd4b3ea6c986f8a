"""A figure drawn from its one specification (`parcours.figures`) shows the same numbers on the
dashboard page and in the yearly report, and they are the warehouse's: the oracle is our own SQL
over the marts. A centre's own view is unmasked, so every cell can be checked."""

from __future__ import annotations

import re
from html import unescape

import duckdb
import pytest
from conftest import app_as

from parcours.figures import catalogue
from tests.page_helpers import shown

YEAR = 2024
CENTRE = "CISP-NAM"
GROUPS = {
    "employment": "Emploi",
    "training": "Formation",
    "pathway": "Autre CISP",
    "none": "Sans emploi ni formation",
    "unknown": "Inconnue",
}


@pytest.fixture(scope="module")
def folder(dashboard_warehouse):
    return dashboard_warehouse.root


@pytest.fixture(autouse=True)
def _warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))


def exits_by_destination(folder, year: int) -> dict[str, int]:
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select coalesce(destination_group, 'unknown'), count(*) from fct_exits "
            "where centre_id = $c and year(exit_date) = $y group by 1",
            {"c": CENTRE, "y": year},
        ).fetchall()
    return {GROUPS[g]: n for g, n in rows}


def page_destinations(year: int) -> dict[str, int]:
    at = app_as("nam@centre.be", "pages/resultats.py")
    assert not at.exception
    for element in at.dataframe:
        if list(element.value.columns[:2]) == ["Année de sortie", "Destination"]:
            frame = shown(element)
            part = frame[frame["Année de sortie"] == str(year)]
            return {
                d: int(n.replace("\u202f", ""))
                for d, n in zip(part["Destination"], part["Sorties"], strict=True)
                if n != "0"
            }
    raise AssertionError("no destinations table on Résultats")


def report_destinations(run_cli, folder, tmp_path, year: int) -> dict[str, int]:
    out = tmp_path / "r.html"
    done = run_cli(
        "report", "--year", YEAR, "--centre", CENTRE, "--format", "html", "--output", out,
        root=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = unescape(out.read_text(encoding="utf-8"))
    part = html[html.index("<h3>Destinations des sorties") :]
    part = part[: part.index("</table>")]
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", part)
    for line in re.findall(r"<tr>(.*?)</tr>", part, flags=re.S):
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", line)
        if cells and cells[0] == str(year):
            return {
                h: int(c.replace("\u202f", ""))
                for h, c in zip(headers[1:], cells[1:], strict=True)
                if c != "0"
            }
    raise AssertionError(f"no row {year} in the report's destinations")


def test_destinations_agree_between_page_report_and_warehouse(
    run_cli, folder, tmp_path, monkeypatch
):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(folder))  # `run_cli` pointed it elsewhere
    truth = exits_by_destination(folder, YEAR)
    assert truth, "the fixture has exits in the year"
    assert page_destinations(YEAR) == truth
    assert report_destinations(run_cli, folder, tmp_path, YEAR) == truth


def test_every_specification_names_its_source_in_plain_french():
    for spec in catalogue().values():
        words = spec.words(
            masked=True, years="2024", year=2024, span="en 2024", known="10", excluded=""
        )
        for jargon in ("fct_", "dim_", "agg_", "codes.csv"):
            assert jargon not in words.title + words.definition + words.source, (spec.id, jargon)
        assert words.source.startswith("fichiers des centres"), spec.id
        assert words.tables, spec.id  # the method annex names the tables
