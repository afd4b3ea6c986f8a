"""The demo: fictional centres and trainees, written in the shapes real exports take, then sent
through the real upload path and build (`parcours demo`).

Modules, in the order the data flows:
- `calibration` — the sector's figures and the demo's weights, each with where it comes from;
  no code that draws.
- `simulation` — centres, people and the story of each path; `generate()` returns canonical
  frames, pure (no file written).
- `writers` — the export shapes (headers per style, date and month spellings, planted bad rows)
  and the CSV/XLSX writers; `write_exports()`.
- `run` — `run_demo()`: centres and demo users registered, every file through
  `parcours.upload.ingest`, then the warehouse build; the summary.

Reproducible: the same (centres, years, seed, until) give byte-identical files.

Imports: `parcours.upload`, `parcours.warehouse`, `parcours.store`, `parcours.contract`,
`parcours.core`. Never the dashboard or the analytics.
"""
