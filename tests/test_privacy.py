"""Privacy by design: no national number, no name and no full birth date ever reaches the data
folder — not in the landing files, not in the quarantine, not in the audit log."""

import json
import sqlite3

import polars as pl

from parcours.store import opstore

NISS = "90051712331"  # 900517 123 + check digits 31 (97 - 900517123 mod 97)
NISS_FORMATTED = "90.05.17-123.31"
OTHER_NISS = "85121500160"
NAMES = ["Vandenbroucke", "Anneliese", "Mertens-Lagasse", "Bérengère"]
BIRTH_DATES = ["17/05/1990", "1990-05-17", "17.05.1990", "17-05-1990", "19900517", "15/12/1985"]


def test_niss_check_digits_are_right():
    assert 97 - int(NISS[:9]) % 97 == int(NISS[9:])
    assert 97 - int(OTHER_NISS[:9]) % 97 == int(OTHER_NISS[9:])


def scan_bytes(data: bytes) -> list[str]:
    text = data.decode("latin-1") + data.decode("utf-8", errors="ignore")
    digits = "".join(ch for ch in text if ch.isdigit())
    found = [s for s in [*NAMES, *BIRTH_DATES, NISS_FORMATTED] if s in text]
    # Digits only as well: a NISS written back with other punctuation is still a NISS.
    found += [n for n in (NISS, OTHER_NISS) if n in text or n in digits]
    return found


def test_nothing_identifying_reaches_disk(cli, centre, data_dir, tmp_path):
    path = tmp_path / "stagiaires.csv"
    path.write_text(
        "participant_id;nom;prénom;date de naissance;numéro national;entry_date;gender\n"
        f"E-001;Vandenbroucke;Anneliese;17/05/1990;{NISS_FORMATTED};2024-01-15;F\n"
        # Quarantined (unknown gender): its raw values are kept, so they must be clean too.
        f"E-002;Mertens-Lagasse;Bérengère;15/12/1985;{OTHER_NISS};2024-02-01;licorne\n",
        encoding="utf-8",
    )
    result = cli("ingest", "--centre", centre, "--json", path)
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert (report["rows_stored"], report["rows_quarantined"]) == (1, 1)
    assert report["warnings"], "dropping the name columns is reported"
    for secret in [*NAMES, *BIRTH_DATES, NISS, OTHER_NISS, NISS_FORMATTED]:
        assert secret not in result.stdout

    # The stored row kept what it may: the year of birth and a pseudonym.
    frame = pl.read_parquet(next(data_dir.landing_kind("participants").glob("b*.parquet")))
    assert frame["birth_year"].to_list() == [1990]
    assert frame["person_key"].to_list()[0] not in (None, NISS)

    # Byte scan of every file in the data folder, the SQLite store and its WAL included.
    files = [p for p in data_dir.root.rglob("*") if p.is_file()]
    assert any(p.name.startswith("ops.sqlite") for p in files)
    for file in files:
        assert scan_bytes(file.read_bytes()) == [], file

    # And through the readers, in case a compressed page hid a value from the byte scan.
    for parquet in data_dir.landing.rglob("*.parquet"):
        cells = " ".join(str(v) for row in pl.read_parquet(parquet).rows() for v in row)
        assert scan_bytes(cells.encode()) == [], parquet
    with sqlite3.connect(data_dir.ops_db) as conn:
        dump = "\n".join(conn.iterdump())
    assert scan_bytes(dump.encode()) == []

    # The quarantined row is kept without identifiers, its NISS already a pseudonym.
    with opstore.connect(data_dir.ops_db) as conn:
        (waiting,) = opstore.waiting_quarantine(conn)
    assert not {"nom", "prénom", "prenom", "niss"} & set(waiting["raw"])
