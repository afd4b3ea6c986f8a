"""Trajectoires — transitions as a flow: situation at entry → destination at exit → state 6
months after the exit → state 12 months after (`agg_transitions`, built by dbt).

Definitions (caption on the page):
- the trainees of the entry cohort who left (latest exit, as in `dim_participants`);
- « À l'entrée »: their status at entry (code list `status_at_entry`; « Non précisé » when not
  given); « À la sortie »: the group of the exit's destination; « 6 mois après » / « 12 mois
  après »: the group of the follow-up nearest to 6 (12) months after the exit, from 4 to 8
  (10 to 14) months after it; « Non observé » when there is none in the window.

The diagram is a Sankey of links between consecutive stages (entry → exit, exit → 6 months,
6 → 12 months), not of full four-stage paths: outside a centre's own data, the page-level
suppression of several hundred paths (with their nodes and the table of paths after exit) took
minutes at the Interfédé's scale, the links (about 100) take a fraction of a second.

Masking: one `masking.Page` over everything the section shows together — each link (a band of
the diagram, a row of its table), each node (a category at a stage: the sum of the links that
reach it and of those that leave it), the number of trainees who left (every stage adds up to
it; a part of the cohort, whose size the page shows above, so the trainees who have not left
are protected too; the same number as « Sortie » in « les freins d'abord », masked on the same
page: `sections`). The table of full paths after exit (exit → 6 → 12 months, kept from before)
is shown in a centre's own view only: masked jointly with the links it would cost minutes, and
masked on its own it would give masked links away by subtraction. A masked link stays on the
chart (pale, dotted, at a nominal width) and in the table as « < 5 » or « masqué ».
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import event_order, masking
from parcours.analytics.trajectories import NOT_OBSERVED, STATES
from parcours.core import frames
from parcours.warehouse.reader import Filters, Scope, Where, query

ENTRY, EXIT, AT_6, AT_12 = (
    "status_at_entry",
    "destination_group",
    "state_at_6_months",
    "state_at_12_months",
)
STAGES = {ENTRY: "À l'entrée", EXIT: "À la sortie", AT_6: "6 mois après", AT_12: "12 mois après"}
AFTER_EXIT = [EXIT, AT_6, AT_12]
UNKNOWN_STATUS = "Non précisé"
STATE_LABELS = {**STATES, "not_observed": NOT_OBSERVED}
STATE_ORDER = [*STATES, "not_observed"]


def status_labels() -> dict[str, str]:
    """code → label of the situations at entry (codes.csv), « Non précisé » for unknown."""
    return {**contract.load().labels("status_at_entry"), "unknown": UNKNOWN_STATUS}


def label_of(stage: str, code: str | None) -> str:
    if stage == ENTRY:
        return status_labels().get(code or "unknown", code or UNKNOWN_STATUS)
    return STATE_LABELS.get(code or "not_observed", code)


def order_of(stage: str) -> list[str]:
    """The categories of a stage in drawing order (codes)."""
    return list(status_labels()) if stage == ENTRY else STATE_ORDER


def _paths_raw(scope: Scope, filters: Filters, entry_year: int) -> pl.DataFrame:
    where = Where.scoped(scope, filters, use_years=False, population_columns="")
    frame = query(
        f"""
        select status_at_entry, destination_group, state_at_6_months, state_at_12_months,
               sum(trainees)::bigint as trainees
        from agg_transitions
        where {where.sql} and entry_year = $entry_year
        group by all
        """,
        {**where.params, "entry_year": entry_year},
    )
    if frame.is_empty():
        return frame
    frame = frame.with_columns(
        pl.col(ENTRY).fill_null("unknown"),
        *(pl.col(c).fill_null("not_observed") for c in AFTER_EXIT),
    )
    rank = {stage: {code: i for i, code in enumerate(order_of(stage))} for stage in STAGES}
    return (
        frame.with_columns(
            pl.col(s).replace_strict(rank[s], default=99).alias(f"__{s}") for s in STAGES
        )
        .sort([f"__{s}" for s in STAGES])
        .drop([f"__{s}" for s in STAGES])
    )


def flows(scope: Scope, filters: Filters, entry_year: int) -> dict[str, pl.DataFrame]:
    """The section's frames, masked together:

    - `links`: one row per link between consecutive stages (`segment` 0–2, `source_stage`,
      `source`, `target_stage`, `target` codes, their `_label`s, `trainees`);
    - `nodes`: one row per stage × category (`stage`, `stage_label`, `code`, `label`,
      `trainees`);
    - `after_exit`: the full paths from the exit on (three stages, `trainees`), in a centre's
      own view only (absent otherwise);
    - `total`: one row, `trainees` who left.
    Masked counts are null with `trainees_masked` and `trainees_shown` (« < 5 » / « masqué »).
    Empty when nobody of the cohort left, and outside a centre's own data when fewer than 5 did
    or when a link from 1 to 4 cannot be protected (`masking.Page.unprotected`)."""
    page = masking.Page(scope.mask_small_counts)
    cohort = event_order.add_cohort(page, scope, filters, entry_year)
    if not add_to(page, scope, filters, entry_year, cohort):
        return {}
    out = page.run()
    return {} if page.unprotected_in(*FRAMES) else result(out)


FRAMES = ("links", "nodes", "total")


def _links(paths: pl.DataFrame) -> pl.DataFrame:
    stages = list(STAGES)
    return pl.concat(
        [
            paths.group_by([a, b], maintain_order=True)
            .agg(pl.col("trainees").sum())
            .select(
                pl.lit(i).alias("segment"),
                pl.lit(a).alias("source_stage"),
                pl.col(a).alias("source"),
                pl.lit(b).alias("target_stage"),
                pl.col(b).alias("target"),
                pl.col("trainees"),
            )
            for i, (a, b) in enumerate(zip(stages, stages[1:], strict=False))
        ]
    )


def add_to(
    page: masking.Page, scope: Scope, filters: Filters, entry_year: int, cohort: int
) -> bool:
    """Register the section's frames on `page` (`cohort`: the cell of the cohort's size);
    False when nobody of the cohort left."""
    paths = _paths_raw(scope, filters, entry_year)
    if paths.is_empty():
        return False
    if scope.mask_small_counts and paths["trainees"].sum() < masking.THRESHOLD:
        # Fewer than 5 leavers: each link is at least 1 and a step's links add up to « < 5 »
        # (four links from the entry would be 1 each): nothing is drawn, as for no leaver.
        return False
    links = _links(paths)
    nodes = pl.concat(
        [
            paths.group_by(stage, maintain_order=True)
            .agg(pl.col("trainees").sum())
            .select(pl.lit(stage).alias("stage"), pl.col(stage).alias("code"), "trainees")
            for stage in STAGES
        ]
    )
    total = pl.DataFrame({"trainees": [int(paths["trainees"].sum())]})
    page.add("links", links, ["trainees"])
    page.add("nodes", nodes, ["trainees"])
    page.add("total", total, ["trainees"], cost=masking.HEADLINE)
    whole = page.at("total", 0, "trainees")
    page.complement(cohort, whole)
    for stage in STAGES:
        page.total(whole, page.refs("nodes", "trainees", pl.col("stage") == stage))
        for code in nodes.filter(pl.col("stage") == stage)["code"].to_list():
            node = page.ref(
                "nodes", "trainees", (pl.col("stage") == stage) & (pl.col("code") == code)
            )
            for side in ("source", "target"):
                page.total(
                    node,
                    page.refs(
                        "links",
                        "trainees",
                        (pl.col(f"{side}_stage") == stage) & (pl.col(side) == code),
                    ),
                )
    if not scope.mask_small_counts:
        after_exit = (
            paths.group_by(AFTER_EXIT, maintain_order=True)
            .agg(pl.col("trainees").sum())
            .sort("trainees", descending=True, maintain_order=True)
        )
        page.add("after_exit", after_exit, ["trainees"])
    return True


def _labels(frame: pl.DataFrame, stage_column: str, code_column: str) -> pl.Series:
    return frames.each(
        frame, (stage_column, code_column), lambda r: label_of(r[stage_column], r[code_column])
    )


def result(out: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The section's frames from a page's `run()`, with their labels."""
    found = {k: out[k] for k in ("links", "nodes", "total", "after_exit") if k in out}
    links, nodes = found["links"], found["nodes"]
    found["links"] = links.with_columns(
        _labels(links, "source_stage", "source").alias("source_label"),
        _labels(links, "target_stage", "target").alias("target_label"),
        pl.col("source_stage").replace_strict(STAGES).alias("source_stage_label"),
        pl.col("target_stage").replace_strict(STAGES).alias("target_stage_label"),
    )
    found["nodes"] = nodes.with_columns(
        pl.col("stage").replace_strict(STAGES).alias("stage_label"),
        _labels(nodes, "stage", "code").alias("label"),
    )
    if "after_exit" in found:
        after = found["after_exit"]
        found["after_exit"] = after.with_columns(
            frames.each(after, s, lambda c, s=s: label_of(s, c)).alias(f"{s}_label")
            for s in AFTER_EXIT
        )
    return found


def sections(scope: Scope, filters: Filters, entry_year: int) -> dict[str, dict[str, pl.DataFrame]]:
    """The flow diagram and « les freins d'abord » masked together, as the page shows them one
    under the other: the leavers of the diagram are the trainees of « Sortie » in the event
    order (but for an exit dated before the entry month), so neither count may give the other
    away. `flows`: as `flows` (empty when nobody left); `events`: as `event_order.event_order`."""
    page = masking.Page(scope.mask_small_counts)
    cohort = event_order.add_cohort(page, scope, filters, entry_year)
    left = add_to(page, scope, filters, entry_year, cohort)
    event_order.add_to(page, scope, filters, entry_year, cohort)
    if left:
        exits = page.ref("events", "trainees", pl.col("event") == "exit")
        page.total(page.at("total", 0, "trainees"), [exits])
    out = page.run()
    # Links that no masking protects (four « < 5 » links into a « < 5 » situation are 1 each):
    # the diagram is left out, as with fewer than 5 leavers.
    left = left and not page.unprotected_in(*FRAMES)
    return {
        "flows": result(out) if left else {},
        "events": event_order.result(out, page),
    }
