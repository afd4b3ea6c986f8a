"""One trainee's path, as a list of dated events, for the « Parcours » page.

Individual paths are shown only to the centre's own staff (role `centre`, its own centre) and to
admins (INTERFACES.md §4). The check is made here, where the rows are read, so a page that forgot
to hide itself still leaks nothing.

The path is read from the warehouse marts (`dim_participants`, `fct_*`), never rebuilt: the
barrier episodes come from `fct_barrier_episodes`, so a setback (episode 2, 3…) is shown as the
warehouse defines it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from parcours import contract
from parcours.core.errors import ParcoursError
from parcours.warehouse.reader import Scope, table_exists

# Lanes of the timeline, top to bottom; the page keeps this order.
LANE_STAGES = "Entrée et sortie"
LANE_BARRIERS = "Freins"
LANE_PARTNERSHIPS = "Partenariats"
LANE_MILESTONES = "Étapes franchies"
LANE_FOLLOWUPS = "Suivis après la sortie"
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


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


def list_trainees(con: duckdb.DuckDBPyConnection, scope: Scope, centre_id: str) -> pl.DataFrame:
    """The centre's trainees, most recent entry first: participant_id, entry_date, exit_date."""
    check_centre(scope, centre_id)
    return _frame(
        con,
        """
        select participant_id, entry_date, exit_date
        from dim_participants
        where centre_id = $centre
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


def trainee_path(
    con: duckdb.DuckDBPyConnection, scope: Scope, centre_id: str, participant_id: str
) -> TraineePath | None:
    """The whole path of one trainee of one centre, or None if the centre has no such trainee."""
    check_centre(scope, centre_id)
    key = {"centre": centre_id, "participant": participant_id}
    where = "where centre_id = $centre and participant_id = $participant"
    person = _frame(con, f"select * from dim_participants {where}", key)
    if person.height == 0:
        return None
    row = person.row(0, named=True)

    # An ongoing bar is drawn up to the last date known for the trainee (or today).
    last_known = _frame(
        con,
        f"""
        select max(d) as d from (
            select entry_date as d from dim_participants {where}
            union all select exit_date from fct_exits {where}
            union all select identified_on from fct_barrier_episodes {where}
            union all select lifted_on from fct_barrier_episodes {where}
            union all select started_on from fct_partnerships {where}
            union all select ended_on from fct_partnerships {where}
            union all select achieved_on from fct_milestones {where}
            union all select observed_on from fct_followups {where}
            union all select last_day(month) from fct_hours {where}
        )
        """,
        key,
    )["d"][0]
    open_end = last_known or date.today()

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

    exits = _frame(
        con,
        f"select exit_date, destination, reason from fct_exits {where} order by exit_date",
        key,
    )
    for ex in exits.iter_rows(named=True):
        reason = _label("exit_reason", ex["reason"])
        add(
            LANE_STAGES,
            "exit",
            "Sortie",
            ex["exit_date"],
            label="Sortie : " + (_label("situation", ex["destination"]) or "inconnue"),
            detail=f"motif : {reason}" if reason else "",
        )

    episodes = _frame(
        con,
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

    # The level at each assessment (3 → 1 → 0…), when the warehouse has the path report.
    if table_exists(con, "rpt_participant_paths"):
        assessments = _frame(
            con,
            f"""
            select event_on, event_code as barrier, event_value as level
            from rpt_participant_paths {where} and event_type = 'assessment'
            order by event_on, event_code
            """,
            key,
        )
        for asmt in assessments.iter_rows(named=True):
            level = None if asmt["level"] is None else str(int(asmt["level"]))
            add(
                LANE_BARRIERS,
                "assessment",
                _label("barrier", asmt["barrier"]),
                asmt["event_on"],
                label=f"niveau {level}" if level is not None else "niveau inconnu",
                detail=f"évaluation : {(_label('level', level) or 'inconnu').lower()}",
            )

    partnerships = _frame(
        con,
        f"""
        select partner_type, partner_name, purpose, started_on, ended_on, result
        from fct_partnerships {where}
        order by started_on, partner_type
        """,
        key,
    )
    for pa in partnerships.iter_rows(named=True):
        ended = pa["ended_on"] is not None
        parts = [p for p in (pa["partner_name"], _label("purpose", pa["purpose"])) if p]
        result = _label("result", pa["result"])
        if result:
            parts.append(result.lower())
        add(
            LANE_PARTNERSHIPS,
            "partnership",
            _label("partner_type", pa["partner_type"]),
            pa["started_on"],
            pa["ended_on"] if ended else open_end,
            ongoing=not ended,
            label=_label("partner_type", pa["partner_type"]),
            detail=" ; ".join(parts),
        )

    milestones = _frame(
        con,
        f"select milestone, achieved_on from fct_milestones {where} order by achieved_on",
        key,
    )
    for mi in milestones.iter_rows(named=True):
        add(
            LANE_MILESTONES,
            "milestone",
            "Étape",
            mi["achieved_on"],
            label=_label("milestone", mi["milestone"]),
        )

    followups = _frame(
        con,
        f"""
        select observed_on, situation, months_after_exit
        from fct_followups {where} order by observed_on
        """,
        key,
    )
    for fo in followups.iter_rows(named=True):
        months = fo["months_after_exit"]
        add(
            LANE_FOLLOWUPS,
            "followup",
            "Suivi",
            fo["observed_on"],
            label=_label("situation", fo["situation"]),
            detail=f"{months} mois après la sortie" if months is not None else "",
        )

    hours = _frame(
        con, f"select month, hours from fct_hours {where} order by month", key
    ).with_columns(pl.col("hours").cast(pl.Float64))

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
    }
    frame = pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row")
    return TraineePath(centre_id, participant_id, summary, frame, hours)


# --- loaders for `ui.load` (cached per warehouse version and scope) ---------------------------


def load_trainees(scope: Scope, _filters, centre_id: str) -> pl.DataFrame:
    from parcours.warehouse import reader as warehouse

    cur = warehouse.cursor()
    try:
        return list_trainees(cur, scope, centre_id)
    finally:
        cur.close()


def load_path(scope: Scope, _filters, centre_id: str, participant_id: str) -> TraineePath | None:
    from parcours.warehouse import reader as warehouse

    cur = warehouse.cursor()
    try:
        return trainee_path(cur, scope, centre_id, participant_id)
    finally:
        cur.close()
