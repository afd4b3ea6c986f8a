"""Se situer: a centre's figure beside its federation's and the sector's, and the spread of a
federation's centres (issue 10, « How a centre compares »).

Two views, chosen by what the user looks at:

- **levels** — one centre (a centre user's own, or the centre chosen in the filters): its figure,
  its federation's and the sector's, each with its count and base;
- **spread** — several centres (a federation, a province, the sector): each centre's figure as
  an unnamed point (a distribution, not a league table), with the selection's own figure and
  the sector's as reference lines.

Decisions (written here because the contract is silent):

- A comparison keeps the period, the filière and the population filters, and ignores the centre,
  federation and province filters: those choose *who* is compared. A centre outside the user's
  scope is never compared (an empty comparison, as the page's own figures).
- The comparison reads beyond the user's scope — a centre user sees its federation's and the
  sector's figures — and this is the only module that does. What leaves it is aggregates only,
  masked by the rule below even for a centre user (outside a centre's own data, INTERFACES §4);
  no centre is named in a spread.
- **Masking of the levels.** A level (federation, sector) is masked when a count it shows (its
  base, its numerator, or the base's complement) is from 1 to 4, *or* when its difference with a
  level shown beneath it is: a centre knows its own counts, so its federation's minus its own
  gives the other centres' — a small difference would disclose them. A level the user may see
  unmasked (a centre's own figures; everything for an admin) is never masked.
- **Spread.** A centre appears as a point only when its own figure could be shown on its own: a
  base of at least 5, a numerator and a complement that are 0 or at least 5, a median over at
  least 5. The others are counted (« n centres non montrés ») — centres are organisations, their
  number is not masked. The level's counts minus the points are the hidden centres' counts: while
  the points (rounded as shown: a share to 0,1 %), each with a base of at least 5, pin a base, a
  numerator or a complement of the hidden centres from 1 to 4, the point of the smallest base is
  hidden too (`masking.spread_gives_away`, over whole numbers).
- Figures are rounded as the page shows them (`rounded`) before they leave this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from parcours import contract
from parcours.analytics import barriers, home, masking
from parcours.analytics.event_order import EVENTS, median_month
from parcours.warehouse.reader import Filters, Scope, Where, query

CENTRE, FEDERATION, SECTOR, SELECTION = "centre", "federation", "sector", "selection"
# The levels as a chart's legend names them (the level_label of a row names them in full).
LEVEL_NAMES = contract.series_labels("benchmark")
# Everything, aggregates only: the scope a comparison reads with (never handed to a page).
_EVERY_CENTRE = Scope(None, may_see_individuals=False, mask_small_counts=True)


@dataclass(frozen=True)
class Statistic:
    """How a figure is computed over a set of units.

    kind: « share » (hits / base; units counted per centre: base, hits), « km_median »
    (Kaplan–Meier median of durations in days, one unit per episode: duration, hit = lifted) or
    « median_month » (the month since entry by which half the trainees who reached the event had
    reached it; units: month, weight = trainees).
    """

    kind: str

    def counts(self, units: pl.DataFrame) -> tuple[int, int | None]:
        """(base, hits) — hits None when the figure has no numerator."""
        if self.kind == "median_month":
            return int(units["weight"].sum()), None
        if self.kind == "share":
            return int(units["base"].sum()), int(units["hits"].sum())
        return units.height, int(units["hit"].sum())

    def value(self, units: pl.DataFrame) -> float | None:
        if units.is_empty():
            return None
        if self.kind == "share":
            base, hits = self.counts(units)
            return hits / base if base else None
        if self.kind == "km_median":
            curve = barriers.kaplan_meier(units["duration"], units["hit"])
            return barriers.km_median(curve, barriers.KM_MIN_AT_RISK)
        return median_month(units["month"].to_list(), units["weight"].to_list())


@dataclass(frozen=True)
class Figure:
    """One figure a page compares: its French name and definition, its subjects (barriers,
    partner types, events… one chosen at a time on the page), and the units it is computed
    over, read by `load(scope, filters)` → centre_id, subject, and the statistic's columns."""

    label: str
    definition: str
    unit: str  # what the base counts, in the plural (« épisodes », « sorties »…)
    statistic: Statistic
    load: Callable[[Scope, Filters], pl.DataFrame]
    subjects: Callable[[], dict[str, str]] = dict  # code → label; empty: a single subject


