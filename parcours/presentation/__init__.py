"""How figures look, without streamlit: Belgian French formatting (`formatting`) and the Altair
chart builders (`charts`, `page_charts`), pure functions of data frames.

Kept apart from `parcours.dashboard` because the yearly report renders the very same chart
specifications without a browser. A new chart goes into `charts` (or `page_charts` when it is
specific to one page) and is laid out by its page through `parcours.dashboard`.

Imports: `parcours.core`, `parcours.contract`. Never streamlit.
"""
