"""The Streamlit helpers, the only code that imports streamlit: the login gate, pages per role,
shared filters kept in the URL, cached loading, chart + table + audited download (`ui`).

Pages in `pages/` are thin and call these helpers and `parcours.analytics`.

Imports: anything below it (analytics, presentation, warehouse, upload, store, contract, core).
"""
