"""The yearly report tells the truth about its scope (issue 14, item 5), checked on the dashboard
fixture against the warehouse queried with our own SQL: headings name the scope, a cell hidden
to protect another reads « masqué » (« < 5 » only for 1 to 4), the Kaplan–Meier cut-off of the
text is the code's, titles name the years shown, a centre that joined later is not « sans
données » for an earlier year, the transitions are shares with their counts, and table names
appear only in the method annex."""

from __future__ import annotations

import re
import subprocess
from html import unescape

import duckdb
import polars as pl
import pytest

from parcours.analytics import barriers
from parcours.figures import resultats
from parcours.publish import content, subjects
from parcours.store import opstore
from parcours.warehouse.reader import Filters

YEAR = 2024


@pytest.fixture(scope="module")
def folder(dashboard_warehouse):
    return dashboard_warehouse.root


def report(run_cli, folder, tmp_path, *args, format="html") -> str:
    out = tmp_path / f"rapport.{format}"
    done = run_cli(
        "report", "--year", YEAR, *args, "--format", format, "--output", out, root=folder
    )
    assert done.returncode == 0, done.stderr
    if format == "pdf":
        return subprocess.run(
            ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
    return unescape(out.read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def body_and_annex(html: str) -> tuple[str, str]:
    """The report's text before the method annex, and the annex."""
    cut = html.index("<h2>Méthode</h2>")
    return html[:cut], html[cut:]


def warehouse(folder) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)


@pytest.mark.parametrize(
    ("args", "heading", "not_heading"),
    [
        ((), "Chiffres clés de l'Interfédé", "Chiffres clés — "),
        (("--federation", "ACFI"), "Chiffres clés — ACFI", "Chiffres clés de l'Interfédé"),
        (
            ("--centre", "CISP-LIE"),
            "Chiffres clés — Le Perron (CISP-LIE)",
            "Chiffres clés de l'Interfédé",
        ),
    ],
)
def test_the_key_figures_heading_names_the_scope(
    run_cli, folder, tmp_path, args, heading, not_heading
):
    html = report(run_cli, folder, tmp_path, *args)
    assert f"<h3>{heading}</h3>" in html
    assert f"<h3>{not_heading}" not in html


def test_the_pdf_heading_names_the_federation(run_cli, folder, tmp_path):
    text = squash(report(run_cli, folder, tmp_path, "--federation", "ACFI", format="pdf"))
    assert squash("Chiffres clés — ACFI") in text
    assert squash("Chiffres clés de l'Interfédé") not in text


def _in_training(folder, year: int) -> dict[str, int]:
    """Trainees in training during the year, per centre, read with our own SQL."""
    with warehouse(folder) as con:
        rows = con.execute(
            "select centre_id, count(distinct participant_id) from fct_training_years "
            "where year = $y group by centre_id",
            {"y": year},
        ).fetchall()
    return dict(rows)


def test_a_masked_coverage_cell_is_masque_unless_it_is_1_to_4(folder):
    """« < 5 » in the coverage table only for a count from 1 to 4; « masqué » otherwise."""
    subject = subjects.sector()
    frame = content.coverage(subject.scope, YEAR)
    table = content.coverage_table(frame, YEAR)
    column = table.columns.index("En formation")
    ids = table.columns.index("Identifiant")
    shown = {row[ids]: row[column] for row in table.rows}
    raw = _in_training(folder, YEAR)
    for centre, cell in shown.items():
        if cell == "< 5":
            assert 1 <= raw.get(centre, 0) <= 4, (centre, raw.get(centre))
        elif cell == "masqué":
            assert raw.get(centre, 0) >= 5, (centre, raw.get(centre))
        else:
            assert cell.replace("\u202f", "") == str(raw.get(centre, 0))


def test_a_secondary_suppression_reads_masque():
    """The sector coverage's rule, on a frame where one small cell forces another one."""
    from parcours.analytics import masking

    frame = pl.DataFrame({"centre_id": ["A", "B", "C"], "in_training": [3, 97, 120]})
    masked = masking.suppress(frame, ["in_training"], within=())
    shown = masked.with_columns(
        pl.when(pl.col("in_training").is_not_null())
        .then(pl.col("in_training").cast(pl.String))
        .when(frame["in_training"].is_between(1, 4))
        .then(pl.lit("< 5"))
        .otherwise(pl.lit("masqué"))
        .alias("in_training_shown")
    )
    table = content.table(
        shown,
        [("centre_id", "Centre", content.text), ("in_training", "En formation", content.fmt.count)],
    )
    assert table.rows == [["A", "< 5"], ["B", "masqué"], ["C", "120"]]


def test_the_kaplan_meier_cut_off_is_the_code_s(run_cli, folder, tmp_path):
    text = squash(report(run_cli, folder, tmp_path, format="pdf"))
    cut = barriers.KM_MIN_AT_RISK
    assert squash(f"moins de {cut} épisodes sont encore suivis") in text
    assert squash("moins de 5 épisodes sont encore suivis") not in text


def test_the_destinations_title_names_the_years_shown(run_cli, folder, tmp_path):
    html = report(run_cli, folder, tmp_path)
    with warehouse(folder) as con:
        first, last = con.execute(
            "select min(year(exit_date)), max(year(exit_date)) from fct_exits "
            "where year(exit_date) between $a and $b",
            {"a": YEAR - 4, "b": YEAR},
        ).fetchone()
    title = re.search(r"<h3>(Destinations des sorties [^<]*)</h3>", html).group(1)
    expected = f"en {first}" if first == last else f"de {first} à {last}"
    assert title == f"Destinations des sorties {expected}"


def test_a_centre_that_joined_later_is_not_sans_donnees(folder):
    """For the earliest year with data, a centre whose first data came later is not listed."""
    with warehouse(folder) as con:
        firsts = dict(
            con.execute(
                """
                select centre_id, min(d) from (
                    select centre_id, entry_date as d from dim_participants
                    union all select centre_id, month from fct_hours
                ) group by centre_id
                """
            ).fetchall()
        )
    year = min(d.year for d in firsts.values() if d is not None)
    later = {c for c, d in firsts.items() if d is not None and d.year > year}
    assert later, "the fixture must have a centre whose data starts later"
    frame = content.coverage(subjects.sector().scope, year)
    assert not later & set(frame["centre_id"].to_list())
    summary = content.coverage_summary(frame, year)
    with opstore.connected(folder / "ops.sqlite") as conn:
        names = {r["centre_id"]: r["centre_name"] for r in opstore.list_centres(conn)}
    for centre in later:
        assert names[centre] not in summary


def test_transitions_are_shares_with_their_counts_as_on_the_page(
    run_cli, folder, tmp_path, monkeypatch
):
    html = report(run_cli, folder, tmp_path, "--federation", "ACFI")
    part = html[html.index("De la situation à l'entrée à la destination à la sortie") :]
    part = part[: part.index("</table>")]
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", part)
    assert {"Sortants", "Sortants de cette situation", "Part"} <= set(headers)
    # The chart draws shares, as the page (the same specification for every scope).
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(folder))  # `run_cli` pointed it elsewhere
    page = resultats.FLOW.load(subjects.sector().scope, Filters(years=(YEAR, YEAR)))
    drawn = resultats.FLOW.draw(page, False).to_dict()
    fields = [
        layer["encoding"]["x"]["field"]
        for layer in drawn["layer"]
        if "x" in layer.get("encoding", {})
    ]
    assert "share" in fields


