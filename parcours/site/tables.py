"""A closed year's public tables: every figure of `catalogue` at every level of §5, read from the
year's frozen warehouse, then protected as one system (`disclosure`).

Levels: the sector; each federation, province (of the centre) and filière type where at least 3
centres sent data that year (the others are *left out*: their numbers stay in the system as
hidden quantities, so that « the sector minus the published federations » cannot be read either);
each population group (age band, gender, education, status at entry), which gathers every centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from parcours import contract
from parcours.site import catalogue, disclosure
from parcours.warehouse.reader import POPULATION_DIMENSIONS, Filters, query

MIN_CENTRES = 3
SECTOR = ("sector", "all")
CENTRE_LEVELS = ("federation", "province", "filiere")
LEVELS = ("sector", *CENTRE_LEVELS, *POPULATION_DIMENSIONS)
LEVEL_NAMES = {
    "sector": "Secteur",
    "federation": "Fédération",
    "province": "Province",
    "filiere": "Type de filière",
    **contract.POPULATION,
}
REST = "_autres"  # the hidden remainder of a level's left-out values
# A figure's total that is the same number as a key figure (checked on the data, see `alias`).
SAME_AS = {
    "destination:total": "exits",
    "chronogram:0:total": "entries",
    "pathtype:total": "entries",
}


@dataclass(frozen=True)
class Level:
    level: str
    value: str
    label: str
    centres: int  # centres that sent data for it that year (population groups: all)
    published: bool

    @property
    def filters(self) -> dict[str, str]:
        return {} if self.level == "sector" else {self.level: self.value}

    @property
    def key(self) -> tuple[str, str]:
        return (self.level, self.value)


@dataclass
class Cell:
    figure: str
    level: str
    level_value: str
    dimension: str
    category: str
    count: int | None  # None: masked
    base: int | None
    share: float | None
    count_status: str | None = None  # primary / complementary when masked
    base_status: str | None = None


@dataclass
class YearTables:
    year: int
    levels: list[Level]
    cells: list[Cell] = field(default_factory=list)
    medians: list[dict] = field(default_factory=list)
    masked: int = 0  # how many numbers were masked (primary + complementary)
    # What a reader is told of the numbers: per figure, the quantity each row counts (and its
    # base), and the dimensions whose categories add up to their base.
    names: dict[str, list[list[str | None]]] = field(default_factory=dict)
    partitions: dict[str, list[str]] = field(default_factory=dict)
    # Per figure and dimension, code → French label (the typology's names come from the data).
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


def levels(year: int) -> list[Level]:
    rows = query(
        """
        select distinct t.centre_id, c.federation, c.province, d.filiere
        from fct_training_years t
        join dim_participants d using (centre_id, participant_id)
        join dim_centres c using (centre_id)
        where t.year = $year
        """,
        {"year": year},
    )
    total = rows["centre_id"].n_unique()
    out = [Level("sector", "all", "Secteur (tous les centres)", total, True)]
    filieres = contract.load().labels("filiere")
    for level in CENTRE_LEVELS:
        counted = (
            rows.drop_nulls(level).group_by(level).agg(pl.col("centre_id").n_unique().alias("n"))
        )
        per = dict(zip(counted[level], counted["n"], strict=True))
        for value in sorted(per):
            label = filieres.get(value, value) if level == "filiere" else value
            out.append(Level(level, value, label, int(per[value]), per[value] >= MIN_CENTRES))
    for dimension in POPULATION_DIMENSIONS:
        for code, label in contract.population_labels(dimension).items():
            out.append(Level(dimension, code, label, total, True))
    return out


def collect(year: int) -> YearTables:
    """Reads the year (from the warehouse being read: the frozen copy, see `build`) and protects
    it."""
    found = levels(year)
    figures = catalogue.figures()
    readings: dict[tuple[str, str, str], catalogue.Reading] = {}
    for level in found:
        filters = Filters(years=(year, year), **level.filters)
        for figure in figures:
            readings[(figure.id, *level.key)] = figure.read(filters, year)
    alias = _aliases(readings, found)
    system = _system(readings, found, alias)
    status = disclosure.suppress(system)
    tables = YearTables(year, found)
    published = [lv for lv in found if lv.published]
    for figure in figures:
        for level in published:
            reading = readings[(figure.id, *level.key)]
            for dimension, category, count_q, base_q in reading.rows:
                tables.cells.append(
                    _cell(
                        figure.id,
                        level,
                        dimension,
                        category,
                        count_q,
                        base_q,
                        reading,
                        alias,
                        status,
                    )  # fmt: skip
                )
    for figure in figures:
        reading = readings[(figure.id, *SECTOR)]
        tables.labels[figure.id] = {**figure.categories, **reading.labels}
        totals = {alias.get(t, t) for t, _ in reading.relations}
        tables.names[figure.id] = [
            [d, c, alias.get(n, n), None if b is None else alias.get(b, b)]
            for d, c, n, b in reading.rows
        ]
        tables.partitions[figure.id] = sorted(
            {d for d, _c, _n, b in reading.rows if b is not None and alias.get(b, b) in totals}
        )
    tables.masked = sum(1 for s in status.values() if s != disclosure.HIDDEN)
    for level in published:
        medians = catalogue.median_times(Filters(years=(year, year), **level.filters), year)
        for group, (days, people) in sorted(medians.items()):
            if days is not None and people >= disclosure.SHARE_BASE:
                tables.medians.append(
                    {
                        "year": year,
                        "level": level.level,
                        "level_value": level.value,
                        "barrier_group": group,
                        "median_days": round(days),
                    }  # fmt: skip
                )
    return tables


def _aliases(readings, found: list[Level]) -> dict[str, str]:
    """`SAME_AS` where the two numbers agree at every level (then a reader may take them as one)."""
    alias = {}
    for own, key in SAME_AS.items():
        pairs = [
            (r.values[own], readings[("chiffres-cles", f, v)].values[key])
            for (fig, f, v), r in readings.items()
            if own in r.values
        ]
        if pairs and all(a == b for a, b in pairs):
            alias[own] = key
    return alias


def _qkey(level: Level | tuple[str, str], name: str, alias: dict[str, str]):
    level_key = level.key if isinstance(level, Level) else level
    return (*level_key, alias.get(name, name))


def _system(readings, found: list[Level], alias) -> disclosure.System:
    system = disclosure.System()
    names: set[str] = set()
    by_key = {lv.key: lv for lv in found}
    for (_fig, level, value), reading in readings.items():
        lv = by_key[(level, value)]
        for name in reading.values:
            names.add(alias.get(name, name))
        if not lv.published:  # only its part of the remainder below is in the system
            continue
        for name, number in reading.values.items():
            system.set(_qkey(lv, name, alias), number)
            if lv.key == SECTOR:  # the headline numbers: masked last
                system.cost[_qkey(lv, name, alias)] = 1000.0 * number
        for total, parts in reading.relations:
            system.relations.append(
                (_qkey(lv, total, alias), tuple(_qkey(lv, p, alias) for p in parts))
            )
    # The levels of each kind add up to the sector (a remainder: the left-out values, and people
    # without a federation, province or filière).
    for kind in LEVELS[1:]:
        of_kind = [lv for lv in found if lv.level == kind]
        for name in sorted(names):
            total = system.values[(*SECTOR, name)]
            shown = [(*lv.key, name) for lv in of_kind if lv.published]
            rest = total - sum(system.values[k] for k in shown)
            if rest < 0:
                raise ValueError(f"{kind} values add up to more than the sector for {name}")
            parts = shown
            if rest or len(shown) < len(of_kind):
                remainder = (kind, REST, name)
                system.set(remainder, rest, hidden=True)
                parts = [*shown, remainder]
            system.relate((*SECTOR, name), parts)
    # Relations already added per level are checked here too.
    for total, parts in system.relations:
        if system.values[total] != sum(system.values[p] for p in parts):
            raise ValueError(f"{total!r} is not the sum of its parts")
    return system


def _cell(figure_id, level, dimension, category, count_q, base_q, reading, alias, status) -> Cell:
    ck = _qkey(level, count_q, alias)
    count = reading.values[count_q]
    count_status = status.get(ck)
    base = base_status = None
    if base_q is not None:
        bk = _qkey(level, base_q, alias)
        base, base_status = reading.values.get(base_q), status.get(bk)
        if base is None:  # a base read by another figure (the key figures)
            raise KeyError(base_q)
    shown_count = None if count_status else count
    shown_base = None if (base_status or base is None) else base
    share = None
    if shown_count is not None and shown_base is not None and shown_base >= disclosure.SHARE_BASE:
        share = round(shown_count / shown_base, 3) if shown_base else None
    return Cell(figure_id, level.level, level.value, dimension, category, shown_count, shown_base,
                share, count_status, base_status)  # fmt: skip
