"""Parcours — the data platform of the Walloon CISP sector."""

__version__ = "0.1.0"
