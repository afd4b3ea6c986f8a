"""The demo's data make the year-over-year, coverage, quality and path views meaningful: cohorts
differ between entry years, some centres start late, some leave the filière empty or send hours
before the participants file, and paths differ by public and filière. Every property is computed
here from the generated frames, independently of the generator's own tables."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from parcours import contract
from parcours.contract import KINDS
from parcours.core.dates import add_months
from parcours.demo.simulation import generate
from parcours.store.datadir import DataDir
from tests import warehouse_cache

UNTIL = date(2025, 12, 31)
KEY = ["centre_id", "participant_id"]
DATE_COLUMNS = {
    "participants": ["entry_date"],
    "barriers": ["assessed_on"],
    "partnerships": ["started_on", "ended_on"],
    "milestones": ["achieved_on"],
    "exits": ["exit_date"],
    "followups": ["observed_on"],
    "hours": ["month"],
}


@pytest.fixture(scope="module")
def story():
    """Sixteen centres over six years (2020–2025): enough cohorts and publics to compare."""
    data = generate(centres=16, years=6, seed=5, until=UNTIL)
    frames = {
        kind: pl.concat([f[kind].with_columns(centre_id=pl.lit(c)) for c, f in data.frames.items()])
        for kind in KINDS
    }
    return data, frames


def _groups() -> dict[str, str]:
    return contract.load().code_lists["situation"].groups


def _age_band(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    before_birthday = (on.dt.month() * 100 + on.dt.day()) < (
        birth.dt.month() * 100 + birth.dt.day()
    )
    age = on.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)
    return (
        pl.when(age < 25)
        .then(pl.lit("<25"))
        .when(age < 35)
        .then(pl.lit("25-34"))
        .when(age < 45)
        .then(pl.lit("35-44"))
        .otherwise(pl.lit("45+"))
    )


def _participants(frames) -> pl.DataFrame:
    return frames["participants"].with_columns(
        band=_age_band(pl.col("birth_date"), pl.col("entry_date")),
        entry_year=pl.col("entry_date").dt.year(),
    )


def _known_exits(frames) -> pl.DataFrame:
    """Exits with a known next step, with the participant's traits and `positive`."""
    exits = frames["exits"].with_columns(group=pl.col("destination").replace_strict(_groups()))
    return (
        exits.filter(pl.col("group") != "unknown")
        .join(_participants(frames), on=KEY)
        .with_columns(positive=pl.col("group").is_in(["employment", "training"]))
    )


def _shares(frame: pl.DataFrame, by: str, value: pl.Expr) -> dict:
    return dict(frame.group_by(by).agg(value.mean()).iter_rows())


def _entry_barriers(frames) -> pl.DataFrame:
    """Barriers present at the first assessment (the entry date), with when each first lifted
    (null: not yet) and the participant's traits; entries of the last seven months are left out,
    since they cannot show six months yet."""
    people = _participants(frames)
    barriers = frames["barriers"].join(people.select(*KEY, "entry_date"), on=KEY)
    present = barriers.filter(
        (pl.col("assessed_on") == pl.col("entry_date")) & (pl.col("level") > 0)
    ).select(*KEY, "barrier")
    lifted = (
        barriers.filter(pl.col("level") == 0)
        .group_by(*KEY, "barrier")
        .agg(lifted_on=pl.col("assessed_on").min())
    )
    return (
        present.join(lifted, on=[*KEY, "barrier"], how="left")
        .join(people, on=KEY)
        .filter(pl.col("entry_date") <= date(2025, 5, 31))
        .with_columns(
            within_6_months=(
                (pl.col("lifted_on") - pl.col("entry_date")).dt.total_days() <= 183
            ).fill_null(False)
        )
    )


# --- cohorts differ between entry years -------------------------------------------------------


