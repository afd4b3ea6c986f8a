"""Small warehouses written from generated trainees, for property-based tests of the pages' data
functions (and AppTests that need a warehouse the fixture does not give, e.g. two fully covered
years).

`World` is plain data: centres and trainees with their records. `write` turns it into the
INTERFACES §3 tables a build would produce — the marts the analytics read are written directly
from the records (their definitions are simple), and `fct_training_years` (« in training »,
defined once) and the two aggregates (`agg_centre_month`, `agg_entry_cohorts`) by running the
dbt models' own SQL on those tables. `hypothesis` strategies
(`worlds`) draw many small, awkward worlds: a handful of trainees per centre, so that counts
from 1 to 4 are everywhere.

The plain-Python counts the tests compare with come from the `World` itself, never from the
warehouse or the analytics.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import jinja2
import polars as pl
import yaml
from hypothesis import strategies as st

from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT, TRANSFORM_DIR, DataDir

CODES = PROJECT_ROOT / "parcours" / "contract" / "codes.csv"


def _groups() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with CODES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["list"], {})[row["code"]] = row["group"] or None
    return out


GROUPS = _groups()
BARRIERS = ["mobility", "housing", "self_esteem", "isolation", "language", "finances"]
PARTNERS = ["cpas", "employer", "forem", "qualifying_training", "housing", "driving_school"]
PURPOSES = ["internship", "social_support", "training", "referral"]
MILESTONES = ["driving_licence", "first_internship", "ceb", "housing_stable", "language_level"]
SITUATIONS = [
    "employment_fixed",
    "employment_permanent",
    "qualifying_training",
    "adult_education",
    "job_search",
    "inactive",
    "unknown",
]
STATUSES = ["dei", "ris", "no_income"]
POSITIVE = {"employment", "training"}


@dataclass
class Episode:
    barrier: str
    identified_on: date
    initial_level: int
    lifted_after: int | None  # days; None: still open
    observed_days: int  # days from identification to the last assessment
    episode_number: int = 1


@dataclass
class Trainee:
    centre_id: str
    participant_id: str
    entry: date
    filiere: str = "eft"
    status: str = "dei"
    exit: date | None = None
    destination: str | None = None
    episodes: list[Episode] = field(default_factory=list)
    partnerships: list[tuple[str, str, date, str | None]] = field(default_factory=list)
    milestones: list[tuple[str, date]] = field(default_factory=list)
    hours: dict[date, float] = field(default_factory=dict)
    followups: list[tuple[date, str, int]] = field(default_factory=list)


@dataclass
class World:
    centres: list[tuple[str, str, str, str]]  # centre_id, name, federation, province
    trainees: list[Trainee]

    def federations(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for centre_id, _, federation, _ in self.centres:
            out.setdefault(federation, []).append(centre_id)
        return out


def month_start(day: date) -> date:
    return day.replace(day=1)


def positive(destination: str | None) -> bool:
    return GROUPS["situation"].get(destination) in POSITIVE if destination else False


# --- writing ----------------------------------------------------------------------------------


def _dbt_sql(model: str) -> str:
    """A mart's SQL as dbt renders it on these tables: the project's own macros, ref() → the
    table, var() → the project's vars (jinja2, which dbt itself renders with)."""
    variables = yaml.safe_load((TRANSFORM_DIR / "dbt_project.yml").read_text())["vars"]
    # As in a from-scratch build: the fast path's macros (changed_centres.sql) filter nothing.
    macros = "".join(
        p.read_text()
        for p in sorted((TRANSFORM_DIR / "macros").glob("*.sql"))
        if p.name != "changed_centres.sql"
    )
    sql = (TRANSFORM_DIR / "models" / "marts" / f"{model}.sql").read_text()
    template = jinja2.Environment().from_string(macros + sql)
    return template.render(
        ref=lambda name: name,
        var=lambda name: variables[name],
        config=lambda **_: "",
        only_changed_centres=lambda *_: "",
    )


POLARS = {
    "varchar": pl.String,
    "date": pl.Date,
    "integer": pl.Int32,
    "boolean": pl.Boolean,
    "double": pl.Float64,
}


def _table(con, name: str, columns: dict[str, str], rows: list[tuple]) -> None:
    frame = pl.DataFrame(rows, schema={c: POLARS[t] for c, t in columns.items()}, orient="row")
    con.register("frame", frame)
    con.execute(f"create table {name} as select * from frame")
    con.unregister("frame")


def write(world: World, root: Path) -> DataDir:
    """A data folder with this world's warehouse and its centres registered in the ops store."""
    data_dir = DataDir(root)
    root.mkdir(parents=True, exist_ok=True)
    conn = opstore.connect(data_dir.ops_db)
    try:
        for centre_id, name, federation, _ in world.centres:
            opstore.add_centre(conn, centre_id, name, federation, None, actor="test")
    finally:
        conn.close()
    path = data_dir.warehouse
    tmp = path.with_suffix(".tmp")
    con = duckdb.connect(str(tmp))
    try:
        _write_tables(con, world)
    finally:
        con.close()
    tmp.rename(path)
    return data_dir


