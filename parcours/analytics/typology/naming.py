"""Step 4 of the typology: each type named in plain French from what its members do.

A name drawn from the representative path alone (the medoid) misled: « Entrée récente, encore au
centre » covered a type most of whose members had left (an unobserved month is close to any
state, so short paths of every kind gathered around it), and « Parcours d'un an au centre »
covered a 9-month path. So a name is a statement about the type's members, and holds for them:

- Each member's path (its first `MONTHS` months) gives: the months at the centre before anything
  else (« a »), whether it left within its observed months, and if so the first state after the
  centre (« f ») and the last observed state (« l »). A member that did not leave is still in the
  centre at the data's end when its observation stops before 24 months (its centre's data end
  there), or has been in the centre 24 months.
- At most half of the members left: « Entrée récente, encore au centre » when more than half are
  still in the centre at the data's end; « Long parcours, toujours au centre après 2 ans » when
  more than half spent the 24 months at the centre; otherwise « Au centre, sans sortie observée ».
- Otherwise, among the members who left: the median of « a » (m, the lower median, weighted) gives
  the head — m ≤ 6 « Sortie rapide », 11 ≤ m ≤ 13 « Parcours d'un an au centre », m > 18 « Long
  parcours au centre (m mois) », else « Parcours de m mois au centre »; then the most frequent
  « f » when more than half of the leavers share it (« Sortie rapide vers l'emploi », « … puis
  formation »), else « vers des situations diverses » / « puis situations diverses »; then, when
  more than half of the leavers end in one state other than that first one, « , puis » and it
  (« Sortie rapide sans emploi ni formation, puis emploi »: a detour, then a return).

Two types with the same name get the median months at the centre of their members added
(« (8 mois au centre) »), then a number if still equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parcours.analytics.typology.sequences import MONTHS

AFTER = {
    "employment": "vers l'emploi",
    "training": "vers une formation",
    "pathway": "vers un autre CISP",
    "none": "sans emploi ni formation",
    "unknown": "vers une situation inconnue",
}
THEN = {
    "employment": "emploi",
    "training": "formation",
    "pathway": "autre CISP",
    "none": "sans emploi ni formation",
    "unknown": "situation inconnue",
}
MIXED_AFTER = "vers des situations diverses"
MIXED_THEN = "situations diverses"
RECENT = "Entrée récente, encore au centre"
LONG_STAY = "Long parcours, toujours au centre après 2 ans"
NO_EXIT_SEEN = "Au centre, sans sortie observée"


@dataclass(frozen=True)
class Member:
    """What one path says: months at the centre first, whether it left, its first and last
    state after the centre (None when it did not leave), whether observation stopped early."""

    months_in_centre: int
    left: bool
    first_after: str | None
    last_after: str | None
    observed_to_the_end: bool


def member(states: Sequence[str]) -> Member:
    """The facts of one path (its state per month since entry, `not_observed` after the data's
    end)."""
    months = 0
    for state in states:
        if state != "in_centre":
            break
        months += 1
    after = [s for s in states[months:] if s not in ("in_centre", "not_observed")]
    return Member(
        months_in_centre=months,
        left=bool(after),
        first_after=after[0] if after else None,
        last_after=after[-1] if after else None,
        observed_to_the_end="not_observed" not in states,
    )


@dataclass(frozen=True)
class Summary:
    """A type's members, weighted: the shares the name rests on."""

    members: float
    still_at_data_end: float  # did not leave, observation stopped before 24 months
    in_centre_24_months: float  # did not leave in 24 observed months
    left: float
    median_months_in_centre: int | None  # of those who left (lower weighted median)
    first_after: str | None  # most frequent, with its share of those who left
    first_after_share: float
    last_after: str | None
    last_after_share: float


def _lower_median(values: list[int], weights: list[float]) -> int:
    order = sorted(zip(values, weights, strict=True))
    half, running = sum(weights) / 2, 0.0
    for value, weight in order:
        running += weight
        if running >= half:
            return value
    return order[-1][0]


def _mode(values: list[str], weights: list[float]) -> tuple[str, float]:
    totals: dict[str, float] = {}
    for value, weight in zip(values, weights, strict=True):
        totals[value] = totals.get(value, 0.0) + weight
    # Ties: the state listed first in AFTER (a fixed order), so the name is reproducible.
    best = max(totals, key=lambda v: (totals[v], -list(AFTER).index(v)))
    return best, totals[best] / sum(weights)


def summarise(paths: Sequence[Sequence[str]], weights: Sequence[float]) -> Summary:
    """The summary of a type whose members' paths are `paths`, shared by `weights` trainees."""
    facts = [member(p) for p in paths]
    w = [float(x) for x in weights]
    total = sum(w)
    leavers = [(f, x) for f, x in zip(facts, w, strict=True) if f.left]
    left = sum(x for _, x in leavers)
    still = sum(
        x for f, x in zip(facts, w, strict=True) if not f.left and not f.observed_to_the_end
    )
    long_stay = sum(
        x for f, x in zip(facts, w, strict=True) if not f.left and f.observed_to_the_end
    )
    median = first = last = None
    first_share = last_share = 0.0
    if leavers:
        lw = [x for _, x in leavers]
        median = _lower_median([f.months_in_centre for f, _ in leavers], lw)
        first, first_share = _mode([f.first_after for f, _ in leavers], lw)
        last, last_share = _mode([f.last_after for f, _ in leavers], lw)
    return Summary(total, still, long_stay, left, median, first, first_share, last, last_share)


def name(summary: Summary) -> str:
    """The plain-French name of a type from its summary (the rule in the module's docstring)."""
    total = summary.members
    if summary.left * 2 <= total:
        if summary.still_at_data_end * 2 > total:
            return RECENT
        if summary.in_centre_24_months * 2 > total:
            return LONG_STAY
        return NO_EXIT_SEEN
    m = summary.median_months_in_centre
    assert m is not None
    quick = m <= 6
    if quick:
        head = "Sortie rapide"
    elif 11 <= m <= 13:
        head = "Parcours d'un an au centre"
    elif m > 18:
        head = f"Long parcours au centre ({m} mois)"
    else:
        head = f"Parcours de {m} mois au centre"
    first = summary.first_after if summary.first_after_share > 0.5 else None
    if quick:
        text = f"{head} {AFTER[first] if first else MIXED_AFTER}"
    else:
        text = f"{head} puis {THEN[first] if first else MIXED_THEN}"
    if (
        first is not None
        and summary.last_after != first
        and summary.last_after is not None
        and summary.last_after_share > 0.5
    ):
        text += f", puis {THEN[summary.last_after]}"
    return text


def name_path(states: Sequence[str]) -> str:
    """The name of a type that would hold this one path."""
    return name(summarise([states], [1]))


def distinct_names(summaries: Sequence[Summary]) -> list[str]:
    """`name` of each type; two types with the same name get their members' median months at
    the centre added (« (8 mois au centre) »), then a number if still equal."""
    names = [name(s) for s in summaries]
    for text in set(names):
        same = [i for i, n in enumerate(names) if n == text]
        if len(same) > 1:
            for i in same:
                months = summaries[i].median_months_in_centre
                if months is None:
                    months = MONTHS
                names[i] = f"{text} ({months} mois au centre)"
    seen: dict[str, int] = {}
    for i, text in enumerate(names):
        seen[text] = seen.get(text, 0) + 1
        if seen[text] > 1:
            names[i] = f"{text} — variante {seen[text]}"
    return names
