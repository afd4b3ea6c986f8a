"""Data-quality figures for the « Qualité des données » page (pure functions, no streamlit).

Two sources: the operational store (what was uploaded, what waits in quarantine: read by
`parcours.store.registry.last_uploads` and `waiting_by_kind`) and the served warehouse (what the
marts hold). Every function takes the list of centres the user may see
(`None` = all) and reads nothing outside it.

Definitions (shown on the page as captions):
- **Dernier envoi**: the latest non-withdrawn batch of each kind, per centre.
- **Mois couverts**: months of `fct_hours` with at least one row, per centre, between the
  first and the last such month; a gap is a month in between without any hours.
- **Complétude des heures**: for a centre and a month, the share of its *active* trainees
  (entered on or before the month's last day, not exited before its first day: the warehouse's
  `agg_centre_month.participants_in_training`) that have an hours row for that month.
  100 % = the hours of every active trainee arrived.
- **Période couverte** (the basis of every comparison between periods, `parcours.analytics.home`):
  a centre covers a period when it sent hours for at least `COVERED_MONTHS_PER_YEAR` (10) months
  out of 12 of it — a month counts when it has at least one hours row, as in « Mois couverts »;
  two months a year may be missing (summer closure, a late export). A period that runs past the
  data's last month is therefore not covered yet. Defined in dbt (`agg_centre_year_coverage`,
  the variable `covered_months_per_year`); read here.
- **Quarantaine en attente**: quarantined rows not yet stored by a replay, from batches that are
  not withdrawn.
- **Heures atypiques**: a (trainee, month) whose hours are above `HOURS_CEILING` (200 h: a
  full-time month is about 38 h × 4,33 ≈ 165 h, and the export contract refuses more than 250 h),
  or whose robust z-score within its centre is above `ROBUST_Z_LIMIT` (3,5 — the modified
  z-score of Iglewicz and Hoaglin: 0,6745 × (h − médiane) / MAD, MAD = median absolute
  deviation of the centre's monthly hours; not computed when the MAD is 0).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from datetime import date

import duckdb
import polars as pl
import yaml

from parcours.core.dates import add_months
from parcours.store import roles
from parcours.store.datadir import TRANSFORM_DIR

# The thresholds are the build's (dbt vars of rpt_hours_outliers); read here for the caption.
_BUILD_VARS = yaml.safe_load((TRANSFORM_DIR / "dbt_project.yml").read_text(encoding="utf-8"))[
    "vars"
]
HOURS_CEILING = float(_BUILD_VARS["hours_ceiling"])
ROBUST_Z_LIMIT = float(_BUILD_VARS["hours_robust_z_limit"])
INDIVIDUAL_ROLES = roles.roles_with("see_individuals")


def _in_list(column: str, centre_ids: list[str] | None) -> tuple[str, list]:
    """A bound-parameter filter on `column` (no SQL built from values)."""
    if centre_ids is None:
        return "1 = 1", []
    if not centre_ids:
        return "1 = 0", []
    return f"{column} in ({', '.join('?' for _ in centre_ids)})", list(centre_ids)


def _wh(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


def months_covered(con: duckdb.DuckDBPyConnection, centre_ids: list[str] | None) -> pl.DataFrame:
    """Per centre: first and last month with hours, months with hours, and gaps in between."""
    where, params = _in_list("centre_id", centre_ids)
    return _wh(
        con,
        f"""
        select centre_id,
               min(month) as first_month,
               max(month) as last_month,
               count(distinct month) as months_with_hours,
               datediff('month', min(month), max(month)) + 1 - count(distinct month) as gaps
        from fct_hours where {where}
        group by centre_id order by centre_id
        """,
        params,
    )


# The threshold is the build's (dbt var of agg_centre_year_coverage), read for the captions and
# for a period's count of months.
COVERED_MONTHS_PER_YEAR = int(_BUILD_VARS["covered_months_per_year"])


def months_needed(start: date, end: date) -> tuple[int, int]:
    """(months in the period from `start` to `end`, months with hours needed to cover it)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return months, math.ceil(months * COVERED_MONTHS_PER_YEAR / 12)


def months_with_hours(
    con: duckdb.DuckDBPyConnection,
    centre_ids: list[str] | None,
    periods: Sequence[tuple[date, date]],
) -> pl.DataFrame:
    """Per centre with hours in any of the periods: `months_<i>`, the months of period i
    (start, end: whole calendar years) with at least one hours row (the « Mois couverts »
    definition), summed from `agg_centre_year_coverage`."""
    for start, end in periods:
        if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            raise ValueError(f"coverage is counted by whole calendar years, not {start}–{end}")
    where, params = _in_list("centre_id", centre_ids)
    lo = min(start.year for start, _ in periods)
    hi = max(end.year for _, end in periods)
    years = _wh(
        con,
        f"select centre_id, year, months_with_hours from agg_centre_year_coverage "
        f"where {where} and year between ? and ?",
        [*params, lo, hi],
    )
    return (
        years.group_by("centre_id")
        .agg(
            pl.col("months_with_hours")
            .filter(pl.col("year").is_between(start.year, end.year))
            .sum()
            .cast(pl.Int64)
            .alias(f"months_{i}")
            for i, (start, end) in enumerate(periods)
        )
        .sort("centre_id")
    )


