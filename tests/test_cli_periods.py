"""`parcours periods close YYYY` / `list` / `reopen YYYY`: a closed year's report keeps the figures
of the day it was closed, and lists what later uploads would revise — on a copy of the dashboard
fixture's data folder (an upload and a rebuild change it)."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from parcours.store import opstore

# Three more trainees of the Atelier du Confluent who entered in 2024: its entries go from 5 to 8
# and its trainees in training from 7 to 10 (the sector's from 12 to 15 and 15 to 18).
LATE = (
    "numéro stagiaire;date d'entrée;filière\n"
    "N20;01/03/2024;eft\nN21;02/03/2024;eft\nN22;03/03/2024;defi\n"
)


@pytest.fixture(scope="module")
def root(dashboard_warehouse, tmp_path_factory):
    copy = tmp_path_factory.mktemp("periods") / "data"
    shutil.copytree(dashboard_warehouse.root, copy)
    for cache in copy.glob("build/target/partial_parse.msgpack"):
        cache.unlink()
    return copy


def figures(html: str) -> dict[str, str]:
    found = re.findall(r'<div class="label">([^<]*)</div><div class="value">([^<]*)</div>', html)
    return {unescape(k): unescape(v) for k, v in found}


def section(html: str, title: str) -> str:
    """The text of a report's section, tags dropped."""
    part = html.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " | ", part))


def report(run_cli, root, tmp_path, *args) -> str:
    out = tmp_path / "r.html"
    done = run_cli("report", "--year", 2024, *args, "--format", "html", "--output", out, root=root)
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_closed_year_keeps_its_figures_and_lists_the_revisions(run_cli, root, tmp_path):
    before = report(run_cli, root, tmp_path)
    closed = run_cli("periods", "close", 2024, root=root)
    assert closed.returncode == 0, closed.stderr
    assert re.fullmatch(
        r"Année 2024 arrêtée le \d\d/\d\d/\d{4} \(periods/2024/warehouse-\w+\.duckdb\)\.\n",
        closed.stdout,
    )
    late = tmp_path / "entrees-tardives.csv"
    late.write_text(LATE, encoding="utf-8")
    assert run_cli("ingest", "--centre", "CISP-NAM", late, root=root).returncode == 0
    built = run_cli("build", root=root)
    assert built.returncode == 0, built.stderr

    after = report(run_cli, root, tmp_path)
    assert figures(after) == figures(before)  # the same key figures, to the digit
    assert figures(after)["Entrées"] == "12"
    assert "Chiffres arrêtés au" in after and "Chiffres arrêtés au" not in before
    revisions = section(after, "Révisions depuis l'arrêt")
    assert "L'entrepôt actuel changerait 2 chiffre(s) clé(s) de 2024" in revisions
    cells = [c.strip() for c in revisions.split("|") if c.strip()]
    assert cells[cells.index("Entrées") : cells.index("Entrées") + 4] == [
        "Entrées",
        "12",
        "15",
        "+3",
    ]
    nam = "Atelier du Confluent (CISP-NAM)"
    row = cells.index(nam)
    assert cells[row : row + 5] == [nam, "Stagiaires en formation", "7", "10", "+3"]
    assert cells[row + 5 : row + 10] == [nam, "Entrées", "5", "8", "+3"]
    assert "participants" in cells  # the files sent since the closure

    # A federation's closed report lists only its own centres' revisions.
    aid = report(run_cli, root, tmp_path, "--federation", "AID")
    assert "Aucune révision" in section(aid, "Révisions depuis l'arrêt")
    assert "Confluent" not in aid

    listed = run_cli("periods", "list", root=root)
    assert re.match(
        r"2024  arrêtée le \d\d/\d\d/\d{4} par test@parcours.be  construction w", listed.stdout
    )
    assert listed.stdout.rstrip().endswith("en vigueur")

    reopened = run_cli("periods", "reopen", 2024, root=root)
    assert reopened.returncode == 0, reopened.stderr
    current = report(run_cli, root, tmp_path)
    assert figures(current)["Entrées"] == "15"
    assert "Chiffres arrêtés" not in current and "Révisions depuis l'arrêt" not in current
    assert "rouverte le" in run_cli("periods", "list", root=root).stdout

    with opstore.connected(root / "ops.sqlite") as conn:
        actions = [(a["actor"], a["action"]) for a in opstore.list_audit(conn)]
    assert ("test@parcours.be", "period_closed") in actions
    assert ("test@parcours.be", "period_reopened") in actions


def test_the_frozen_copy_is_read_only(run_cli, root, tmp_path):
    files = list(root.glob("periods/*/*.duckdb"))
    if not files:
        assert run_cli("periods", "close", 2023, root=root).returncode == 0
        files = list(root.glob("periods/*/*.duckdb"))
    assert files and all(f.stat().st_mode & 0o222 == 0 for f in files)


@pytest.mark.parametrize(
    "args,message",
    [
        (["close", "2099"], "Erreur : L'année 2099 n'est pas terminée"),
        (["close", "2019"], "Erreur : Aucune donnée pour 2019"),
        (["reopen", "2018"], "Erreur : L'année 2018 n'est pas arrêtée : rien à rouvrir."),
        (["close", "deux-mille"], "Erreur : Valeur invalide pour 'YEAR'"),
    ],
)
def test_refusals_exit_2_in_french(run_cli, root, args, message):
    done = run_cli("periods", *args, root=root)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_closing_twice_is_refused(run_cli, tmp_path, dashboard_warehouse):
    copy = tmp_path / "copy"
    shutil.copytree(dashboard_warehouse.root, copy)
    assert run_cli("periods", "close", 2023, root=copy).returncode == 0
    again = run_cli("periods", "close", 2023, root=copy)
    assert again.returncode == 2
    assert again.stderr.startswith("Erreur : L'année 2023 est déjà arrêtée")
    assert len(list(copy.glob("periods/2023/*.duckdb"))) == 1


def test_list_says_when_nothing_is_closed(run_cli, data_dir):
    done = run_cli("periods", "list")
    assert done.returncode == 0
    assert done.stdout == "Aucune année arrêtée.\n"
