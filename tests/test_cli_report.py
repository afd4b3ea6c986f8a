"""`parcours report --year YYYY [--federation F | --centre ID] [--format pdf|html] --output FILE`
on the dashboard fixture (tests/fixtures/dashboard, numbers in its README): the report's figures
are the warehouse's (checked with SQL of our own over the fct_/dim_ tables), a federation's report
names none of another federation's centres, a year without data is refused."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html import unescape

import duckdb
import pytest

from parcours.store import opstore

T = "\u202f"
YEAR = 2024
OTHERS = {
    # subject → centres that must not appear in its report (names and ids)
    ("--federation", "AID"): ["Atelier du Confluent", "Le Perron", "CISP-NAM", "CISP-LIE"],
    ("--federation", "ACFI"): ["Hainaut Avenir", "CISP-HAI"],
    ("--centre", "CISP-LIE"): ["Atelier du Confluent", "Hainaut Avenir", "CISP-NAM", "CISP-HAI"],
}


@pytest.fixture(scope="module")
def folder(dashboard_warehouse):
    return dashboard_warehouse.root


def report(run_cli, folder, tmp_path, *args, format="html"):
    out = tmp_path / f"rapport.{format}"
    done = run_cli(
        "report", "--year", YEAR, *args, "--format", format, "--output", out, root=folder
    )
    assert done.returncode == 0, done.stderr
    return out


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squash(text: str) -> str:
    """Text without any space: pdftotext sets spaces by the gaps it sees (« < 5 » or « <5 »)."""
    return re.sub(r"\s+", "", text)


def cards(html: str) -> dict[str, tuple[str, str]]:
    """The key figures of an HTML report: label → (value, detail)."""
    found = re.findall(
        r'<div class="label">([^<]*)</div><div class="value">([^<]*)</div>'
        r'<div class="detail">([^<]*)</div>',
        html,
    )
    return {unescape(k): (unescape(v), unescape(d)) for k, v, d in found}


# --- the figures are the warehouse's --------------------------------------------------------


def expected(folder, centres: list[str] | None, mask: bool) -> dict[str, str]:
    """The year's key figures computed here, over the marts, as the report must print them."""
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    scope = "true" if centres is None else "centre_id in (select unnest($c::varchar[]))"
    params = {"s": date(YEAR, 1, 1), "e": date(YEAR, 12, 31)} | (
        {} if centres is None else {"c": centres}
    )
    # In training: entered by the year's end, not out before its start — out at the latest exit,
    # or at the latest activity for a presumed exit (INTERFACES §3 v1.2).
    inside = f"""select centre_id, participant_id from dim_participants where {scope}
        and entry_date <= $e and case
            when exit_date is not null then exit_date >= $s
            when presumed_exit then latest_activity_on >= $s
            else true end"""
    row = con.execute(
        f"""
        select
          (select count(*) from ({inside})) as in_training,
          (select count(*) from dim_participants where {scope}
             and entry_date between $s and $e) as entries,
          (select count(*) from fct_exits where {scope} and exit_date between $s and $e) as exits,
          (select count(*) from fct_exits where {scope} and exit_date between $s and $e
             and positive_exit) as positive,
          (select coalesce(sum(hours), 0) from fct_hours where {scope}
             and month between $s and $e) as hours,
          (select count(distinct (centre_id, participant_id)) from fct_barrier_episodes
             where (centre_id, participant_id) in ({inside})
             and lifted_on between $s and $e) as lifted,
          (select count(distinct (centre_id, participant_id)) from fct_milestones
             where (centre_id, participant_id) in ({inside})
             and achieved_on between $s and $e) as milestone
        """,
        params,
    ).fetchone()
    con.close()
    in_training, entries, exits, positive, hours, lifted, milestone = row

    def count(n):
        return "< 5" if mask and 0 < n < 5 else f"{n:,}".replace(",", T)

    def share(n, base):
        if mask and (0 < n < 5 or 0 < base - n < 5 or base < 5):
            return "masqué"
        return f"{100 * n / base:.1f}".replace(".", ",") + f"{T}%"

    return {
        "Stagiaires en formation": count(in_training),
        "Entrées": count(entries),
        "Sorties": count(exits),
        "Heures de formation": f"{hours:,.0f}".replace(",", T),
        "Avec un frein levé": share(lifted, in_training),
        "Avec une étape franchie": share(milestone, in_training),
        "Sorties positives": share(positive, exits),
    }