def _write_tables(con, world: World) -> None:
    sit, bar, par, mil = (GROUPS[k] for k in ("situation", "barrier", "partner_type", "milestone"))
    _table(
        con,
        "dim_centres",
        {
            "centre_id": "varchar",
            "centre_name": "varchar",
            "federation": "varchar",
            "province": "varchar",
        },  # fmt: skip
        [tuple(c) for c in world.centres],
    )
    participants, exits, episodes, partnerships, milestones, hours, followups, events = (
        [] for _ in range(8)
    )
    for t in world.trainees:
        key = (t.centre_id, t.participant_id)
        first_milestone = min((d for _, d in t.milestones), default=None)
        first_positive = t.exit if t.exit and positive(t.destination) else None
        participants.append(
            (
                *key,
                t.entry,
                t.entry.year,
                t.exit,
                t.destination,
                positive(t.destination) if t.exit else None,
                t.filiere,
                None,
                t.status,
                bool(t.milestones),
                first_milestone,
                first_positive,
            )  # fmt: skip
        )
        events.append((*key, t.entry))
        if t.exit:
            exits.append(
                (
                    *key,
                    t.exit,
                    "end",
                    t.destination,
                    sit.get(t.destination),
                    positive(t.destination),
                )  # fmt: skip
            )
            events.append((*key, t.exit))
        for e in t.episodes:
            lifted_on = e.identified_on + timedelta(e.lifted_after) if e.lifted_after else None
            episodes.append(
                (
                    *key,
                    e.barrier,
                    bar.get(e.barrier),
                    e.episode_number,
                    e.identified_on,
                    e.initial_level,
                    lifted_on,
                    e.lifted_after,
                    e.lifted_after is not None,
                    e.episode_number > 1,
                    e.observed_days,
                    0 if lifted_on else e.initial_level,
                )  # fmt: skip
            )
            events.append((*key, e.identified_on + timedelta(e.observed_days)))
        for partner_type, purpose, started_on, result in t.partnerships:
            partnerships.append(
                (
                    *key,
                    partner_type,
                    par.get(partner_type),
                    f"{partner_type} {t.centre_id}",
                    purpose,
                    started_on,
                    None,
                    result,
                )  # fmt: skip
            )
            events.append((*key, started_on))
        for milestone, achieved_on in t.milestones:
            milestones.append(
                (*key, milestone, mil.get(milestone), achieved_on, (achieved_on - t.entry).days)
            )
            events.append((*key, achieved_on))
        for month, h in t.hours.items():
            hours.append((*key, month, h))
            events.append((*key, month))
        for observed_on, situation, months_after in t.followups:
            followups.append(
                (*key, observed_on, situation, sit.get(situation), months_after, t.exit)
            )
            events.append((*key, observed_on))
    _table(
        con,
        "dim_participants",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "entry_date": "date",
            "entry_year": "integer",
            "exit_date": "date",
            "destination": "varchar",
            "positive_exit": "boolean",
            "filiere": "varchar",
            "training_area": "varchar",
            "status_at_entry": "varchar",
            "has_milestone": "boolean",
            "first_milestone_on": "date",
            "first_positive_exit_on": "date",
        },  # fmt: skip
        participants,
    )
    _table(
        con,
        "fct_exits",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "exit_date": "date",
            "reason": "varchar",
            "destination": "varchar",
            "destination_group": "varchar",
            "positive_exit": "boolean",
        },  # fmt: skip
        exits,
    )
    _table(
        con,
        "fct_barrier_episodes",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "barrier": "varchar",
            "barrier_group": "varchar",
            "episode_number": "integer",
            "identified_on": "date",
            "initial_level": "integer",
            "lifted_on": "date",
            "days_to_lift": "integer",
            "is_lifted": "boolean",
            "is_setback": "boolean",
            "observed_days": "integer",
            "last_level": "integer",
        },  # fmt: skip
        episodes,
    )
    _table(
        con,
        "fct_partnerships",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "partner_type": "varchar",
            "partner_group": "varchar",
            "partner_name": "varchar",
            "purpose": "varchar",
            "started_on": "date",
            "ended_on": "date",
            "result": "varchar",
        },  # fmt: skip
        partnerships,
    )
    _table(
        con,
        "fct_milestones",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "milestone": "varchar",
            "milestone_group": "varchar",
            "achieved_on": "date",
            "days_since_entry": "integer",
        },  # fmt: skip
        milestones,
    )
    _table(
        con,
        "fct_hours",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "month": "date",
            "hours": "double",
        },  # fmt: skip
        hours,
    )
    _table(
        con,
        "fct_followups",
        {
            "centre_id": "varchar",
            "participant_id": "varchar",
            "observed_on": "date",
            "situation": "varchar",
            "situation_group": "varchar",
            "months_after_exit": "integer",
            "exit_date": "date",
        },  # fmt: skip
        followups,
    )
    # int_data_end is the last date of the events of the trainees' paths: here, of the dated
    # records these worlds draw (a scratch table, dropped; no page reads a path here).
    _table(
        con,
        "generated_path_events",
        {"centre_id": "varchar", "participant_id": "varchar", "event_on": "date"},
        events,
    )
    con.execute(
        "create table int_data_end as select max(event_on) as last_event_on, "
        "date_trunc('month', max(event_on))::date as last_month from generated_path_events"
    )
    con.execute("drop table generated_path_events")
    # The population columns these worlds do not draw (unknown for everyone).
    for column, kind in (
        ("birth_year", "smallint"),
        ("gender", "varchar"),
        ("education", "varchar"),
    ):
        con.execute(f"alter table dim_participants add column {column} {kind}")
    # The presumed exit (INTERFACES §3 v1.2) is not drawn here: false for everyone, so « en
    # formation » follows the exits alone (tests/test_presumed_exit.py builds it for real).
    con.execute("alter table dim_participants add column presumed_exit boolean default false")
    con.execute("alter table dim_participants add column latest_activity_on date")
    for model in (
        "dim_participant_population",
        "fct_training_years",
        "fct_participant_year_figures",
        "agg_centre_year_coverage",
        "agg_centre_month",
        "agg_entry_cohorts",
    ):
        con.execute(f"create table {model} as {_dbt_sql(model)}")


