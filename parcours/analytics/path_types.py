"""Parcours types: the typical paths of an entry cohort (issue 10), read from the build.

Definitions (captions on the page):
- typical path: one of the k types of the sector's typology of monthly sequences, computed at
  each build (`parcours.analytics.typology`, dbt model `int_participant_path_type`): each
  trainee's first 24 months since entry (« Au centre », then the situation group of each month,
  « Non observé » after the last month its centre sent data for) are compared month by month,
  grouped around k representative paths (medoids), and every trainee goes with the nearest one;
- the name of a type says what most of its trainees do, by a fixed rule
  (`parcours.analytics.typology.naming`: still in the centre or not, median months at the centre
  of those who left, the first situation most of them went to, the last one) — `NAME_DEFINITION`;
- outcomes: destination group at the latest exit (« Sortie présumée » without exit but with nothing
  for 7 months or more, INTERFACES §3; « Pas encore sorti » otherwise) and the
  state 12 months after the entry month, as counts and shares of the type's trainees in the
  cohort; barrier profile: the share of them with at least one barrier episode of each group.

Data: `agg_path_types` (counts per cohort × population × type) and `agg_path_type_sequences`
(the representative paths).

Masking (`masking.Page`, outside a centre's own data): the sizes of the types add up to the
cohort (shown); each type's exit destinations add up to its size, and so do its states at 12
months; each barrier count is part of the type's size (its complement is protected). A share is
shown only when its count and its base are. A cohort under 5 shows nothing. A representative path
is drawn for a masked view only when at least 5 trainees of the sector share it exactly (the
typology picks such medoids whenever it can): it is then no one's own path.
"""

from __future__ import annotations

import polars as pl

from parcours import contract
from parcours.analytics import masking
from parcours.analytics.barriers import GROUP_LABELS
from parcours.analytics.trajectories import NOT_OBSERVED, STATES
from parcours.warehouse.reader import Filters, Scope, Where, query

EXITS = {
    **contract.group_labels("situation"),
    "presumed": "Sortie présumée (plus d'activité depuis 7 mois)",
    "no_exit": "Pas encore sorti",
}
AT_12 = {**STATES, "not_observed": NOT_OBSERVED}
NAME_DEFINITION = (
    "son nom dit ce que fait la majorité de ses stagiaires : encore au centre ou sortis, durée "
    "médiane au centre de ceux qui sont sortis, situation où la plupart sont allés ensuite"
)
BARRIERS = {"with_barrier": "Au moins un frein", **{k: v for k, v in GROUP_LABELS.items()}}
OUTCOMES = {"exit": "Destination à la sortie", "at_12": "Situation au 12e mois"}


def _raw(scope: Scope, filters: Filters, entry_year: int) -> pl.DataFrame:
    where = Where.scoped(scope, filters, use_years=False, population_columns="")
    sums = ", ".join(
        f"sum({column})::bigint as {column}"
        for column in (
            "trainees",
            *(f"exit_{c}" for c in EXITS),
            *(f"at_12_{c}" for c in AT_12),
            "with_barrier",
            *(f"barrier_{c}" for c in GROUP_LABELS),
        )
    )
    return query(
        f"""
        select path_type, any_value(path_type_name) as name, {sums}
        from agg_path_types
        where {where.sql} and entry_year = $entry_year
        group by path_type
        order by path_type
        """,
        {**where.params, "entry_year": entry_year},
    )