def test_entry_year_cohorts_differ_with_one_slower_year(story):
    data, frames = story
    # Cohorts observed at least a year after entry (their exits are in).
    known = _known_exits(frames).filter(pl.col("entry_year") <= UNTIL.year - 1)
    positive = _shares(known, "entry_year", pl.col("positive"))
    assert len(positive) == 5
    slowest = min(positive, key=positive.get)
    others = [share for year, share in positive.items() if year != slowest]
    assert max(positive.values()) - min(positive.values()) > 0.07, positive
    assert sum(others) / len(others) - positive[slowest] > 0.05, positive
    assert slowest == data.slow_year  # the year the generator says is slower is the one seen

    lifts = _entry_barriers(frames).filter(pl.col("entry_year") <= UNTIL.year - 1)
    lifted = _shares(lifts, "entry_year", pl.col("within_6_months"))
    assert min(lifted, key=lifted.get) == slowest, lifted
    assert max(lifted.values()) - min(lifted.values()) > 0.04, lifted


def test_the_slower_year_has_fewer_entries(story):
    data, frames = story
    entries = dict(
        frames["participants"].group_by(pl.col("entry_date").dt.year()).len().iter_rows()
    )
    full_years = [y for y in range(2020, UNTIL.year + 1) if y != data.slow_year]
    usual = sum(entries[y] for y in full_years) / len(full_years)
    assert entries[data.slow_year] < 0.92 * usual, entries


# --- centres that start late ------------------------------------------------------------------


def test_some_centres_start_late_and_have_nothing_before(story):
    data, frames = story
    first_record = {}
    for kind, columns in DATE_COLUMNS.items():
        for column in columns:
            for centre_id, first in (
                frames[kind].group_by("centre_id").agg(pl.col(column).min()).iter_rows()
            ):
                if first is not None:
                    first_record[centre_id] = min(first, first_record.get(centre_id, first))
    late = {c.centre_id: c.starts_on for c in data.centres if c.starts_on}
    assert late and not late.keys() & {"C001", "C002"}
    for centre_id, starts_on in late.items():
        # The first upload covers only the last 9 to 15 months, and it really starts then.
        assert add_months(UNTIL, -16) < starts_on <= add_months(UNTIL, -8)
        assert starts_on <= first_record[centre_id] < add_months(starts_on, 2), centre_id
    # Every other centre has records from the window's first months: a comparison of 2024
    # with 2025 finds the late centres on one side only.
    for centre_id, first in first_record.items():
        if centre_id not in late:
            assert first < date(2020, 3, 1), centre_id


# --- what centres leave out -------------------------------------------------------------------


def test_some_centres_leave_the_filiere_empty_for_part_of_their_trainees(story):
    _, frames = story
    empty = dict(
        frames["participants"]
        .group_by("centre_id")
        .agg(pl.col("filiere").is_null().mean())
        .iter_rows()
    )
    partly = {c: share for c, share in empty.items() if share > 0}
    assert 2 <= len(partly) <= len(empty) // 2, empty
    assert all(0.1 < share < 0.7 for share in partly.values()), partly
    # The rest of their participants rows is whole.
    assert frames["participants"]["entry_date"].null_count() == 0


