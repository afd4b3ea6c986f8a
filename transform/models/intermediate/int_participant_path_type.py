"""Typical paths (issue 10): each trainee's type among the typical paths of the sector.

A dbt Python model (dbt-duckdb runs it in the dbt process, on the build's work file): the
sequences are read with SQL, one 24-letter string per trainee; the typology itself (distance,
k-medoids, names) is the package `parcours.analytics.typology`, where every step is documented
and tested.
"""


def model(dbt, session):
    dbt.config(materialized="table")

    import os
    import sys
    from pathlib import Path

    import polars as pl

    # The typology of the repository this dbt project belongs to (parcours build sets
    # DBT_PROJECT_DIR), before any other installed copy of the package.
    repository = Path(os.environ.get("DBT_PROJECT_DIR", ".")).resolve().parent
    if (repository / "parcours" / "analytics" / "typology" / "__init__.py").exists():
        sys.path.insert(0, str(repository))
    from parcours.analytics import typology

    letter = " ".join(
        f"when '{state}' then '{code}'"
        for state, code in typology.CODES.items()
        if state != "not_observed"
    )
    months = dbt.ref("fct_participant_months")
    # A trainee's sequence: its first MONTHS states in month order, « X » (not observed) after
    # its last observable month. The months of fct_participant_months are contiguous from 0.
    trainees = months.query(
        "months",
        f"""
        select
            centre_id,
            participant_id,
            rpad(
                string_agg(case state {letter} end, '' order by months_since_entry),
                {typology.MONTHS},
                'X'
            ) as sequence
        from months
        where months_since_entry < {typology.MONTHS}
        group by centre_id, participant_id
        """,
    ).pl()
    distinct = trainees.group_by("sequence").len().sort("sequence")
    result = typology.typology(distinct["sequence"].to_list(), distinct["len"].to_list())
    types = pl.DataFrame(
        {
            "sequence": result.sequences,
            "path_type": pl.Series(result.types, dtype=pl.Int32),
        }
    )
    named = pl.DataFrame(
        {
            "path_type": pl.Series(range(1, len(result.names) + 1), dtype=pl.Int32),
            "path_type_name": result.names,
            "representative_path": result.medoids,
            "path_types": pl.Series([result.k] * len(result.names), dtype=pl.Int32),
        }
    )
    return (
        trainees.join(types, on="sequence", how="left")
        .join(named, on="path_type", how="left")
        .select(
            "centre_id",
            "participant_id",
            "path_type",
            "path_type_name",
            "sequence",
            "representative_path",
            "path_types",
        )
        .sort("centre_id", "participant_id")
    )
