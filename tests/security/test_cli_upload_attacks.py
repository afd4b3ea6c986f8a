"""Each attack file through the path an attacker with a centre's account would use from a
terminal: `python -m parcours ingest --dry-run` in a real process, under a 4 Go memory ceiling.

Each must end in a French refusal naming the limit (« Fichier refusé : … »), exit code 2 (the
contract's « file rejected »), no traceback, within bounded time — where, before, the same files
made the process allocate 512 Go, take gigabytes or run for minutes.
"""

from __future__ import annotations

import json

import pytest

from parcours.store import opstore
from tests.security import attacks

SECONDS = 90  # generous for a 2-core machine under load; the checks themselves take < 2 s

ATTACKS = {
    # name: (file name, generator, words the refusal must contain)
    "xlsx declared dimension": (
        "freins.xlsx",
        attacks.xlsx_dimension_bomb,
        ("1 048 576 lignes × 16 384 colonnes", "maximum de 256 colonnes"),
    ),
    "xlsx corner cells, 1M rows × 200 columns": (
        "heures.xlsx",
        attacks.xlsx_corner_cells_bomb,
        ("209 715 200 cellules", "maximum de 10 000 000 cellules"),
    ),
    "xlsx zip bomb": (
        "heures.xlsx",
        attacks.xlsx_zip_bomb,
        ("taux de compression anormal", "au plus 200×"),
    ),
    "xlsx billion laughs": (
        "heures.xlsx",
        attacks.xlsx_billion_laughs,
        ("DOCTYPE / ENTITY",),
    ),
    "csv stray quote": (
        "heures.csv",
        attacks.csv_stray_quote,
        ("dépasse 32 767 caractères", "guillemet ouvert"),
    ),
    "csv of 100 000 columns": (
        "heures.csv",
        attacks.csv_wide,
        ("100 000 colonnes", "maximum de 256 colonnes"),
    ),
    "csv over the size limit": (
        "heures.csv",
        attacks.csv_too_large,
        ("dépasse la taille maximale d'un fichier (50 Mo)",),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_cli_refuses_the_attack_in_french_within_bounds(attack, attack_cli, write, centre):
    name, make, words = ATTACKS[attack]
    path = write(name, make())
    done, seconds = attack_cli("ingest", "--centre", centre, "--dry-run", path)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    refusal = next(line for line in done.stdout.splitlines() if "Fichier refusé" in line)
    assert f"Fichier refusé : {name} — " in refusal
    for word in words:
        assert word in refusal
    assert seconds < SECONDS


@pytest.mark.slow
def test_the_other_files_of_the_call_are_still_checked(attack_cli, write, centre):
    bomb = write("bombe.xlsx", attacks.xlsx_dimension_bomb())
    fine = write("heures.csv", attacks.VALID_HOURS_CSV)
    done, _ = attack_cli("ingest", "--centre", centre, "--dry-run", "--json", bomb, fine)
    assert done.returncode == 2
    reports = json.loads(done.stdout)
    assert [r["status"] for r in reports] == ["rejected", "stored"]
    assert reports[1]["rows_stored"] == 2


@pytest.mark.slow
def test_a_file_count_over_the_limit_is_refused_before_reading(attack_cli, write, centre):
    paths = [write(f"h{i}.csv", attacks.VALID_HOURS_CSV) for i in range(3)]
    done, _ = attack_cli(
        "ingest", "--centre", centre, "--dry-run", *paths, env={"PARCOURS_MAX_FILES": "2"}
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Erreur : Envoi refusé : 3 fichiers, alors qu'un envoi en compte au plus 2. "
        "Envoyez-les en plusieurs fois. Rien n'a été enregistré."
    )


@pytest.mark.slow
def test_line_limit(attack_cli, write, centre):
    path = write("heures.csv", attacks.csv_many_lines(1_001))
    done, _ = attack_cli(
        "ingest", "--centre", centre, "--dry-run", path, env={"PARCOURS_MAX_ROWS": "1000"}
    )
    assert done.returncode == 2
    assert "le fichier compte 1 002 lignes, plus que le maximum de 1 000 lignes" in done.stdout


# --- the separate checking process: memory and time -----------------------------------------


@pytest.mark.slow
def test_a_check_that_needs_too_much_memory_is_refused_and_the_cli_survives(
    attack_cli, write, centre
):
    # The value-length and line caps lifted, the stray quote makes one giant value: the checking
    # process hits its 900 Mo address space, dies or fails, and the parent says so.
    path = write("heures.csv", attacks.csv_stray_quote(rows=2_000_000))
    done, seconds = attack_cli(
        "ingest",
        "--centre",
        centre,
        "--dry-run",
        path,
        env={
            "PARCOURS_MAX_FIELD_CHARS": "1000000000",
            "PARCOURS_MAX_ROWS": "5000000",
            "PARCOURS_MAX_CELLS": "100000000",
            "PARCOURS_CHECK_MEMORY_MB": "900",
        },
    )
    assert done.returncode == 2, (done.stdout, done.stderr[-2000:])
    assert (
        "Fichier refusé : heures.csv — sa vérification a dépassé la mémoire autorisée (900 Mo, "
        "PARCOURS_CHECK_MEMORY_MB)" in done.stdout
    )
    assert "Traceback" not in done.stderr
    assert seconds < SECONDS


@pytest.mark.slow
def test_a_check_that_takes_too_long_is_stopped(attack_cli, write, centre):
    # A quote inside an unquoted value sends the million lines through Python's csv module
    # (the slow, lenient path): several seconds on any machine, against a 1 s limit.
    content = attacks.csv_many_lines(1_000_000).replace(b"P1;", b'P"1;', 1)
    path = write("heures.csv", content)
    done, seconds = attack_cli(
        "ingest", "--centre", centre, "--dry-run", path, env={"PARCOURS_CHECK_SECONDS": "1"}
    )
    assert done.returncode == 2, (done.stdout, done.stderr[-2000:])
    assert (
        "Fichier refusé : heures.csv — sa vérification a dépassé le temps autorisé (1 s, "
        "PARCOURS_CHECK_SECONDS)" in done.stdout
    )
    assert seconds < SECONDS


@pytest.mark.slow
def test_refusals_are_audited_with_the_real_actor(attack_cli, write, centre, data_dir):
    path = write("bombe.xlsx", attacks.xlsx_dimension_bomb())
    attack_cli("ingest", "--centre", centre, "--dry-run", path)
    attack_cli("ingest", "--centre", centre, path)
    with opstore.connected(data_dir.ops_db) as conn:
        rows = [r for r in opstore.list_audit(conn) if r["action"].startswith("upload_")]
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("upload_checked", "attaquant@parcours.be"),
        ("upload_rejected", "attaquant@parcours.be"),
    ]
    assert rows[0]["detail"]["outcome"] == "rejected"