def test_some_ids_appear_in_hours_and_barriers_before_the_participants_file(story):
    _, frames = story
    declared = frames["participants"].select(KEY)
    seen = pl.concat([frames["hours"].select(KEY), frames["barriers"].select(KEY)]).unique()
    undeclared = seen.join(declared, on=KEY, how="anti")
    by_centre = dict(undeclared.group_by("centre_id").len().iter_rows())
    assert by_centre and not by_centre.keys() & {"C001", "C002", "C003"}, by_centre
    assert len(by_centre) < len(frames["participants"]["centre_id"].unique())
    # They are the trainees who entered in the last weeks: all their records are recent, and
    # they are in both files.
    for kind in ("hours", "barriers"):
        assert (
            undeclared.join(frames[kind].select(KEY).unique(), on=KEY).height == undeclared.height
        )
    first_seen = (
        frames["barriers"]
        .join(undeclared, on=KEY)
        .group_by(KEY)
        .agg(pl.col("assessed_on").min())["assessed_on"]
    )
    assert first_seen.min() >= date(2025, 10, 1), first_seen.min()
    # Every declared trainee of those centres entered before any undeclared one did.
    last_declared = (
        frames["participants"]
        .filter(pl.col("centre_id").is_in(list(by_centre)))
        .group_by("centre_id")
        .agg(pl.col("entry_date").max())
    )
    for centre_id, last in last_declared.iter_rows():
        undeclared_first = (
            frames["barriers"]
            .join(undeclared.filter(pl.col("centre_id") == centre_id), on=KEY)["assessed_on"]
            .min()
        )
        assert last < undeclared_first, centre_id


# --- paths differ by public and filière -------------------------------------------------------


def test_barrier_prevalence_differs_by_age_gender_and_status(story):
    _, frames = story
    people = _participants(frames)
    at_entry = (
        frames["barriers"]
        .join(people, on=KEY)
        .filter((pl.col("assessed_on") == pl.col("entry_date")) & (pl.col("level") > 0))
    )

    def prevalence(by: str, barrier: str) -> dict:
        having = at_entry.filter(pl.col("barrier") == barrier).group_by(by).len()
        counts = people.group_by(by).agg(people=pl.len())
        joined = counts.join(having, on=by, how="left").fill_null(0)
        return {k: n / total for k, total, n in joined.iter_rows()}

    digital = prevalence("band", "digital")
    assert digital["45+"] > 2 * digital["<25"], digital
    health = prevalence("band", "physical_health")
    assert health["45+"] > 2.5 * health["<25"], health
    mobility = prevalence("band", "mobility")
    assert mobility["<25"] > mobility["45+"] + 0.1, mobility
    childcare = prevalence("gender", "childcare")
    assert childcare["F"] > 1.5 * childcare["M"], childcare
    housing = prevalence("status_at_entry", "housing")
    assert housing["no_income"] > 1.3 * housing["dei"], housing


def test_outcomes_differ_by_public_and_filiere(story):
    _, frames = story
    known = _known_exits(frames)
    by_age = _shares(known, "band", pl.col("positive"))
    assert by_age["<25"] - by_age["45+"] > 0.04, by_age
    positive = known.filter("positive")
    training = _shares(positive, "band", pl.col("group") == "training")
    assert training["<25"] - training["45+"] > 0.1, training
    by_status = _shares(known, "status_at_entry", pl.col("positive"))
    assert by_status["unemployment_benefit"] - by_status["disability"] > 0.06, by_status
    by_education = _shares(known, "education", pl.col("positive"))
    assert by_education["cess"] - by_education["none"] > 0.05, by_education
    by_filiere = _shares(positive.drop_nulls("filiere"), "filiere", pl.col("group") == "training")
    assert by_filiere["defi"] - by_filiere["eft"] > 0.1, by_filiere  # EFT leads to jobs more


def test_time_to_lift_differs_by_education_age_and_status(story):
    _, frames = story
    lifts = _entry_barriers(frames)
    by_education = _shares(
        lifts.with_columns(
            schooled=pl.col("education").is_in(["cess", "higher"]),
            unschooled=pl.col("education") == "none",
        ).filter(pl.col("schooled") | pl.col("unschooled")),
        "schooled",
        pl.col("within_6_months"),
    )
    assert by_education[True] - by_education[False] > 0.04, by_education
    by_age = _shares(lifts, "band", pl.col("within_6_months"))
    assert by_age["25-34"] - by_age["45+"] > 0.02, by_age
    by_status = _shares(lifts, "status_at_entry", pl.col("within_6_months"))
    assert by_status["dei"] - by_status["disability"] > 0.02, by_status