@pytest.mark.parametrize(
    "args,centres,mask",
    [
        ((), None, True),
        (("--federation", "ACFI"), ["CISP-NAM", "CISP-LIE"], True),
        (("--federation", "AID"), ["CISP-HAI"], True),
        (("--centre", "CISP-NAM"), ["CISP-NAM"], False),
    ],
    ids=["secteur", "acfi", "aid", "centre"],
)
def test_key_figures_are_the_warehouse_s(run_cli, folder, tmp_path, args, centres, mask):
    html = report(run_cli, folder, tmp_path, *args).read_text(encoding="utf-8")
    shown = {label: value for label, (value, _) in cards(html).items()}
    wanted = expected(folder, centres, mask)
    for label, value in wanted.items():
        # Where small counts are masked, the page-level suppression (analytics.masking.Page) may
        # also withhold a figure of 5 or more so that a masked one cannot be recovered: it is
        # then shown masked, exactly as on the dashboard; every figure shown is the warehouse's.
        withheld = mask and shown[label] in ("< 5", "masqué")
        assert withheld or shown[label] == value, (label, shown[label], value)


def test_the_sector_report_matches_the_fixture_readme(run_cli, folder, tmp_path):
    shown = cards(report(run_cli, folder, tmp_path).read_text(encoding="utf-8"))
    # No centre of the fixture covers 2023 (hours for 10 months of 12): as on the Accueil page,
    # the year is not compared with 2023 (it used to print « 2023 : 5 (+7) »).
    assert shown["Entrées"] == ("12", "pas de comparaison avec 2023")
    assert shown["Heures de formation"][0] == f"1{T}200"
    assert shown["Avec un frein levé"] == (
        f"46,7{T}%",
        "7 sur 15 stagiaires en formation ; pas de comparaison avec 2023",
    )
    assert shown["Sorties positives"][0] == "masqué"  # 4 of 6: 4 and 2 are small counts
    assert shown["Centres"] == ("3", "1 DéFI, 1 EFT, 1 les deux")


def test_coverage_lists_each_centre_of_the_scope(run_cli, folder, tmp_path):
    text = squash(pdf_text(report(run_cli, folder, tmp_path, "--federation", "ACFI", format="pdf")))
    assert squash("Couverture : 2 centre(s) sur 2 ont transmis des données pour 2024") in text
    # NAM: 7 in training, 5 entries, hours in 5 months; LIE: 3 and 3 (masked) — and NAM's 7 is
    # masked too, or the total 10 on the first page would give LIE's 3 back: « masqué », never
    # « < 5 » for a count of 5 or more.
    assert "AtelierduConfluentCISP-NAMACFINamurouimasquémasqué5/12" in text
    assert "LePerronCISP-LIEACFILiègeoui<5<53/12" in text


# --- scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", list(OTHERS), ids=[" ".join(a) for a in OTHERS])
@pytest.mark.parametrize("format", ["pdf", "html"])
def test_a_report_names_no_centre_outside_its_scope(run_cli, folder, tmp_path, args, format):
    out = report(run_cli, folder, tmp_path, *args, format=format)
    text = pdf_text(out) if format == "pdf" else out.read_text(encoding="utf-8")
    text = squash(text)
    assert "Rapportannuel2024" in text
    for name in OTHERS[args]:
        assert squash(name) not in text
    own = {"AID": "Hainaut Avenir", "ACFI": "Le Perron", "CISP-LIE": "Le Perron"}[args[1]]
    assert squash(own) in text


