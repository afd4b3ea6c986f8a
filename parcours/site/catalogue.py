"""The public figures: which specification of `parcours.figures` each one publishes (its title,
definition, source and chart builder come from there: the page, the report and the site cannot
drift), and how the site reads it for one level of §5 at a time. The data come from the
dashboard's own analytics functions, read unmasked (the site masks everything at once,
`disclosure`).

A figure's reading is a set of named *quantities* (counts of people, of exits, of episodes) and
of *rows* (dimension, category, count quantity, base quantity) that the open data and the pages
show. Quantities with the same name are the same number everywhere on the site (« exits » is the
key figure and the base of the destinations); `relations` are the sums a reader knows.

`drawn` turns a level's published cells into the frame the specification's chart builder
takes: the same columns as the dashboard's frame, a masked value null with `masked` set, and
`statut` saying what the chart writes instead (« < 10 », « masqué », « base < 20 »).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from parcours import contract
from parcours import figures as specs
from parcours.analytics import barriers, home, outcomes, partnerships, path_types, trajectories
from parcours.figures.spec import Words, span
from parcours.warehouse.reader import Filters, Scope, query

# The site reads everything, unmasked: `disclosure` masks the whole year at once.
READ_ALL = Scope(None, may_see_individuals=False, mask_small_counts=False)

BASE = "base"  # `statut` of a share not published because its base is under 20


@dataclass
class Reading:
    values: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # Category labels that come from the data (the typology's names), by dimension.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    id: str  # stable: the file names and addresses
    spec: str  # its specification in `parcours.figures.catalogue()`
    dimensions: dict[str, str]  # dimension → French name
    categories: dict[str, dict[str, str]]  # dimension → code → French label (else from the data)
    headers: tuple[str, str, str]  # the tables' count, base and share columns
    read: Callable[[Filters, int], Reading]
    share_of: str | None = None  # what a share is a share of, in words (None: no share)
    drawn: Callable[[list, dict[str, dict[str, str]], int], pl.DataFrame] | None = None
    # What the site shows of what the definition names, where it shows less (said beside it).
    shown: str = ""
    # Dimensions whose categories are `row:column` (a table of rows × columns on the page).
    crossed: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def specification(self) -> specs.Figure:
        return specs.catalogue()[self.spec]

    def words(self, year: int) -> Words:
        """Title, definition and source of the specification, for `year`."""
        return self.specification.words(masked=False, **fill(year))

    def chart(self, cells: list, labels: dict[str, dict[str, str]], year: int) -> Any | None:
        """The specification's chart of a level's published cells (None: nothing to draw)."""
        if self.drawn is None:
            return None
        frame = self.drawn(cells, labels, year)
        return self.specification.chart(frame, False)


def fill(year: int) -> dict[str, Any]:
    """What a specification's words may name, for one closed year."""
    return {"years": str(year), "year": year, "span": span(year, year), "known": "", "excluded": ""}


def _labels(name: str) -> dict[str, str]:
    return contract.load().labels(name)


