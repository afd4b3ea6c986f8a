"""The public figures: one small declaration each (id, title, definition, source, what it reads,
how it is drawn). The data come from the dashboard's own analytics functions, read unmasked
(the site masks everything at once, `disclosure`), for one level of §5 at a time.

When the shared figure specifications (`parcours.figures`) exist, `read` and `chart` of each
declaration become a call to them; the rest of the site only knows `Figure`.

A figure's reading is a set of named *quantities* (counts of people, of exits, of episodes) and
of *rows* (dimension, category, count quantity, base quantity) that the open data and the pages
show. Quantities with the same name are the same number everywhere on the site (« exits » is the
key figure and the base of the destinations); `relations` are the sums a reader knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from parcours import contract
from parcours.analytics import barriers, home, outcomes, partnerships, trajectories
from parcours.warehouse.reader import Filters, Scope

# The site reads everything, unmasked: `disclosure` masks the whole year at once.
READ_ALL = Scope(None, may_see_individuals=False, mask_small_counts=False)

SOURCE = "Exports des centres (CISP) transmis à Parcours, chiffres arrêtés à la clôture de l'année."


@dataclass
class Reading:
    values: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    id: str  # stable: the file names and addresses
    title: str
    definition: str
    source: str
    dimensions: dict[str, str]  # dimension → French name
    categories: dict[str, dict[str, str]]  # dimension → code → French label, in order
    unit: str  # what a count counts, in words
    read: Callable[[Filters, int], Reading]
    share_of: str | None = None  # what a share is a share of, in words (None: no share)


def _labels(name: str) -> dict[str, str]:
    return contract.load().labels(name)


KEY_FIGURES = {
    "in_training": "Stagiaires en formation",
    "entries": "Entrées",
    "exits": "Sorties",
    "positive_exits": "Sorties positives (emploi ou formation)",
    "with_barrier_lifted": "Stagiaires avec au moins un frein levé",
    "with_milestone": "Stagiaires avec au moins une étape franchie",
}
KEY_BASES = {"entries": "in_training", "exits": "in_training", "positive_exits": "exits",
             "with_barrier_lifted": "in_training", "with_milestone": "in_training"}  # fmt: skip


def _key_figures(filters: Filters, year: int) -> Reading:
    raw = home.raw_figures(READ_ALL, filters, home.Period.of_years((year, year)))[0]
    out = Reading({k: int(raw[k]) for k in KEY_FIGURES})
    out.rows = [("indicator", k, k, KEY_BASES.get(k)) for k in KEY_FIGURES]
    return out


def _grouped(frame, key: str, value: str) -> dict[str, int]:
    if frame.is_empty():
        return {}
    return {str(k): int(v) for k, v in zip(frame[key], frame[value], strict=True)}


def _destinations(filters: Filters, year: int) -> Reading:
    frame = outcomes._destinations_raw(READ_ALL, filters)
    frame = frame.filter(frame["exit_year"] == year) if not frame.is_empty() else frame
    got = _grouped(frame, "destination_group", "exits")
    out = Reading()
    parts = []
    for code in outcomes.SITUATION_GROUPS:
        out.values[f"destination:{code}"] = got.get(code, 0)
        parts.append(f"destination:{code}")
        out.rows.append(("destination_group", code, f"destination:{code}", "destination:total"))
    out.values["destination:total"] = sum(out.values[p] for p in parts)
    out.relations.append(("destination:total", tuple(parts)))
    return out


def _barriers(filters: Filters, year: int) -> Reading:
    episodes = barriers.load_episodes(READ_ALL, filters)
    summary = barriers._summary_raw(episodes, "barrier") if not episodes.is_empty() else None
    lifted = _grouped(summary, "barrier", "lifted") if summary is not None else {}
    counted = _grouped(summary, "barrier", "episodes") if summary is not None else {}
    out = Reading()
    for code in _labels("barrier"):
        out.values[f"barrier:{code}:lifted"] = lifted.get(code, 0)
        out.values[f"barrier:{code}:episodes"] = counted.get(code, 0)
        out.rows.append(("barrier", code, f"barrier:{code}:lifted", f"barrier:{code}:episodes"))
    return out


def _partners(filters: Filters, year: int) -> Reading:
    got = _grouped(partnerships._by_type_raw(READ_ALL, filters), "partner_type", "trainees")
    out = Reading()
    out.values["in_training"] = _key_figures(filters, year).values["in_training"]
    for code in _labels("partner_type"):
        out.values[f"partner:{code}"] = got.get(code, 0)
        out.rows.append(("partner_type", code, f"partner:{code}", "in_training"))
    return out


def _victories(filters: Filters, year: int) -> Reading:
    frame = outcomes._victories_raw(READ_ALL, filters)
    got: dict[str, int] = {}
    for group, n in zip(frame["milestone_group"], frame["milestones"], strict=True):
        got[group] = got.get(group, 0) + int(n)
    out = Reading()
    for code in outcomes.MILESTONE_GROUPS:
        out.values[f"milestone:{code}"] = got.get(code, 0)
        out.rows.append(("milestone_group", code, f"milestone:{code}", None))
    return out


CHRONOGRAM_MONTHS = (0, 6, 12)


def _chronogram(filters: Filters, year: int) -> Reading:
    frame = trajectories.chronogram(READ_ALL, filters.with_years(None), year)
    codes = {label: code for code, label in trajectories.STATES.items()}
    out = Reading()
    for month in CHRONOGRAM_MONTHS:
        dim = f"state_month_{month}"
        at = frame.filter(frame["month"] == month) if not frame.is_empty() else frame
        got = {codes.get(s, s): int(n) for s, n in zip(at["state"], at["trainees"], strict=True)}
        parts = []
        for code in trajectories.STATES:
            key = f"chronogram:{month}:{code}"
            out.values[key] = got.get(code, 0)
            parts.append(key)
            out.rows.append((dim, code, key, f"chronogram:{month}:total"))
        out.values[f"chronogram:{month}:total"] = sum(out.values[p] for p in parts)
        out.relations.append((f"chronogram:{month}:total", tuple(parts)))
    return out


def _followups(filters: Filters, year: int) -> Reading:
    frame = outcomes._after_exit_raw(READ_ALL, filters)
    out = Reading()
    for horizon in outcomes.HORIZONS:
        at = frame.filter(frame["horizon"] == horizon) if not frame.is_empty() else frame
        got = _grouped(at, "situation_group", "trainees")
        parts = []
        for code in outcomes.SITUATION_GROUPS:
            key = f"followup:{horizon}:{code}"
            out.values[key] = got.get(code, 0)
            parts.append(key)
            out.rows.append((f"situation_{horizon}_months", code, key, f"followup:{horizon}:total"))
        out.values[f"followup:{horizon}:total"] = sum(out.values[p] for p in parts)
        out.relations.append((f"followup:{horizon}:total", tuple(parts)))
    return out


def figures() -> list[Figure]:
    situations = dict(outcomes.SITUATION_GROUPS)
    states = dict(trajectories.STATES)
    return [
        Figure(
            "chiffres-cles",
            "Chiffres clés",
            "Stagiaires en formation pendant l'année (entrés au plus tard le 31 décembre et "
            "non sortis avant le 1er janvier), entrées et sorties de l'année, sorties "
            "positives (vers un emploi ou une formation), stagiaires ayant levé au moins un "
            "frein et franchi au moins une étape pendant l'année.",
            SOURCE,
            {"indicator": "Indicateur"},
            {"indicator": KEY_FIGURES},
            "personnes (ou sorties)",
            _key_figures,
            "des stagiaires en formation (des sorties pour les sorties positives)",
        ),
        Figure(
            "destinations",
            "Où vont les stagiaires à la sortie ?",
            "Sorties de l'année selon la destination déclarée par le centre : emploi, "
            "formation, autre CISP, sans emploi ni formation, ou inconnue.",
            SOURCE,
            {"destination_group": "Destination"},
            {"destination_group": situations},
            "sorties",
            _destinations,
            "des sorties de l'année",
        ),
        Figure(
            "freins-leves",
            "Freins levés",
            "Épisodes de frein identifiés pendant l'année (un frein repéré à un niveau "
            "d'au moins 1) et, parmi eux, ceux qui ont été levés (un bilan ultérieur au "
            "niveau 0). Un frein qui revient après avoir été levé est un nouvel épisode.",
            SOURCE,
            {"barrier": "Frein"},
            {"barrier": _labels("barrier")},
            "épisodes de frein",
            _barriers,
            "des épisodes de ce frein identifiés dans l'année",
        ),
        Figure(
            "partenariats",
            "Partenariats mobilisés",
            "Stagiaires pour qui le centre a commencé pendant l'année au moins un "
            "partenariat avec chaque type de partenaire (CPAS, Forem, employeur, formation "
            "qualifiante…). Un stagiaire peut compter pour plusieurs types.",
            SOURCE,
            {"partner_type": "Type de partenaire"},
            {"partner_type": _labels("partner_type")},
            "stagiaires",
            _partners,
            "des stagiaires en formation pendant l'année",
        ),
        Figure(
            "victoires-intermediaires",
            "Victoires intermédiaires",
            "Étapes franchies pendant l'année (permis, titre de validation des compétences, "
            "premier stage, stabilité…), par famille d'étapes. Une personne peut en franchir "
            "plusieurs.",
            SOURCE,
            {"milestone_group": "Famille d'étapes"},
            {"milestone_group": dict(outcomes.MILESTONE_GROUPS)},
            "étapes franchies",
            _victories,
        ),
        Figure(
            "chronogramme",
            "Parcours des entrants de l'année",
            "Situation des stagiaires entrés pendant l'année, à l'entrée puis 6 et 12 mois "
            "plus tard : encore au centre, en emploi, en formation, dans un autre CISP, sans "
            "emploi ni formation, ou inconnue (parmi ceux qu'on peut encore suivre).",
            SOURCE,
            {f"state_month_{m}": f"Situation au mois {m}" for m in CHRONOGRAM_MONTHS},
            {f"state_month_{m}": states for m in CHRONOGRAM_MONTHS},
            "stagiaires",
            _chronogram,
            "des entrants suivis ce mois-là",
        ),
        Figure(
            "suivis",
            "Situation après la sortie",
            "Situation des stagiaires sortis, observée par le centre environ 6 mois (5 à 7) "
            "puis 12 mois (11 à 13) après leur sortie, pour les sorties de l'année.",
            SOURCE,
            {f"situation_{h}_months": f"{h} mois après la sortie" for h in outcomes.HORIZONS},
            {f"situation_{h}_months": situations for h in outcomes.HORIZONS},
            "personnes suivies",
            _followups,
            "des personnes suivies à cet horizon",
        ),
    ]


def median_times(filters: Filters, year: int) -> dict[str, tuple[float | None, int]]:
    """Barrier group → (Kaplan–Meier median days to lift, trainees behind it: the people, not
    their episodes, count for the rule of 20)."""
    episodes = barriers.load_episodes(READ_ALL, filters)
    if episodes.is_empty():
        return {}
    summary = barriers._summary_raw(episodes, "barrier_group")
    return {
        str(g): (m, int(n))
        for g, m, n in zip(
            summary["barrier_group"], summary["km_median_days"], summary["trainees"], strict=True
        )
    }