def test_detours_differ_by_age(story):
    _, frames = story
    people = _participants(frames)
    # Setbacks: a lifted barrier that comes back.
    series = (
        frames["barriers"]
        .sort(*KEY, "barrier", "assessed_on")
        .with_columns(previous=pl.col("level").shift(1).over(*KEY, "barrier"))
        .group_by(*KEY, "barrier")
        .agg(
            lifted=((pl.col("previous") > 0) & (pl.col("level") == 0)).any(),
            came_back=((pl.col("previous") == 0) & (pl.col("level") > 0)).any(),
        )
        .join(people, on=KEY)
        .filter("lifted")
    )
    setbacks = _shares(series, "band", pl.col("came_back"))
    assert setbacks["<25"] > 1.4 * setbacks["45+"], setbacks

    # Returns to training after a first exit: a dropout who comes back to the same centre (a new
    # path, same national number), or who is in training at a follow-up after a negative exit.
    dropouts = (
        frames["exits"]
        .filter(pl.col("reason") == "dropout")
        .join(people, on=KEY)
        .filter(pl.col("exit_date") <= date(2024, 12, 31))
    )
    later = people.select("centre_id", "niss", later_entry="entry_date")
    returned = (
        dropouts.join(later, on=["centre_id", "niss"], how="left")
        .with_columns(back=pl.col("later_entry") > pl.col("exit_date"))
        .group_by(*KEY, "band")
        .agg(pl.col("back").any())
    )
    returns = _shares(returned, "band", pl.col("back"))
    assert returns["<25"] > 1.5 * returns["45+"], returns

    groups = _groups()
    negative = (
        frames["exits"]
        .with_columns(group=pl.col("destination").replace_strict(groups))
        .filter(
            pl.col("group").is_in(["none", "unknown"]) | (pl.col("destination") == "job_search")
        )
        .join(people, on=KEY)
    )
    followups = frames["followups"].join(negative.select(*KEY, "band"), on=KEY)
    in_training = _shares(
        followups.with_columns(training=pl.col("situation").replace_strict(groups) == "training"),
        "band",
        pl.col("training"),
    )
    assert in_training["<25"] > 1.3 * in_training["45+"], in_training


def _monthly_states(frames, offsets: list[int]) -> pl.DataFrame:
    """The monthly state (INTERFACES §3) of each declared participant `offsets` months after
    the entry month: `in_centre` before the latest exit's month, then the group of the latest
    situation known by the end of that month (a follow-up wins on the same date). Months after
    the centre's last month are not observed (no row)."""
    groups = _groups()
    people = _participants(frames).with_columns(entry_month=pl.col("entry_date").dt.truncate("1mo"))
    last_month = (
        pl.concat(
            [
                frames[kind].select("centre_id", pl.col(column).alias("on"))
                for kind, columns in DATE_COLUMNS.items()
                for column in columns
            ]
        )
        .group_by("centre_id")
        .agg(last_month=pl.col("on").max().dt.truncate("1mo"))
    )
    latest_exit = (
        frames["exits"]
        .group_by(KEY)
        .agg(pl.col("exit_date").max(), pl.col("destination").sort_by("exit_date").last())
    )
    grid = (
        people.join(last_month, on="centre_id")
        .join(latest_exit, on=KEY, how="left")
        .join(pl.DataFrame({"offset": offsets}), how="cross")
        .with_columns(month=pl.col("entry_month").dt.offset_by(pl.format("{}mo", "offset")))
        .filter(pl.col("month") <= pl.col("last_month"))
        .with_columns(month_end=pl.col("month").dt.month_end())
    )
    situations = pl.concat(
        [
            latest_exit.select(*KEY, on="exit_date", situation="destination", rank=pl.lit(0)),
            frames["followups"].select(
                *KEY, on="observed_on", situation="situation", rank=pl.lit(1)
            ),
        ]
    )
    after_exit = (
        grid.filter(
            pl.col("exit_date").is_not_null()
            & (pl.col("month") >= pl.col("exit_date").dt.truncate("1mo"))
        )
        .join(situations, on=KEY)
        .filter((pl.col("on") >= pl.col("exit_date")) & (pl.col("on") <= pl.col("month_end")))
        .sort("on", "rank")
        .group_by(*KEY, "offset")
        .agg(pl.col("situation").last())
        .with_columns(state=pl.col("situation").replace_strict(groups))
    )
    return (
        grid.join(after_exit.select(*KEY, "offset", "state"), on=[*KEY, "offset"], how="left")
        .with_columns(state=pl.col("state").fill_null(pl.lit("in_centre")))
        .select(*KEY, "band", "filiere", "entry_year", "offset", "state")
    )


