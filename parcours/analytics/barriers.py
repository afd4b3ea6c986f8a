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
from parcours.core import frames
from parcours.warehouse.reader import Filters, Scope, Where, query

COUNTS = ("trainees", "episodes", "lifted", "setbacks", "trainees_with_setback")
KM_MIN_AT_RISK = 10  # a curve is drawn, and read, only while at least this many are followed
KM_AT_RISK_EVERY = 90  # days between the numbers at risk shown under the curve
KM_GRID_DAYS = 30  # outside a centre's own data, the curve is shown every 30 days only
GROUP_LABELS = contract.group_labels("barrier")


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
    times, index = np.unique(d, return_inverse=True)
    n_events = np.bincount(index, weights=e, minlength=times.size).astype(np.int64)
    n_censored = np.bincount(index, weights=~e, minlength=times.size).astype(np.int64)
    # At risk at t: the episodes lasting t or more (sorted: one search for all the times).
    at_risk = d.size - np.searchsorted(np.sort(d), times, side="left")
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


def km_median(curve: pl.DataFrame, min_at_risk: int = 0) -> float | None:
    """The first time the survival falls to 0.5 or below; None if it never does (more than half
    of the episodes were still open at the last observation). With `min_at_risk`: only over
    the part of the curve where at least that many episodes are still followed."""
    reached = curve.filter((pl.col("survival") <= 0.5 + 1e-12) & (pl.col("at_risk") >= min_at_risk))
    return None if reached.is_empty() else float(reached["time"][0])


def cut(curve: pl.DataFrame, min_at_risk: int = KM_MIN_AT_RISK) -> pl.DataFrame:
    """The curve while at least `min_at_risk` episodes are still followed (at risk)."""
    return curve.filter(pl.col("at_risk") >= min_at_risk)


def at_risk_at(durations, times) -> list[int]:
    """The number of episodes still open and followed at each time (duration ≥ time)."""
    d = np.sort(np.asarray(durations, dtype=float))
    return [int(n) for n in d.size - np.searchsorted(d, np.asarray(times, float), side="left")]


def survival_at(curve: pl.DataFrame, times) -> list[float]:
    """The step function's value at each time (the last step at or before it)."""
    t = curve["time"].to_numpy()
    s = curve["survival"].to_numpy()
    return [float(s[np.searchsorted(t, x, side="right") - 1]) for x in times]


def reading(curve: pl.DataFrame, min_at_risk: int = KM_MIN_AT_RISK) -> str:
    """The curve in one plain French sentence, read where at least `min_at_risk` episodes are
    still followed: when half of the barriers are lifted, or how many are lifted by the last
    day the curve can be read."""
    shown = cut(curve, min_at_risk)
    if shown.is_empty() or shown["time"].max() == 0:
        return (
            f"Trop peu d'épisodes pour lire la courbe (il en faut au moins {min_at_risk} "
            "encore suivis)."
        )
    median = km_median(shown)
    if median is not None:
        return f"La moitié des freins sont levés en {_days(median)}."
    last = shown.row(-1, named=True)
    lifted = round((1 - last["survival"]) * 100)
    return (
        f"Moins de la moitié des freins sont levés au bout de {_days(last['time'])} "
        f"({lifted}\u202f%) ; au-delà, moins de {min_at_risk} épisodes sont encore suivis."
    )


def _days(value: float) -> str:
    n = round(value)
    text = f"{n:,}".replace(",", "\u202f")
    return f"{text} jour" if n in (0, 1) else f"{text} jours"


def _episodes_where(scope: Scope, filters: Filters) -> Where:
    """The episodes of the view (`fct_barrier_episodes e` joined to `dim_participants d`): in
    scope, of the filière and population chosen, identified during the years chosen."""
    return Where.scoped(
        scope,
        filters,
        centre="e.centre_id",
        filiere="d.filiere",
        date="e.identified_on",
        participant="e.participant_id",
    )


