"""No byte of an upload's names or national numbers ever reaches the disk (issue 15, item 4).

Tried as an attacker with access to the machine's disk would: while a centre's upload is being
checked on Téléverser (AppTest, the page's own path), after it is stored, and after the process
checking it was killed mid-check, every file written since the test started — in the data
folder and in the machine's temporary folders — is searched for the upload's distinctive bytes:
a surname found nowhere else, and the national numbers, in the encodings a file may use. Stored
parquet files are compressed, so their values are read and searched too.

Before, each check copied the upload as it came to `data/tmp/` for its duration, and a killed
process left the copy there for 30 minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from parcours.store.datadir import PROJECT_ROOT
from parcours.store.users import User
from parcours.upload import scratch
from parcours.upload.parsing import niss_check_digits
from tests import depth

PAGE = str(PROJECT_ROOT / "pages" / "televerser.py")
USER = User("centre@cisp.be", "centre", "CISP-001", None)
SURNAME = "Quintavalle-Ploutzbergh"
FIRST_NAME = "Zébulonne"


def national_number(i: int) -> str:
    first9 = f"85{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 997:03d}"
    return first9 + niss_check_digits(first9)


def participants_csv(rows: int) -> bytes:
    """A centre's participants export with names and national numbers, as some software writes
    it (Windows-1252, « ; »)."""
    lines = [
        "N° stagiaire;Nom;Prénom;Numéro national;Date d'entrée;Année de naissance;Genre;"
        "Diplôme;CP;Filière;Métier;Prescripteur;Statut"
    ]
    for i in range(rows):
        lines.append(
            f"E-{i:06d};{SURNAME};{FIRST_NAME};{national_number(i)};15/01/2024;1985;Femme;CEB;"
            "4020;EFT;Horeca;CPAS;Revenu d'intégration (CPAS)"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def needles(rows: int) -> list[bytes]:
    found = [SURNAME.encode(), SURNAME.encode("utf-16-le"), FIRST_NAME.encode("cp1252")]
    found += [FIRST_NAME.encode(), FIRST_NAME.encode("utf-16-le")]
    # The first national numbers as written, and in UTF-16 (a text dump of the values).
    for i in range(min(rows, 50)):
        digits = national_number(i)
        found += [digits.encode(), digits.encode("utf-16-le")]
    return found


def _written_since(roots: list[Path], since: float) -> list[Path]:
    files = []
    for root in roots:
        for folder, _, names in os.walk(root, onerror=lambda e: None):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if (
                    path.is_file()
                    and not path.is_symlink()
                    and info.st_mtime >= since
                    and info.st_size < 300 * 1024 * 1024
                ):
                    files.append(path)
    return files


def leaks(roots: list[Path], since: float, what: list[bytes]) -> list[str]:
    """The files written since `since` that hold one of `what` (parquet: their values too)."""
    found = []
    for path in _written_since(roots, since):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if path.suffix == ".parquet":
            try:
                frame = pl.read_parquet(path)
                data += frame.select(pl.all().cast(pl.String)).write_csv().encode()
            except Exception:  # noqa: BLE001 — half-written: its raw bytes were searched
                pass
        hits = [needle for needle in what if needle in data]
        if hits:
            found.append(f"{path}: {hits[0]!r}")
    return found


def roots(data_dir) -> list[Path]:
    temporary = {Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")}
    # The test's own folders (pytest's tmp_path, where nothing of the upload is written by the
    # test) are inside /tmp; the data folder is searched through them.
    return [data_dir.root, *(p for p in temporary if p.exists())]


class Watcher:
    """Searches the disk again and again while something runs in the foreground."""

    def __init__(self, where: list[Path], since: float, what: list[bytes]):
        self.where, self.since, self.what = where, since, what
        self.found: set[str] = set()
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.found.update(leaks(self.where, self.since, self.what))
            self.rounds += 1

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def page(data_dir, centre):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["user"] = USER
    at.run()
    assert not at.exception
    return at


@pytest.mark.slow
def test_no_name_or_national_number_on_disk_during_and_after_an_upload(page, data_dir):
    # A file big enough for the watcher to look at the disk during the check and the storing
    # (`watcher.rounds` below); 150 000 rows in the whole suite.
    rows = 150_000 if depth.EXHAUSTIVE else 40_000
    content = participants_csv(rows)
    what = needles(rows)
    since = time.time() - 1
    page.file_uploader[0].set_value([("participants.csv", content, "text/csv")])
    page.run()
    with Watcher(roots(data_dir), since, what) as watcher:
        page.button(key="check").click().run()
        assert not page.exception
        assert page.button(key="confirm")  # the check went through: the rows will be stored
        page.button(key="confirm").click().run()
        assert not page.exception
    assert watcher.rounds >= 1
    assert watcher.found == set()
    # The rows were stored (pseudonymised): the search had something to search.
    stored = list(data_dir.landing_kind("participants").glob("b*.parquet"))
    assert len(stored) == 1
    assert pl.read_parquet(stored[0]).height == rows
    assert leaks(roots(data_dir), since, what) == []


KILLED = """
import sys, time
from parcours.store.datadir import DataDir
from parcours.store.users import User
from parcours.upload import service
from tests.security.test_upload_never_on_disk import participants_csv
content = participants_csv(int(sys.argv[1]))
print("checking", flush=True)
service.ingest_uploads(DataDir.from_env(), User("centre@cisp.be", "centre", "CISP-001", None),
                       "CISP-001", [("participants.csv", content)], dry_run=False)
