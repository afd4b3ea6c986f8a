"""A patient reader of a masked page (issue 15, item 1): everything one page sends — its tables
as drawn (« < 5 », « masqué », `1 234`, `32,9 %`), the data sets of its Vega-Lite charts, its
captions and metrics — written as linear (in)equalities over non-negative whole numbers, with
the facts a reader knows for free:

- a row listed only when its category has someone (a link of a flow chart, a state of the
  chronogram) is at least 1; « < 5 » is 0 to 4 (1 to 4 where zeros are shown), « masqué » 5
  or more;
- parts add up to their totals (a month's states to its observed trainees, a segment's links to
  the leavers, the levels of a month to the trainees assessed);
- flows balance at every node (what reaches a situation leaves it);
- a share is its numerator over its base, to the digits it is sent with (an unrounded 0.35 is
  7/20 or 14/40…; 0.350 rounded to 0,1 % is anything between 0.3495 and 0.3505);
- a spread of centres adds up to its level: the level's base is the points' bases (each at least
  5, with a numerator and a complement 0 or at least 5) plus the hidden centres' (each at least 1).

For every masked cell (and every hidden quantity a page protects: the centres « non montrés »
of a spread) the reader computes the smallest and largest value it can take (mixed-integer
programming, `scipy.optimize.milp`). A leak is a cell whose range is one value from 1 to 4.
Two readings: the facts alone (always true: a range of one value is the true value), then the
belief that every « < 5 » is at least 1 (a reader's first guess where zeros are shown; judged
against the true value when the test knows it, since a wrong belief pins a wrong value)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

LESS = "< 5"
PROTECTED = "masqué"


@dataclass
class Expr:
    """A linear expression: Σ coef·unknown + constant."""

    terms: dict = field(default_factory=dict)
    constant: float = 0.0

    def __add__(self, other: Expr) -> Expr:
        terms = dict(self.terms)
        for v, c in other.terms.items():
            terms[v] = terms.get(v, 0.0) + c
        return Expr(terms, self.constant + other.constant)

    def __sub__(self, other: Expr) -> Expr:
        return self + other.scaled(-1.0)

    def scaled(self, k: float) -> Expr:
        return Expr({v: c * k for v, c in self.terms.items()}, self.constant * k)

    @property
    def known(self) -> bool:
        return not any(self.terms.values())


def total(parts: Iterable[Expr]) -> Expr:
    out = Expr()
    for p in parts:
        out = out + p
    return out


def number(text) -> int | None:
    """A count as a page writes it (`1 234`), None for anything else."""
    if text is None:
        return None
    if isinstance(text, (int, np.integer)):
        return int(text)
    if isinstance(text, float):
        return None if math.isnan(text) else int(text)
    cleaned = re.sub(r"[\s\u202f\xa0]", "", str(text))
    return int(cleaned) if re.fullmatch(r"-?\d+", cleaned) else None


def share(text) -> tuple[float, float] | None:
    """A share as sent: `32,9 %` (shown to 0,1 %) or a float in a chart's data (its digits say
    how it was rounded); (value, half a step of its last digit); None when masked or absent."""
    if text is None:
        return None
    if isinstance(text, float):
        if math.isnan(text):
            return None
        digits = len(repr(text).split(".")[1]) if "." in repr(text) else 0
        return text, 0.5 * 10.0**-digits
    percent = "%" in str(text)
    cleaned = re.sub(r"[\s\u202f\xa0%]", "", str(text)).replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    digits = len(cleaned.split(".")[1]) if "." in cleaned else 0
    if percent:
        return float(cleaned) / 100, 0.5 * 10.0 ** -(digits + 2)
    return float(cleaned), 0.5 * 10.0**-digits


class Reader:
    """The unknowns and facts of one page section."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.equations: list[tuple[dict, float]] = []
        self.inequalities: list[tuple[dict, float]] = []
        self.bounds: dict = {}  # the facts
        self.belief: dict = {}  # « < 5 » at least 1
        self.watched: dict = {}  # description → (Expr, true value or None)
        self._n = 0

    # unknowns

    def unknown(self, what: str, low: float = 0, high: float | None = None) -> Expr:
        self._n += 1
        v = (what, self._n)
        self.bounds[v] = (low, high)
        return Expr({v: 1.0})

    def cell(self, what: str, text, listed: bool = False, truth: int | None = None) -> Expr:
        """A count of a table or a chart: its number, or an unknown bounded by its label.
        `listed`: the row exists only when the count is at least 1."""
        value = number(text)
        if value is not None:
            return Expr({}, float(value))
        label = str(text).strip() if text is not None else ""
        low = 1 if listed else 0
        if label == PROTECTED:
            x = self.unknown(what, max(low, 5))
        elif label == LESS:
            x = self.unknown(what, low, 4)
            (v,) = x.terms
            self.belief[v] = (1, 4)
        else:  # absent, « — », a gap: a count ≥ 0 (≥ 1 if listed)
            x = self.unknown(what, low)
        self.watch(what, x, truth)
        return x

    def watch(self, what: str, x: Expr, truth: int | None = None) -> None:
        if not x.known:
            self.watched[what] = (x, truth)

    # facts

    def equal(self, left: Expr, right: Expr) -> None:
        d = left - right
        if d.known:
            return
        self.equations.append((dict(d.terms), -d.constant))

    def at_most(self, left: Expr, right: Expr) -> None:
        d = left - right
        if d.known:
            return
        self.inequalities.append((dict(d.terms), -d.constant))

    def ratio(self, numerator: Expr, base: Expr, sent) -> None:
        """numerator / base is the share `sent` (as `share` reads it)."""
        found = share(sent)
        if found is None:
            return
        value, half = found
        self.at_most(base.scaled(value - half), numerator)
        self.at_most(numerator, base.scaled(value + half))

    # attack

    def _program(self, bounds: dict):
        from scipy.optimize import Bounds, LinearConstraint

        names = sorted(
            {v for row, _ in (*self.equations, *self.inequalities) for v in row} | set(self.bounds),
            key=str,
        )
        index = {v: i for i, v in enumerate(names)}
        constraints = []
        for rows, equality in ((self.equations, True), (self.inequalities, False)):
            if not rows:
                continue
            a = np.zeros((len(rows), len(names)))
            for r, (row, _) in enumerate(rows):
                for v, c in row.items():
                    a[r, index[v]] += c
            b = np.array([rhs for _, rhs in rows])
            constraints.append(LinearConstraint(a, b if equality else -np.inf, b))
        low = [bounds[v][0] for v in names]
        high = [np.inf if bounds[v][1] is None else bounds[v][1] for v in names]
        return index, Bounds(low, high), constraints

    def _extremes(self, bounds: dict, x: Expr) -> tuple[float, float] | None:
        from scipy.optimize import milp

        index, box, constraints = self._program(bounds)
        c = np.zeros(len(index))
        for v, k in x.terms.items():
            c[index[v]] += k
        ends = []
        for sign in (1.0, -1.0):
            found = milp(sign * c, integrality=np.ones(len(index)), bounds=box,
                         constraints=constraints)  # fmt: skip
            if found.status == 2:
                return None
            if found.status != 0 or found.fun is None:
                ends.append(-math.inf if sign > 0 else math.inf)
            else:
                ends.append(round(sign * found.fun + x.constant, 6))
        return ends[0], ends[1]

    def leaks(self) -> list[str]:
        found = []
        facts = self.bounds
        if self.watched and self._extremes(facts, next(iter(self.watched.values()))[0]) is None:
            # The labels contradict the totals (« < 5 » written on a count of 5 or more): a
            # finding of its own; the reader then takes « < 5 » as « masked », nothing more.
            found.append(f"{self.name}: « < 5 » on a count the totals say is 5 or more")
            facts = {v: (low, None) if v in self.belief else (low, high)
                     for v, (low, high) in self.bounds.items()}  # fmt: skip
        believed = {**facts, **{v: (1, facts[v][1]) for v in self.belief}}
        for what, (x, truth) in self.watched.items():
            span = self._extremes(facts, x)
            assert span is not None, f"{self.name}: the facts contradict each other"
            low, high = span
            if low == high and 1 <= low <= 4:
                found.append(f"{self.name}: {what} = {low:g} (from the facts)")
                continue
            if truth is None or not self.belief:
                continue
            span = self._extremes(believed, x)
            if span is not None and span[0] == span[1] == truth and 1 <= truth <= 4:
                found.append(f"{self.name}: {what} = {truth} (« < 5 » read as 1 to 4)")
        return found


