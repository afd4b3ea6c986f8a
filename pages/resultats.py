"""Résultats dans le temps — analytical page (being built)."""

from parcours import ui

user, scope, filters = ui.page_setup("Résultats dans le temps")
if ui.warehouse_ready("dim_centres", "dim_participants"):
    ui.empty_state("Cette page arrive bientôt.")
