"""Accueil: the period's key figures and the « chiffres clés » the Interfédé publishes.

Definitions (shown on the page as captions):
- period: the selected years (1 January of the first to 31 December of the last); the previous
  period has the same length and ends the day before.
- trainees in training: declared trainees who entered on or before the period's end and had not
  left before its start (their latest exit, if any, is on or after the start);
- entries: entry date in the period; exits: exit records dated in the period; positive exits:
  those whose destination is in the employment or training group of codes.csv;
- hours: training hours of the months in the period;
- with a barrier lifted / a milestone: trainees in training during the period with at least one
  barrier episode lifted / one milestone achieved in the period.

Every count goes through `parcours.analytics.masking` when the scope asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from parcours.analytics import masking
from parcours.warehouse.reader import Filters, Scope, Where, query

FIGURES = (
    ("in_training", "Stagiaires en formation"),
    ("entries", "Entrées"),
    ("exits", "Sorties"),
    ("hours", "Heures de formation"),
    ("with_barrier_lifted", "Avec un frein levé"),
    ("with_milestone", "Avec une étape franchie"),
    ("positive_exits", "Sorties positives"),
)
PERSON_COUNTS = ("in_training", "entries", "exits", "with_barrier_lifted", "with_milestone",
                 "positive_exits")  # fmt: skip
DESTINATION_GROUPS = {
    "training": "Formation",
    "employment": "Emploi",
    "pathway": "Autre CISP",
    "none": "Sans emploi ni formation",
}
CENTRE_TYPES = ("DéFI seulement", "EFT seulement", "DéFI et EFT", "Autre")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def of_years(cls, years: tuple[int, int]) -> Period:
        return cls(date(years[0], 1, 1), date(years[1], 12, 31))

    def previous(self) -> Period:
        span = self.end.year - self.start.year + 1
        return Period(date(self.start.year - span, 1, 1), date(self.end.year - span, 12, 31))

    @property
    def params(self) -> dict:
        return {"p_start": self.start, "p_end": self.end}


def _participants(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(scope, filters, use_years=False)


def raw_figures(scope: Scope, filters: Filters, *periods: Period) -> list[dict[str, float]]:
    """The key figures of each period, unmasked (callers mask).

    One query for all the periods: each fact table is read once, each period's figure being a
    filtered aggregate (`$s0`/`$e0` the bounds of the first period, and so on)."""
    where = _participants(scope, filters)
    params: dict = dict(where.params)
    for i, period in enumerate(periods):
        params[f"s{i}"], params[f"e{i}"] = period.start, period.end
    # Each fact table is read only over the span of the periods (lets DuckDB skip row groups).
    params["lo"] = min(period.start for period in periods)
    params["hi"] = max(period.end for period in periods)

    def each(template: str) -> str:
        return ",\n            ".join(
            template.format(s=f"$s{i}", e=f"$e{i}", i=i) for i in range(len(periods))
        )

    inside = "p.entry_date <= {e} and (p.exit_date is null or p.exit_date >= {s})"
    sql = f"""
        with p as (
            select centre_id, participant_id, entry_date, exit_date
            from dim_participants where {where.sql} and entry_date is not null
        ),
        people as (
            select {each(f"count(*) filter (where {inside}) as in_training_{{i}}")},
            {each("count(*) filter (where p.entry_date between {s} and {e}) as entries_{i}")}
            from p
        ),
        exits as (
            select {each("count(*) filter (where e.exit_date between {s} and {e}) as exits_{i}")},
            {
        each(
            "count(*) filter (where e.exit_date between {s} and {e} and e.positive_exit) "
            "as positive_exits_{i}"
        )
    }
            from fct_exits e join p using (centre_id, participant_id)
            where e.exit_date between $lo and $hi
        ),
        hours as (
            select {
        each("coalesce(sum(h.hours) filter (where h.month between {s} and {e}), 0) as hours_{i}")
    }
            from fct_hours h join p using (centre_id, participant_id)
            where h.month between $lo and $hi
        ),
        lifted as (
            select {
        each(
            "count(distinct (b.centre_id, b.participant_id)) filter (where b.lifted_on "
            f"between {{s}} and {{e}} and {inside}) as with_barrier_lifted_{{i}}"
        )
    }
            from fct_barrier_episodes b join p using (centre_id, participant_id)
            where b.lifted_on between $lo and $hi
        ),
        milestones as (
            select {
        each(
            "count(distinct (m.centre_id, m.participant_id)) filter (where m.achieved_on "
            f"between {{s}} and {{e}} and {inside}) as with_milestone_{{i}}"
        )
    }
            from fct_milestones m join p using (centre_id, participant_id)
            where m.achieved_on between $lo and $hi
        )
        select * from people, exits, hours, lifted, milestones
    """
    row = query(sql, params).row(0, named=True)
    keys = ("in_training", "entries", "exits", "positive_exits", "hours",
            "with_barrier_lifted", "with_milestone")  # fmt: skip
    return [
        {k: (float(row[f"{k}_{i}"]) if k == "hours" else int(row[f"{k}_{i}"])) for k in keys}
        for i in range(len(periods))
    ]


def key_figures(scope: Scope, filters: Filters) -> pl.DataFrame:
    """One row per key figure: figure, label, value, previous, change, share, share_previous
    (share: of trainees in training, or of exits for positive exits). Masked values are null."""
    if filters.years is None:
        raise ValueError("key figures need a period")
    period = Period.of_years(filters.years)
    now, before = raw_figures(scope, filters, period, period.previous())
    mask = scope.mask_small_counts
    rows = []
    for key, label in FIGURES:
        cur, prev = now[key], before[key]
        if key in PERSON_COUNTS:
            value, previous = masking.count(cur, mask), masking.count(prev, mask)
            change = masking.change(cur, prev, mask)
        else:
            value, previous, change = cur, prev, cur - prev
        base = "exits" if key == "positive_exits" else "in_training"
        share = prev_share = None
        if key in ("with_barrier_lifted", "with_milestone", "positive_exits"):
            share = masking.share(cur, now[base], mask)
            prev_share = masking.share(prev, before[base], mask)
        rows.append(
            {
                "figure": key,
                "label": label,
                "value": None if value is None else float(value),
                "previous": None if previous is None else float(previous),
                "change": None if change is None else float(change),
                "share": share,
                "share_previous": prev_share,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"share": pl.Float64, "share_previous": pl.Float64})


def chiffres_cles(scope: Scope, filters: Filters, year: int) -> dict[str, pl.DataFrame | dict]:
    """The Interfédé's published indicators for one year, on the scope and the other filters.

    - centres by filière type: centres with trainees in training that year, by the filières they
      ran (DéFI only, EFT only, both, other);
    - filières: distinct (centre, filière, training area) with trainees in training that year;
    - trainees: trainees in training that year; hours: hours of that year's months;
    - destinations: exits of that year with a known destination, by destination group.

    Counts of centres and filières are organisations, not persons: they are not masked.
    """
    period = Period.of_years((year, year))
    where = _participants(scope, filters)
    joined = Where.scoped(
        scope, filters, centre="d.centre_id", filiere="d.filiere", use_years=False
    )
    params = {**where.params, **period.params}
    inside = f"""
        select centre_id, participant_id, filiere, training_area
        from dim_participants
        where {where.sql} and entry_date is not null
          and entry_date <= $p_end and (exit_date is null or exit_date >= $p_start)
    """
    centres = query(
        f"""
        with inside as ({inside}),
        per_centre as (
            select centre_id,
                bool_or(filiere = 'defi') as has_defi, bool_or(filiere = 'eft') as has_eft
            from inside group by centre_id
        )
        select case
                when has_defi and has_eft then 'DéFI et EFT'
                when has_defi then 'DéFI seulement'
                when has_eft then 'EFT seulement'
                else 'Autre' end as centre_type,
            count(*)::integer as centres
        from per_centre group by all
        """,
        params,
    )
    centres = (
        pl.DataFrame({"centre_type": list(CENTRE_TYPES)})
        .join(centres, on="centre_type", how="left")
        .with_columns(pl.col("centres").fill_null(0))
    )
    totals = query(
        f"""
        with inside as ({inside})
        select
            (select count(distinct centre_id) from inside) as centres,
            (select count(distinct (centre_id, filiere, coalesce(training_area, '')))
                from inside) as filieres,
            (select count(*) from inside) as trainees,
            (select coalesce(sum(h.hours), 0)
                from fct_hours h
                join dim_participants d using (centre_id, participant_id)
                where {joined.sql} and h.month between $p_start and $p_end) as hours
        """,
        params,
    ).row(0, named=True)
    destinations = query(
        f"""
        select e.destination_group as destination_group, count(*)::integer as exits
        from fct_exits e
        join dim_participants d using (centre_id, participant_id)
        where {joined.sql}
          and e.exit_date between $p_start and $p_end
          and e.destination_group is not null and e.destination_group <> 'unknown'
        group by all
        """,
        params,
    )
    destinations = (
        pl.DataFrame({"destination_group": list(DESTINATION_GROUPS)})
        .join(destinations, on="destination_group", how="left")
        .with_columns(
            pl.col("exits").fill_null(0),
            pl.col("destination_group").replace_strict(DESTINATION_GROUPS).alias("destination"),
        )
    )
    known = int(destinations["exits"].sum())
    mask = scope.mask_small_counts
    destinations = masking.suppress(destinations, ["exits"], within=(), mask=mask)
    destinations = destinations.with_columns(
        pl.col("exits")
        .map_elements(lambda n: masking.share(n, known, mask), return_dtype=pl.Float64)
        .alias("share")
    )
    return {
        "centres_by_type": centres,
        "figures": {
            "centres": int(totals["centres"]),
            "filieres": int(totals["filieres"]),
            "trainees": masking.count(int(totals["trainees"]), mask),
            "hours": float(totals["hours"]),
            "known_destinations": masking.count(known, mask),
        },
        "destinations": destinations.select("destination", "exits", "share"),
    }


def monthly(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per month of the period (`agg_centre_month`): trainees in training, entries, exits,
    positive exits, hours. Counts are masked one by one (no total is shown with them)."""
    where = Where.scoped(scope, filters, date="month")
    frame = query(
        f"""
        select month,
            sum(participants_in_training)::bigint as in_training,
            sum(entries)::bigint as entries,
            sum(exits)::bigint as exits,
            sum(positive_exits)::bigint as positive_exits,
            sum(hours)::double as hours
        from agg_centre_month
        where {where.sql}
        group by month
        order by month
        """,
        where.params,
    )
    return masking.suppress(
        frame,
        ["in_training", "entries", "exits", "positive_exits"],
        within=None,
        mask=scope.mask_small_counts,
    )
