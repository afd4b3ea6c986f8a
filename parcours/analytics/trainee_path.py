"""One trainee's path, as a list of dated events, for the « Parcours » page.

Individual paths are shown only to the centre's own staff (role `centre`, its own centre) and to
admins (INTERFACES.md §4). The check is made here, where the rows are read, so a page that forgot
to hide itself still leaks nothing.

The path is read from the report dbt builds for this page, `rpt_participant_paths` (one row per
event, with the participant's profile, latest exit and last known date on every row), never
rebuilt here; only the barrier episodes are read beside it, from `fct_barrier_episodes`, so a
setback (episode 2, 3…) is shown as the warehouse defines it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from parcours import contract
from parcours.core import dates
from parcours.core.errors import ParcoursError
from parcours.warehouse.reader import Scope, query

# Lanes of the timeline, top to bottom; the page keeps this order.
_LANES = contract.series_labels("lane")
LANE_STAGES = _LANES["stages"]
LANE_BARRIERS = _LANES["barriers"]
LANE_PARTNERSHIPS = _LANES["partnerships"]
LANE_MILESTONES = _LANES["milestones"]
LANE_FOLLOWUPS = _LANES["followups"]
LANES = (LANE_STAGES, LANE_BARRIERS, LANE_PARTNERSHIPS, LANE_MILESTONES, LANE_FOLLOWUPS)

EVENT_SCHEMA = {
    "lane": pl.String,
    "kind": pl.String,
    "track": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "ongoing": pl.Boolean,
    "label": pl.String,
    "detail": pl.String,
}


class AccessDenied(ParcoursError):
    """The user's role or centre does not allow this view."""


def can_see_individuals(scope: Scope) -> bool:
    """Whether this scope may see individual paths at all (centre staff and admins)."""
    return scope.may_see_individuals


def check_centre(scope: Scope, centre_id: str) -> None:
    """Refuse unless `scope` may see the individual rows of `centre_id`."""
    if not scope.may_see_individuals:
        raise AccessDenied(
            "Les parcours individuels ne sont visibles que par le personnel du centre "
            "(et les administrateurs) ; votre rôle donne accès aux chiffres agrégés."
        )
    if scope.centre_ids is not None and centre_id not in scope.centre_ids:
        raise AccessDenied("Vous ne pouvez consulter que les stagiaires de votre propre centre.")


def list_trainees(scope: Scope, centre_id: str) -> pl.DataFrame:
    """The centre's trainees, most recent entry first: participant_id, entry_date, exit_date,
    events (the events of the path: entry, assessments, partnerships, hours months…)."""
    check_centre(scope, centre_id)
    return query(
        """
        select participant_id, any_value(entry_date) as entry_date,
            any_value(exit_date) as exit_date, count(*)::integer as events
        from rpt_participant_paths
        where centre_id = $centre
        group by participant_id
        order by entry_date desc nulls last, participant_id
        """,
        {"centre": centre_id},
    )


@dataclass(frozen=True)
class TraineePath:
    centre_id: str
    participant_id: str
    summary: dict
    events: pl.DataFrame  # EVENT_SCHEMA, one row per bar or point of the timeline
    hours: pl.DataFrame  # month (date), hours (float)

    @property
    def total_hours(self) -> float:
        return float(self.hours["hours"].sum()) if self.hours.height else 0.0

    @property
    def setbacks(self) -> int:
        """Barrier episodes after the first one for the same barrier (a barrier that came back)."""
        barriers = self.events.filter(pl.col("kind") == "episode")
        return int(barriers["detail"].str.contains("rechute").sum()) if barriers.height else 0


def _label(list_name: str, code: str | None) -> str | None:
    if code is None:
        return None
    return contract.load().labels(list_name).get(code, code)


