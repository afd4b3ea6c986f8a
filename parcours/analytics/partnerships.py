"""Partenariats: which partners are mobilised, for what, when in the path, by which centres, and
how trainees with and without each partnership fare.

Definitions (captions on the page):
- a partnership is a record of `fct_partnerships`; the selected years apply to its start date;
- trainees reached: distinct trainees with at least one partnership of the type; engagements:
  partnership records;
- when: days from the trainee's entry to the partnership's start (median and quartiles);
- association: among the trainees in training during the period, the share who reached at least
  one milestone, and the share whose latest exit is positive, with and without at least one
  partnership of each type (any time in their path), each with its count and its Wilson 95 %
  interval. This describes an association, not a cause: trainees are not sent to partners at
  random. Combinations true by definition are left out (`CIRCULAR`): a qualifying training or
  an adult-education course entered with the partner *is* an exit to training, a job with the
  employer *is* an exit to employment, an internship with an employer *is* the milestone
  « premier stage ».

Masking (`analytics.masking`, page level in `page`): a type's results add up to its partnerships,
its purposes too, its centres' trainees to its trainees, the partnerships of the timing table are
those with a known entry date; « with » and « without » add up to the same population for every
type (so do their numerators), and each numerator is part of its row's trainees.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.analytics.home import Period, in_training
from parcours.core import frames
from parcours.warehouse.reader import Filters, Scope, Where, query

GROUP_LABELS = contract.group_labels("partner_type")
RESULT_LABELS = {"completed": "Terminé", "ongoing": "En cours", "interrupted": "Interrompu"}
RESULTS = ("completed", "ongoing", "interrupted", "result_unknown")
MEASURES = {"milestone": "with_milestone", "positive_exit": "with_positive_exit"}
# The base each figure counts a partner type's trainees on, in words for its heading: the same
# type reads 756 in one and 1 304 in the other when the base is not said (issue 14).
BASES = {
    "by_type": "stagiaires dont un partenariat de ce type a commencé pendant la période",
    "association": "stagiaires en formation pendant la période, avec un partenariat de ce type "
    "à un moment de leur parcours",
}
# (partner type, measure) true — or false — by definition, and why: not shown as an association.
CIRCULAR = {
    ("other_cisp", "positive_exit"): "aller vers l'autre CISP partenaire est une sortie vers un "
    "autre CISP, qui n'est pas une sortie positive (ni emploi ni formation)",
    ("qualifying_training", "positive_exit"): "entrer dans la formation qualifiante du partenaire "
    "est une sortie vers la formation",
    ("adult_education", "positive_exit"): "suivre l'enseignement de promotion sociale du "
    "partenaire est une sortie vers la formation",
    ("employer", "positive_exit"): "être embauché par l'employeur partenaire est une sortie vers "
    "l'emploi",
    ("employer", "milestone"): "un stage chez l'employeur partenaire est l'étape « premier stage »",
    ("qualifying_training", "milestone"): "entrer dans la formation qualifiante du partenaire est "
    "l'étape « entrée en formation qualifiante »",
    ("skills_validation", "milestone"): "la validation des compétences avec le partenaire est "
    "l'étape « titre de validation des compétences »",
}


def _where(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(
        scope,
        filters,
        centre="p.centre_id",
        filiere="d.filiere",
        date="p.started_on",
        participant="p.participant_id",
    )


def _type_labels(frame: pl.DataFrame, column: str = "partner_type") -> pl.DataFrame:
    labels = contract.load().labels("partner_type")
    return frame.with_columns(
        pl.col(column).replace_strict(labels, default=pl.col(column)).alias("type_label")
    )


def _by_type_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return _type_labels(frame).with_columns(
        pl.col("partner_group").replace_strict(GROUP_LABELS, default="Autre").alias("group_label")
    )


def _type_cell(page: masking.Page, column: str, partner_type: str | None) -> int | None:
    cond = (
        pl.col("partner_type").is_null()
        if partner_type is None
        else pl.col("partner_type") == partner_type
    )
    return page.ref("types", column, cond)


def _by_type_relations(page: masking.Page) -> None:
    """A type's results add up to its partnerships."""
    for row in range(page.height("types")):
        page.total(
            page.at("types", row, "engagements"), [page.at("types", row, r) for r in RESULTS]
        )