@dataclass(frozen=True)
class Comparison:
    """What the page shows. view: « levels », « spread » or « none » (nothing to compare).

    levels: subject, level, level_label, base, hits, value, masked, masked_text (« < 5 » when
    a count of its own is under 5, « masqué » when it is masked to protect another level's).
    spread: subject, value — one row per centre shown, no centre named. hidden: subject,
    centres_shown, centres_hidden."""

    view: str
    levels: pl.DataFrame
    spread: pl.DataFrame
    hidden: pl.DataFrame


LEVEL_SCHEMA = {
    "subject": pl.String,
    "level": pl.String,
    "level_label": pl.String,
    "base": pl.Int64,
    "hits": pl.Int64,
    "value": pl.Float64,
    "masked": pl.Boolean,
    "masked_text": pl.String,
}
SPREAD_SCHEMA = {"subject": pl.String, "value": pl.Float64}
HIDDEN_SCHEMA = {"subject": pl.String, "centres_shown": pl.Int64, "centres_hidden": pl.Int64}


def _counts_of(base: int, hits: int | None) -> list[int]:
    return [base] if hits is None else [base, hits, base - hits]


def mask_levels(
    counts: list[tuple[int, int | None]], known: list[bool], mask: bool = True
) -> list[bool]:
    """Which levels are masked. `counts`: (base, hits) per level, the innermost first (centre ⊂
    federation ⊂ sector); `known`: the levels the user may see unmasked. A level is masked when
    one of its counts, or one of its differences with a level shown or known beneath it, is
    from 1 to 4."""
    masked: list[bool] = []
    for i, (base, hits) in enumerate(counts):
        if not mask or known[i]:
            masked.append(False)
            continue
        own = _counts_of(base, hits)
        leak = any(masking.is_small(n) for n in own)
        for j in range(i):
            if leak:
                break
            if masked[j] and not known[j]:
                continue
            inner = _counts_of(*counts[j])
            leak = any(masking.is_small(a - b) for a, b in zip(own, inner, strict=True))
        masked.append(leak)
    return masked


def shown_alone(base: int, hits: int | None, value: float | None) -> bool:
    """Whether one centre's figure may appear as a point of a spread."""
    if value is None or base < masking.THRESHOLD:
        return False
    return not any(masking.is_small(n) for n in _counts_of(base, hits))


def comparison_filters(filters: Filters) -> Filters:
    """The filters a comparison keeps (period, filière, population)."""
    return Filters(
        years=filters.years,
        filiere=filters.filiere,
        age_band=filters.age_band,
        gender=filters.gender,
        education=filters.education,
        status_at_entry=filters.status_at_entry,
    )


def _centres() -> pl.DataFrame:
    return query("select centre_id, centre_name, federation, province from dim_centres", {})


def _compared_centres(scope: Scope, filters: Filters, centres: pl.DataFrame) -> list[str]:
    """The centres of the user's scope that the centre, federation and province filters keep."""
    keep = centres
    if scope.centre_ids is not None:
        keep = keep.filter(pl.col("centre_id").is_in(list(scope.centre_ids)))
    if filters.centre_id:
        keep = keep.filter(pl.col("centre_id") == filters.centre_id)
    if filters.federation:
        keep = keep.filter(pl.col("federation") == filters.federation)
    if filters.province:
        keep = keep.filter(pl.col("province") == filters.province)
    return keep["centre_id"].to_list()


def _unmasked(scope: Scope) -> set[str] | None:
    """The centres whose figures this user sees unmasked (None: every centre, an admin)."""
    if scope.mask_small_counts:
        return set()
    return None if scope.centre_ids is None else set(scope.centre_ids)


