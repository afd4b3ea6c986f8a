"""Transformations — placeholder until the page is built (branch pages)."""

from parcours import ui

ui.page_setup("Transformations", with_filters=False)
ui.empty_state("Cette page arrive bientôt.")
