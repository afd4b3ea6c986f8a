"""Résultats dans le temps: intermediate victories, entry cohorts, exit destinations, situation
after exit, and the flow from the situation at entry to the destination at exit.

Definitions (captions on the page):
- victories: milestone records (`fct_milestones`) per month of achievement and milestone group;
- cohorts (`agg_entry_cohorts`): trainees by year of entry (the five years up to the last
  selected year); for each number of whole months since entry, the share who had reached a first
  milestone / a positive exit by then. A month is shown only while every member of the cohort can
  be observed that long (later months would count recent entrants as failures);
- destinations: exit records per year of exit, by destination group (codes.csv `situation`);
- after exit: the follow-up observed closest to 6 months (5 to 7) and to 12 months (11 to 13)
  after the exit, one per trainee and horizon, by situation group;
- flow: trainees who left during the period, from their status at entry to the destination of
  their latest exit.

Masking (`parcours.analytics.masking`): stacked counts are suppressed within each bar (month, year,
horizon, status at entry), the set sharing a total; a cohort under 5 trainees is left out and its
shares follow rule 3.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.core.dates import MONTHS_FR_SHORT
from parcours.warehouse.reader import Filters, Scope, Where, query

MILESTONE_GROUPS = {
    "work": "Travail (stage, contrat)",
    "qualification": "Qualification",
    "mobility": "Mobilité",
    "skills": "Compétences de base",
    "stability": "Stabilité (logement, santé, dettes)",
    "other": "Autre",
}
SITUATION_GROUPS = {
    "employment": "Emploi",
    "training": "Formation",
    "pathway": "Autre CISP",
    "none": "Sans emploi ni formation",
    "unknown": "Inconnue",
}
HORIZONS = {6: (5, 7), 12: (11, 13)}


def _joined(scope: Scope, filters: Filters, table_alias: str, date: str | None) -> Where:
    return Where.scoped(
        scope, filters, centre=f"{table_alias}.centre_id", filiere="d.filiere", date=date
    )


def victories_by_month(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Milestones achieved per month and milestone group."""
    where = _joined(scope, filters, "m", "m.achieved_on")
    frame = query(
        f"""
        select date_trunc('month', m.achieved_on)::date as month,
            coalesce(m.milestone_group, 'other') as milestone_group,
            count(*)::bigint as milestones
        from fct_milestones m
        join dim_participants d using (centre_id, participant_id)
        where {where.sql}
        group by all
        order by month, milestone_group
        """,
        where.params,
    )
    frame = frame.with_columns(
        pl.col("milestone_group")
        .replace_strict(MILESTONE_GROUPS, default="Autre")
        .alias("group_label"),
        pl.col("month")
        .map_elements(lambda d: f"{MONTHS_FR_SHORT[d.month - 1]} {d.year}", return_dtype=pl.String)
        .alias("month_label"),
    )
    return masking.suppress(frame, ["milestones"], within=["month"], mask=scope.mask_small_counts)