def test_chronograms_differ_by_public_filiere_and_entry_year(story):
    data, frames = story
    states = _monthly_states(frames, [3, 12, 18])

    def share(offset: int, by: str, wanted: list[str]) -> dict:
        at = states.filter(pl.col("offset") == offset).drop_nulls(by)
        return _shares(at, by, pl.col("state").is_in(wanted))

    # Three months in, most EFT trainees are still in the centre; orientation is short.
    in_centre = share(3, "filiere", ["in_centre"])
    assert in_centre["eft"] - in_centre["orientation"] > 0.3, in_centre
    # A year and a half after entry, the young are more often in training, the over-45s less
    # often in training or a job.
    training = share(18, "band", ["training"])
    assert training["<25"] - training["45+"] > 0.1, training
    positive = share(18, "band", ["training", "employment"])
    assert positive["<25"] - positive["45+"] > 0.025, positive
    # The slower year's cohort is less often in training or a job a year after entry.
    by_year = share(12, "entry_year", ["training", "employment"])
    others = [s for year, s in by_year.items() if year not in (data.slow_year, UNTIL.year)]
    assert sum(others) / len(others) - by_year[data.slow_year] > 0.02, by_year


# --- end to end: the gaps reach the warehouse as gaps ------------------------------------------


@pytest.mark.slow
def test_the_planted_gaps_are_the_warehouse_s_only_quality_issues(tmp_path):
    """On the demo the masking attacks read (ten centres over three years), built once per run
    (`warehouse_cache.demo_copy`: the same `run_demo`, without dbt's docs)."""
    until = date(2025, 12, 31)
    root, summary = warehouse_cache.demo_copy(
        tmp_path / "data", centres=10, years=3, seed=1, until=until
    )
    assert summary["build_status"] == "success", summary["build_message"]
    data_dir = DataDir(root)

    expected = generate(10, 3, 1, until)
    undeclared, declared, blank = set(), 0, 0
    for centre_id, frames in expected.frames.items():
        ids = set(frames["participants"]["participant_id"])
        declared += len(ids)
        blank += frames["participants"]["filiere"].null_count()
        for kind in KINDS:
            undeclared |= {(centre_id, p) for p in frames[kind]["participant_id"] if p not in ids}
    late = {c.centre_id: c.starts_on for c in expected.centres if c.starts_on}
    assert undeclared and blank and late
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as conn:
        issues = conn.execute(
            "select rule, centre_id, participant_id from rpt_data_quality_issues"
        ).fetchall()
        assert {rule for rule, *_ in issues} == {"undeclared_participant"}
        assert {(c, p) for _, c, p in issues} == undeclared
        total, without = conn.execute(
            "select count(*), count(*) filter (where filiere is null) from dim_participants"
        ).fetchone()
        assert total == declared + len(undeclared)
        assert without == blank + len(undeclared)
        first_months = dict(
            conn.execute(
                "select centre_id, min(month) from agg_centre_month group by centre_id"
            ).fetchall()
        )
    for centre_id, starts_on in late.items():
        assert first_months[centre_id] >= starts_on, centre_id