# --- the payload of a page run by AppTest ----------------------------------------------------


def tables(at) -> list:
    """The tables as drawn (pandas frames of the cells' text)."""
    from tests.page_helpers import shown

    return [shown(df) for df in at.dataframe]


def table_with(at, *columns):
    return [t for t in tables(at) if all(c in t.columns for c in columns)]


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def chart_rows(at) -> list[list[dict]]:
    """The rows of every data set the page's Vega-Lite charts send (inline or as Arrow)."""
    from streamlit import dataframe_util

    out = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        for rows in (spec.get("datasets") or {}).values():
            out.append(list(rows))
        if "data" in spec and isinstance(spec["data"], dict) and "values" in spec["data"]:
            out.append(list(spec["data"]["values"]))
        for named in element.proto.datasets:
            frame = dataframe_util.convert_arrow_bytes_to_pandas_df(named.data.data)
            out.append(frame.to_dict("records"))
        if element.proto.HasField("data") and element.proto.data.data:
            frame = dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.data.data)
            out.append(frame.to_dict("records"))
    return out


# --- the sections of Trajectoires and « Se situer » -------------------------------------------

MONTH, STATE, TRAINEES, OBSERVED = (
    "Mois depuis l'entrée",
    "Situation",
    "Stagiaires",
    "Observés ce mois",
)