# --- generating -------------------------------------------------------------------------------

START = date(2022, 1, 1)
END = date(2024, 12, 31)


def _day(draw, lo: date = START, hi: date = END) -> date:
    return lo + timedelta(draw(st.integers(0, max(0, (hi - lo).days))))


@st.composite
def trainees(draw, centre_id: str, n: int) -> list[Trainee]:
    out = []
    for i in range(n):
        entry = _day(draw)
        t = Trainee(
            centre_id,
            f"P{i:03d}",
            entry,
            filiere=draw(st.sampled_from(["eft", "defi"])),
            status=draw(st.sampled_from(STATUSES)),
        )
        if draw(st.booleans()):
            t.exit = _day(draw, entry, END)
            t.destination = draw(st.sampled_from(SITUATIONS))
            if draw(st.booleans()):
                months = draw(st.sampled_from([6, 12]))
                seen = t.exit + timedelta(30 * months)
                t.followups.append((seen, draw(st.sampled_from(SITUATIONS[:5])), months))
        for barrier in draw(st.lists(st.sampled_from(BARRIERS), max_size=2, unique=True)):
            identified = _day(draw, entry, min(END, entry + timedelta(200)))
            lifted = draw(st.one_of(st.none(), st.integers(10, 400)))
            observed = lifted if lifted is not None else draw(st.integers(0, 400))
            t.episodes.append(Episode(barrier, identified, draw(st.integers(1, 3)), lifted,
                                      observed))  # fmt: skip
            if lifted is not None and draw(st.integers(0, 4)) == 0:
                again = identified + timedelta(lifted + draw(st.integers(1, 60)))
                t.episodes.append(Episode(barrier, again, 1, None, 10, episode_number=2))
        for _ in range(draw(st.integers(0, 2))):
            t.partnerships.append(
                (
                    draw(st.sampled_from(PARTNERS)),
                    draw(st.sampled_from(PURPOSES)),
                    _day(draw, entry, min(END, entry + timedelta(300))),
                    draw(st.sampled_from(["completed", "ongoing", "interrupted", None])),
                )
            )
        for milestone in draw(st.lists(st.sampled_from(MILESTONES), max_size=2, unique=True)):
            t.milestones.append((milestone, _day(draw, entry, min(END, entry + timedelta(300)))))
        last = t.exit or END
        month = month_start(entry)
        while month <= last:
            if draw(st.integers(0, 5)):
                t.hours[month] = float(draw(st.integers(1, 120)))
            month = (month + timedelta(32)).replace(day=1)
        out.append(t)
    return out


@st.composite
def worlds(draw, max_trainees: int = 14) -> World:
    """Two federations; 1–2 centres each; 0–`max_trainees` trainees per centre."""
    centres = []
    for f, federation in enumerate(("ACFI", "AID")):
        for c in range(draw(st.integers(1, 2))):
            centre_id = f"C{f}{c}"
            centres.append((centre_id, f"Centre {centre_id}", federation, "Namur"))
    people = []
    for centre_id, *_ in centres:
        people += draw(trainees(centre_id, draw(st.integers(0, max_trainees))))
    return World(centres, people)
