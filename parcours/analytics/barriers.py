"""Freins levés: barriers identified, lifted, how long it takes, how far people travel.

Definitions (the page shows them as captions):
- an episode is a barrier episode of `fct_barrier_episodes` (INTERFACES §3); the selected years
  apply to the date it was identified;
- trainees concerned: distinct trainees with at least one episode; lift rate: lifted episodes /
  episodes; setbacks: episodes numbered 2 or more (the barrier came back after a lift);
- time to lift: Kaplan–Meier product-limit estimate over every episode, a lifted one being an
  event at `days_to_lift`, an open one censored at `observed_days` (its last assessment). The
  median of the lifted episodes alone would ignore the ones still open, which are the long ones:
  it is biased downwards;
- distance travelled: per (trainee, barrier), the level at the first assessment (the first
  episode's initial level) and at the latest one (the last episode's last level), averaged per
  barrier — Outcomes-Star style.

Masking (`analytics.masking`): counts per barrier are suppressed with their group as the set that
shares a total; rates, medians, curves and mean levels over fewer than 5 episodes or trainees
are masked.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.warehouse.reader import Filters, Scope, Where, query

COUNTS = ("trainees", "episodes", "lifted", "setbacks", "trainees_with_setback")
GROUP_LABELS = {"psychosocial": "Psychosocial", "material": "Matériel", "skills": "Compétences"}


def kaplan_meier(durations, events) -> pl.DataFrame:
    """Product-limit estimator. durations: days (≥ 0); events: 1 = lifted, 0 = censored.

    One row per distinct time with an event or a censoring (plus time 0): time, at_risk,
    events, censored, survival (share of episodes still open just after `time`). At a time with
    both, the censored episodes count as at risk (the usual convention)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if d.size == 0:
        return pl.DataFrame(
            {"time": [0.0], "at_risk": [0], "events": [0], "censored": [0], "survival": [1.0]}
        )
    times = np.unique(d)
    at_risk = np.array([(d >= t).sum() for t in times])
    n_events = np.array([(e & (d == t)).sum() for t in times])
    n_censored = np.array([(~e & (d == t)).sum() for t in times])
    survival = np.cumprod(1.0 - n_events / at_risk)
    frame = pl.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(np.int64),
            "events": n_events.astype(np.int64),
            "censored": n_censored.astype(np.int64),
            "survival": survival,
        }
    )
    if times[0] > 0:
        start = pl.DataFrame(
            {
                "time": [0.0],
                "at_risk": [int(d.size)],
                "events": [0],
                "censored": [0],
                "survival": [1.0],
            }  # fmt: skip
        ).cast(frame.schema)
        frame = pl.concat([start, frame])
    return frame


def km_median(curve: pl.DataFrame) -> float | None:
    """The first time the survival falls to 0.5 or below; None if it never does (more than half
    of the episodes were still open at the last observation)."""
    reached = curve.filter(pl.col("survival") <= 0.5 + 1e-12)
    return None if reached.is_empty() else float(reached["time"][0])


def _episodes(scope: Scope, filters: Filters) -> pl.DataFrame:
    where = Where.scoped(
        scope, filters, centre="e.centre_id", filiere="d.filiere", date="e.identified_on"
    )
    return query(
        f"""
        select e.centre_id, e.participant_id, e.barrier, e.barrier_group, e.episode_number,
            e.is_lifted, e.is_setback,
            coalesce(e.days_to_lift, e.observed_days)::double as duration
        from fct_barrier_episodes e
        join dim_participants d using (centre_id, participant_id)
        where {where.sql}
        """,
        where.params,
    )


def _labels(frame: pl.DataFrame) -> pl.DataFrame:
    labels = contract.load().labels("barrier")
    return frame.with_columns(
        pl.col("barrier").replace_strict(labels, default=pl.col("barrier")).alias("barrier_label"),
        pl.col("barrier_group").replace_strict(GROUP_LABELS, default="Autre").alias("group_label"),
    )


