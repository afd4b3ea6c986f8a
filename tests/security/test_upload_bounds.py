"""Issue 15, items 5 and 6 (uploads): bounded resources and the smaller holes, each tried
through the path an attacker uses (the CLI in a real process, Téléverser in AppTest, the upload
service the page calls).

- a file that makes the checking process reach its memory cap is refused at once, in French,
  naming « mémoire » and its variable (before: the full 180 s, and the message blamed time);
  a 45 Mo CSV with one stray quote is refused for its quote, quickly;
- at most PARCOURS_MAX_CONCURRENT_CHECKS uploads are checked at once; the next is told to try
  again in a moment;
- a session cannot hold more than PARCOURS_MAX_SESSION_UPLOAD_MB of uploads: the upload route
  refuses the request before reading it, the page refuses the drop zone;
- a national number written in full-width digits (７９…) is pseudonymised or masked like any
  other, wherever it is (its column, the trainee id, an extra column);
- a 300-character file name is shortened, and the other files of the upload still go through;
- workbooks in the strict-OOXML namespace, or whose sheet part is not named `.xml`, are
  checked like the others (the declared 17-billion-cell sheet refused), and a workbook the
  reader cannot read is refused in French, not in calamine's English.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
import zipfile

import polars as pl
import pytest

from parcours.store.datadir import PROJECT_ROOT
from parcours.store.users import User
from parcours.upload import checks, service
from parcours.upload.limits import UploadLimits
from parcours.upload.parsing import niss_check_digits
from tests.security import attacks

USER = User("centre@cisp.be", "centre", "CISP-001", None)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NISS = "850714123" + niss_check_digits("850714123")


# --- memory -------------------------------------------------------------------------------


def big_hours_csv(rows: int = 1_000_000, remark: str = "remarque") -> bytes:
    lines = ["N° stagiaire;Mois;Heures;Remarque"]
    lines += [f"E-{i // 50:06d};{i % 12 + 1:02d}/2021;{i % 120},5;{remark}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.mark.slow
def test_reaching_the_memory_cap_is_refused_at_once_naming_memory(attack_cli, write, centre):
    path = write("heures.csv", big_hours_csv())
    done, seconds = attack_cli(
        "ingest",
        "--centre",
        centre,
        "--dry-run",
        path,
        env={"PARCOURS_CHECK_MEMORY_MB": "900", "PARCOURS_CHECK_SECONDS": "120"},
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "la mémoire autorisée (900 Mo, PARCOURS_CHECK_MEMORY_MB)" in done.stdout
    assert "temps" not in done.stdout
    assert seconds < 60  # not the 120 s of the time limit


@pytest.mark.slow
def test_a_45_mb_csv_with_one_stray_quote_is_refused_for_its_quote(attack_cli, write, centre):
    content = bytearray(big_hours_csv(remark="remarque sans importance"))
    # In the third data line, a quote opens the remark and is never closed.
    at = content.index(b";remarque", 150) + 1
    content[at:at] = b'"'
    assert len(content) > 45_000_000
    path = write("heures.csv", bytes(content))
    done, seconds = attack_cli("ingest", "--centre", centre, "--dry-run", path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "guillemet ouvert" in done.stdout
    assert "temps autorisé" not in done.stdout and "mémoire" not in done.stdout
    assert seconds < 60


# --- concurrent checks --------------------------------------------------------------------


def test_checks_beyond_the_limit_are_asked_to_try_again(data_dir, centre, monkeypatch):
    monkeypatch.setenv("PARCOURS_MAX_CONCURRENT_CHECKS", "1")
    monkeypatch.setattr(checks, "WAIT_SECONDS", 0.5)
    holding, release = threading.Event(), threading.Event()

    def other_upload() -> None:  # someone else's check, in progress
        with checks.slot(UploadLimits.from_env()):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=other_upload)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(checks.Busy) as refused:
            service.ingest_uploads(
                data_dir, USER, "CISP-001", [("h.csv", attacks.VALID_HOURS_CSV)], dry_run=False
            )
        assert time.monotonic() - started < 5
        assert "réessayez dans un instant" in str(refused.value)
        assert "PARCOURS_MAX_CONCURRENT_CHECKS" in str(refused.value)
        assert not list(data_dir.landing.glob("*/b*.parquet"))
    finally:
        release.set()
        thread.join()
    # The slot freed, the same upload goes through.
    (report,) = service.ingest_uploads(
        data_dir, USER, "CISP-001", [("h.csv", attacks.VALID_HOURS_CSV)], dry_run=False
    )
    assert report.status == "stored"
    assert checks.running() == 0


# --- per-session upload memory ------------------------------------------------------------


def test_the_upload_route_refuses_beyond_the_session_share_before_reading(monkeypatch):
    from starlette.formparsers import MultiPartParser

    from parcours.dashboard import upload_memory

    monkeypatch.setenv("PARCOURS_MAX_SESSION_UPLOAD_MB", "100")
    monkeypatch.setattr(upload_memory, "session_bytes", lambda session: 90 * 1024 * 1024)
    status, text = upload_memory.refusal("s1", [(b"content-length", b"45000000")])
    assert status == 413
    assert "PARCOURS_MAX_SESSION_UPLOAD_MB" in text and "100 Mo" in text
    assert upload_memory.refusal("s1", [(b"content-length", b"1000")]) is None
    # No announced length (chunked): refused, the share could not be judged.
    assert upload_memory.refusal("s1", [])[0] == 411
    # A file over the size limit: in French (Streamlit answers « File too large »).
    monkeypatch.setattr(upload_memory, "session_bytes", lambda session: 0)
    status, text = upload_memory.refusal("s1", [(b"content-length", b"60000000")])
    assert status == 413 and text.startswith("Fichier refusé : ")
    assert "taille maximale d'un fichier (50 Mo, PARCOURS_MAX_UPLOAD_MB)" in text
    # The body of an accepted file stays in memory: Starlette would spool it to /tmp past 1 Mo.
    assert MultiPartParser.spool_max_size > UploadLimits.from_env().max_bytes


@pytest.fixture
def page(data_dir, centre):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "televerser.py"), default_timeout=120)
    at.session_state["user"] = USER
    at.run()
    assert not at.exception
    return at


def test_televerser_refuses_a_drop_zone_over_the_session_share(page, monkeypatch):
    monkeypatch.setenv("PARCOURS_MAX_SESSION_UPLOAD_MB", "1")
    half = attacks.VALID_HOURS_CSV + b"P9;03/2024;1\n" * 45_000  # about 0,6 Mo each
    page.file_uploader[0].set_value(
        [("a.csv", half, "text/csv"), ("b.csv", half + b"\n", "text/csv")]
    )
    page.run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    assert "PARCOURS_MAX_SESSION_UPLOAD_MB" in errors and "Rien n'a été lu" in errors
    assert not [b for b in page.button if b.key == "check"]


# --- national numbers in full-width digits ------------------------------------------------


def test_a_full_width_national_number_never_lands_in_clear(attack_cli, write, data_dir, centre):
    wide = NISS.translate(FULL_WIDTH)
    participants = (
        "participant_id;niss;entry_date;birth_year;gender;education;postal_code;filiere;"
        "training_area;referral;status_at_entry;remarque\n"
        f"E-001;{wide};15/01/2024;1985;F;ceb;4020;eft;Horeca;cpas;ris;voir {wide}\n"
        f"{wide};{wide};15/01/2024;1985;F;ceb;4020;eft;Horeca;cpas;ris;ok\n"
    ).encode()
    path = write("participants.csv", participants)
    done, _ = attack_cli("ingest", "--centre", centre, "--json", path)
    (report,) = json.loads(done.stdout)
    assert report["status"] == "stored"
    assert (report["rows_stored"], report["rows_quarantined"]) == (1, 1)
    (landing,) = data_dir.landing_kind("participants").glob("b*.parquet")
    stored = pl.read_parquet(landing).select(pl.all().cast(pl.String)).write_csv()
    with sqlite3.connect(data_dir.ops_db) as db:
        quarantine = json.dumps(db.execute("select * from quarantine").fetchall())
    shown = json.dumps(report, ensure_ascii=False)
    for where in (stored, quarantine, shown, done.stdout):
        assert NISS not in where and wide not in where
        assert NISS not in where.encode("ascii", "ignore").decode()
    # The number was recognised as one: pseudonymised (person_key), masked in the remark.
    assert pl.read_parquet(landing)["person_key"].null_count() == 0
    assert "••" in stored
    assert any("numéro national" in e["message"] for e in report["errors"])


# --- file names ---------------------------------------------------------------------------


def test_a_300_character_file_name_is_shortened_and_the_others_go_through(data_dir, centre):
    long_name = "export-" + "é" * 290 + ".csv"
    reports = service.ingest_uploads(
        data_dir,
        USER,
        "CISP-001",
        [
            (long_name, attacks.VALID_HOURS_CSV),
            ("h2.csv", attacks.VALID_HOURS_CSV + b"P3;03/2024;1\n"),
        ],
        dry_run=False,
    )
    assert [r.status for r in reports] == ["stored", "stored"]
    assert len(reports[0].file) <= service.MAX_NAME_CHARS
    assert reports[0].file.startswith("export-é") and reports[0].file.endswith("é.csv")
    assert "…" in reports[0].file
    assert reports[1].file == "h2.csv"


def test_file_names_lose_folders_and_control_characters():
    assert service.safe_name("C:\\Users\\x\\heures.csv") == "heures.csv"
    assert service.safe_name("../../etc/passwd") == "passwd"
    assert service.safe_name("heu\nres\u202e.csv") == "heures.csv"
    assert service.safe_name("..") == "fichier"


# --- workbooks the pre-checks used to skip ------------------------------------------------

STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def workbook(*, strict: bool, sheet_part: str, last: str = "XFD1048576") -> bytes:
    main = STRICT_MAIN if strict else "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = (
        STRICT_REL
        if strict
        else "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
        f'<dimension ref="A1:{last}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>participant_id</t></is></c></row>'
        f'<row r="{last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{last}" t="inlineStr">'
        "<is><t>x</t></is></c></row>"
        "</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Override PartName="/{sheet_part}" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="x" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="x" '
            f'Target="{sheet_part.removeprefix("xl/")}"/></Relationships>',
        )
        archive.writestr(sheet_part, sheet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("strict", "sheet_part"),
    [(True, "xl/worksheets/sheet1.xml"), (False, "xl/worksheets/feuille1"), (True, "xl/f.bin")],
)
def test_strict_namespace_or_odd_sheet_names_are_checked_too(
    strict, sheet_part, attack_cli, write, centre
):
    path = write("freins.xlsx", workbook(strict=strict, sheet_part=sheet_part))
    done, seconds = attack_cli("ingest", "--centre", centre, "--dry-run", path)
    assert done.returncode == 2, done.stderr[-2000:]
    refusal = next(line for line in done.stdout.splitlines() if "Fichier refusé" in line)
    assert "1 048 576 lignes × 16 384 colonnes" in refusal
    assert "maximum de 256 colonnes" in refusal


def test_a_workbook_the_reader_cannot_read_is_refused_in_french(data_dir, centre):
    # Strict OOXML, within the limits: calamine cannot read it and says so in English.
    content = workbook(strict=True, sheet_part="xl/worksheets/sheet1.xml", last="A2")
    (report,) = service.ingest_uploads(
        data_dir, USER, "CISP-001", [("freins.xlsx", content)], dry_run=True
    )
    message = report.errors[0]["message"]
    assert report.status == "rejected"
    assert "classeur .xlsx illisible" in message and "enregistrez-le à nouveau" in message
    for english in ("error", "Error", "sheet", "found", "invalid", "Xml"):
        assert english not in message


def french(text: str) -> str:
    """The page script's rewriting (`french.py`: JavaScript patterns, `$1` groups), in Python."""
    import re

    from parcours.dashboard.french import EXACT, PATTERNS

    if text in EXACT:
        return EXACT[text]
    for pattern, replacement in PATTERNS:
        if re.search(pattern, text):
            return re.sub(pattern, re.sub(r"\$(\d)", r"\\\1", replacement), text)
    return text


def test_the_uploaders_own_refusals_read_in_french():
    # What Streamlit's drop zone writes on a file over server.maxUploadSize (before sending it).
    assert (
        french("File must be 50.0MB or smaller.") == "Fichier refusé : au plus 50,0 Mo par fichier."
    )
    assert (
        french("File must be 200MB or smaller.") == "Fichier refusé : au plus 200 Mo par fichier."
    )
    assert french("application/pdf files are not allowed.").startswith("Fichier refusé : le type")
    assert (
        french("Unexpected error. Please try again.") == "Envoi refusé par le serveur. Réessayez."
    )
