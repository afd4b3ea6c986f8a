"""Tables as a person reads them: French column names, dates day first."""

from __future__ import annotations

import polars as pl

from parcours.analytics.trainee_path import TraineePath
from parcours.presentation import formatting as fmt


def events_table(path: TraineePath) -> pl.DataFrame:
    """The timeline's rows as a French table (dates day first), in date order."""
    frame = path.events.sort("start", "lane")
    return pl.DataFrame(
        {
            "Ligne": frame["lane"],
            "Quoi": frame["label"],
            "Début / date": [fmt.day(d) for d in frame["start"]],
            "Fin": [
                "en cours" if ongoing else (fmt.day(end) if end is not None else "")
                for end, ongoing in zip(frame["end"], frame["ongoing"], strict=True)
            ],
            "Détail": frame["detail"],
        }
    )
