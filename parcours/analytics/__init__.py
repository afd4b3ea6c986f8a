"""The questions each page asks, as pure functions `f(scope, filters, …) → frame` over the marts:
one module per page (`home` for Accueil, `barriers`, `partnerships`, `outcomes`, `trainee_path`,
`quality`), and `masking`, the small-count rule applied to what they return.

Data logic (what a figure means) lives in dbt; these modules read marts, scope, filter and mask.

Imports: `parcours.core`, `parcours.contract`, `parcours.store`, `parcours.warehouse`. Never the
upload path or streamlit.
"""
