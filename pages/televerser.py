"""Téléverser des exports — placeholder until the page is built (branch pages)."""

from parcours import ui

ui.page_setup("Téléverser des exports", with_filters=False)
ui.empty_state("Cette page arrive bientôt.")
