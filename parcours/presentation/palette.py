"""Colour scales of the charts: one colour per code, the same on every chart and whatever is
filtered.

The colours are `parcours/contract/colours.yml` (read through `parcours.contract.colours`); the
labels the charts draw come from the contract folder too: codes.csv for the code lists,
labels.yml for the groups and the dashboard's own series (the analytics write the same labels
from the same file). A chart's colour scale always has the
FULL domain of its list (every label, in the file's order, with its colour), so that a filter
that leaves out a code never shifts the others' colours; its legend lists only the labels drawn.

Lists: a code list of codes.csv (`partner_type`, `purpose`, `barrier`), `<list>.group` for the
groups of a list (`situation.group`, `partner_type.group`, `barrier.group`, `milestone.group`),
the dashboard's own series (`series`, `comparison`, `benchmark`, `moment`, `lane`,
`build_status`) and `year` (entry cohorts: a year's colour is `year_cycle[year % 7]`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache

from parcours import contract
from parcours.warehouse import history

log = logging.getLogger(__name__)

# Labels of the dashboard's own series (the pages draw these very strings).
SERIES = contract.series_labels("series")
MOMENTS = contract.series_labels("moment")
# Written by `analytics.partnerships.association` (column `group`).
COMPARISON = contract.series_labels("comparison")
LANES = contract.series_labels("lane")
# Written by `analytics.barriers` (a group it does not know is « Autre »; the curve over every
# barrier is « Tous les freins »), and by `analytics.partnerships.purposes` (« Non précisé »).
OTHER_BARRIER_GROUP = contract.series_labels("barrier.group.extra")["other"]
ALL_BARRIERS = contract.series_labels("barrier.group.extra")["all"]
PURPOSE_UNKNOWN = contract.series_labels("purpose.extra")["unknown"]

# A label no list names (a new code the colour file does not know yet): drawn in this grey,
# after the list's own labels, and logged. tests/test_app_colours.py fails on any.
UNLISTED = "#BBBBBB"
YEAR = "year"


def _code_list(name: str) -> Callable[[], dict[str, str]]:
    return lambda: contract.load().labels(name)


def _groups(name: str) -> Callable[[], dict[str, str]]:
    return lambda: contract.group_labels(name)


def _series(name: str) -> Callable[[], dict[str, str]]:
    return lambda: contract.series_labels(name)


# Every label comes from the contract folder (codes.csv, labels.yml): the analytics write the
# same strings from the same files, and this layer never imports them.
LABELS: dict[str, Callable[[], dict[str, str]]] = {
    "situation.group": _groups("situation"),
    "state": lambda: {
        "in_centre": contract.series_labels("state.extra")["in_centre"],
        **contract.group_labels("situation"),
        "not_observed": contract.series_labels("state.extra")["not_observed"],
    },
    "level": _code_list("level"),
    "partner_type.group": _groups("partner_type"),
    "barrier.group": lambda: {
        **contract.group_labels("barrier"),
        **contract.series_labels("barrier.group.extra"),
    },
    "milestone.group": _groups("milestone"),
    "partner_type": _code_list("partner_type"),
    "barrier": _code_list("barrier"),
    "purpose": lambda: {
        **contract.load().labels("purpose"),
        **contract.series_labels("purpose.extra"),
    },
    "series": _series("series"),
    "comparison": _series("comparison"),
    "benchmark": _series("benchmark"),
    "moment": _series("moment"),
    "lane": _series("lane"),
    "build_status": lambda: dict(history.STATUS_FR),
    # The population (« Ventiler par »): codes.csv's labels, the age bands, « Non renseigné ».
    **{
        dimension: (lambda d=dimension: contract.population_labels(d))
        for dimension in contract.POPULATION
    },
}


def labels(list_name: str) -> dict[str, str]:
    """code → label of a coloured list."""
    return LABELS[list_name]()


@cache
def colours(list_name: str) -> dict[str, str]:
    """label → colour for every code of the list, in the colour file's order."""
    by_code = contract.colours()[list_name]
    named = labels(list_name)
    missing = set(named) - set(by_code)
    if missing:
        raise KeyError(f"colours.yml: no colour for {list_name} {sorted(missing)}")
    return {named[code]: colour for code, colour in by_code.items() if code in named}


def year_colours(years: Iterable) -> dict:
    """year → colour (the same year always gets the same colour), for the years given, keyed
    as given (`2024` or `"2024"`: the scale must match the data's own values)."""
    cycle = list(contract.colours()["year_cycle"].values())
    shown = sorted({y for y in years if y is not None}, key=int)
    return {year: cycle[int(year) % len(cycle)] for year in shown}


def mapping(list_name: str, present: Iterable = ()) -> dict:
    """The colour scale of a list as label → colour: every label of the list, then any label
    drawn that the list does not know (in `UNLISTED` grey, logged)."""
    values = [v for v in present if v is not None]
    if list_name == YEAR:
        return year_colours(values)
    full = dict(colours(list_name))
    for value in dict.fromkeys(values):
        if value not in full:
            log.warning("no colour for %r in list %s", value, list_name)
            full[value] = UNLISTED
    return full


def shown(list_name: str, present: Iterable) -> list:
    """The labels drawn, in the scale's order (the legend lists these only)."""
    drawn = {v for v in present if v is not None}
    return [label for label in mapping(list_name, drawn) if label in drawn]