def _known(unmasked: set[str] | None, centres: set[str]) -> bool:
    return unmasked is None or (bool(centres) and centres <= unmasked)


def compare(scope: Scope, filters: Filters, figure: Figure) -> Comparison:
    """The comparison of `figure` for this user and these filters (module docstring)."""
    empty = Comparison(
        "none",
        pl.DataFrame(schema=LEVEL_SCHEMA),
        pl.DataFrame(schema=SPREAD_SCHEMA),
        pl.DataFrame(schema=HIDDEN_SCHEMA),
    )
    centres = _centres()
    compared = _compared_centres(scope, filters, centres)
    if not compared:
        return empty
    units = figure.load(_EVERY_CENTRE, comparison_filters(filters))
    units = units.join(centres.select("centre_id", "federation"), on="centre_id", how="left")
    federation_of = dict(zip(centres["centre_id"], centres["federation"], strict=True))
    every = set(centres["centre_id"].to_list())
    unmasked = _unmasked(scope)
    statistic = figure.statistic
    subjects = list(figure.subjects()) or sorted(set(units["subject"].to_list()))

    if len(compared) == 1:
        centre = compared[0]
        federation = federation_of.get(centre)
        name = centres.filter(pl.col("centre_id") == centre)["centre_name"].item()
        own = scope.centre_ids == (centre,) and not scope.mask_small_counts  # a centre user
        fed_centres = {c for c, f in federation_of.items() if f == federation}
        nested = [
            (CENTRE, "Votre centre" if own else name, {centre}),
            (FEDERATION, f"Fédération {federation}", fed_centres),
            (SECTOR, "Secteur (tous les centres)", every),
        ]
        view = "levels"
    else:
        chosen = set(compared)
        federations = {federation_of[c] for c in chosen}
        level, label = SELECTION, "Sélection"
        if chosen == every:
            level, label = SECTOR, "Secteur (tous les centres)"
        elif len(federations) == 1:
            federation = federations.pop()
            if chosen == {c for c, f in federation_of.items() if f == federation}:
                level, label = FEDERATION, f"Fédération {federation}"
        nested = [(level, label, chosen)]
        if chosen != every:
            nested.append((SECTOR, "Secteur (tous les centres)", every))
        view = "spread"

    level_rows, spread_rows, hidden_rows = [], [], []
    # The levels the user may see unmasked (a centre's own; everything for an admin).
    known = [_known(unmasked, c) for _, _, c in nested]
    by_subject = units.partition_by("subject", as_dict=True)
    for subject in subjects:
        mine = by_subject.get((subject,), units.clear())
        parts = [mine.filter(pl.col("centre_id").is_in(list(c))) for _, _, c in nested]
        counts = [statistic.counts(part) for part in parts]
        masked = mask_levels(counts, known)
        for (level, label, _), part, (base, hits), hide in zip(
            nested, parts, counts, masked, strict=True
        ):
            own_small = any(masking.is_small(n) for n in _counts_of(base, hits))
            level_rows.append(
                {
                    "subject": subject,
                    "level": level,
                    "level_label": label,
                    "base": None if hide else base,
                    "hits": None if hide else hits,
                    "value": None if hide else rounded(statistic.value(part), statistic),
                    "masked": hide,
                    "masked_text": (masking.LABEL if own_small else masking.PROTECTED)
                    if hide
                    else None,
                }
            )
        if view == "spread":
            level_shown = not masked[0] or known[0]
            points, hidden = _spread_points(
                parts[0], statistic, unmasked, counts[0] if level_shown else None
            )
            spread_rows += [{"subject": subject, "value": v} for v in points]
            hidden_rows.append(
                {"subject": subject, "centres_shown": len(points), "centres_hidden": hidden}
            )
    return Comparison(
        view,
        pl.DataFrame(level_rows, schema=LEVEL_SCHEMA),
        # Points in value order, not in centre order: nothing ties a point to a centre.
        pl.DataFrame(spread_rows, schema=SPREAD_SCHEMA).sort("subject", "value"),
        pl.DataFrame(hidden_rows, schema=HIDDEN_SCHEMA),
    )


