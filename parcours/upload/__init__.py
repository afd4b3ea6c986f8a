"""The upload path: bytes → table of strings (`reading`) → typed rows and quarantine
(`parsing`, `validation`) → pseudonymised (`privacy`) → one immutable landing parquet per batch
(`landing`) → batch registry (`ingest`). `service` is what the Téléverser page does with it.

A new export column goes into `parcours/contract/export_format.yml` (read by `validation`) and
the landing schema in `landing`, then into its staging model in `transform/`.

Imports: `parcours.core`, `parcours.contract`, `parcours.store`. Never the warehouse, the analytics
or streamlit.
"""