def load_episodes(scope: Scope, filters: Filters) -> pl.DataFrame:
    where = _episodes_where(scope, filters)
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


def _summary_raw(episodes: pl.DataFrame, by: str) -> pl.DataFrame:
    """Unmasked: one row per barrier or group (see `summary`)."""
    keys = ["barrier", "barrier_group"] if by == "barrier" else ["barrier_group"]
    grouped = episodes.group_by(keys).agg(
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
    grouped = (
        grouped.with_columns(
            frames.each(
                grouped,
                ("_d", "_e"),
                lambda s: km_median(kaplan_meier(s["_d"], s["_e"]), KM_MIN_AT_RISK),
                pl.Float64,
            ).alias("km_median_days"),
        )
        .drop("_d", "_e")
        .with_columns(pl.col(c).cast(pl.Int64) for c in COUNTS)
    )
    if "barrier" not in grouped.columns:
        grouped = grouped.with_columns(pl.lit(None, pl.String).alias("barrier"))
    return _labels(grouped).sort("episodes", "barrier_label", descending=[True, False])


def _summary_relations(page: masking.Page, name: str) -> None:
    """Within a row: the lifted episodes are some of the episodes, the trainees with a setback
    some of the trainees (the rest of each is protected too)."""
    for row in range(page.height(name)):
        page.complement(page.at(name, row, "episodes"), page.at(name, row, "lifted"))
        page.complement(page.at(name, row, "trainees"), page.at(name, row, "trainees_with_setback"))


def _summary_result(frame: pl.DataFrame, mask: bool) -> pl.DataFrame:
    """Derived figures of a masked summary: the lift rate (with its Wilson interval) and the
    medians, masked with the episodes they are computed over."""
    frame = masking.shares(frame, "lifted", "episodes", "lift_rate")
    medians = ["km_median_days", "naive_median_days"]
    frame = frame.with_columns(pl.col(c).round(0) for c in medians)
    if mask:
        few = pl.col("episodes").is_null() | (pl.col("episodes") < masking.THRESHOLD)
        frame = masking.mask_where(frame, medians, few)
    return frame


def summary(scope: Scope, filters: Filters, by: str = "barrier") -> pl.DataFrame:
    """One row per barrier (by="barrier") or per group (by="barrier_group"): trainees, episodes,
    lifted, lift_rate (with lift_rate_low / lift_rate_high: its Wilson 95 % interval), setbacks,
    trainees_with_setback, km_median_days (read where at least `KM_MIN_AT_RISK` episodes are
    followed), naive_median_days. Masked on its own (the page masks it with the rest: `page`)."""
    episodes = load_episodes(scope, filters)
    if episodes.is_empty():
        return pl.DataFrame()
    raw = _summary_raw(episodes, by)
    page = masking.Page(scope.mask_small_counts)
    page.add("summary", raw, COUNTS)
    _summary_relations(page, "summary")
    if by == "barrier":
        page.totals_within("summary", "episodes", ["barrier_group"])
    return _summary_result(page.run()["summary"], scope.mask_small_counts)


def _curve_parts(episodes: pl.DataFrame, by: str) -> list[tuple[str, pl.DataFrame]]:
    column = "group_label" if by == "barrier_group" else "barrier_label"
    parts = [("Tous les freins", episodes)]
    parts += sorted(
        ((key, part) for (key,), part in episodes.partition_by(column, as_dict=True).items()),
        key=lambda kv: kv[0],
    )
    return [(key, part) for key, part in parts if part.height]


def _drawn(curve: pl.DataFrame, mask: bool) -> pl.DataFrame:
    """The part of a curve that is drawn: while at least `KM_MIN_AT_RISK` episodes are followed;
    outside a centre's own data, sampled every `KM_GRID_DAYS` days (a step at each lift would
    show how many were lifted that day) with its share rounded."""
    shown = cut(curve)
    if shown.is_empty() or not mask:
        return shown.with_columns(pl.col("survival").round(masking.SHARE_DIGITS))
    last = float(shown["time"].max())
    times = np.arange(0.0, last + 1e-9, KM_GRID_DAYS).tolist()
    if times[-1] < last:
        times.append(last)
    return pl.DataFrame(
        {
            "time": times,
            "at_risk": [None] * len(times),
            "events": [None] * len(times),
            "censored": [None] * len(times),
            "survival": [round(v, 2) for v in survival_at(curve, times)],
        },
        schema={
            "time": pl.Float64,
            "at_risk": pl.Int64,
            "events": pl.Int64,
            "censored": pl.Int64,
            "survival": pl.Float64,
        },  # fmt: skip
    )


def km_curves(scope: Scope, filters: Filters, by: str = "barrier_group") -> pl.DataFrame:
    """Kaplan–Meier curves of time to lift, one per group (or per barrier), plus « Tous les
    freins »: key, time, at_risk, events, censored, survival, drawn while at least
    `KM_MIN_AT_RISK` episodes are followed. When masking, the curve is sampled every
    `KM_GRID_DAYS` days, its share rounded to whole percents, and the counts per time are
    null (the numbers at risk are in `at_risk_table`, masked with the rest of the page)."""
    return _km_curves(_labels(load_episodes(scope, filters)), by, scope.mask_small_counts)


def _km_curves(episodes: pl.DataFrame, by: str, mask: bool) -> pl.DataFrame:
    curves = []
    for key, part in _curve_parts(episodes, by):
        curve = _drawn(kaplan_meier(part["duration"], part["is_lifted"]), mask)
        if not curve.is_empty():
            curves.append(curve.with_columns(pl.lit(key).alias("key")))
    if not curves:
        return pl.DataFrame()
    return pl.concat(curves).select("key", "time", "at_risk", "events", "censored", "survival")


def _at_risk_raw(episodes: pl.DataFrame, by: str) -> tuple[pl.DataFrame, dict]:
    """Per curve and every `KM_AT_RISK_EVERY` days up to the last day « Tous les freins » can
    be read: the episodes still followed. Returns the shown rows (a curve's rows stop where it
    is cut) and, for the times a curve is cut but « Tous » is not, the numbers not shown."""
    parts = _curve_parts(episodes, by)
    if not parts:
        return pl.DataFrame(schema={"key": pl.String, "time": pl.Int64, "at_risk": pl.Int64}), {}
    everything = np.sort(parts[0][1]["duration"].to_numpy())
    rows, unshown = [], {}
    if everything.size < KM_MIN_AT_RISK:
        return pl.DataFrame(schema={"key": pl.String, "time": pl.Int64, "at_risk": pl.Int64}), {}
    # The last regular time with at least KM_MIN_AT_RISK episodes lasting that long.
    longest = everything[everything.size - KM_MIN_AT_RISK]
    last = int(longest // KM_AT_RISK_EVERY) * KM_AT_RISK_EVERY
    times = list(range(0, last + 1, KM_AT_RISK_EVERY))
    for key, part in parts:
        for t, n in zip(times, at_risk_at(part["duration"], times), strict=True):
            if n >= KM_MIN_AT_RISK:
                rows.append({"key": key, "time": t, "at_risk": n})
            else:
                unshown[(key, t)] = n
    return pl.DataFrame(
        rows, schema={"key": pl.String, "time": pl.Int64, "at_risk": pl.Int64}
    ), unshown


def distance(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per barrier: trainees assessed, mean level at the first assessment and at the latest.
    Masked on its own (the page masks it with the rest: `page`)."""
    raw = _distance_raw(scope, filters)
    page = masking.Page(scope.mask_small_counts)
    page.add("distance", raw, ["trainees"])
    return _distance_result(page.run()["distance"], scope.mask_small_counts)


def _distance_result(frame: pl.DataFrame, mask: bool) -> pl.DataFrame:
    frame = frame.with_columns(pl.col(c).round(2) for c in ("first_level", "latest_level"))
    if mask:
        few = pl.col("trainees").is_null() | (pl.col("trainees") < masking.THRESHOLD)
        frame = masking.mask_where(frame, ["first_level", "latest_level"], few)
    return frame


def _distance_raw(scope: Scope, filters: Filters) -> pl.DataFrame:
    where = _episodes_where(scope, filters)
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
    return _labels(frame).sort("barrier_label")


def page(scope: Scope, filters: Filters) -> dict[str, pl.DataFrame | dict]:
    """Everything the Freins levés page shows, masked together (`masking.Page`): `groups` and
    `barriers` (`summary`), `curves` (`km_curves`, by group), `at_risk` (the episodes still
    followed every `KM_AT_RISK_EVERY` days, for the table under the curves), `readings` (one
    plain French sentence per curve) and `distance`.

    What adds up on the page: a group's episodes, lifted episodes and setbacks are the sums of
    its barriers'; a barrier's trainees are the trainees of the distance table; a curve's number
    at risk at day 0 is its episodes, « Tous les freins » at any time the sum of the groups', and
    each fall between two times is a count of episodes (lifted or no longer followed)."""
    mask = scope.mask_small_counts
    episodes = _labels(load_episodes(scope, filters))
    if episodes.is_empty():
        return {"groups": pl.DataFrame(), "barriers": pl.DataFrame()}
    groups = _summary_raw(episodes, "barrier_group")
    per = _summary_raw(episodes, "barrier")
    dist = _distance_raw(scope, filters)
    at_risk, unshown = _at_risk_raw(episodes, "barrier_group")

    page = masking.Page(mask)
    page.add("groups", groups, COUNTS, cost=masking.HEADLINE)
    page.add("barriers", per, COUNTS)
    page.add("distance", dist, ["trainees"])
    page.add("at_risk", at_risk, ["at_risk"], cost=3)
    for name in ("groups", "barriers"):
        _summary_relations(page, name)

    def group_cell(column: str):
        def whole(key: dict) -> int | None:
            g = key["barrier_group"]
            cond = pl.col("barrier_group").is_null() if g is None else pl.col("barrier_group") == g
            return page.ref("groups", column, cond)

        return whole

    for column in ("episodes", "lifted", "setbacks"):
        page.totals_within("barriers", column, ["barrier_group"], group_cell(column))
    for barrier in dist["barrier"].to_list():
        page.total(
            page.ref("barriers", "trainees", pl.col("barrier") == barrier),
            [page.ref("distance", "trainees", pl.col("barrier") == barrier)],
        )

    def risk(key: str, t: int) -> int | None:
        cell = page.ref("at_risk", "at_risk", (pl.col("key") == key) & (pl.col("time") == t))
        if cell is None and (key, t) in unshown:
            cell = page.hidden(unshown[(key, t)])
        return cell

    keys = at_risk["key"].unique(maintain_order=True).to_list()
    group_keys = sorted(set(groups["group_label"].to_list()))
    times = sorted(set(at_risk["time"].to_list()))
    for key in keys:
        page.steps([c for t in times if (c := risk(key, t)) is not None], decreasing=True)
    page.total(risk("Tous les freins", 0), page.refs("groups", "episodes"))
    for g in group_keys:
        page.total(risk(g, 0), [page.ref("groups", "episodes", pl.col("group_label") == g)])
    for t in times:
        page.total(risk("Tous les freins", t), [risk(g, t) for g in group_keys])
    frames = page.run()

    curves = _km_curves(episodes, "barrier_group", mask)
    readings = {
        key: reading(kaplan_meier(part["duration"], part["is_lifted"]))
        for key, part in _curve_parts(episodes, "barrier_group")
    }
    return {
        "groups": _summary_result(frames["groups"], mask),
        "barriers": _summary_result(frames["barriers"], mask),
        "curves": curves,
        "at_risk": frames["at_risk"],
        "readings": readings,
        "distance": _distance_result(frames["distance"], mask),
    }
