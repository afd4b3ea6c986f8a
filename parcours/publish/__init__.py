"""What Parcours publishes: the yearly report, the closed periods it is frozen in, and the Excel
templates handed to the centres.

- `templates`: one `.xlsx` template per kind of export, built from the contract (French headers,
  drop-down lists of codes.csv labels, date formats, a sheet explaining each column);
- `subjects`: whose report it is (the sector, a federation, a centre), its read scope and who
  may ask for it (INTERFACES §4);
- `content`: the report's figures, charts and tables for one subject and year, read through the
  very analytics functions the pages use (so masking is the same), formatted the Belgian way;
- `static_charts`: the pages' Altair charts rendered to SVG without a browser (vl-convert);
- `typeset` (PDF, with typst and `report.typ`) and `html` (a self-contained page): the two
  renderings of one report;
- `periods`: closing a year freezes the warehouse its report reads (a copy per closed year under
  the data folder); the report of a closed year lists what the current warehouse would revise;
- `report`: the entry point the CLI and the dashboard call (check, gather, render, audit).

Imports: `parcours.analytics`, `parcours.presentation`, `parcours.warehouse`, `parcours.store`,
`parcours.contract`, `parcours.core`. Never streamlit or the upload path (the templates read the
contract, which the upload path reads too).
"""