def summary(scope: Scope, filters: Filters, by: str = "barrier") -> pl.DataFrame:
    """One row per barrier (by="barrier") or per group (by="barrier_group"): trainees, episodes,
    lifted, lift_rate, setbacks, trainees_with_setback, km_median_days, naive_median_days."""
    episodes = _episodes(scope, filters)
    keys = ["barrier", "barrier_group"] if by == "barrier" else ["barrier_group"]
    if episodes.is_empty():
        return pl.DataFrame()
    grouped = (
        episodes.group_by(keys)
        .agg(
            pl.struct("centre_id", "participant_id").n_unique().alias("trainees"),
            pl.len().alias("episodes"),
            pl.col("is_lifted").sum().alias("lifted"),
            pl.col("is_setback").sum().alias("setbacks"),
            pl.struct("centre_id", "participant_id")
            .filter(pl.col("is_setback"))
            .n_unique()
            .alias("trainees_with_setback"),
            pl.col("duration").filter(pl.col("is_lifted")).median().alias("naive_median_days"),
            pl.col("duration").alias("_d"),
            pl.col("is_lifted").alias("_e"),
        )
        .with_columns(
            pl.struct("_d", "_e")
            .map_elements(
                lambda s: km_median(kaplan_meier(s["_d"], s["_e"])), return_dtype=pl.Float64
            )
            .alias("km_median_days"),
            (pl.col("lifted") / pl.col("episodes")).alias("lift_rate"),
        )
        .drop("_d", "_e")
        .with_columns(pl.col(c).cast(pl.Int64) for c in COUNTS)
    )
    if "barrier" not in grouped.columns:
        grouped = grouped.with_columns(pl.lit(None, pl.String).alias("barrier"))
    grouped = _labels(grouped).sort("episodes", "barrier_label", descending=[True, False])
    if scope.mask_small_counts:
        small = (pl.col("episodes") < masking.THRESHOLD) | pl.col("episodes").is_null()
        rate_hidden = (
            pl.col("lifted").is_between(1, masking.THRESHOLD - 1)
            | (pl.col("episodes") - pl.col("lifted")).is_between(1, masking.THRESHOLD - 1)
            | small
        )
        grouped = grouped.with_columns(
            pl.when(rate_hidden).then(None).otherwise(pl.col("lift_rate")).alias("lift_rate")
        )
        grouped = masking.mask_where(grouped, ["km_median_days", "naive_median_days"], small)
        within = ["barrier_group"] if by == "barrier" else ()
        grouped = masking.suppress(
            grouped,
            COUNTS,
            within=within,
        )
    return grouped


def km_curves(scope: Scope, filters: Filters, by: str = "barrier_group") -> pl.DataFrame:
    """Kaplan–Meier curves of time to lift, one per group (or per barrier), plus « Tous les
    freins »: key, time, at_risk, events, censored, survival. When masking, a curve over fewer
    than 5 episodes is left out, the others stop when fewer than 5 episodes are still followed,
    and the per-day counts of lifts and censorings are null."""
    episodes = _labels(_episodes(scope, filters))
    column = "group_label" if by == "barrier_group" else "barrier_label"
    parts = [("Tous les freins", episodes)]
    parts += [(key, part) for (key,), part in episodes.partition_by(column, as_dict=True).items()]
    curves = []
    for key, part in parts:
        if part.height == 0:
            continue
        if scope.mask_small_counts and part.height < masking.THRESHOLD:
            continue
        curve = kaplan_meier(part["duration"], part["is_lifted"])
        if scope.mask_small_counts:
            # Drawn while at least 5 episodes are followed; the per-day counts are not shown.
            curve = curve.filter(pl.col("at_risk") >= masking.THRESHOLD).with_columns(
                pl.lit(None, pl.Int64).alias("events"), pl.lit(None, pl.Int64).alias("censored")
            )
        curves.append(curve.with_columns(pl.lit(key).alias("key")))
    if not curves:
        return pl.DataFrame()
    return pl.concat(curves).select("key", "time", "at_risk", "events", "censored", "survival")


def distance(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per barrier: trainees assessed, mean level at the first assessment and at the latest."""
    where = Where.scoped(
        scope, filters, centre="e.centre_id", filiere="d.filiere", date="e.identified_on"
    )
    frame = query(
        f"""
        with pairs as (
            select e.centre_id, e.participant_id, e.barrier, any_value(e.barrier_group) as bg,
                arg_min(e.initial_level, e.episode_number) as first_level,
                arg_max(e.last_level, e.episode_number) as latest_level
            from fct_barrier_episodes e
            join dim_participants d using (centre_id, participant_id)
            where {where.sql}
            group by all
        )
        select barrier, any_value(bg) as barrier_group, count(*)::bigint as trainees,
            avg(first_level)::double as first_level, avg(latest_level)::double as latest_level
        from pairs group by barrier
        """,
        where.params,
    )
    frame = _labels(frame).sort("barrier_label")
    if scope.mask_small_counts:
        frame = masking.mask_where(
            frame, ["first_level", "latest_level"], pl.col("trainees") < masking.THRESHOLD
        )
        frame = masking.suppress(frame, ["trainees"], within=None)
    return frame
