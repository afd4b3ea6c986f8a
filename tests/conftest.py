"""Fixtures shared by the tests: a fresh data folder per test, never ./data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from parcours.cli.commands import main
from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT, DataDir

# CI explores the same examples every run (a red CI must be reproducible); developers' runs
# keep exploring new ones, and a failure they find is fixed and kept as a regular test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Pages skip Altair's schema validation when drawing (`ui.altair_chart`): tests keep it, so every
# chart a page test draws is checked against the Vega-Lite schema.
os.environ["PARCOURS_VALIDATE_CHARTS"] = "1"
# A build worker started by a test (an upload on Téléverser asks for a build) leaves soon after
# its last build instead of idling 10 minutes beside the suite.
os.environ.setdefault("PARCOURS_BUILD_WORKER_IDLE", "20")

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = FIXTURES / "examples"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> DataDir:
    """A fresh data folder, also the one the CLI uses (PARCOURS_DATA_DIR)."""
    root = tmp_path / "data"
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))
    monkeypatch.setenv("PARCOURS_USER", "test@parcours.be")
    return DataDir.from_env()


@pytest.fixture
def conn(data_dir):
    connection = opstore.connect(data_dir.ops_db)
    yield connection
    connection.close()


@pytest.fixture
def cli(data_dir):
    """Invoke the CLI in-process: cli("ingest", "--centre", ...) → click Result."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def centre(cli) -> str:
    """A registered centre, CISP-001 (ALEAP, Liège)."""
    result = cli(
        "centres",
        "add",
        "CISP-001",
        "--name",
        "Le Tremplin",
        "--federation",
        "ALEAP",
        "--postal-code",
        "4020",
    )
    assert result.exit_code == 0, result.output
    return "CISP-001"


@pytest.fixture
def run_cli(data_dir):
    """Run `python -m parcours` in a real process, as a user would (on the test's data folder,
    or on `root=` another one)."""

    def run(*args, root: Path | None = None, input: str | None = None):
        env = {
            **os.environ,
            "PARCOURS_DATA_DIR": str(root or data_dir.root),
            "PARCOURS_USER": "test@parcours.be",
        }
        return subprocess.run(
            [sys.executable, "-m", "parcours", *map(str, args)],
            cwd=PROJECT_ROOT,
            env=env,
            input=input,
            capture_output=True,
            text=True,
            # A guard against a hung process, not a speed check (bench/ measures speed): a
            # demo's full build took 109 s on a loaded 2-core machine.
            timeout=600,
        )

    return run


# --- dashboard -----------------------------------------------------------------------------
# A small warehouse built through the real pipeline (centres → ingest → dbt build) from the
# hand-made exports in fixtures/dashboard/ (see its README for the numbers expected on screen).

DASHBOARD_FIXTURE = FIXTURES / "dashboard"
DASHBOARD_PASSWORD = "motdepasse-test"
DASHBOARD_USERS = {
    # email: (role, centre_id, federation)
    "nam@centre.be": ("centre", "CISP-NAM", None),
    "lie@centre.be": ("centre", "CISP-LIE", None),
    "acfi@federation.be": ("federation", None, "ACFI"),
    "aid@federation.be": ("federation", None, "AID"),
    "interfede@federation.be": ("federation", None, "Interfédé"),
    "analyste@parcours.be": ("analyst", None, None),
    "admin@parcours.be": ("admin", None, None),
}


def _make_dashboard_folder(root: Path) -> None:
    """Centres → ingest → dbt build (no docs) → users, on the dashboard fixture's exports."""
    import csv

    from parcours.store import users as auth
    from parcours.upload import ingest
    from parcours.warehouse import build

    data_dir = DataDir(root)
    conn = opstore.connect(data_dir.ops_db)
    try:
        with (DASHBOARD_FIXTURE / "centres.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                opstore.add_centre(
                    conn,
                    row["centre_id"],
                    row["centre_name"],
                    row["federation"],
                    row["postal_code"],
                    actor="test",
                )
    finally:
        conn.close()
    for folder in sorted(p for p in DASHBOARD_FIXTURE.iterdir() if p.is_dir()):
        reports = ingest.ingest_files(
            data_dir, f"CISP-{folder.name}", sorted(folder.glob("*.csv")), actor="test"
        )
        for report in reports:
            assert report.status == "stored" and report.rows_quarantined == 0, report
    result = build.build(data_dir, actor="test", docs=False)
    assert result.status == "success", result.message
    for email, (role, centre_id, federation) in DASHBOARD_USERS.items():
        auth.add_user(data_dir, email, DASHBOARD_PASSWORD, role, centre_id, federation)


@pytest.fixture(scope="session")
def dashboard_warehouse(tmp_path_factory) -> DataDir:
    """The dashboard fixture's data folder, with its warehouse built: once per run for all
    xdist workers (`warehouse_cache`), then copied into this session's own folder. Sets
    PARCOURS_DATA_DIR for the session (restored at the end)."""
    from tests import warehouse_cache

    root = warehouse_cache.copy_of(
        "dashboard",
        [DASHBOARD_FIXTURE, Path(__file__)],
        _make_dashboard_folder,
        tmp_path_factory.mktemp("dashboard") / "data",
    )
    previous = os.environ.get("PARCOURS_DATA_DIR")
    os.environ["PARCOURS_DATA_DIR"] = str(root)
    data_dir = DataDir.from_env()
    yield data_dir
    if previous is None:
        os.environ.pop("PARCOURS_DATA_DIR", None)
    else:
        os.environ["PARCOURS_DATA_DIR"] = previous


def dashboard_user(email: str):
    """The `parcours.store.users.User` of one of the dashboard fixture's users."""
    from parcours.store.users import User

    role, centre_id, federation = DASHBOARD_USERS[email]
    return User(email, role, centre_id, federation)


def app_as(email: str | None, page: str | None = None):
    """An AppTest of app.py signed in as `email` (None: signed out), switched to `page`
    (e.g. "pages/freins.py") and run. Needs the `dashboard_warehouse` fixture."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    if email is not None:
        at.session_state["user"] = dashboard_user(email)
    at.run()
    if page is not None and not at.exception:
        at.switch_page(page).run()
    return at
