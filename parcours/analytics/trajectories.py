"""Trajectoires: the paths themselves, month by month (`fct_participant_months`, INTERFACES §3).

Definitions (captions on the page):
- cohort: the trainees who entered in the chosen year (with the shared filters);
- chronogram: for each month since entry (0 = the entry month, up to 36), the share of the
  cohort's trainees still observable that month who are in each state: « Au centre » before the
  month of their latest exit, then the group of their latest known situation (exit destination
  or later follow-up). A trainee stops being observable after the last month its centre sent
  data for; the shares are of those still observable, shown beside the cohort size.

The transitions after the exit (`agg_transitions`) are drawn by `transition_flows`, masked with
« les freins d'abord ».

Data: `agg_cohort_state_spells` (runs of months in one state, per cohort and population), built
by dbt from `fct_participant_months`; no path is rebuilt here.

Masking (`masking.Page`): each month's states add up to the trainees observable that month, which
is shown, and a state is listed only when it has trainees that month (a masked one is at least 1):
the month's cells are suppressed together until none from 1 to 4 can be worked out; a share is
masked with its count; outside a centre's own data a cohort under 5 trainees shows nothing, and
nor does a month with fewer than 5 trainees still observed.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.analytics.outcomes import SITUATION_GROUPS
from parcours.warehouse.reader import POPULATION_DIMENSIONS, Filters, Scope, Where, query

STATES = {"in_centre": contract.series_labels("state.extra")["in_centre"], **SITUATION_GROUPS}
NOT_OBSERVED = contract.series_labels("state.extra")["not_observed"]
MAX_MONTHS = 36


def _where(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(scope, filters, use_years=False, population_columns="")


def cohort_years(scope: Scope, filters: Filters) -> list[int]:
    """The entry years that have a cohort in the scope, oldest first."""
    where = _where(scope, filters)
    frame = query(
        f"select distinct entry_year from agg_cohort_state_spells where {where.sql} "
        "and entry_year is not null order by 1",
        where.params,
    )
    return frame["entry_year"].to_list()


def chronogram(scope: Scope, filters: Filters, entry_year: int) -> pl.DataFrame:
    """One row per month since entry × state: `month`, `state` (French), `trainees`,
    `observable` (trainees still observed that month), `share` (of `observable`), `masked`."""
    where = _where(scope, filters)
    frame = query(
        f"""
        with runs as (
            select state, months_since_entry_from as m0, months_since_entry_to as m1, trainees
            from agg_cohort_state_spells
            where {where.sql} and entry_year = $entry_year
        ),
        months as (select range::integer as month from range(0, {MAX_MONTHS + 1}))
        select months.month, runs.state, sum(runs.trainees)::bigint as trainees
        from months join runs on months.month between runs.m0 and runs.m1
        group by all
        order by 1, 2
        """,
        {**where.params, "entry_year": entry_year},
    )
    if frame.is_empty():
        return frame.with_columns(
            pl.lit(None, pl.Int64).alias("observable"),
            pl.lit(None, pl.Float64).alias("share"),
            pl.lit(False).alias(masking.MASKED),
        )
    mask = scope.mask_small_counts
    cohort = int(frame.filter(pl.col("month") == 0)["trainees"].sum())
    if mask and masking.is_small(cohort):
        return frame.clear().with_columns(
            pl.lit(None, pl.Int64).alias("observable"),
            pl.lit(None, pl.Float64).alias("share"),
            pl.lit(False).alias(masking.MASKED),
        )
    observable = frame.group_by("month", maintain_order=True).agg(
        pl.col("trainees").sum().alias("observable")
    )
    if mask:
        # A month with fewer than 5 trainees observed is left out: its states, each listed so at
        # least 1, would add up to « < 5 » (four states of 1 each are pinned).
        observable = observable.filter(pl.col("observable") >= masking.THRESHOLD)
        frame = frame.filter(pl.col("month").is_in(observable["month"].implode()))
    # A row is listed only when its state has trainees that month: a reader knows a masked
    # one is at least 1, and that the month's states add up to its observed trainees.
    page = masking.Page(mask)
    page.add("cells", frame, ["trainees"])
    page.add("observable", observable, ["observable"], cost=masking.HEADLINE)
    for month in observable["month"].to_list():
        inside = pl.col("month") == month
        page.total(
            page.ref("observable", "observable", inside), page.refs("cells", "trainees", inside)
        )
    out = page.run()
    # A month where a count could not be protected is left out with all its rows.
    gone = {frame["month"][r] for r in page.unprotected_rows("cells")}
    gone |= {observable["month"][r] for r in page.unprotected_rows("observable")}
    frame = (
        out["cells"]
        .filter(~pl.col("month").is_in(list(gone)))
        .drop(masking.MASKED)
        .join(
            out["observable"].select(
                "month", "observable", "observable_masked", "observable_shown"
            ),
            on="month",
            how="left",
        )
    )
    return frame.with_columns(
        pl.when(pl.col("trainees").is_not_null() & (pl.col("observable") > 0))
        .then((pl.col("trainees") / pl.col("observable")).round(masking.SHARE_DIGITS))
        .otherwise(None)
        .alias("share"),
        pl.col("trainees").is_null().alias(masking.MASKED),
        pl.col("state").replace_strict(STATES, default=pl.col("state")).alias("state"),
    )


def chronogram_by(scope: Scope, filters: Filters, entry_year: int, by: str) -> pl.DataFrame:
    """The chronogram broken down by one population dimension (« Ventiler par »): one row per
    group × month × state: `code`, `group` (French), `month`, `state`, `trainees`, `observable`
    (the group's trainees observed that month), `share` (of `observable`), `cohort` (the whole
    cohort at month 0, as the caption says it) and `masked`.

    Masked together (`masking.Page`): a group-month's states add up to its observable count, and
    a month's groups to the month's observable trainees (the cohort at month 0), so no group's
    masked count can be had from the cohort size or from the other groups."""
    if by not in POPULATION_DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}")
    where = _where(scope, filters)
    frame = query(
        f"""
        with runs as (
            select {by} as code, state, months_since_entry_from as m0,
                months_since_entry_to as m1, trainees
            from agg_cohort_state_spells
            where {where.sql} and entry_year = $entry_year
        ),
        months as (select range::integer as month from range(0, {MAX_MONTHS + 1}))
        select runs.code, months.month, runs.state, sum(runs.trainees)::bigint as trainees
        from months join runs on months.month between runs.m0 and runs.m1
        group by all
        order by 1, 2, 3
        """,
        {**where.params, "entry_year": entry_year},
    )
    labels = contract.population_labels(by)
    order = {code: i for i, code in enumerate(labels)}
    frame = frame.with_columns(
        pl.col("code").replace_strict(order, default=len(order)).alias("_order")
    ).sort("_order", "month", "state")
    observable = frame.group_by("_order", "code", "month", maintain_order=True).agg(
        pl.col("trainees").sum().alias("observable")
    )
    months = (
        observable.group_by("month", maintain_order=True)
        .agg(pl.col("observable").sum().alias("cohort"))
        .sort("month")
    )
    mask = scope.mask_small_counts
    page = masking.Page(mask)
    page.add("cells", frame, ["trainees"])
    page.add("observable", observable, ["observable"], cost=2)
    page.add("months", months, ["cohort"], cost=masking.HEADLINE)
    for code, month in observable.select("code", "month").iter_rows():
        inside = (pl.col("code") == code) & (pl.col("month") == month)
        page.total(
            page.ref("observable", "observable", inside), page.refs("cells", "trainees", inside)
        )
    for month in months["month"].to_list():
        inside = pl.col("month") == month
        page.total(
            page.ref("months", "cohort", inside), page.refs("observable", "observable", inside)
        )
    frames = page.run()
    cohort = frames["months"].filter(pl.col("month") == 0).select("cohort")
    out = (
        frames["cells"]
        .select("code", "month", "state", "trainees")
        .join(frames["observable"].select("code", "month", "observable"), on=["code", "month"])
        .join(cohort, how="cross")
    )
    return out.with_columns(
        pl.when(pl.col("trainees").is_not_null() & (pl.col("observable") > 0))
        .then((pl.col("trainees") / pl.col("observable")).round(3))
        .otherwise(None)
        .alias("share"),
        pl.col("trainees").is_null().alias(masking.MASKED),
        pl.col("code").replace_strict(labels, default=pl.col("code")).alias("group"),
        pl.col("state").replace_strict(STATES, default=pl.col("state")).alias("state"),
    )