def test_a_centre_report_is_not_masked_and_a_federation_report_is(run_cli, folder, tmp_path):
    centre = cards(report(run_cli, folder, tmp_path, "--centre", "CISP-LIE").read_text("utf-8"))
    assert centre["Stagiaires en formation"][0] == "3"
    federation = cards(report(run_cli, folder, tmp_path, "--federation", "AID").read_text("utf-8"))
    assert federation["Sorties"][0] == "< 5"


# --- the PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_french_and_complete(run_cli, folder, tmp_path):
    out = report(run_cli, folder, tmp_path, format="pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    for title in (
        "Chiffres clés 2024",
        "Freins levés",
        "Partenariats",
        "Victoires intermédiaires",
        "Sorties et suivis",
        "Méthode",
        "Petits effectifs masqués",
        "Entrepôt : construction w",
    ):
        assert squash(title) in squash(text), title
    assert "Heuresdeformation" in squash(text) and "61200" in squash(text)  # … 6 | 1 200
    # every build has the mart
    assert squash("Mois après mois : où en sont les stagiaires entrés en 2024") in squash(text)
    for english in ("None", "nan", "True", "False", "null"):
        assert not re.search(rf"\b{english}\b", text), english


def test_trajectories_are_the_warehouse_s_monthly_states(run_cli, folder, tmp_path):
    out = report(run_cli, folder, tmp_path, "--centre", "CISP-NAM", format="pdf")
    text = squash(pdf_text(out))
    assert squash("Mois après mois : où en sont les stagiaires entrés en 2024") in text
    assert squash("ne sont pas dans cet entrepôt") not in text


# --- refusals ---------------------------------------------------------------------------------


def test_a_year_without_data_exits_2(run_cli, folder, tmp_path):
    out = tmp_path / "r.pdf"
    done = run_cli("report", "--year", 2019, "--output", out, root=folder)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Erreur : Aucune donnée pour 2019 dans le périmètre « Le secteur — tous les centres » : "
        "pas de rapport pour une année sans stagiaire ni heure de formation."
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--federation", "ACFI", "--centre", "CISP-NAM"],
            "Erreur : Choisissez une fédération ou un centre, pas les deux.",
        ),
        (["--centre", "CISP-XXX"], "Erreur : Centre inconnu : « CISP-XXX »."),
        (["--federation", "FGTB"], "Erreur : Fédération inconnue : « FGTB »."),
    ],
)
def test_bad_input_exits_2_in_french(run_cli, folder, tmp_path, args, message):
    done = run_cli("report", "--year", YEAR, *args, "--output", tmp_path / "r.pdf", root=folder)
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.stderr


def test_no_warehouse_exits_2(run_cli, tmp_path):
    done = run_cli("report", "--year", YEAR, "--output", tmp_path / "r.pdf")
    assert done.returncode == 2
    assert done.stderr.startswith("Erreur : Aucun entrepôt de données n'est encore construit")


def test_each_report_is_audited(run_cli, folder, tmp_path):
    report(run_cli, folder, tmp_path, "--federation", "AID", format="pdf")
    with opstore.connected(folder / "ops.sqlite") as conn:
        (last,) = opstore.list_audit(conn, "report_exported")[-1:]
    assert last["actor"] == "test@parcours.be"
    assert last["detail"]["file"] == "parcours-rapport-2024-aid.pdf"
    assert last["detail"]["subject"] == {
        "kind": "federation",
        "key": "AID",
        "name": "Fédération AID",
    }
    assert last["detail"]["frozen"] is False


def test_a_warehouse_built_by_an_older_parcours_is_refused_in_french(
    run_cli, dashboard_warehouse, tmp_path
):
    # The served warehouse of a previous version: it lacks a table this version reads.
    import shutil

    root = tmp_path / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute("drop table fct_training_years")
    out = tmp_path / "rapport.html"
    done = run_cli("report", "--year", YEAR, "--format", "html", "--output", out, root=root)
    assert done.returncode == 2, done.stderr
    assert "version antérieure de Parcours" in done.stderr
    assert "fct_training_years" in done.stderr and "parcours build" in done.stderr
    assert "Traceback" not in done.stderr and "Erreur interne" not in done.stderr
    assert not out.exists()