def cohort_of(texts: Iterable[str]) -> int | None:
    """« Cohorte : 1 234 stagiaires entrés en 2024 » → 1234."""
    for text in texts:
        found = re.search(r"Cohorte : ([\d\s\u202f\xa0]+) stagiaires", text)
        if found:
            return number(found.group(1))
    return None


def chronogram(table, chart: list[dict] | None, cohort: int | None, truth=None) -> Reader:
    """The month-by-month table (a state is listed only when it has trainees that month; the
    month's states add up to « Observés ce mois »; « Part » is their ratio) and its chart's
    data (shares, counts, as sent)."""
    r = Reader("chronogramme")
    observed: dict = {}
    cells: dict = {}
    for row in table.to_dict("records"):
        m, state = number(row[MONTH]), row[STATE]
        if m not in observed:
            observed[m] = r.cell(f"observés mois {m}", row[OBSERVED])
        key = (m, state)
        cells[key] = r.cell(
            f"{state}, mois {m}", row[TRAINEES], listed=True, truth=(truth or {}).get(key)
        )
        r.ratio(cells[key], observed[m], row.get("Part"))
    for m, obs in observed.items():
        r.equal(obs, total(x for (month, _), x in cells.items() if month == m))
    for row in chart or []:
        key = (number(row.get("month")), row.get("state"))
        if key in cells and isinstance(row.get("share"), float):
            r.ratio(cells[key], observed[key[0]], row["share"])
    if cohort is not None and 0 in observed:
        r.equal(observed[0], Expr({}, cohort))
    return r


FROM, FROM_SITUATION, TO, TO_SITUATION = "De", "Situation de départ", "Vers", "Situation d'arrivée"


def leavers_of(texts: Iterable[str]):
    """« Stagiaires de la cohorte 2024 sortis : 12. » → the text of the count."""
    for text in texts:
        found = re.search(r"sortis : ([^.]+)\.", text)
        if found:
            return found.group(1).strip()
    return None


def flows(table, leavers_text, cohort: int | None, truth=None) -> Reader:
    """The flow chart's table: a link is listed only when someone took it; each step's links
    add up to the leavers; at each situation after the entry, the links that reach it are the
    links that leave it."""
    r = Reader("flux")
    leavers = r.cell("sortis", leavers_text)
    links = {}
    for row in table.to_dict("records"):
        key = (row[FROM], row[FROM_SITUATION], row[TO], row[TO_SITUATION])
        links[key] = r.cell(
            " → ".join(key), row[TRAINEES], listed=True, truth=(truth or {}).get(key)
        )
    for stage in {k[0] for k in links}:
        r.equal(leavers, total(x for k, x in links.items() if k[0] == stage))
    # Every leaver has all four stages: at a middle stage, what reaches a situation leaves it.
    middle = {k[0] for k in links} & {k[2] for k in links}
    nodes = {(k[2], k[3]) for k in links} | {(k[0], k[1]) for k in links}
    for stage, situation in nodes:
        if stage not in middle:
            continue
        into = total(x for k, x in links.items() if (k[2], k[3]) == (stage, situation))
        out = total(x for k, x in links.items() if (k[0], k[1]) == (stage, situation))
        r.equal(into, out)
    if cohort is not None:
        r.at_most(leavers, Expr({}, cohort))
    return r


