"""Qualité des données — placeholder until the page is built (branch pages)."""

from parcours import ui

ui.page_setup("Qualité des données", with_filters=False)
ui.empty_state("Cette page arrive bientôt.")
