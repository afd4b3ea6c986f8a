"""`parcours demo`: seeded, realistic exports in the shapes real centres send, that load through
the real checks with only the planted mistakes quarantined, and tell the sector's story."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from parcours import contract
from parcours.contract import KINDS
from parcours.demo.calibration import FEDERATIONS, STYLES
from parcours.demo.run import run_demo
from parcours.demo.simulation import generate, make_centres
from parcours.demo.writers import write_exports
from parcours.store import opstore
from parcours.upload.parsing import normalise_niss
from parcours.upload.validation import check_file
from tests.conftest import EXAMPLES

# Slow (`parcours demo` builds a warehouse): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow

UNTIL = date(2025, 12, 31)
KEY = b"k" * 32


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Five centres (one per export style) over one year, written to disk."""
    data = generate(centres=5, years=1, seed=3, until=UNTIL)
    files = write_exports(data, tmp_path_factory.mktemp("demo") / "demo")
    return data, files


@pytest.fixture(scope="module")
def mid():
    """Ten centres over two years, in memory: enough paths for the calibration to show."""
    data = generate(centres=10, years=2, seed=11, until=UNTIL)
    frames = {
        kind: pl.concat([f[kind].with_columns(centre_id=pl.lit(c)) for c, f in data.frames.items()])
        for kind in KINDS
    }
    return data, frames


# --- reproducible -----------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_other_data(tmp_path):
    def files(seed, folder):
        written = write_exports(generate(3, 1, seed, UNTIL), tmp_path / folder)
        return {f.path.relative_to(tmp_path / folder): f.path.read_bytes() for f in written}

    first, again, other = files(5, "a"), files(5, "b"), files(6, "c")
    assert first == again
    assert first.keys() == other.keys()
    assert first != other


# --- the shapes real exports take -------------------------------------------------------------


def _by_style(files, style, kind="participants"):
    return next(f for f in files if f.style == style and f.kind == kind).path.read_bytes()


def test_the_five_shapes_are_really_produced(small):
    _, files = small
    assert {f.style for f in files} == set(STYLES)

    excel = _by_style(files, "excel_fr")
    header = excel.split(b"\r\n")[0]
    assert header.decode("cp1252").startswith("N° stagiaire;Date d'entrée;")
    with pytest.raises(UnicodeDecodeError):
        excel.decode("utf-8")  # Windows-1252 for real, not UTF-8

    xlsx = next(f for f in files if f.style == "xlsx" and f.kind == "hours").path
    assert xlsx.suffix == ".xlsx"
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(xlsx).namelist()

    tab = _by_style(files, "tab_upper").decode("utf-8").split("\r\n")[0].split("\t")
    assert tab[:3] == ["MATRICULE", "DATE_ENTREE", "DATE_DE_NAISSANCE"]
    assert {"ANTENNE", "DATE_EXPORT"} <= set(tab)  # extra columns, as real software adds

    canonical = _by_style(files, "canonical").decode("utf-8").split("\n")[0]
    assert canonical.split(",")[:2] == ["participant_id", "entry_date"]

    assert _by_style(files, "quoted_bom").startswith(b'\xef\xbb\xbf"Num\xc3\xa9ro stagiaire"')


def test_every_file_loads_with_only_the_planted_rows_quarantined(small):
    data, files = small
    planted_per_centre: dict[str, int] = {}
    for f in files:
        checked = check_file(f.path.read_bytes(), f.path.name, f.centre_id, pseudonym_key=KEY)
        assert checked.kind == f.kind, f.path
        assert len(checked.quarantined) == f.bad_rows, (f.path, checked.quarantined[:3])
        assert checked.rows_read == f.rows
        planted_per_centre[f.centre_id] = planted_per_centre.get(f.centre_id, 0) + f.bad_rows
        # The good rows read back exactly as simulated, whatever the shape of the file.
        frame = data.frames[f.centre_id][f.kind]
        columns = [c for c in frame.columns if c not in ("niss", "birth_date")]
        assert_frame_equal(
            checked.accepted.select(columns).sort(columns),
            frame.select(columns).sort(columns),
            check_dtypes=False,
        )
        if f.kind == "participants":
            assert checked.accepted["person_key"].null_count() == 0  # every NISS valid
    assert all(2 <= n <= 5 for n in planted_per_centre.values()), planted_per_centre