def rounded(value: float | None, statistic: Statistic) -> float | None:
    """A figure as the page shows it (a share to 0,1 %, days and months whole): never the
    exact ratio, which would give its counts away."""
    if value is None:
        return None
    if statistic.kind == "share":
        return round(value, masking.SHARE_DIGITS)
    return float(round(value))


def _spread_points(
    units: pl.DataFrame,
    statistic: Statistic,
    unmasked: set[str] | None,
    level: tuple[int, int | None] | None,
) -> tuple[list[float], int]:
    """The values of the centres shown as points (rounded, in value order) and the number of
    centres not shown. A centre is a point when its own figure may be shown; then, while the
    points, the number of hidden centres and the level's figure (`level`, None when masked)
    would pin a count from 1 to 4 of the hidden centres (`masking.spread_gives_away`: the
    level minus the points), the point of the smallest base is hidden too."""
    candidates, hidden_base, hidden_hits, hidden = [], 0, 0, 0
    for (centre,), part in sorted(units.partition_by("centre_id", as_dict=True).items()):
        base, hits = statistic.counts(part)
        value = rounded(statistic.value(part), statistic)
        if value is not None and (_known(unmasked, {centre}) or shown_alone(base, hits, value)):
            candidates.append((base, hits or 0, value, centre))
        else:
            hidden, hidden_base, hidden_hits = (
                hidden + 1,
                hidden_base + base,
                hidden_hits + (hits or 0),
            )
    if unmasked is None:  # an admin sees every count: nothing to protect
        return sorted(v for *_, v, _ in candidates), hidden
    digits = masking.SHARE_DIGITS if statistic.kind == "share" else None
    with_hits = statistic.kind != "median_month"
    candidates.sort()  # the smallest base first: the first to go
    while candidates and hidden:
        values = [value for _, _, value, _ in candidates]
        hidden_counts = (hidden_base, hidden_hits if with_hits else None)
        if not masking.spread_gives_away(values, hidden, hidden_counts, level, digits):
            break
        base, hits, _, _ = candidates.pop(0)
        hidden, hidden_base, hidden_hits = hidden + 1, hidden_base + base, hidden_hits + hits
    return sorted(value for _, _, value, _ in candidates), hidden


# --- the figures each page compares ---------------------------------------------------------


def _barrier_units(scope: Scope, filters: Filters, statistic: str) -> pl.DataFrame:
    episodes = barriers.load_episodes(scope, filters)
    if statistic == "share":
        return episodes.group_by("centre_id", pl.col("barrier").alias("subject")).agg(
            base=pl.len(), hits=pl.col("is_lifted").sum()
        )
    return episodes.select(
        "centre_id", pl.col("barrier").alias("subject"), "duration", hit="is_lifted"
    )


def _exit_units(scope: Scope, filters: Filters) -> pl.DataFrame:
    """The trainees who left during the period (their latest exit), with two flags: a positive
    exit, and at least one intermediate victory along the path."""
    where = Where.scoped(
        scope,
        filters,
        centre="d.centre_id",
        filiere="d.filiere",
        date="d.exit_date",
        participant="d.participant_id",
    )
    return query(
        f"""
        select d.centre_id, s.subject, count(*) as base,
            count(*) filter (
                where case s.subject when 'positive_exit' then coalesce(d.positive_exit, false)
                    else d.has_milestone end
            ) as hits
        from dim_participants d
        cross join (values ('positive_exit'), ('victory')) s(subject)
        where {where.sql} and d.exit_date is not null
        group by all
        """,
        where.params,
    )


