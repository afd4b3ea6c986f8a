"""The Streamlit helpers, the only code that imports streamlit: who is signed in (`session`),
which pages a role is offered and the user's scope (`navigation`), the shared filters kept in the
URL (`filters`), and the page frame, cached loading and chart + table + audited download (`ui`).

Pages in `pages/` are thin: they call these helpers, `parcours.analytics` for data and
`parcours.presentation` for charts. A new chart is built in `parcours.presentation.charts` and
drawn by its page with `ui.show_chart`.

Imports: anything below it (presentation, analytics, warehouse, upload, store, contract, core).
"""