def by_type(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type: trainees reached, engagements, results (completed, ongoing,
    interrupted, unknown). Masked on its own (the page masks it with the rest: `page`)."""
    page = masking.Page(scope.mask_small_counts)
    page.add("types", _by_type_raw(scope, filters), ["trainees", "engagements", *RESULTS])
    _by_type_relations(page)
    return page.run()["types"]


def _purposes_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return (
        _type_labels(frame)
        .with_columns(
            pl.col("purpose")
            .replace_strict(labels, default=pl.col("purpose"))
            .alias("purpose_label")
        )
        .sort("partner_type", "purpose")
    )


def purposes(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Engagements per (partner type, purpose), for a stacked chart."""
    page = masking.Page(scope.mask_small_counts)
    page.add("purposes", _purposes_raw(scope, filters), ["engagements"])
    page.totals_within("purposes", "engagements", ["partner_type"])
    return page.run()["purposes"]


def _timing_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return _type_labels(frame)


def _timing_result(frame: pl.DataFrame, mask: bool) -> pl.DataFrame:
    quartiles = ["q1_days", "median_days", "q3_days"]
    frame = frame.with_columns(pl.col(c).round(0) for c in quartiles)
    if mask:
        few = pl.col("engagements").is_null() | (pl.col("engagements") < masking.THRESHOLD)
        frame = masking.mask_where(frame, quartiles, few)
    return frame


def timing(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type: engagements with a known entry date, and the quartiles of the days
    from entry to the partnership's start."""
    page = masking.Page(scope.mask_small_counts)
    page.add("timing", _timing_raw(scope, filters), ["engagements"])
    return _timing_result(page.run()["timing"], scope.mask_small_counts)


def _heatmap_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
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
    return _type_labels(frame).sort("centre_name", "partner_type")


def centre_heatmap(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Trainees reached per (centre, partner type)."""
    page = masking.Page(scope.mask_small_counts)
    page.add("heatmap", _heatmap_raw(scope, filters), ["trainees"])
    page.totals_within("heatmap", "trainees", ["partner_type"])
    return page.run()["heatmap"]


def _organisations_raw(scope: Scope, filters: Filters, limit: int) -> pl.DataFrame:
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
    return _type_labels(frame)


def top_organisations(scope: Scope, filters: Filters, limit: int = 15) -> pl.DataFrame:
    """The partner organisations that reached the most trainees."""
    page = masking.Page(scope.mask_small_counts)
    page.add(
        "organisations", _organisations_raw(scope, filters, limit), ["trainees", "engagements"]
    )
    return page.run()["organisations"]


def _association_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Unmasked: per partner type and « with » / « without »: trainees, with_milestone,
    with_positive_exit — among trainees in training during the period."""
    where = Where.scoped(scope, filters, use_years=False, participant="participant_id")
    params = dict(where.params)
    period_clause = "true"
    if filters.years:
        period_clause = in_training("d", "$p_first_year", "$p_last_year")
        params.update(Period.of_years(filters.years).year_params)
    frame = query(
        f"""
        with population as (
            select centre_id, participant_id, has_milestone,
                coalesce(positive_exit, false) as positive_exit
            from dim_participants d
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
    return _type_labels(frame).sort("partner_type", "with_partner", descending=[False, True])


def _association_relations(page: masking.Page) -> None:
    """« With » and « without » of every type add up to the same population (one hidden total,
    shared by all the types), and so do their numerators; a numerator is part of its row's
    trainees. A combination true by definition is not shown (`CIRCULAR`)."""
    frame = page.frame("association")
    totals = {c: None for c in ("trainees", *MEASURES.values())}
    for (partner_type,), rows in frame.with_row_index("__row").group_by(
        ["partner_type"], maintain_order=True
    ):
        index = rows["__row"].to_list()
        for measure, column in MEASURES.items():
            cells = [page.at("association", r, column) for r in index]
            if (partner_type, measure) in CIRCULAR:
                page.conceal(cells)
        for column in totals:
            cells = [page.at("association", r, column) for r in index]
            if totals[column] is None:
                totals[column] = page.hidden(sum(page.value(c) for c in cells))
            page.total(totals[column], cells)
        for r in index:
            for column in MEASURES.values():
                page.complement(
                    page.at("association", r, "trainees"), page.at("association", r, column)
                )


def _association_result(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.is_empty():
        return frame
    for measure, column in MEASURES.items():
        frame = masking.shares(frame, column, "trainees", f"{measure}_share")
        excluded = frames.each(
            frame, "partner_type", lambda t, m=measure: (t, m) in CIRCULAR, pl.Boolean,
            skip_nulls=False,
        )  # fmt: skip
        frame = frame.with_columns(excluded.alias(f"{measure}_excluded")).with_columns(
            pl.when(pl.col(f"{measure}_excluded"))
            .then(False)
            .otherwise(pl.col(f"{measure}_share_masked"))
            .alias(f"{measure}_share_masked")
        )
    return frame.with_columns(
        pl.when(pl.col("with_partner"))
        .then(pl.lit("Avec ce partenariat"))
        .otherwise(pl.lit("Sans ce partenariat"))
        .alias("group")
    )


def association(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type and « with » / « without »: trainees, with_milestone and
    with_positive_exit (counts), milestone_share and positive_exit_share (with their Wilson 95 %
    intervals `_low` / `_high`), `<measure>_excluded` for the combinations true by definition
    (`CIRCULAR`, shown as nothing) — among trainees in training during the period."""
    raw = _association_raw(scope, filters)
    if raw.is_empty():
        return raw
    page = masking.Page(scope.mask_small_counts)
    page.add("association", raw, ["trainees", *MEASURES.values()])
    _association_relations(page)
    return _association_result(page.run()["association"])


def page(scope: Scope, filters: Filters) -> dict[str, pl.DataFrame]:
    """Everything the Partenariats page shows, masked together (`masking.Page`): `types`,
    `purposes`, `timing`, `heatmap`, `organisations` and `association`.

    What adds up on the page: a type's results and its purposes add up to its partnerships, the
    timing table's partnerships are those of the type with a known entry date, the centres'
    trainees of a type add up to the type's trainees; for the association, see
    `_association_relations`."""
    mask = scope.mask_small_counts
    page = masking.Page(mask)
    types = page.add(
        "types", _by_type_raw(scope, filters), ["trainees", "engagements", *RESULTS], cost=5
    )
    page.add("purposes", _purposes_raw(scope, filters), ["engagements"])
    page.add("timing", _timing_raw(scope, filters), ["engagements"])
    page.add("heatmap", _heatmap_raw(scope, filters), ["trainees"])
    page.add("organisations", _organisations_raw(scope, filters, 15), ["trainees", "engagements"])
    association_raw = _association_raw(scope, filters)
    if not association_raw.is_empty():
        page.add("association", association_raw, ["trainees", *MEASURES.values()], cost=3)
        _association_relations(page)
    _by_type_relations(page)

    def of_type(column: str):
        return lambda key: _type_cell(page, column, key["partner_type"])

    page.totals_within("purposes", "engagements", ["partner_type"], of_type("engagements"))
    page.totals_within("heatmap", "trainees", ["partner_type"], of_type("trainees"))
    for partner_type in types["partner_type"].to_list():
        cond = (
            pl.col("partner_type").is_null()
            if partner_type is None
            else pl.col("partner_type") == partner_type
        )
        page.total(
            _type_cell(page, "engagements", partner_type),
            [page.ref("timing", "engagements", cond)],
        )
    frames = page.run()
    return {
        "types": frames["types"],
        "purposes": frames["purposes"],
        "timing": _timing_result(frames["timing"], mask),
        "heatmap": frames["heatmap"],
        "organisations": frames["organisations"],
        "association": _association_result(frames.get("association", association_raw)),
    }