print("done", flush=True)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_killed_check_leaves_nothing_on_disk(data_dir, centre):
    rows = 200_000
    what = needles(rows)
    since = time.time() - 1
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(rows)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "checking"
    deadline = time.monotonic() + 60
    while not _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    (checker,) = _children(process.pid)
    time.sleep(1.0)  # in the middle of the check
    assert process.poll() is None, "the check ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)  # the server crashes mid-check
    process.wait(timeout=30)
    for _ in range(100):  # the checking process dies with it
        if not Path(f"/proc/{checker}").exists():
            break
        time.sleep(0.1)
    assert leaks(roots(data_dir), since, what) == []
    assert not list(data_dir.landing.glob("*/b*.parquet"))


def test_copies_an_older_version_left_are_swept_whatever_their_age(data_dir, centre, tmp_path):
    data_dir.tmp.mkdir(parents=True)
    left = data_dir.tmp / "upload-0123456789abcdef" / "0"
    left.mkdir(parents=True)
    (left / "participants.csv").write_bytes(participants_csv(3))  # seconds old, not 30 minutes
    other = data_dir.tmp / "duckdb-spill"  # not the upload path's: left alone
    other.mkdir()
    source = tmp_path / "heures.csv"
    source.write_bytes(b"participant_id;month;hours\nP1;03/2024;12\n")
    from parcours.upload import ingest

    ingest.ingest_files(data_dir, "CISP-001", [source], "test", dry_run=True)
    assert sorted(p.name for p in data_dir.tmp.iterdir()) == ["duckdb-spill"]
    assert scratch.sweep(data_dir) == 0


def test_sweeping_a_data_folder_without_uploads_creates_nothing(data_dir):
    assert scratch.sweep(data_dir) == 0
    assert not data_dir.tmp.exists()


def test_the_checking_process_cannot_write_a_core_dump(data_dir, centre):
    """A crash of the checking process must not write its memory (the upload) to a core file."""
    from parcours.upload.isolation import Checker

    with Checker() as checker:
        checker._wait_ready(checker._process)
        pid = checker._process.pid
        limits = Path(f"/proc/{pid}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]  # soft and hard: the child cannot raise it again


def _multipart_form(content: bytes, monkeypatch_spool: int | None = None):
    """Parse a multipart body as Streamlit's upload route does (Starlette's `Request.form`)."""
    import asyncio

    from starlette.requests import Request

    boundary = "----parcours"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    scope = {
        "type": "http",
        "method": "PUT",
        "path": "/_stcore/upload_file/s/f",
        "headers": [
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]

    async def receive():
        return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

    async def parse():
        form = await Request(scope, receive).form()
        upload = form["file"]
        return upload.file._rolled, await upload.read()

    return asyncio.run(parse())


def test_the_upload_route_keeps_the_body_in_memory(monkeypatch):
    """Streamlit's upload route parses the body with Starlette, which writes any part above
    1 Mo to a temporary file (in /tmp): the upload as it came, on disk. The access gate raises
    that threshold before any upload is read (`upload_memory.refusal` runs first)."""
    from starlette.formparsers import MultiPartParser

    from parcours.dashboard import upload_memory

    content = participants_csv(40_000)  # about 5 Mo
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 1024 * 1024)  # Starlette's default
    rolled, _ = _multipart_form(content)
    assert rolled  # the hole: Starlette alone writes it to disk
    assert upload_memory.refusal("s", [(b"content-length", str(len(content)).encode())]) is None
    rolled, received = _multipart_form(content)
    assert not rolled and received == content
