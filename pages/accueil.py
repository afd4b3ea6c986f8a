"""Accueil — analytical page (being built)."""

from parcours import ui

user, scope, filters = ui.page_setup("Accueil")
if ui.warehouse_ready("dim_centres", "dim_participants"):
    ui.empty_state("Cette page arrive bientôt.")