def path_types(scope: Scope, filters: Filters, entry_year: int) -> dict[str, pl.DataFrame]:
    """The cohort's typical paths, masked together (one page):

    - `types`: path_type, name, trainees, share (of the cohort), `trainees_shown`, `masked`;
    - `outcomes`: path_type, name, outcome (« Destination à la sortie » / « Situation au 12e
      mois »), category, trainees, share (of the type's trainees);
    - `barriers`: path_type, name, barrier (« Au moins un frein », then each group), trainees,
      share;
    - `paths`: path_type, name, month (0–23), state (French) of the representative path, only
      for the types it may be drawn for (see the module);
    - `cohort`: one row, trainees.
    Every frame is empty when the cohort is (or is under 5 outside a centre's own data)."""
    raw = _raw(scope, filters, entry_year)
    mask = scope.mask_small_counts
    cohort_size = int(raw["trainees"].sum()) if not raw.is_empty() else 0
    if cohort_size == 0 or (mask and masking.is_small(cohort_size)):
        empty = pl.DataFrame()
        return {k: empty for k in ("types", "outcomes", "barriers", "paths", "cohort")}
    cohort = pl.DataFrame({"trainees": [cohort_size]})
    types = raw.select("path_type", "name", "trainees")
    long = []
    for prefix, labels, outcome in (("exit", EXITS, "exit"), ("at_12", AT_12, "at_12")):
        for code, label in labels.items():
            long.append(
                raw.select(
                    "path_type",
                    "name",
                    pl.lit(OUTCOMES[outcome]).alias("outcome"),
                    pl.lit(label).alias("category"),
                    pl.col(f"{prefix}_{code}").alias("trainees"),
                )
            )
    outcomes = pl.concat(long).sort("path_type", "outcome", maintain_order=True)
    barriers = pl.concat(
        raw.select(
            "path_type",
            "name",
            pl.lit(label).alias("barrier"),
            pl.col(code if code == "with_barrier" else f"barrier_{code}").alias("trainees"),
        )
        for code, label in BARRIERS.items()
    ).sort("path_type", maintain_order=True)

    page = masking.Page(mask)
    page.add("cohort", cohort, ["trainees"], cost=masking.HEADLINE)
    page.add("types", types, ["trainees"])
    page.add("outcomes", outcomes, ["trainees"])
    page.add("barriers", barriers, ["trainees"])
    whole = page.at("cohort", 0, "trainees")
    page.total(whole, page.refs("types", "trainees"))

    def type_cell(key: dict) -> int:
        return page.ref("types", "trainees", pl.col("path_type") == key["path_type"])

    page.totals_within("outcomes", "trainees", ["path_type", "outcome"], type_cell)
    for row, path_type in enumerate(barriers["path_type"].to_list()):
        page.complement(type_cell({"path_type": path_type}), page.at("barriers", row, "trainees"))
    out = page.run()

    masked_types = out["types"]
    base = masked_types.select("path_type", pl.col("trainees").alias("type_trainees"))
    masked_types = masking.shares(
        masked_types.with_columns(pl.lit(out["cohort"]["trainees"][0]).alias("cohort")),
        "trainees",
        "cohort",
        "share",
    )
    frames = {
        "cohort": out["cohort"],
        "types": masked_types,
        "outcomes": masking.shares(
            out["outcomes"].join(base, on="path_type", how="left"),
            "trainees",
            "type_trainees",
            "share",
        ),
        "barriers": masking.shares(
            out["barriers"].join(base, on="path_type", how="left"),
            "trainees",
            "type_trainees",
            "share",
        ),
        "paths": representative_paths(mask, raw["path_type"].to_list()),
    }
    return frames


def representative_paths(mask: bool, path_types: list[int]) -> pl.DataFrame:
    """The representative path of each type (month, state in French); outside a centre's own
    data, only those shared by at least 5 trainees of the sector."""
    frame = query(
        """
        select path_type, path_type_name as name, shared_by, months_since_entry as month, state
        from agg_path_type_sequences
        where path_type in (select unnest($types::integer[]))
        order by path_type, month
        """,
        {"types": path_types},
    )
    if mask:
        frame = frame.filter(pl.col("shared_by") >= masking.THRESHOLD)
    return frame.with_columns(
        pl.col("state").replace_strict(AT_12, default=pl.col("state")).alias("state"),
        pl.lit(1).alias("months"),
    )