def completeness(
    con: duckdb.DuckDBPyConnection,
    centre_ids: list[str] | None,
    months: int = 24,
    until: date | None = None,
) -> pl.DataFrame:
    """Centre × month: active trainees, those with hours, and the share (0..1, null when no
    trainee was active). The window is the `months` months ending at `until` (default: the
    latest month with hours in the warehouse)."""
    where_h, params_h = _in_list("centre_id", centre_ids)
    where_a, params_a = _in_list("a.centre_id", centre_ids)
    where_h2, params_h2 = _in_list("h.centre_id", centre_ids)
    if until is None:
        latest = _wh(con, f"select max(month) as m from fct_hours where {where_h}", params_h)
        until = latest["m"][0]
        if until is None:
            return pl.DataFrame(
                schema={
                    "centre_id": pl.String,
                    "month": pl.Date,
                    "active": pl.Int64,
                    "with_hours": pl.Int64,
                    "share": pl.Float64,
                }
            )
    last = until.replace(day=1)
    first = add_months(last, 1 - months)
    # Active trainees per centre and month come from the warehouse's monthly mart
    # (`agg_centre_month.participants_in_training`, the same definition), not recomputed here.
    frame = _wh(
        con,
        f"""
        with months as (
            select unnest(generate_series(?::date, ?::date, interval 1 month))::date as month
        ), centres as (
            select distinct centre_id from agg_centre_month where {where_h}
        ), active as (
            select a.centre_id, a.month, sum(a.participants_in_training) as active
            from agg_centre_month a join months m on a.month = m.month
            where {where_a} and a.month between ? and ?
            group by all
        ), arrived as (
            select h.centre_id, h.month, count(distinct h.participant_id) as with_hours
            from fct_hours h
            where {where_h2} and h.month between ? and ?
            group by all
        )
        select c.centre_id, m.month,
               coalesce(a.active, 0)::bigint as active,
               coalesce(r.with_hours, 0)::bigint as with_hours,
               case when coalesce(a.active, 0) = 0 then null
                    else least(coalesce(r.with_hours, 0) / a.active, 1.0) end as share
        from centres c cross join months m
        left join active a on a.centre_id = c.centre_id and a.month = m.month
        left join arrived r on r.centre_id = c.centre_id and r.month = m.month
        order by c.centre_id, m.month
        """,
        [first, last, *params_h, *params_a, first, last, *params_h2, first, last],
    )
    # Months before anyone in the scope was in training say nothing: start at the first active.
    first = frame.filter(pl.col("active") > 0)["month"].min()
    return frame if first is None else frame.filter(pl.col("month") >= first)


def hours_outliers(
    con: duckdb.DuckDBPyConnection, centre_ids: list[str] | None, individual: bool
) -> pl.DataFrame:
    """Atypical (trainee, month) hours (definition in the module docstring).

    With `individual` (centre staff, admins) one row per flagged (trainee, month); otherwise
    only a count per centre, so no trainee can be singled out."""
    where, params = _in_list("centre_id", centre_ids)
    # Computed by the build (per-centre medians: reading some centres' rows is exact).
    flagged = f"select * from rpt_hours_outliers where {where}"
    if individual:
        return _wh(
            con,
            f"""
            select centre_id, participant_id, month, hours, centre_median,
                   round(robust_z, 1) as robust_z, reason
            from ({flagged}) order by centre_id, month, participant_id
            """,
            params,
        )
    return _wh(
        con,
        f"""
        select centre_id, count(*) as flagged_months, max(hours) as max_hours,
               any_value(centre_median) as centre_median
        from ({flagged}) group by centre_id order by flagged_months desc, centre_id
        """,
        params,
    )


def latest_build_warnings(conn: sqlite3.Connection) -> pl.DataFrame:
    """dbt tests of the latest finished build that did not pass (warn-level cross-file checks:
    orphans, exits before entry…), as dbt counted them: ALL centres. Only for a view of every
    centre; pages use `scoped_build_warnings`."""
    from parcours.warehouse import history as build_history

    row = conn.execute(
        "select build_id from builds where finished_at is not null "
        "order by finished_at desc limit 1"
    ).fetchone()
    if row is None:
        return pl.DataFrame(schema=build_history.TEST_SCHEMA)
    tests = build_history.build_tests(conn, row[0])
    return tests.filter(pl.col("status") != "réussi")


# The warn-level data tests of transform/tests/ are `select * from rpt_data_quality_issues where
# rule = '<rule>'`, named `dq_<rule>`: their failing rows for some centres are the mart's rows of
# those centres, so a scoped count is recomputed from the mart (no `store_failures` needed).
DQ_TEST_PREFIX = "dq_"