def cohort_curves(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per entry year and month since entry: cohort size and the shares with a first milestone
    and with a positive exit by then (observable months only)."""
    # The cohorts of the five years up to the selection's last year: a cohort curve needs the
    # years after its entry, so the selection's own span would often leave one short curve.
    cohorts = filters
    if filters.years:
        cohorts = filters.with_years((filters.years[1] - 4, filters.years[1]))
    where = Where.scoped(scope, cohorts, year="entry_year")
    frame = query(
        f"""
        select entry_year, months_since_entry,
            sum(cohort_size)::bigint as cohort_size,
            sum(participants_observable)::bigint as observable,
            sum(with_first_milestone)::bigint as with_milestone,
            sum(with_positive_exit)::bigint as with_positive_exit
        from agg_entry_cohorts
        where {where.sql} and entry_year is not null
        group by all
        order by entry_year, months_since_entry
        """,
        where.params,
    )
    frame = frame.filter(pl.col("observable") == pl.col("cohort_size"))
    mask = scope.mask_small_counts
    if mask:
        frame = frame.filter(pl.col("cohort_size") >= masking.THRESHOLD)

    def share(num: str) -> pl.Expr:
        return pl.struct(num, "cohort_size").map_elements(
            lambda s: masking.share(s[num], s["cohort_size"], mask), return_dtype=pl.Float64
        )

    frame = frame.with_columns(
        share("with_milestone").alias("milestone_share"),
        share("with_positive_exit").alias("positive_exit_share"),
        pl.col("entry_year").cast(pl.String).alias("cohort"),
    )
    if mask:
        frame = frame.drop("with_milestone", "with_positive_exit")
    return frame


def destinations_by_year(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Exits per year of exit and destination group."""
    where = _joined(scope, filters, "e", "e.exit_date")
    frame = query(
        f"""
        select year(e.exit_date)::integer as exit_year,
            coalesce(e.destination_group, 'unknown') as destination_group,
            count(*)::bigint as exits
        from fct_exits e
        join dim_participants d using (centre_id, participant_id)
        where {where.sql}
        group by all
        order by exit_year, destination_group
        """,
        where.params,
    )
    frame = frame.with_columns(
        pl.col("destination_group")
        .replace_strict(SITUATION_GROUPS, default="Inconnue")
        .alias("destination")
    )
    return masking.suppress(frame, ["exits"], within=["exit_year"], mask=scope.mask_small_counts)


def after_exit(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Situation 6 and 12 months after exit (years: of the exit), by situation group."""
    where = _joined(scope, filters, "f", "f.exit_date")
    frame = query(
        f"""
        with windows as (
            select * from (values (6, 5, 7), (12, 11, 13)) w(horizon, lo, hi)
        ),
        candidates as (
            select w.horizon, f.centre_id, f.participant_id, f.situation_group,
                f.months_after_exit, f.observed_on
            from fct_followups f
            join dim_participants d using (centre_id, participant_id)
            join windows w on f.months_after_exit between w.lo and w.hi
            where {where.sql}
        ),
        closest as (
            select horizon, centre_id, participant_id,
                arg_min(situation_group, abs(months_after_exit - horizon) * 100000
                    - epoch(observed_on) / 86400) as situation_group
            from candidates group by all
        )
        select horizon, coalesce(situation_group, 'unknown') as situation_group,
            count(*)::bigint as trainees
        from closest group by all
        order by horizon, situation_group
        """,
        where.params,
    )
    frame = frame.with_columns(
        pl.col("situation_group")
        .replace_strict(SITUATION_GROUPS, default="Inconnue")
        .alias("situation"),
        (pl.col("horizon").cast(pl.String) + " mois après la sortie").alias("horizon_label"),
    )
    return masking.suppress(frame, ["trainees"], within=["horizon"], mask=scope.mask_small_counts)


def flow(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Trainees whose latest exit is in the period: status at entry × destination group."""
    where = Where.scoped(
        scope, filters, centre="d.centre_id", filiere="d.filiere", date="d.exit_date"
    )
    frame = query(
        f"""
        select coalesce(d.status_at_entry, 'unknown') as status_at_entry,
            coalesce(e.destination_group, 'unknown') as destination_group,
            count(*)::bigint as trainees
        from dim_participants d
        left join fct_exits e
            on e.centre_id = d.centre_id and e.participant_id = d.participant_id
            and e.exit_date = d.exit_date
        where {where.sql} and d.exit_date is not null
        group by all
        """,
        where.params,
    )
    statuses = {**contract.load().labels("status_at_entry"), "unknown": "Non précisé"}
    frame = frame.with_columns(
        pl.col("status_at_entry")
        .replace_strict(statuses, default=pl.col("status_at_entry"))
        .alias("status"),
        pl.col("destination_group")
        .replace_strict(SITUATION_GROUPS, default="Inconnue")
        .alias("destination"),
    )
    if scope.mask_small_counts:
        # Shares next to masked counts would give them back (share × total): counts only.
        return (
            masking.suppress(frame, ["trainees"], within=["status_at_entry"])
            .with_columns(pl.lit(None, pl.Float64).alias("share"))
            .sort("status", "destination")
        )
    return frame.with_columns(
        (pl.col("trainees") / pl.col("trainees").sum().over("status_at_entry")).alias("share")
    ).sort("status", "destination")