def test_the_planted_mistakes_are_the_ones_centres_make(small):
    _, files = small
    bad_columns = set()
    values = set()
    for f in files:
        checked = check_file(f.path.read_bytes(), f.path.name, f.centre_id, pseudonym_key=KEY)
        for row in checked.quarantined:
            for error in row.errors:
                bad_columns.add((f.kind, error["column"]))
                values.add(str(error["value"]))
    assert ("barriers", "barrier") in bad_columns and "Mobilite reduite" in values
    assert ("hours", "hours") in bad_columns and any(v.startswith("300") for v in values)
    assert ("milestones", "achieved_on") in bad_columns and any("31" in v for v in values)


# --- the sector's story -----------------------------------------------------------------------


def test_centre_types_follow_the_interfede_proportions():
    import random

    centres = make_centres(151, random.Random(1))
    types = pl.Series([c.centre_type for c in centres]).value_counts()
    assert dict(types.iter_rows()) == {"defi": 76, "eft": 57, "both": 18}
    assert {c.federation for c in centres} == set(FEDERATIONS)
    assert all(c.centre_type == "defi" for c in centres if c.federation.startswith("Lire"))
    assert all(c.name.endswith("(fictif)") for c in centres)
    assert len({c.name for c in centres}) == 151


def test_volumes_and_hours_match_the_sector_scale(mid):
    data, frames = mid
    paths_per_centre_year = frames["participants"].height / (len(data.centres) * 2)
    assert 80 <= paths_per_centre_year <= 110
    hours = frames["hours"]
    assert hours["hours"].max() <= 250 and hours["hours"].min() >= 0
    # A full calendar year with the centres running at cruise speed: ~400 h per new path.
    year = UNTIL.year
    in_year = hours.filter(pl.col("month").dt.year() == year)["hours"].sum()
    entries = frames["participants"].filter(pl.col("entry_date").dt.year() == year).height
    assert 300 <= in_year / entries <= 500


def test_destinations_are_calibrated_on_known_next_steps(mid):
    _, frames = mid
    groups = contract.load().code_lists["situation"].groups
    exits = frames["exits"].with_columns(group=pl.col("destination").replace_strict(groups))
    known = exits.filter(pl.col("group") != "unknown")
    share = dict(known["group"].value_counts(normalize=True).iter_rows())
    assert share["training"] == pytest.approx(0.45, abs=0.05)
    assert share["employment"] == pytest.approx(0.24, abs=0.05)
    dropouts = (exits["reason"] == "dropout").mean()
    assert 0.1 <= dropouts <= 0.3


def test_paths_are_not_linear(mid):
    _, frames = mid
    barriers = frames["barriers"].sort("centre_id", "participant_id", "barrier", "assessed_on")
    previous = pl.col("level").shift(1).over("centre_id", "participant_id", "barrier")
    barriers = barriers.with_columns(previous=previous)
    lifted = barriers.filter((pl.col("previous") > 0) & (pl.col("level") == 0)).height
    setbacks = barriers.filter((pl.col("previous") == 0) & (pl.col("level") > 0)).height
    assert lifted > 10 * setbacks > 0  # barriers mostly lift, sometimes come back

    people = (
        frames["participants"]
        .group_by("niss")
        .agg(paths=pl.len(), centres=pl.col("centre_id").n_unique())
    )
    moved = people.filter(pl.col("centres") > 1).height
    came_back = people.filter(pl.col("paths") > pl.col("centres")).height
    assert moved > 0 and came_back > 0
    assert all(normalise_niss(n) == n for n in frames["participants"]["niss"])


def test_barrier_prevalence_tells_the_sector_story(mid):
    data, frames = mid
    first = frames["barriers"].filter(
        pl.col("assessed_on") == pl.col("assessed_on").min().over("centre_id", "participant_id")
    )
    share = (
        first.group_by("barrier")
        .agg(pl.len() / frames["participants"].height)
        .sort("len", descending=True)
    )
    assert set(share["barrier"][:4]) == {"self_esteem", "finances", "mobility", "isolation"}


