"""National numbers typed where they do not belong, and quarantined rows replayed: nothing of a
national number reaches the data folder, and a row the privacy rules refused stays refused.

The numbers are made here (check digits by hand) and confirmed by python-stdnum: the oracle is not
the product's own code."""

from __future__ import annotations

import json
import re
import sqlite3

import polars as pl
from stdnum.be import nn as stdnum_nn

from parcours.store import opstore


def niss(first9: str) -> str:
    digits = first9 + f"{97 - int(first9) % 97:02d}"
    assert stdnum_nn.is_valid(digits)
    return digits


def dotted(digits: str) -> str:
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


A, B, C, D, E = (niss(f) for f in ("850730033", "901215124", "770101245", "660606066", "880808088"))
TYPO = A[:10] + str((int(A[10]) + 1) % 10)


def everything_written(data_dir) -> str:
    """Every value the data folder holds, as text: landing files through their reader, the
    operational store through its dump, and the raw bytes of every other file."""
    parts = []
    for parquet in data_dir.root.rglob("*.parquet"):
        parts += [str(v) for row in pl.read_parquet(parquet).rows() for v in row]
    with sqlite3.connect(data_dir.ops_db) as conn:
        parts.append("\n".join(conn.iterdump()))
    for path in data_dir.root.rglob("*"):
        if path.is_file() and path.suffix != ".parquet" and "ops.sqlite" not in path.name:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def national_numbers_in(text: str) -> list[str]:
    """Every 11-digit run (any punctuation) of `text` that stdnum calls a national number."""
    found = []
    for match in re.finditer(r"(?<![0-9])(?=([0-9](?:[\s.\-/]?[0-9]){10})(?![0-9]))", text):
        digits = re.sub(r"[^0-9]", "", match[1])
        if stdnum_nn.is_valid(digits):
            found.append(digits)
    return found


def test_national_numbers_anywhere_in_free_text_never_reach_disk(cli, centre, data_dir, tmp_path):
    (tmp_path / "stagiaires.csv").write_text(
        "participant_id;entry_date;métier;remarque\n"
        f"E-1;15/01/2024;Horeca (NN {dotted(A)});voir dossier {B} au CPAS\n"
        f"E-2;15/01/2024;Bâtiment;{C[:6]} {C[6:9]} {C[9:]} — rappeler\n",
        encoding="utf-8",
    )
    (tmp_path / "etapes.csv").write_text(
        f"participant_id;date;étape;détail\nE-1;01/03/2024;first_internship;stage chez X, RN {D}\n",
        encoding="utf-8",
    )
    (tmp_path / "partenaires.csv").write_text(
        "participant_id;date de début;type de partenaire;partenaire\n"
        f"E-1;01/02/2024;employer;Garage {E}\n"
        f"E-2;01/02/2024;inconnu;{dotted(A)}\n",  # quarantined (unknown type): raw kept
        encoding="utf-8",
    )
    result = cli(
        "ingest", "--centre", centre, "--json",
        tmp_path / "stagiaires.csv", tmp_path / "etapes.csv", tmp_path / "partenaires.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["status"] for r in reports] == ["stored"] * 3
    assert national_numbers_in(result.stdout) == []
    assert any(
        "Numéros nationaux trouvés dans le texte et masqués" in w for w in reports[0]["warnings"]
    )
    written = everything_written(data_dir)
    assert national_numbers_in(written) == []
    for number in (A, B, C, D, E):
        assert number not in re.sub(r"[^0-9]", "", written) or number not in written
    # What was around the numbers is kept.
    frame = pl.read_parquet(next(data_dir.landing_kind("participants").glob("b*.parquet")))
    assert frame["training_area"].to_list() == ["Horeca (NN ••.••.••-•••.••)", "Bâtiment"]
    assert json.loads(frame["extra"][0]) == {"remarque": "voir dossier ••••••••••• au CPAS"}


def test_replay_keeps_refusing_what_privacy_refused(cli, centre, conn, data_dir, tmp_path):
    # Two rows the privacy rules refuse (a national number as trainee id, a mistyped national
    # number) that ALSO carry a value a mapping will fix: the mapping must not let them in.
    (tmp_path / "stagiaires.csv").write_text(
        "participant_id;entry_date;numéro national;genre\n"
        f"{dotted(B)};15/01/2024;;Licorne\n"
        f"E-2;15/01/2024;{TYPO};Licorne\n"
        "E-3;15/01/2024;;Licorne\n",
        encoding="utf-8",
    )
    first = json.loads(
        cli("ingest", "--centre", centre, "--json", tmp_path / "stagiaires.csv").stdout
    )
    assert first[0]["rows_quarantined"] == 3
    assert cli("mappings", "add", "gender", "Licorne", "X").exit_code == 0, "mapping refused"
    result = cli("replay")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "3 lignes revérifiées : 1 enregistrées (1 lot(s) de rejeu), 2 toujours en quarantaine.\n"
    )
    replayed = opstore.list_batches(conn)[-1]
    frame = pl.read_parquet(
        data_dir.landing_kind("participants") / f"{replayed['batch_id']}.parquet"
    )
    assert frame["participant_id"].to_list() == ["E-3"]
    still = opstore.waiting_quarantine(conn)
    assert [(r["row_number"], sorted(e["column"] for e in r["errors"])) for r in still] == [
        (1, ["participant_id"]),
        (2, ["niss"]),
    ]
    assert national_numbers_in(everything_written(data_dir)) == []