def _partner_units(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per partner type, the trainees in training during the period (`home.in_training`, as
    the page's « avec ou sans partenariat »), counted with those who had a partnership of that
    type."""
    where = Where.scoped(
        scope,
        filters,
        centre="d.centre_id",
        filiere="d.filiere",
        use_years=False,
        participant="d.participant_id",
    )
    params = dict(where.params)
    period = "true"
    if filters.years:
        period = home.in_training("d", "$y0", "$y1")
        params.update(y0=filters.years[0], y1=filters.years[1])
    return query(
        f"""
        with population as (
            select d.centre_id, d.participant_id from dim_participants d
            where {where.sql} and d.entry_date is not null and {period}
        ),
        types as (
            select distinct partner_type from fct_partnerships where partner_type is not null
        ),
        reached as (
            select distinct centre_id, participant_id, partner_type from fct_partnerships
            where partner_type is not null
        )
        select p.centre_id, t.partner_type as subject, count(*) as base,
            count(r.partner_type) as hits
        from population p
        cross join types t
        left join reached r
            on r.centre_id = p.centre_id and r.participant_id = p.participant_id
            and r.partner_type = t.partner_type
        group by all
        """,
        params,
    )


def _event_units(scope: Scope, filters: Filters) -> pl.DataFrame:
    """The months since entry at which the trainees who entered during the period reached each
    event (`agg_event_order`, as « les freins d'abord »)."""
    where = Where.scoped(scope, filters, population_columns="", year="entry_year")
    return query(
        f"""
        select centre_id, event_kind as subject, months_since_entry as month,
            sum(trainees)::bigint as weight
        from agg_event_order
        where {where.sql}
        group by all
        """,
        where.params,
    )


def _labels(list_name: str) -> Callable[[], dict[str, str]]:
    return lambda: contract.load().labels(list_name)


FIGURES = {
    "barrier_lift": Figure(
        label="Taux de levée",
        definition=(
            "Épisodes de ce frein levés (une évaluation au niveau 0 après un niveau 1 ou plus), "
            "sur les épisodes identifiés pendant la période."
        ),
        unit="épisodes",
        statistic=Statistic("share"),
        load=lambda scope, filters: _barrier_units(scope, filters, "share"),
        subjects=_labels("barrier"),
    ),
    "barrier_time": Figure(
        label="Durée médiane pour lever ce frein",
        definition=(
            "Le nombre de jours au bout duquel la moitié des épisodes de ce frein sont levés "
            "(estimation de Kaplan–Meier, qui tient compte des épisodes encore ouverts), lu tant "
            f"qu'au moins {barriers.KM_MIN_AT_RISK} épisodes sont encore suivis."
        ),
        unit="épisodes",
        statistic=Statistic("km_median"),
        load=lambda scope, filters: _barrier_units(scope, filters, "km_median"),
        subjects=_labels("barrier"),
    ),
    "exits": Figure(
        label="Part des sortants",
        definition=(
            "Parmi les stagiaires sortis pendant la période (leur dernière sortie) : ceux dont "
            "la sortie est positive (emploi, formation, reprise d'études), ou qui ont franchi au "
            "moins une victoire intermédiaire pendant leur parcours."
        ),
        unit="sortants",
        statistic=Statistic("share"),
        load=_exit_units,
        subjects=lambda: {
            "positive_exit": "Sorties positives",
            "victory": "Au moins une victoire intermédiaire",
        },
    ),
    "partner_reach": Figure(
        label="Stagiaires accompagnés avec ce partenaire",
        definition=(
            "Parmi les stagiaires en formation pendant la période (entrés avant sa fin, pas "
            "sortis avant son début) : ceux qui ont eu au moins un partenariat de ce type."
        ),
        unit="stagiaires",
        statistic=Statistic("share"),
        load=_partner_units,
        subjects=_labels("partner_type"),
    ),
    "event_months": Figure(
        label="Mois depuis l'entrée",
        definition=(
            "Pour les stagiaires entrés pendant la période : le mois depuis l'entrée (0 = le "
            "mois d'entrée) auquel la moitié de ceux qui ont franchi l'étape l'avaient franchie."
        ),
        unit="stagiaires",
        statistic=Statistic("median_month"),
        load=_event_units,
        subjects=lambda: dict(EVENTS),
    ),
}


def compare_figure(scope: Scope, filters: Filters, key: str) -> Comparison:
    """`compare` for one of `FIGURES` (by its key: cacheable)."""
    return compare(scope, filters, FIGURES[key])
