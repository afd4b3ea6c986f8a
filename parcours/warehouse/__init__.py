"""The warehouse: `build` snapshots the registry and runs the dbt project (`transform/`) in its own
process (`dbt_runner`) into a new DuckDB file swapped in atomically; `reader` is the read-only
access every query goes through, with `Scope` (who reads) and `Filters` (what is asked);
`lineage` and `history` read the published dbt docs and the build history.

A new mart goes into `transform/models/marts/` (SQL and its YAML); pages read it through `reader`.

Imports: `parcours.core`, `parcours.contract`, `parcours.store`. Never the upload path, the
analytics or streamlit.
"""