LEVEL, ASSESSED = "Niveau", "Évalués ce mois"


def journey(table, cohort: int | None, truth=None) -> Reader:
    """A barrier's levels month by month: every level of an assessment month is listed (zeros
    too); the levels add up to « Évalués ce mois », a part of the cohort; « Part » is
    their ratio."""
    r = Reader("niveaux")
    assessed: dict = {}
    cells: dict = {}
    for row in table.to_dict("records"):
        m = number(row[MONTH])
        if m not in assessed:
            assessed[m] = r.cell(f"évalués mois {m}", row[ASSESSED])
            if cohort is not None:
                r.at_most(assessed[m], Expr({}, cohort))
        key = (m, row[LEVEL])
        cells[key] = r.cell(
            f"niveau {row[LEVEL]}, mois {m}", row[TRAINEES], truth=(truth or {}).get(key)
        )
        part = row.get("Part")
        if part is None and row.get("Part (%)") is not None:  # a percentage without its sign
            part = f"{row['Part (%)']} %"
        r.ratio(cells[key], assessed[m], part)
    for m, obs in assessed.items():
        r.equal(obs, total(x for (month, _), x in cells.items() if month == m))
    return r


def levels_of(texts: Iterable[str], unit: str) -> list[tuple[int, int | None]]:
    """The levels' counts under their metrics, in page order: « 7 sur 20 épisodes » → (20, 7),
    « sur 20 stagiaires » → (20, None); a masked level is left out."""
    found = []
    number_text = r"(\d[\d\s\u202f\xa0]*)"
    for text in texts:
        m = re.search(rf"(?:{number_text} )?sur {number_text} {unit}", text)
        if m and "masqué" not in text:
            hits = number(m.group(1)) if m.group(1) else None
            found.append((number(m.group(2)), hits))
    return found


def hidden_of(texts: Iterable[str]) -> int:
    for text in texts:
        m = re.search(r"(\d+) centres? non montrés?", text)
        if m:
            return int(m.group(1))
    return 0


def spread(points: list[float], hidden: int, level: tuple[int, int | None] | None,
           share_kind: bool) -> Reader:  # fmt: skip
    """« Se situer », a spread of centres: each point a centre shown alone (a base of at least
    5; a numerator and a complement 0 or at least 5; for a share, its value as sent), `hidden`
    centres each with at least one record, and the level's counts their sum."""
    r = Reader("se situer")
    bases, hits = [], []
    with_hits = level is None or level[1] is not None
    for i, value in enumerate(points):
        b = r.unknown(f"base du point {i}", 5)
        bases.append(b)
        if not with_hits:
            continue
        h = r.unknown(f"numérateur du point {i}")
        hits.append(h)
        r.at_most(h, b)
        if not share_kind:
            continue
        if value == 0:
            r.equal(h, Expr())
        elif value == 1:
            r.equal(h, b)
        else:
            r.at_most(Expr({}, 5), h)
            r.at_most(Expr({}, 5), b - h)
            r.ratio(h, b, float(value))
    hidden_base = r.unknown("base des centres non montrés", hidden, None if hidden else 0)
    r.watch("base des centres non montrés", hidden_base)
    if with_hits:
        hidden_hits = r.unknown("numérateur des centres non montrés")
        r.at_most(hidden_hits, hidden_base)
        r.watch("numérateur des centres non montrés", hidden_hits)
        r.watch("complément des centres non montrés", hidden_base - hidden_hits)
    if level is not None:
        r.equal(total([*bases, hidden_base]), Expr({}, level[0]))
        if with_hits:
            r.equal(total([*hits, hidden_hits]), Expr({}, level[1]))
    return r


def nested_differences(levels: list[tuple[int, int | None]]) -> list[str]:
    """Two levels shown one inside the other (a federation in the sector): their difference
    is the other centres' count, shown by subtraction."""
    found = []
    for (b1, h1), (b2, h2) in zip(levels, levels[1:], strict=False):
        differences = [("base", b2 - b1)]
        if h1 is not None and h2 is not None:
            differences += [("numérateur", h2 - h1), ("complément", (b2 - h2) - (b1 - h1))]
        found += [f"écart de {what} = {d}" for what, d in differences if 1 <= d <= 4]
    return found
