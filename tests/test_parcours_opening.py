"""The Parcours page opens on a trainee with data (issue 14, item 6): the most recently entered
trainee whose path holds at least `OPENING_EVENTS` events, not one who only just entered."""

from __future__ import annotations

from datetime import date

import polars as pl

from parcours.analytics import trainee_path as tp


def trainees(rows):
    return pl.DataFrame(
        rows, schema=["participant_id", "entry_date", "events"], orient="row"
    ).with_columns(pl.lit(None, dtype=pl.Date).alias("exit_date"))


def test_opens_on_the_most_recent_trainee_with_a_path_to_show():
    listed = trainees(
        [
            ("P-NEW", date(2026, 11, 20), 1),  # entry only
            ("P-FEW", date(2026, 10, 2), 3),
            ("P-RICH", date(2026, 6, 1), 14),
            ("P-OLDER", date(2025, 1, 1), 40),
        ]
    )
    assert tp.opening_trainee(listed) == "P-RICH"


def test_without_a_rich_path_opens_on_the_fullest_one():
    listed = trainees([("P-NEW", date(2026, 11, 20), 1), ("P-FEW", date(2026, 10, 2), 3)])
    assert tp.opening_trainee(listed) == "P-FEW"
    assert tp.opening_trainee(listed.clear()) is None
