"""Trajectoires — barrier levels over time, in the manner of the Outcomes Star's « journey »
(`agg_barrier_level_journeys`, built by dbt).

Definition (caption on the page): for one barrier and the chosen entry cohort, at each calendar
month since entry (0 = the entry month, up to 36) when trainees were assessed for that barrier,
the distribution of their levels — 3 (fort), 2 (moyen), 1 (faible), 0 (absent / levé) — among
the trainees assessed that month; a trainee assessed twice in a month counts once, at the month's
latest assessment. Every assessment month is shown, not only the first and the latest.

Masking (`masking.Page`): outside a centre's own data, a month with fewer than 5 trainees assessed
is not shown (its shares would all be masked, and its levels worked out); each month's levels add
up to the trainees assessed that month, which is shown; the trainees assessed in a month are a
part of the cohort, whose size the page shows (the few not assessed are protected too); a share is
masked with its count or its month's total.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import event_order, masking
from parcours.warehouse.reader import Filters, Scope, Where, query

LEVELS = [3, 2, 1, 0]


def level_labels() -> dict[int, str]:
    """level → label (codes.csv, list `level`)."""
    return {int(code): label for code, label in contract.load().labels("level").items()}


def _where(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(scope, filters, use_years=False, population_columns="")


def barriers_assessed(scope: Scope, filters: Filters, entry_year: int) -> list[str]:
    """The barriers (codes, in codes.csv order) assessed for the cohort (outside a centre's own
    data: in a month with at least 5 trainees assessed, the months `journey` shows)."""
    where = _where(scope, filters)
    least = masking.THRESHOLD if scope.mask_small_counts else 1
    found = set(
        query(
            f"""
            select barrier from (
                select barrier, months_since_entry, sum(trainees) as assessed
                from agg_barrier_level_journeys
                where {where.sql} and entry_year = $entry_year
                group by all
            )
            where assessed >= $least
            group by barrier
            """,
            {**where.params, "entry_year": entry_year, "least": least},
        )["barrier"].to_list()
    )
    return [code for code in contract.load().labels("barrier") if code in found]


def journey(scope: Scope, filters: Filters, entry_year: int, barrier: str) -> pl.DataFrame:
    """One row per assessment month × level (`month`, `level`, `level_label`, `trainees`,
    `assessed` that month, `share` of them), masked together (`trainees_shown`,
    `assessed_shown`, `masked`, `share_masked`)."""
    where = _where(scope, filters)
    frame = query(
        f"""
        select months_since_entry as month, level, sum(trainees)::bigint as trainees
        from agg_barrier_level_journeys
        where {where.sql} and entry_year = $entry_year and barrier = $barrier
        group by all
        """,
        {**where.params, "entry_year": entry_year, "barrier": barrier},
    )
    if scope.mask_small_counts:
        # A month with fewer than 5 trainees assessed is left out: its four levels, each at least
        # 0 and adding up to « < 5 », would be pinned (1 + 1 + 1 + 1 under « < 5 »).
        small = frame.group_by("month").agg(pl.col("trainees").sum() < masking.THRESHOLD)
        keep = small.filter(~pl.col("trainees"))["month"]
        frame = frame.filter(pl.col("month").is_in(keep.implode()))
    if frame.is_empty():
        return frame
    # Every level of every assessment month, a zero included (the stack always has four parts).
    months = frame.select("month").unique().sort("month")
    grid = months.join(
        pl.DataFrame({"level": LEVELS}, schema={"level": frame.schema["level"]}), how="cross"
    )
    frame = (
        grid.join(frame, on=["month", "level"], how="left")
        .with_columns(pl.col("trainees").fill_null(0))
        .sort(["month", pl.col("level").replace_strict({lv: i for i, lv in enumerate(LEVELS)})])
    )
    assessed = frame.group_by("month", maintain_order=True).agg(
        pl.col("trainees").sum().alias("assessed")
    )
    page = masking.Page(scope.mask_small_counts)
    cohort = event_order.add_cohort(page, scope, filters, entry_year)
    page.add("levels", frame, ["trainees"])
    page.add("assessed", assessed, ["assessed"])
    for row, month in enumerate(assessed["month"].to_list()):
        page.complement(cohort, page.at("assessed", row, "assessed"))
        page.total(
            page.at("assessed", row, "assessed"),
            page.refs("levels", "trainees", pl.col("month") == month),
        )
    out = page.run()
    # A month where a count could not be protected is left out with all its rows.
    gone = {frame["month"][r] for r in page.unprotected_rows("levels")}
    gone |= {assessed["month"][r] for r in page.unprotected_rows("assessed")}
    levels = (
        out["levels"]
        .filter(~pl.col("month").is_in(list(gone)))
        .join(out["assessed"].select("month", "assessed", "assessed_shown"), on="month", how="left")
    )
    labels = level_labels()
    levels = levels.with_columns(
        pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label")
    )
    return masking.shares(levels, "trainees", "assessed", "share")
