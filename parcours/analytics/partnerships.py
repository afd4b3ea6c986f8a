"""Partenariats: which partners are mobilised, for what, when in the path, by which centres, and
how trainees with and without each partnership fare.

Definitions (captions on the page):
- a partnership is a record of `fct_partnerships`; the selected years apply to its start date;
- trainees reached: distinct trainees with at least one partnership of the type; engagements:
  partnership records;
- when: days from the trainee's entry to the partnership's start (median and quartiles);
- association: among the trainees in training during the period, the share who reached at least
  one milestone, and the share whose latest exit is positive, with and without at least one
  partnership of each type (any time in their path). This describes an association, not a
  cause: trainees are not sent to partners at random.

Masking (`analytics.masking`): the centre × type counts are suppressed with each type as the set
that shares a total (the per-type table shows it); « with » and « without » counts of a type are
suppressed together (they add up to the population); shares follow rule 3.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.analytics.home import Period
from parcours.warehouse.reader import Filters, Scope, Where, query

GROUP_LABELS = {
    "social": "Social",
    "employment": "Emploi",
    "training": "Formation",
    "other": "Autre",
}
RESULT_LABELS = {"completed": "Terminé", "ongoing": "En cours", "interrupted": "Interrompu"}


def _where(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(
        scope, filters, centre="p.centre_id", filiere="d.filiere", date="p.started_on"
    )


def _type_labels(frame: pl.DataFrame, column: str = "partner_type") -> pl.DataFrame:
    labels = contract.load().labels("partner_type")
    return frame.with_columns(
        pl.col(column).replace_strict(labels, default=pl.col(column)).alias("type_label")
    )


def by_type(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type: trainees reached, engagements, results (completed, ongoing,
    interrupted, unknown)."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select p.partner_type, any_value(p.partner_group) as partner_group,
            count(distinct (p.centre_id, p.participant_id))::bigint as trainees,
            count(*)::bigint as engagements,
            count(*) filter (where p.result = 'completed')::bigint as completed,
            count(*) filter (where p.result = 'ongoing')::bigint as ongoing,
            count(*) filter (where p.result = 'interrupted')::bigint as interrupted,
            count(*) filter (where p.result is null)::bigint as result_unknown
        from fct_partnerships p
        join dim_participants d using (centre_id, participant_id)
        where {where.sql}
        group by p.partner_type
        order by trainees desc, engagements desc, p.partner_type
        """,
        where.params,
    )
    frame = _type_labels(frame).with_columns(
        pl.col("partner_group").replace_strict(GROUP_LABELS, default="Autre").alias("group_label")
    )
    if scope.mask_small_counts:
        # Trainees and engagements are shown per type with no total; the results of a type add
        # up to its engagements.
        frame = masking.suppress(frame, ["trainees", "engagements"], within=None)
        results = ["completed", "ongoing", "interrupted", "result_unknown"]
        long = frame.select("partner_type", *results).unpivot(
            index="partner_type", variable_name="result", value_name="n"
        )
        long = masking.suppress(long, ["n"], within=["partner_type"])
        wide = long.pivot(on="result", index="partner_type", values="n")
        frame = frame.drop(results).join(wide, on="partner_type", how="left")
    return frame


def purposes(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Engagements per (partner type, purpose), for a stacked chart."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select p.partner_type, coalesce(p.purpose, 'unknown') as purpose,
            count(*)::bigint as engagements
        from fct_partnerships p
        join dim_participants d using (centre_id, participant_id)
        where {where.sql}
        group by all
        """,
        where.params,
    )
    labels = {**contract.load().labels("purpose"), "unknown": "Non précisé"}
    frame = _type_labels(frame).with_columns(
        pl.col("purpose").replace_strict(labels, default=pl.col("purpose")).alias("purpose_label")
    )
    return masking.suppress(
        frame, ["engagements"], within=["partner_type"], mask=scope.mask_small_counts
    ).sort("partner_type", "purpose")


def timing(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type: engagements with a known entry date, and the quartiles of the days
    from entry to the partnership's start."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select p.partner_type, count(*)::bigint as engagements,
            quantile_cont(p.started_on - d.entry_date, 0.25)::double as q1_days,
            median(p.started_on - d.entry_date)::double as median_days,
            quantile_cont(p.started_on - d.entry_date, 0.75)::double as q3_days
        from fct_partnerships p
        join dim_participants d using (centre_id, participant_id)
        where {where.sql} and d.entry_date is not null
        group by p.partner_type
        order by median_days
        """,
        where.params,
    )
    frame = _type_labels(frame)
    if scope.mask_small_counts:
        frame = masking.mask_where(
            frame,
            ["q1_days", "median_days", "q3_days"],
            pl.col("engagements") < masking.THRESHOLD,
        )
        frame = masking.suppress(frame, ["engagements"], within=None)
    return frame