def scoped_build_warnings(
    conn: sqlite3.Connection,
    con: duckdb.DuckDBPyConnection | None,
    centre_ids: list[str] | None,
) -> pl.DataFrame:
    """The latest build's tests that did not pass, with « Lignes en défaut » counted within
    `centre_ids` only (`None` = every centre: dbt's own counts).

    For a view narrower than all centres, a `dq_<rule>` test's count is the number of
    `rpt_data_quality_issues` rows of that rule for those centres (a test with none there is
    left out), and any other test — its failures are not split by centre — is left out: a centre
    never reads a figure made of other centres' rows."""
    tests = latest_build_warnings(conn)
    if centre_ids is None or tests.is_empty():
        return tests
    rules = {
        name: name.removeprefix(DQ_TEST_PREFIX)
        for name in tests["test"].to_list()
        if name.startswith(DQ_TEST_PREFIX)
    }
    if not rules or con is None or not centre_ids:
        return tests.clear()
    where, params = _in_list("centre_id", centre_ids)
    counted = _wh(
        con,
        f"select rule, count(*) as n from rpt_data_quality_issues where {where} group by rule",
        params,
    )
    counts = dict(counted.iter_rows())
    return (
        tests.filter(pl.col("test").is_in(list(rules)))
        .with_columns(
            pl.col("test")
            .replace_strict({t: counts.get(r, 0) for t, r in rules.items()}, return_dtype=pl.Int64)
            .alias("failures")
        )
        .filter(pl.col("failures") > 0)
    )


def load_build_warnings(scope, conn: sqlite3.Connection, centre_id: str | None) -> pl.DataFrame:
    """`scoped_build_warnings` for a page's scope (and chosen centre). For scopes that mask small
    counts the counts are left out: a rule's total beside the per-centre table of the same page
    would give back the centres' masked cells."""
    from parcours.warehouse import reader as warehouse

    centres = scoped_centres(scope, centre_id)
    cur = None
    if centres:
        try:
            cur = warehouse.cursor()
        except Exception:  # noqa: BLE001 — no warehouse: nothing can be counted per centre
            cur = None
    try:
        frame = scoped_build_warnings(conn, cur, centres)
    finally:
        if cur is not None:
            cur.close()
    if scope.mask_small_counts:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("failures"))
    return frame


def dq_issues(
    con: duckdb.DuckDBPyConnection, centre_ids: list[str] | None, individual: bool
) -> pl.DataFrame:
    """The warehouse's cross-file checks (`rpt_data_quality_issues`: exits before entry, events
    before entry, trainees missing from the participants file). Rows for centre staff and
    admins; a count per centre and rule otherwise."""
    where, params = _in_list("centre_id", centre_ids)
    if individual:
        return _wh(
            con,
            f"""
            select centre_id, rule, participant_id, event_on, detail
            from rpt_data_quality_issues where {where}
            order by centre_id, rule, participant_id
            """,
            params,
        )
    return _wh(
        con,
        f"""
        select centre_id, rule, count(*) as issues
        from rpt_data_quality_issues where {where}
        group by all order by centre_id, rule
        """,
        params,
    )


# --- loaders for `ui.load` (cached per warehouse version and scope) ---------------------------
# Each resolves the centres from the scope itself: a centre outside the scope reads nothing.


def scoped_centres(scope, centre_id: str | None) -> list[str] | None:
    """The centres to read: the scope's, narrowed to `centre_id` when one is chosen."""
    if centre_id is None:
        return None if scope.centre_ids is None else list(scope.centre_ids)
    if scope.centre_ids is not None and centre_id not in scope.centre_ids:
        return []
    return [centre_id]


def _with_cursor(func, *args):
    from parcours.warehouse import reader as warehouse

    cur = warehouse.cursor()
    try:
        return func(cur, *args)
    finally:
        cur.close()


def load_completeness(scope, _filters, centre_id: str | None, months: int) -> pl.DataFrame:
    """As `completeness`; for scopes that mask small counts, the counts are left out and the
    share is rounded to whole percents (the share says whether a centre's hours arrived; the
    counts of trainees behind it are not shown outside the centre's own view)."""
    frame = _with_cursor(completeness, scoped_centres(scope, centre_id), months)
    if scope.mask_small_counts:
        frame = frame.select("centre_id", "month", pl.col("share").round(2))
    return frame


def load_months_covered(scope, _filters, centre_id: str | None) -> pl.DataFrame:
    return _with_cursor(months_covered, scoped_centres(scope, centre_id))


def load_outliers(scope, _filters, centre_id: str | None) -> pl.DataFrame:
    from parcours.analytics import masking

    frame = _with_cursor(
        hours_outliers, scoped_centres(scope, centre_id), scope.may_see_individuals
    )
    if not scope.may_see_individuals:
        frame = masking.suppress(frame, ["flagged_months"], mask=scope.mask_small_counts)
    return frame


def load_dq_issues(scope, _filters, centre_id: str | None) -> pl.DataFrame:
    from parcours.analytics import masking

    frame = _with_cursor(dq_issues, scoped_centres(scope, centre_id), scope.may_see_individuals)
    if not scope.may_see_individuals:
        frame = masking.suppress(frame, ["issues"], mask=scope.mask_small_counts)
    return frame