def trainee_path(scope: Scope, centre_id: str, participant_id: str) -> TraineePath | None:
    """The whole path of one trainee of one centre, or None if the centre has no such trainee."""
    check_centre(scope, centre_id)
    key = {"centre": centre_id, "participant": participant_id}
    where = "where centre_id = $centre and participant_id = $participant"
    path = query(f"select * from rpt_participant_paths {where} order by event_order", key)
    if path.height == 0:
        return None
    row = path.row(0, named=True)  # the participant's columns are the same on every row

    def rows(event_type: str) -> pl.DataFrame:
        return path.filter(pl.col("event_type") == event_type)

    # An ongoing bar is drawn up to the last date known for the trainee (or today).
    open_end = row["last_known_on"] or dates.today()

    events: list[dict] = []

    def add(lane, kind, track, start, end=None, ongoing=False, label="", detail=""):
        events.append(
            {
                "lane": lane,
                "kind": kind,
                "track": track,
                "start": start,
                "end": end,
                "ongoing": ongoing,
                "label": label,
                "detail": detail,
            }
        )

    add(
        LANE_STAGES,
        "entry",
        "Entrée",
        row["entry_date"],
        label="Entrée au centre",
        detail=_label("filiere", row.get("filiere")) or "",
    )

    for ex in rows("exit").iter_rows(named=True):
        reason = _label("exit_reason", ex["detail"])
        add(
            LANE_STAGES,
            "exit",
            "Sortie",
            ex["event_on"],
            label="Sortie : " + (_label("situation", ex["event_code"]) or "inconnue"),
            detail=f"motif : {reason}" if reason else "",
        )

    # The episodes are the warehouse's own (fct_barrier_episodes), so a setback (episode 2, 3…)
    # is shown as the warehouse defines it.
    episodes = query(
        f"""
        select barrier, episode_number, identified_on, initial_level, lifted_on, days_to_lift
        from fct_barrier_episodes {where}
        order by identified_on, barrier, episode_number
        """,
        key,
    )
    for ep in episodes.iter_rows(named=True):
        lifted = ep["lifted_on"] is not None
        parts = [f"niveau initial : {_label('level', str(ep['initial_level']))}"]
        if ep["episode_number"] > 1:
            parts.append(f"rechute (épisode {ep['episode_number']})")
        parts.append(f"levé en {ep['days_to_lift']} jours" if lifted else "pas encore levé")
        add(
            LANE_BARRIERS,
            "episode",
            _label("barrier", ep["barrier"]),
            ep["identified_on"],
            ep["lifted_on"] if lifted else open_end,
            ongoing=not lifted,
            label=_label("barrier", ep["barrier"]),
            detail=" ; ".join(parts),
        )

    # The level at each assessment (3 → 1 → 0…).
    for asmt in rows("assessment").iter_rows(named=True):
        level = None if asmt["event_value"] is None else str(int(asmt["event_value"]))
        add(
            LANE_BARRIERS,
            "assessment",
            _label("barrier", asmt["event_code"]),
            asmt["event_on"],
            label=f"niveau {level}" if level is not None else "niveau inconnu",
            detail=f"évaluation : {(_label('level', level) or 'inconnu').lower()}",
        )

    for pa in rows("partnership_start").iter_rows(named=True):
        ended = pa["ended_on"] is not None
        parts = [p for p in (pa["partner_name"], _label("purpose", pa["purpose"])) if p]
        result = _label("result", pa["result"])
        if result:
            parts.append(result.lower())
        add(
            LANE_PARTNERSHIPS,
            "partnership",
            _label("partner_type", pa["event_code"]),
            pa["event_on"],
            pa["ended_on"] if ended else open_end,
            ongoing=not ended,
            label=_label("partner_type", pa["event_code"]),
            detail=" ; ".join(parts),
        )

    for mi in rows("milestone").iter_rows(named=True):
        add(
            LANE_MILESTONES,
            "milestone",
            "Étape",
            mi["event_on"],
            label=_label("milestone", mi["event_code"]),
        )

    for fo in rows("followup").iter_rows(named=True):
        months = fo["months_after_exit"]
        add(
            LANE_FOLLOWUPS,
            "followup",
            "Suivi",
            fo["event_on"],
            label=_label("situation", fo["event_code"]),
            detail=f"{months} mois après la sortie" if months is not None else "",
        )

    hours = rows("hours_month").select(
        pl.col("event_on").alias("month"), pl.col("event_value").cast(pl.Float64).alias("hours")
    )

    summary = {
        "entry_date": row["entry_date"],
        "exit_date": row.get("exit_date"),
        "filiere": _label("filiere", row.get("filiere")),
        "gender": _label("gender", row.get("gender")),
        "birth_year": row.get("birth_year"),
        "education": _label("education", row.get("education")),
        "referral": _label("referral", row.get("referral")),
        "status_at_entry": _label("status_at_entry", row.get("status_at_entry")),
        "destination": _label("situation", row.get("destination")),
        "positive_exit": row.get("positive_exit"),
        # INTERFACES §3 v1.2: no exit and nothing for 7 months or more (absent from a warehouse
        # built before the presumed exit: then False).
        "presumed_exit": bool(row.get("presumed_exit")),
        "latest_activity_on": row.get("latest_activity_on"),
    }
    frame = pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row")
    return TraineePath(centre_id, participant_id, summary, frame, hours)


# --- loaders for `ui.load` (cached per warehouse version and scope) ---------------------------


OPENING_EVENTS = 6  # a path worth opening the page on: its entry and at least five more events


def opening_trainee(trainees: pl.DataFrame) -> str | None:
    """The trainee the Parcours page opens on: the most recently entered whose path has data to
    show (`OPENING_EVENTS` events or more), else the one with the most events; None when none."""
    if trainees.is_empty():
        return None
    rich = trainees.filter(pl.col("events") >= OPENING_EVENTS)
    if not rich.is_empty():
        return rich["participant_id"][0]
    return trainees.sort("events", descending=True, maintain_order=True)["participant_id"][0]


def load_trainees(scope: Scope, _filters, centre_id: str) -> pl.DataFrame:
    return list_trainees(scope, centre_id)


def load_path(scope: Scope, _filters, centre_id: str, participant_id: str) -> TraineePath | None:
    return trainee_path(scope, centre_id, participant_id)
