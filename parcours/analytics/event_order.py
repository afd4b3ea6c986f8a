"""Trajectoires — « Les freins d'abord »: the order of events along the path of an entry cohort
(`agg_event_order`, `agg_steps_after_lifts`, built by dbt).

Definitions (captions on the page):
- months since entry are calendar months from the entry month (0 = the entry month), as in the
  chronogram;
- first barrier lift: the first barrier episode lifted (an assessment at level 0 after a level
  ≥ 1, INTERFACES §3); first victory: the first milestone of any kind (« chaque étape compte »);
- **qualifying step** (decision written down here and in the dbt YAML): the first milestone of
  the « qualification » group of codes.csv (titre de validation des compétences, CEB, CE1D, CESS
  obtenus, entrée en formation qualifiante) or an exit whose destination is in the « training »
  group (formation qualifiante, enseignement de promotion sociale), whichever comes first — the
  sector's « formation qualifiante » and recognised certificates, not every course;
- exit: the latest exit;
- the median is the month by which half of the trainees who reached the event had reached it
  (the smaller middle value for an even number), over those trainees only, shown with their
  number and the cohort's size;
- steps after a lift, by barrier group: among the trainees who had a barrier of the group and
  reached a qualifying step or a job (the milestone « contrat de travail signé » or an exit to
  employment), the share whose first lift of a barrier of that group came on or before the day
  of their first such step.

Masking (`masking.Page`): the number of trainees behind each median is a part of the cohort
(its complement, the trainees without that event, is protected too); a median over fewer than 5
trainees is masked. Each share is masked with its numerator or its base, and the trainees of the
base without a lift first are protected.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import barriers, masking
from parcours.warehouse.reader import Filters, Scope, Where, query

EVENTS = {
    "first_lift": "Premier frein levé",
    "first_victory": "Première victoire (étape franchie)",
    "qualifying_step": "Première étape qualifiante",
    "exit": "Sortie",
}
# Whom each step's median counts: every step has its own trainees (those who reached it), so
# medians side by side are not one sequence of the same people.
COUNTED = {
    "first_lift": "stagiaires dont un frein évalué a été levé",
    "first_victory": "stagiaires ayant franchi au moins une étape",
    "qualifying_step": "stagiaires ayant atteint une étape qualifiante",
    "exit": "stagiaires sortis",
}
STEP_DEFINITIONS = (
    "Premier frein levé : la première évaluation à 0 après un niveau de 1 à 3. Première "
    "victoire : la première étape franchie, quelle qu'elle soit (permis, stage, logement…). "
    "Étape qualifiante : un titre de validation des compétences, un CEB, CE1D ou CESS obtenu, "
    "l'entrée en formation qualifiante, ou une sortie vers une formation (formation "
    "qualifiante, promotion sociale), la première des deux. Sortie : la dernière sortie."
)
GROUP_LABELS = {**barriers.GROUP_LABELS, **contract.series_labels("barrier.group.extra")}
GROUP_ORDER = ["all", *barriers.GROUP_LABELS, "other"]
COHORT_COST = masking.SHOWN_ELSEWHERE  # the cohort's size: the chronogram shows it as it is


def _where(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(scope, filters, use_years=False, population_columns="")


def median_month(months: list[int], counts: list[int]) -> int | None:
    """The smallest month by which at least half of the trainees had the event."""
    n = sum(counts)
    if not n:
        return None
    running = 0
    for month, count in sorted(zip(months, counts, strict=True)):
        running += count
        if 2 * running >= n:
            return month
    return None


def cohort_size(scope: Scope, filters: Filters, entry_year: int) -> int:
    """The trainees of the entry cohort (the chronogram's month 0), unmasked."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select coalesce(sum(trainees), 0)::bigint as trainees from agg_cohort_state_spells
        where {where.sql} and entry_year = $entry_year and months_since_entry_from = 0
        """,
        {**where.params, "entry_year": entry_year},
    )
    return int(frame["trainees"][0])


def _events_raw(scope: Scope, filters: Filters, entry_year: int) -> pl.DataFrame:
    where = _where(scope, filters)
    hist = query(
        f"""
        select event_kind, months_since_entry, sum(trainees)::bigint as trainees
        from agg_event_order
        where {where.sql} and entry_year = $entry_year
        group by all
        """,
        {**where.params, "entry_year": entry_year},
    )
    rows = []
    for event in EVENTS:
        part = hist.filter(pl.col("event_kind") == event)
        months, counts = part["months_since_entry"].to_list(), part["trainees"].to_list()
        rows.append(
            {
                "event": event,
                "label": EVENTS[event],
                "counted": COUNTED[event],
                "trainees": int(sum(counts)),
                "median_months": median_month(months, counts),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "event": pl.String,
            "label": pl.String,
            "counted": pl.String,
            "trainees": pl.Int64,
            "median_months": pl.Int64,
        },
    )


def _after_lifts_raw(scope: Scope, filters: Filters, entry_year: int) -> pl.DataFrame:
    where = _where(scope, filters)
    frame = query(
        f"""
        select barrier_group, sum(trainees_with_step)::bigint as trainees_with_step,
               sum(step_after_lift)::bigint as step_after_lift
        from agg_steps_after_lifts
        where {where.sql} and entry_year = $entry_year
        group by all
        """,
        {**where.params, "entry_year": entry_year},
    )
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    return (
        frame.with_columns(
            pl.col("barrier_group").replace_strict(GROUP_LABELS, default="Autre").alias("label"),
            pl.col("barrier_group").replace_strict(rank, default=99).alias("__rank"),
        )
        .sort("__rank")
        .drop("__rank")
    )


def add_cohort(page: masking.Page, scope: Scope, filters: Filters, entry_year: int) -> int:
    """Register the cohort's size (shown above, by the chronogram: never the one masked here);
    returns its cell."""
    cohort = cohort_size(scope, filters, entry_year)
    page.add("cohort", pl.DataFrame({"trainees": [cohort]}), ["trainees"], cost=COHORT_COST)
    return page.at("cohort", 0, "trainees")


def event_order(scope: Scope, filters: Filters, entry_year: int) -> dict[str, pl.DataFrame]:
    """`events`: one row per event (`event`, `label`, `counted`: whom its median counts,
    `trainees` with it, `median_months`, `cohort`); `after_lifts`: one row per barrier group
    (`barrier_group`, `label`, `trainees_with_step`, `step_after_lift`, `share`), masked
    together (`<count>_shown`, `<count>_masked`, `share_masked`)."""
    page = masking.Page(scope.mask_small_counts)
    cohort = add_cohort(page, scope, filters, entry_year)
    add_to(page, scope, filters, entry_year, cohort)
    return result(page.run(), page)


def add_to(page: masking.Page, scope: Scope, filters: Filters, entry_year: int, cohort: int):
    """Register the section's frames on `page` (`cohort`: the cell of the cohort's size)."""
    events = _events_raw(scope, filters, entry_year)
    after = _after_lifts_raw(scope, filters, entry_year)
    page.add("events", events, ["trainees"])
    page.add("after_lifts", after, ["trainees_with_step", "step_after_lift"])
    for row in range(events.height):
        page.complement(cohort, page.at("events", row, "trainees"))
    for row in range(after.height):
        page.complement(
            page.at("after_lifts", row, "trainees_with_step"),
            page.at("after_lifts", row, "step_after_lift"),
        )


def result(out: dict[str, pl.DataFrame], page: masking.Page) -> dict[str, pl.DataFrame]:
    """The section's frames from a page's `run()`; medians over fewer than 5 masked."""
    raw_n = page.frame("events")["trainees"]
    events = out["events"].with_columns(
        pl.lit(out["cohort"]["trainees"][0], pl.Int64).alias("cohort"),
        pl.lit(out["cohort"]["trainees_shown"][0], pl.String).alias("cohort_shown"),
        # A median over fewer than 5 trainees is masked (rule 3).
        pl.when(pl.lit(page.mask) & (raw_n < masking.THRESHOLD))
        .then(None)
        .otherwise(pl.col("median_months"))
        .alias("median_months"),
    )
    after = masking.shares(out["after_lifts"], "step_after_lift", "trainees_with_step", "share")
    return {"events": events, "after_lifts": after}