def test_victories_come_in_a_sensible_order(mid):
    _, frames = mid
    milestones = frames["milestones"]
    partnerships = frames["partnerships"]
    key = ["centre_id", "participant_id"]

    def first(frame, column, value, date_column, name):
        return (
            frame.filter(pl.col(column) == value).group_by(key).agg(pl.col(date_column).min())
        ).rename({date_column: name})

    licence = first(milestones, "milestone", "driving_licence", "achieved_on", "licence")
    theory = first(milestones, "milestone", "driving_theory", "achieved_on", "theory")
    school = first(partnerships, "partner_type", "driving_school", "started_on", "school")
    joined = licence.join(theory, on=key, how="left").join(school, on=key, how="left")
    assert joined.height > 0
    assert (joined["school"] < joined["theory"]).all()
    assert (joined["theory"] < joined["licence"]).all()

    internship = first(milestones, "milestone", "first_internship", "achieved_on", "internship")
    employer = first(partnerships, "partner_type", "employer", "started_on", "employer")
    joined = internship.join(employer, on=key, how="left")
    assert joined.height > 0 and (joined["employer"] < joined["internship"]).all()

    participants = frames["participants"].select(*key, "entry_date")
    exits = frames["exits"].join(participants, on=key)
    assert (exits["exit_date"] >= exits["entry_date"]).all()
    for kind, column in (
        ("barriers", "assessed_on"),
        ("milestones", "achieved_on"),
        ("followups", "observed_on"),
        ("exits", "exit_date"),
    ):
        assert frames[kind][column].max() <= UNTIL, kind


def test_keys_are_unique_within_each_centre(mid):
    _, frames = mid
    for kind, spec in contract.load().kinds.items():
        frame = frames[kind]
        assert not frame.select("centre_id", *spec.key).is_duplicated().any(), kind


# --- end to end -------------------------------------------------------------------------------


def test_parcours_demo_ingests_and_builds_a_warehouse(run_cli, data_dir, tmp_path):
    result = run_cli("demo", "--centres", "3", "--years", "1", "--until", "2025-06-30")
    assert result.returncode == 0, result.stderr
    assert "entrepôt construit" in result.stdout
    assert "demo-parcours" in result.stdout and "admin@demo.parcours.be" in result.stdout

    expected = generate(3, 1, 1, date(2025, 6, 30))
    participants = sum(f["participants"].height for f in expected.frames.values())
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from dim_centres").fetchone()[0] == 3
        assert conn.execute("select count(*) from dim_participants").fetchone()[0] == participants
        assert conn.execute("select count(*) from fct_hours").fetchone()[0] > 0
        # Each file is valid on its own, and so is the whole: no cross-file inconsistency.
        assert conn.execute("select count(*) from rpt_data_quality_issues").fetchone()[0] == 0
    # 21 exports, and the complete exits export that corrects one mistyped exit date.
    files = sorted(p.name for p in data_dir.demo.rglob("*") if p.is_file())
    assert len(files) == 22
    (line,) = [x for x in result.stdout.splitlines() if "corrige la date de sortie" in x]
    centre_id, participant = re.search(r"(\S+) corrige la date de sortie de (\S+) ", line).groups()
    (correction,) = data_dir.demo.glob(f"{centre_id}/sorties-export-complet.csv")
    sent = pl.read_csv(correction, try_parse_dates=True)
    fixed = sent.filter(pl.col("participant_id") == participant)["exit_date"][0]
    was = expected.frames[centre_id]["exits"].filter(pl.col("participant_id") == participant)
    assert fixed < was["exit_date"][0]  # the date really changed
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as conn:
        dates = conn.execute(
            "select exit_date from fct_exits where centre_id = ? and participant_id = ?",
            [centre_id, participant],
        ).fetchall()
    assert dates == [(fixed,)]  # replaced, not added beside the wrong one
    planted = sum(f.bad_rows for f in write_exports(expected, tmp_path / "again"))
    conn = opstore.connect(data_dir.ops_db)
    try:
        assert conn.execute("select count(*) from quarantine").fetchone()[0] == planted
        assert conn.execute("select count(*) from users").fetchone()[0] == 10
    finally:
        conn.close()


def test_demo_runs_again_without_storing_twice(data_dir):
    first = run_demo(data_dir, centres=2, years=1, seed=4, until=UNTIL, build=False)
    again = run_demo(data_dir, centres=2, years=1, seed=4, until=UNTIL, build=False)
    assert first.rows_stored > 0 and first.files_duplicate == 0
    assert again.files_duplicate == again.files == 14
    assert again.rows_stored == 0


def test_demo_never_mixes_with_real_uploads(cli, centre):
    stored = cli("ingest", "--centre", centre, EXAMPLES / "canonical" / "participants.csv")
    assert stored.exit_code == 0, stored.output
    result = cli("demo", "--centres", "2", "--years", "1")
    assert result.exit_code == 2
    assert "contient déjà des envois qui ne viennent pas de la démo" in result.output


def test_demo_refuses_an_export_date_in_the_future(cli):
    result = cli("demo", "--centres", "1", "--years", "1", "--until", "2999-01-31")
    assert result.exit_code == 2
    assert "La date d'export 31/01/2999 est dans le futur." in result.output