def test_public_wording_outside_the_method_annex(run_cli, folder, tmp_path):
    html = report(run_cli, folder, tmp_path)
    body, annex = body_and_annex(html)
    for jargon in ("fct_", "dim_", "agg_", "codes.csv", "groupes de codes"):
        assert jargon not in body, jargon
    assert "fichiers des centres : freins évalués" in body
    assert "fct_barrier_episodes" in annex  # the method annex names the tables


def test_cohort_lines_break_at_masked_points():
    """The report draws the page's frame: masked points stay as nulls in the chart's data (the
    line breaks there), instead of being dropped and joined across."""
    frame = pl.DataFrame(
        {
            "cohort": ["2022"] * 3,
            "months_since_entry": [3, 6, 9],
            "cohort_size": [40] * 3,
            "with_milestone": [10, None, 30],
            "milestone_share": [0.25, None, 0.75],
            "masked": [False, True, False],
        }
    )
    spec = resultats.COHORT_MILESTONE.chart(frame, tooltips=False).to_dict()
    rows = [r for values in spec["datasets"].values() for r in values]
    assert any(r["months_since_entry"] == 6 and r["milestone_share"] is None for r in rows)
    marks = [layer["mark"] for layer in spec["layer"] if isinstance(layer.get("mark"), dict)]
    assert any(m.get("invalid") == "break-paths-show-domains" for m in marks)
