"""Fixtures shared by the tests: a fresh data folder per test, never ./data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from parcours.cli.commands import main
from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT, DataDir
from tests import build_helpers

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


def pytest_configure(config):
    """`make test` leaves the tests marked `exhaustive` out (`-m "not exhaustive"`): the property
    tests of tests/depth.py then draw their quick number of examples."""
    from tests import depth

    depth.EXHAUSTIVE = "not exhaustive" not in (config.option.markexpr or "")


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
        return build_helpers.cli(root or data_dir.root, *args, input=input)

    return run


# --- dashboard -----------------------------------------------------------------------------
# A small warehouse built through the real pipeline (centres → ingest → dbt build) from the
# hand-made exports in fixtures/dashboard/ (see its README for the numbers expected on screen).

# The fixture's users and how it is made live in their own module: the cache of the built folder
# is keyed by that module, not by this file that every helper edits.
from tests.dashboard_fixture import (  # noqa: E402, F401 (DASHBOARD_PASSWORD: imported from here)
    DASHBOARD_FIXTURE,
    DASHBOARD_PASSWORD,
    DASHBOARD_USERS,
    make_dashboard_folder,
)

DASHBOARD_INPUTS = [DASHBOARD_FIXTURE, Path(__file__).with_name("dashboard_fixture.py")]


def dashboard_copy(dest: Path) -> Path:
    """A fresh copy at `dest` of the dashboard fixture's built data folder (`warehouse_cache`)."""
    from tests import warehouse_cache

    return warehouse_cache.copy_of("dashboard", DASHBOARD_INPUTS, make_dashboard_folder, dest)


@pytest.fixture(scope="session")
def dashboard_warehouse(tmp_path_factory) -> DataDir:
    """The dashboard fixture's data folder, with its warehouse built: once per run for all
    xdist workers (`warehouse_cache`), then copied into this session's own folder. Sets
    PARCOURS_DATA_DIR for the session (restored at the end)."""
    root = dashboard_copy(tmp_path_factory.mktemp("dashboard") / "data")
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


# --- order of the files, for xdist ----------------------------------------------------------


# Slow files whose owners mark them in their own time (the public site's builds, servers and
# browser walks); the lead may move these marks into the files.
SLOW_FILES = {
    "tests/test_site_pages.py",
    "tests/test_site_disclosure.py",
    "tests/test_site_action.py",
}


# The longest file of all (ten builds in sequence), started before the browser walks so that it
# does not finish alone after everything else.
LONGEST_FILES = {"tests/test_incremental_equals_full.py"}


def _file_weight(item) -> int:
    if item.nodeid.split("::")[0] in LONGEST_FILES:
        return -1
    marks = {mark.name for mark in item.iter_markers()}
    return 0 if "browser" in marks else 1 if "slow" in marks else 2


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: it must see the marks added here
def pytest_collection_modifyitems(config, items):
    """The files marked browser, then slow, first; the others after, each file's tests in their
    order. `make test` hands whole files to the xdist workers in this order (`--dist loadfile
    --no-loadscope-reorder`): a long file started last would keep its worker busy while the
    others idle, and a file split over workers would set its module fixtures up (a server, a
    warehouse copy) once per worker."""
    weight: dict[str, int] = {}
    for item in items:
        if item.nodeid.split("::")[0] in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
    for item in items:
        path = item.nodeid.split("::")[0]
        weight[path] = min(weight.get(path, 2), _file_weight(item))
    items.sort(key=lambda item: weight[item.nodeid.split("::")[0]])
