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

Masking (`parcours.analytics.masking`, page level in `page`): the stacked counts of a bar (month,
year, horizon) add up to a total that is not shown; in the flow, each situation at entry shows its
total and every share is of that total. A cohort under 5 trainees is left out; a cohort's counts
grow month after month (each month's new arrivals are a count, protected as such), which is why,
outside a centre's own data, the curves are shown every `COHORT_STEP_MASKED` months.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.core import frames
from parcours.core.dates import MONTHS_FR_SHORT
from parcours.warehouse.reader import POPULATION_DIMENSIONS, Filters, Scope, Where, query

MILESTONE_GROUPS = contract.group_labels("milestone")
SITUATION_GROUPS = contract.group_labels("situation")
HORIZONS = {6: (5, 7), 12: (11, 13)}
COHORT_STEP_MASKED = 3  # months between the points of a cohort curve outside a centre's own data
COHORT_MEASURES = {"milestone": "with_milestone", "positive_exit": "with_positive_exit"}


def _joined(scope: Scope, filters: Filters, table_alias: str, date: str | None) -> Where:
    return Where.scoped(
        scope,
        filters,
        centre=f"{table_alias}.centre_id",
        filiere="d.filiere",
        date=date,
        participant=f"{table_alias}.participant_id",
    )


def victories_by_month(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Milestones achieved per month and milestone group (masked rows kept: `masked`)."""
    page = masking.Page(scope.mask_small_counts)
    page.add("victories", _victories_raw(scope, filters), ["milestones"])
    page.totals_within("victories", "milestones", ["month"])
    return page.run()["victories"]


def _victories_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
        frames.each(frame, "month", lambda d: f"{MONTHS_FR_SHORT[d.month - 1]} {d.year}").alias(
            "month_label"
        ),
    )
    return frame


def cohort_curves(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per entry year and month since entry: cohort size, the trainees with a first milestone
    and with a positive exit by then, and their shares (with Wilson 95 % intervals), over the
    months every member can be observed. Masked on its own (the page masks it with the rest)."""
    page = masking.Page(scope.mask_small_counts)
    sizes, curves = _cohorts_raw(scope, filters)
    _add_cohorts(page, sizes, curves)
    frames = page.run()
    return _cohorts_result(frames)


def _cohorts_raw(scope: Scope, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    # The cohorts of the five years up to the selection's last year: a cohort curve needs the
    # years after its entry, so the selection's own span would often leave one short curve.
    cohorts = filters
    if filters.years:
        cohorts = filters.with_years((filters.years[1] - 4, filters.years[1]))
    where = Where.scoped(scope, cohorts, year="entry_year", population_columns="")
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
    if scope.mask_small_counts:
        frame = frame.filter(
            (pl.col("cohort_size") >= masking.THRESHOLD)
            & (pl.col("months_since_entry") % COHORT_STEP_MASKED == 0)
        )
    sizes = frame.group_by("entry_year", maintain_order=True).agg(pl.col("cohort_size").first())
    curves = frame.select("entry_year", "months_since_entry", *COHORT_MEASURES.values())
    return sizes, curves


def _add_cohorts(page: masking.Page, sizes: pl.DataFrame, curves: pl.DataFrame) -> None:
    """A cohort's counts grow month after month (each month's new arrivals is a count) and are
    part of the cohort."""
    page.add("cohort_sizes", sizes, ["cohort_size"], cost=3)
    page.add("cohorts", curves, list(COHORT_MEASURES.values()))
    for year in sizes["entry_year"].to_list():
        size = page.ref("cohort_sizes", "cohort_size", pl.col("entry_year") == year)
        for column in COHORT_MEASURES.values():
            cells = page.refs("cohorts", column, pl.col("entry_year") == year)
            page.steps(cells, decreasing=False)
            for cell in cells:  # those not there yet are a count too
                page.complement(size, cell)


def _cohorts_result(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    sizes = frames["cohort_sizes"].select(
        "entry_year", "cohort_size", "cohort_size_masked", "cohort_size_shown"
    )
    frame = frames["cohorts"].drop(masking.MASKED).join(sizes, on="entry_year", how="left")
    for measure, column in COHORT_MEASURES.items():
        frame = masking.shares(frame, column, "cohort_size", f"{measure}_share")
    return frame.with_columns(
        pl.col("entry_year").cast(pl.String).alias("cohort"),
        pl.any_horizontal([masking.masked_column(c) for c in COHORT_MEASURES.values()]).alias(
            masking.MASKED
        ),
    ).sort("entry_year", "months_since_entry")


def destinations_by_year(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Exits per year of exit and destination group (masked rows kept: `masked`)."""
    page = masking.Page(scope.mask_small_counts)
    page.add("destinations", _destinations_raw(scope, filters), ["exits"])
    page.totals_within("destinations", "exits", ["exit_year"])
    return page.run()["destinations"]


def _destinations_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return frame


def _destinations_by_raw(scope: Scope, filters: Filters, by: str) -> pl.DataFrame:
    """`_destinations_raw` broken down by one population dimension (« Ventiler par »): also
    `code` (of `by`) and `group` (its French label), joined from dim_participant_population."""
    if by not in POPULATION_DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}")
    where = _joined(scope, filters, "e", "e.exit_date")
    frame = query(
        f"""
        select year(e.exit_date)::integer as exit_year,
            p.{by} as code,
            coalesce(e.destination_group, 'unknown') as destination_group,
            count(*)::bigint as exits
        from fct_exits e
        join dim_participants d using (centre_id, participant_id)
        join dim_participant_population p using (centre_id, participant_id)
        where {where.sql}
        group by all
        """,
        where.params,
    )
    labels = contract.population_labels(by)
    order = {code: i for i, code in enumerate(labels)}
    return (
        frame.with_columns(
            pl.col("destination_group")
            .replace_strict(SITUATION_GROUPS, default="Inconnue")
            .alias("destination"),
            pl.col("code").replace_strict(labels, default=pl.col("code")).alias("group"),
            pl.col("code").replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort("exit_year", "_order", "destination_group")
        .drop("_order")
    )


def after_exit(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Situation 6 and 12 months after exit (years: of the exit), by situation group."""
    page = masking.Page(scope.mask_small_counts)
    page.add("after_exit", _after_exit_raw(scope, filters), ["trainees"])
    page.totals_within("after_exit", "trainees", ["horizon"])
    return page.run()["after_exit"]


def _after_exit_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return frame


def flow(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Trainees whose latest exit is in the period: status at entry × destination group, with
    the total of each status at entry (`status_total`) and the share of it (`share`, with its
    Wilson interval) — the same measure for every role."""
    page = masking.Page(scope.mask_small_counts)
    _add_flow(page, _flow_raw(scope, filters))
    return _flow_result(page.run())


def _flow_raw(scope: Scope, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    where = Where.scoped(
        scope,
        filters,
        centre="d.centre_id",
        filiere="d.filiere",
        date="d.exit_date",
        participant="d.participant_id",
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
    frame = frame.sort("status", "destination")
    totals = frame.group_by("status_at_entry", maintain_order=True).agg(
        pl.col("status").first(), pl.col("trainees").sum().alias("status_total")
    )
    return frame, totals


def _add_flow(page: masking.Page, raw: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Each status at entry's total is shown, and is the sum of its destinations."""
    frame, totals = raw
    page.add("flow", frame, ["trainees"])
    page.add("flow_totals", totals, ["status_total"], cost=3)
    for status in totals["status_at_entry"].to_list():
        cond = pl.col("status_at_entry") == status
        page.total(
            page.ref("flow_totals", "status_total", cond), page.refs("flow", "trainees", cond)
        )


def _flow_result(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    totals = frames["flow_totals"].select(
        "status_at_entry", "status_total", "status_total_masked", "status_total_shown"
    )
    frame = frames["flow"].join(totals, on="status_at_entry", how="left")
    return masking.shares(frame, "trainees", "status_total", "share")


def page(scope: Scope, filters: Filters, by: str | None = None) -> dict[str, pl.DataFrame]:
    """Everything the Résultats page shows, masked together (`masking.Page`): `victories`,
    `cohorts`, `destinations`, `after_exit` and `flow` (see each function for its totals); with
    `by` (a population dimension, « Ventiler par »), `destinations_by`: each year's exits to a
    destination add up over the groups to that year's exits to it, and each group's year adds
    up (its bar), so no group's masked count can be had by subtraction."""
    page = masking.Page(scope.mask_small_counts)
    page.add("victories", _victories_raw(scope, filters), ["milestones"])
    page.totals_within("victories", "milestones", ["month"])
    _add_cohorts(page, *_cohorts_raw(scope, filters))
    page.add("destinations", _destinations_raw(scope, filters), ["exits"])
    page.totals_within("destinations", "exits", ["exit_year"])
    if by is not None:
        page.add("destinations_by", _destinations_by_raw(scope, filters, by), ["exits"])
        page.totals_within("destinations_by", "exits", ["exit_year", "code"])
        whole = page.frame("destinations")
        for year, group in whole.select("exit_year", "destination_group").iter_rows():
            inside = (pl.col("exit_year") == year) & (pl.col("destination_group") == group)
            page.total(
                page.ref("destinations", "exits", inside),
                page.refs("destinations_by", "exits", inside),
            )
    page.add("after_exit", _after_exit_raw(scope, filters), ["trainees"])
    page.totals_within("after_exit", "trainees", ["horizon"])
    _add_flow(page, _flow_raw(scope, filters))
    frames = page.run()
    return {
        "victories": frames["victories"],
        "cohorts": _cohorts_result(frames),
        "destinations": frames["destinations"],
        **({"destinations_by": frames["destinations_by"]} if by is not None else {}),
        "after_exit": frames["after_exit"],
        "flow": _flow_result(frames),
    }