def centre_heatmap(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Trainees reached per (centre, partner type)."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select p.centre_id, c.centre_name, p.partner_type,
            count(distinct p.participant_id)::bigint as trainees
        from fct_partnerships p
        join dim_participants d using (centre_id, participant_id)
        join dim_centres c on c.centre_id = p.centre_id
        where {where.sql}
        group by all
        """,
        where.params,
    )
    frame = _type_labels(frame)
    return masking.suppress(
        frame, ["trainees"], within=["partner_type"], mask=scope.mask_small_counts
    ).sort("centre_name", "partner_type")


def top_organisations(scope: Scope, filters: Filters, limit: int = 15) -> pl.DataFrame:
    """The partner organisations that reached the most trainees."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select p.partner_name, any_value(p.partner_type) as partner_type,
            count(distinct (p.centre_id, p.participant_id))::bigint as trainees,
            count(*)::bigint as engagements,
            count(distinct p.centre_id)::bigint as centres
        from fct_partnerships p
        join dim_participants d using (centre_id, participant_id)
        where {where.sql} and p.partner_name is not null
        group by p.partner_name
        order by trainees desc, engagements desc, p.partner_name
        limit $limit
        """,
        {**where.params, "limit": limit},
    )
    frame = _type_labels(frame)
    return masking.suppress(
        frame, ["trainees", "engagements"], within=None, mask=scope.mask_small_counts
    )


def association(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type and « with » / « without »: trainees, share with a milestone, share with
    a positive (latest) exit — among trainees in training during the period."""
    where = Where.scoped(scope, filters, use_years=False)
    params = dict(where.params)
    period_clause = "true"
    if filters.years:
        period_clause = "entry_date <= $p_end and (exit_date is null or exit_date >= $p_start)"
        params.update(Period.of_years(filters.years).params)
    frame = query(
        f"""
        with population as (
            select centre_id, participant_id, has_milestone,
                coalesce(positive_exit, false) as positive_exit
            from dim_participants
            where {where.sql} and entry_date is not null and {period_clause}
        ),
        types as (select distinct partner_type from fct_partnerships
                  where partner_type is not null),
        reached as (
            select distinct centre_id, participant_id, partner_type from fct_partnerships
            where partner_type is not null
        ),
        everyone as (
            select count(*)::bigint as trainees,
                count(*) filter (where has_milestone)::bigint as with_milestone,
                count(*) filter (where positive_exit)::bigint as with_positive_exit
            from population
        ),
        -- « Without » = the whole population minus « with »: one join of the trainees reached
        -- instead of a (type × population) cross join.
        with_partner as (
            select r.partner_type, count(*)::bigint as trainees,
                count(*) filter (where pop.has_milestone)::bigint as with_milestone,
                count(*) filter (where pop.positive_exit)::bigint as with_positive_exit
            from population pop
            join reached r using (centre_id, participant_id)
            group by r.partner_type
        )
        select partner_type, true as with_partner, trainees, with_milestone, with_positive_exit
        from with_partner
        union all
        select t.partner_type, false as with_partner,
            e.trainees - coalesce(w.trainees, 0) as trainees,
            e.with_milestone - coalesce(w.with_milestone, 0) as with_milestone,
            e.with_positive_exit - coalesce(w.with_positive_exit, 0) as with_positive_exit
        from types t
        cross join everyone e
        left join with_partner w using (partner_type)
        where e.trainees - coalesce(w.trainees, 0) > 0
        """,
        params,
    )
    if frame.is_empty():
        return frame
    # Keep the types that reached someone in this population.
    reached_types = frame.filter(pl.col("with_partner"))["partner_type"].unique()
    frame = frame.filter(pl.col("partner_type").is_in(reached_types.implode()))
    mask = scope.mask_small_counts

    def share(num: str) -> pl.Expr:
        return pl.struct(num, "trainees").map_elements(
            lambda s: masking.share(s[num], s["trainees"], mask), return_dtype=pl.Float64
        )

    frame = frame.with_columns(
        share("with_milestone").alias("milestone_share"),
        share("with_positive_exit").alias("positive_exit_share"),
        pl.when(pl.col("with_partner"))
        .then(pl.lit("Avec ce partenariat"))
        .otherwise(pl.lit("Sans ce partenariat"))
        .alias("group"),
    )
    frame = masking.suppress(frame, ["trainees"], within=["partner_type"], mask=mask)
    if mask:
        # The numerators are only shown as shares (masked by rule 3).
        frame = frame.drop("with_milestone", "with_positive_exit")
    return _type_labels(frame).sort("partner_type", "with_partner", descending=[False, True])