_HOME = dict(home.FIGURES)  # the dashboard's labels of the key figures
KEY_FIGURES = {
    k: _HOME[k]
    for k in (
        "in_training",
        "entries",
        "exits",
        "positive_exits",
        "with_barrier_lifted",
        "with_milestone",
    )  # fmt: skip
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


def _path_types(filters: Filters, year: int) -> Reading:
    """The year's entrants by typical path, and each type's destination at the exit. Every type
    of the typology is read at every level (zero where a level has none of its trainees), so
    that the levels add up."""
    every = query(
        "select path_type, any_value(path_type_name) as name from agg_path_types "
        "group by path_type order by path_type"
    )
    raw = path_types._raw(READ_ALL, filters, year)
    got = {int(r["path_type"]): r for r in raw.iter_rows(named=True)}
    out = Reading(labels={"path_type": {}, "exit_by_type": {}})
    sizes = []
    for number, name in zip(every["path_type"], every["name"], strict=True):
        n = int(number)
        row = got.get(n, {})
        size = f"pathtype:{n}"
        out.values[size] = int(row.get("trainees") or 0)
        out.labels["path_type"][str(n)] = name
        out.rows.append(("path_type", str(n), size, "pathtype:total"))
        sizes.append(size)
        parts = []
        for code, label in path_types.EXITS.items():
            key = f"pathtype:{n}:exit:{code}"
            out.values[key] = int(row.get(f"exit_{code}") or 0)
            out.labels["exit_by_type"][f"{n}:{code}"] = f"{name} — {label}"
            out.rows.append(("exit_by_type", f"{n}:{code}", key, size))
            parts.append(key)
        out.relations.append((size, tuple(parts)))
    out.values["pathtype:total"] = sum(out.values[k] for k in sizes)
    out.relations.append(("pathtype:total", tuple(sizes)))
    return out


def representative_paths() -> pl.DataFrame:
    """The representative path of each type (path_type, name, shared_by, month, state code) —
    the site draws one only where at least 10 trainees of the sector share it exactly."""
    return query(
        """
        select path_type, path_type_name as name, shared_by, months_since_entry as month, state
        from agg_path_type_sequences
        order by path_type, month
        """
    )


# --- the frames the specifications draw -------------------------------------------------------


def _statut(cell, value_is_share: bool) -> str:
    if cell.count is None:
        return cell.count_status or ""
    if value_is_share and cell.share is None:
        return cell.base_status or BASE
    return ""


def _frame(cells, value_is_share: bool, **columns) -> pl.DataFrame:
    """`columns`: name → function of a cell; plus `masked` and `statut`."""
    data: dict[str, list] = {name: [get(c) for c in cells] for name, get in columns.items()}
    data["statut"] = [_statut(c, value_is_share) for c in cells]
    data["masked"] = [bool(s) for s in data["statut"]]
    return pl.DataFrame(data, strict=False)


def _label(labels, dimension):
    return lambda c: labels[dimension].get(c.category, c.category)


def _drawn_destinations(cells, labels, year):
    return _frame(
        cells,
        False,
        exit_year=lambda c: year,
        destination=_label(labels, "destination_group"),
        exits=lambda c: c.count,
    ).with_columns(pl.col("exits").cast(pl.Int64))


def _drawn_barriers(cells, labels, year):
    groups = contract.load().code_lists["barrier"].groups
    return _frame(
        cells,
        True,
        barrier_label=_label(labels, "barrier"),
        group_label=lambda c: barriers.GROUP_LABELS.get(groups.get(c.category) or "", ""),
        lift_rate=lambda c: c.share,
        lifted=lambda c: c.count,
        episodes=lambda c: c.base,
    ).with_columns(pl.col("lift_rate").cast(pl.Float64))


def _drawn_partners(cells, labels, year):
    return _frame(
        cells, False, type_label=_label(labels, "partner_type"), trainees=lambda c: c.count
    ).with_columns(pl.col("trainees").cast(pl.Int64))


def _drawn_victories(cells, labels, year):
    return _frame(
        cells, False, group_label=_label(labels, "milestone_group"), milestones=lambda c: c.count
    ).with_columns(pl.col("milestones").cast(pl.Int64))


def _drawn_chronogram(cells, labels, year):
    return _frame(
        cells,
        True,
        month=lambda c: int(c.dimension.removeprefix("state_month_")),
        state=lambda c: labels[c.dimension].get(c.category, c.category),
        share=lambda c: c.share,
        trainees=lambda c: c.count,
        observable=lambda c: c.base,
    ).with_columns(pl.col("share").cast(pl.Float64))


def _drawn_followups(cells, labels, year):
    return _frame(
        cells,
        False,
        horizon_label=lambda c: f"{c.dimension.split('_')[1]} mois après la sortie",
        situation=lambda c: labels[c.dimension].get(c.category, c.category),
        trainees=lambda c: c.count,
    ).with_columns(pl.col("trainees").cast(pl.Int64))


def _drawn_path_types(cells, labels, year):
    sizes = [c for c in cells if c.dimension == "path_type"]
    return _frame(
        sizes,
        False,
        name=_label(labels, "path_type"),
        trainees=lambda c: c.count,
        share=lambda c: c.share,
    ).with_columns(pl.col("trainees").cast(pl.Int64), pl.col("share").cast(pl.Float64))


def figures() -> list[Figure]:
    situations = dict(outcomes.SITUATION_GROUPS)
    states = dict(trajectories.STATES)
    return [
        Figure(
            "chiffres-cles",
            "accueil_chiffres_cles",
            {"indicator": "Indicateur"},
            {"indicator": KEY_FIGURES},
            ("Nombre", "Base", "Part"),
            _key_figures,
            "des stagiaires en formation (des sorties pour les sorties positives)",
        ),
        Figure(
            "destinations",
            "resultats_destinations",
            {"destination_group": "Destination"},
            {"destination_group": situations},
            ("Sorties", "Toutes les sorties", "Part des sorties"),
            _destinations,
            "des sorties de l'année",
            _drawn_destinations,
        ),
        Figure(
            "freins-leves",
            "freins_par_frein",
            {"barrier": "Frein"},
            {"barrier": _labels("barrier")},
            ("Épisodes levés", "Épisodes identifiés", "Taux de levée"),
            _barriers,
            "des épisodes de ce frein identifiés dans l'année (taux de levée)",
            _drawn_barriers,
            shown="Sur ce site : les épisodes identifiés, les épisodes levés et le taux de levée "
            "de chaque frein ; le délai médian de levée par groupe de freins est dans le fichier "
            "delais-medians.csv (là où au moins 20 stagiaires le fondent).",
        ),
        Figure(
            "partenariats",
            "partenariats_types",
            {"partner_type": "Type de partenaire"},
            {"partner_type": _labels("partner_type")},
            ("Stagiaires concernés", "Stagiaires en formation", "Part"),
            _partners,
            "des stagiaires en formation pendant l'année",
            _drawn_partners,
            shown="Sur ce site : les stagiaires concernés par chaque type de partenaire.",
        ),
        Figure(
            "victoires-intermediaires",
            "resultats_victoires_par_type",
            {"milestone_group": "Type d'étape"},
            {"milestone_group": dict(outcomes.MILESTONE_GROUPS)},
            ("Étapes franchies", "", ""),
            _victories,
            None,
            _drawn_victories,
        ),
        Figure(
            "chronogramme",
            "trajectoires_chronogramme",
            {f"state_month_{m}": f"Situation au mois {m}" for m in CHRONOGRAM_MONTHS},
            {f"state_month_{m}": states for m in CHRONOGRAM_MONTHS},
            ("Stagiaires", "Observés ce mois", "Part"),
            _chronogram,
            "des entrants observés ce mois-là",
            _drawn_chronogram,
        ),
        Figure(
            "suivis",
            "resultats_apres_sortie",
            {f"situation_{h}_months": f"{h} mois après la sortie" for h in outcomes.HORIZONS},
            {f"situation_{h}_months": situations for h in outcomes.HORIZONS},
            ("Stagiaires suivis", "Suivis à cet horizon", "Part"),
            _followups,
            "des personnes suivies à cet horizon",
            _drawn_followups,
        ),
        Figure(
            "parcours-types",
            "trajectoires_parcours_types",
            {
                "path_type": "Parcours type",
                "exit_by_type": "Destination à la sortie, par parcours type",
            },
            {},
            ("Stagiaires", "Base", "Part"),
            _path_types,
            "des entrants de l'année (des stagiaires du parcours type pour la destination)",
            _drawn_path_types,
            crossed={"exit_by_type": ("path_type", dict(path_types.EXITS))},
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
