"""Disclosure control of the public observatory (INTERFACES §5), stricter than the dashboard's.

The whole year's published numbers are one system: every count is a *quantity* (a level, its
value and what is counted), and the reader knows the linear relations between them — the
categories of a figure add up to its base, the federations (the provinces, the filière types,
each population dimension) add up to the sector. Suppression runs over that system at once:

1. **Primary**: every count from 1 to 9 is masked (« < 10 »). A zero is published: it tells of
   nobody. A level left out of the site (fewer than 3 centres), and the people of no published
   value of a level, are a *hidden* remainder: never published, protected like a masked count
   (nothing may pin it, so no centre is isolated).
2. **Complementary**: a masked count must not be worked out from what is published. The reader
   is given the published values, the relations, and what the labels say (« < 10 »: 0 to 9;
   « masqué »: 10 or more; hidden: 0 or more). For each masked or hidden quantity its feasible
   range is computed by linear programming (both ends); it is a leak when the range is a single
   value (pinned), or when, even without the labels (the CSV files alone), it lies within 1–9.
   While a leak remains, a published number of a relation around the leaking quantity is masked
   too — a zero first (« < 10 »: it gives room without hiding a real count), else the smallest
   count of 10 or more (« masqué ») — and the check runs again. A relation with a single masked
   quantity is closed first without solving anything (it always pins it). A masked zero needs
   no protection of its own.

Shares are published only beside a published count and a published base of at least 20, so they
add nothing a reader could use. `tests/test_site_disclosure.py` checks the result with an oracle
that reads only the published CSV files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

try:  # HiGHS itself, as scipy ships it: one model re-solved with new objectives (`_resolve`)
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # another scipy: a new `linprog` per solve, slower, the same answers
    _highs = None

THRESHOLD = 10  # no published count below this
SHARE_BASE = 20  # no share on a base below this
PRIMARY, COMPLEMENTARY, HIDDEN = "primary", "complementary", "hidden"

Key = Hashable


@dataclass
class System:
    """The year's quantities (key → true value) and relations (total = sum of parts)."""

    values: dict[Key, int] = field(default_factory=dict)
    hidden: set[Key] = field(default_factory=set)
    relations: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    # What masking a number costs the reader (default: its value); the site makes the sector's
    # own numbers the last to be masked.
    cost: dict[Key, float] = field(default_factory=dict)

    def set(self, key: Key, value: int, *, hidden: bool = False) -> None:
        value = int(value)
        if value < 0:
            raise ValueError(f"negative count for {key!r}")
        old = self.values.get(key)
        if old is not None and old != value:
            raise ValueError(f"{key!r} has two values: {old} and {value}")
        self.values[key] = value
        if hidden:
            self.hidden.add(key)

    def relate(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        got = sum(self.values[p] for p in parts)
        if got != self.values[total]:
            raise ValueError(f"{total!r} = {self.values[total]} but its parts add up to {got}")
        self.relations.append((total, parts))


def suppress(system: System) -> dict[Key, str]:
    """Masked quantities → why (`PRIMARY`, `COMPLEMENTARY` or `HIDDEN`)."""
    status: dict[Key, str] = {k: HIDDEN for k in system.hidden}
    for key, value in system.values.items():
        if key not in status and 1 <= value < THRESHOLD:
            status[key] = PRIMARY
    around: dict[Key, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(system.relations):
        for key in (total, *parts):
            around[key].append(i)
    clean: set[frozenset] = set()
    while True:
        _close_single(system, status, around)
        leaks = find_leaks(system, status, clean)
        if not leaks:
            return status
        masked = sum(_mask_next(system, status, key, around) for key in leaks)
        if not masked:
            raise RuntimeError(f"no count left to mask around {leaks[0]!r}")


def _protected(system: System, status: dict[Key, str], key: Key) -> bool:
    # A masked zero needs no protection: there is nobody to disclose.
    return system.values[key] != 0


def _candidates(system: System, status: dict[Key, str], relation_ids, around) -> list[Key]:
    out = []
    for i in relation_ids:
        total, parts = system.relations[i]
        keys = (total, *parts)
        out += [k for k in keys if k not in status and not 0 < system.values[k] < THRESHOLD]
    return out


def _mask(system: System, status: dict[Key, str], options: list[Key]) -> None:
    """Mask the smallest option: a zero first (shown « < 10 », it gives a masked neighbour room
    without hiding a real count), else the smallest count of 10 or more (« masqué »)."""
    key = min(options, key=lambda k: (system.cost.get(k, system.values[k]), str(k)))
    status[key] = PRIMARY if system.values[key] == 0 else COMPLEMENTARY


def _close_single(system: System, status: dict[Key, str], around) -> None:
    changed = True
    while changed:
        changed = False
        for i, (total, parts) in enumerate(system.relations):
            keys = (total, *parts)
            masked = [k for k in keys if k in status and _protected(system, status, k)]
            unknown = [k for k in keys if k in status]
            if len(masked) == 1 and len(unknown) == 1:
                options = _candidates(system, status, [i], around)
                if options:
                    _mask(system, status, options)
                    changed = True


def _mask_next(system: System, status: dict[Key, str], key: Key, around) -> bool:
    """Mask the smallest publishable count near `key`: in its relations, else further out."""
    seen_rel: set[int] = set()
    frontier = [key]
    seen_keys = {key}
    while frontier:
        rel_ids = [i for k in frontier for i in around[k] if i not in seen_rel]
        seen_rel.update(rel_ids)
        options = _candidates(system, status, rel_ids, around)
        if options:
            _mask(system, status, options)
            return True
        nxt = []
        for i in rel_ids:
            total, parts = system.relations[i]
            for k in (total, *parts):
                if k not in seen_keys:
                    seen_keys.add(k)
                    nxt.append(k)
        frontier = nxt
    return False


def _components(system: System, status: dict[Key, str]) -> list[tuple[list[Key], list[int]]]:
    """Groups of masked quantities linked by relations, with those relations."""
    parent: dict[Key, Key] = {k: k for k in status}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    touching: list[int] = []
    for i, (total, parts) in enumerate(system.relations):
        masked = [k for k in (total, *parts) if k in status]
        if masked:
            touching.append(i)
            for k in masked[1:]:
                parent[find(k)] = find(masked[0])
    keys: dict[Key, list[Key]] = defaultdict(list)
    for k in status:
        keys[find(k)].append(k)
    rels: dict[Key, list[int]] = defaultdict(list)
    for i in touching:
        total, parts = system.relations[i]
        first = next(k for k in (total, *parts) if k in status)
        rels[find(first)].append(i)
    return [(keys[r], rels[r]) for r in keys]


def _bounds(status: dict[Key, str], key: Key, labelled: bool) -> tuple[float, float | None]:
    if not labelled or status[key] == HIDDEN:
        return (0, None)
    return (0, THRESHOLD - 1) if status[key] == PRIMARY else (THRESHOLD, None)


class _Program:
    """Every masked quantity in linear programs, one per independent group (the published values
    moved to the right). Groups do not interact, so one solve over several groups minimises one
    quantity of each at once: ranges cost a few dozen solves, not two per quantity. No count
    exceeds the largest published one ten times over (`cap`), so every program is bounded."""

    def __init__(self, system: System, status: dict[Key, str], labelled: bool):
        cap = 10.0 * max([*system.values.values(), THRESHOLD])
        self.parts = []  # per group: keys, equality matrix, right-hand side, bounds
        self.group: dict[Key, int] = {}
        self.index: dict[Key, int] = {}
        self.members: list[frozenset] = []  # per group: its quantities
        self._model = None  # the HiGHS model, built at the first solve
        for g, (keys, rel_ids) in enumerate(_components(system, status)):
            self.members.append(frozenset(keys))
            index = {k: j for j, k in enumerate(keys)}
            rows, rhs = [], []
            for i in rel_ids:
                total, parts = system.relations[i]
                row = np.zeros(len(keys))
                constant = 0.0
                for k, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                    if k in index:
                        row[index[k]] += sign
                    else:
                        constant -= sign * system.values[k]
                rows.append(row)
                rhs.append(constant)
            bounds = []
            for k in keys:
                lo, hi = _bounds(status, k, labelled)
                bounds.append((lo, cap if hi is None else hi))
            self.parts.append((keys, np.array(rows).reshape(len(rows), len(keys)), rhs, bounds))
            for k in keys:
                self.group[k], self.index[k] = g, index[k]

    def solve(self, objectives: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Optimal points of several groups at once (group → objective)."""
        if _highs is not None:
            return self._resolve(objectives)
        groups = sorted(objectives)
        blocks = [self.parts[g][1] for g in groups]
        a_eq = sparse.block_diag(blocks, format="csr") if any(b.size for b in blocks) else None
        b_eq = [v for g in groups for v in self.parts[g][2]]
        c = np.concatenate([objectives[g] for g in groups])
        bounds = [b for g in groups for b in self.parts[g][3]]
        if a_eq is not None and a_eq.shape[0] == 0:
            a_eq = None
        res = linprog(c, A_eq=a_eq, b_eq=b_eq or None, bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError("the published system is inconsistent")
        out, at = {}, 0
        for g in groups:
            n = len(self.parts[g][0])
            out[g] = res.x[at : at + n]
            at += n
        return out

    def _resolve(self, objectives: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """`solve` on one HiGHS model of every group, kept between solves: only the objective
        changes, and the simplex starts from the last optimal basis (`linprog` builds a new
        model each time and spends most of a solve in Python, over every column)."""
        if self._model is None:
            self._model = _model(self.parts)
            self._start = np.cumsum([0, *(len(p[0]) for p in self.parts)])
        highs = self._model
        total = int(self._start[-1])
        cost = np.zeros(total)
        for g, objective in objectives.items():
            cost[self._start[g] : self._start[g + 1]] = objective
        highs.changeColsCost(total, np.arange(total, dtype=np.int32), cost)
        highs.run()
        if highs.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            raise RuntimeError("the published system is inconsistent")
        x = np.asarray(highs.getSolution().col_value)
        return {g: x[self._start[g] : self._start[g + 1]] for g in objectives}

    def exact(
        self, keys: list[Key], settled: Callable[[Key, float, float], bool] | None = None
    ) -> dict[Key, tuple[float, float]]:
        """Exact (min, max) of each key, one key per group in each solve. `settled(key, lo,
        hi)`: given a range the key is known to cover (the values it takes at the optimal
        points seen so far), whether its exact range is no longer needed — each solve is a
        point for every other key of its group too, so most keys are settled without a solve
        of their own. Keys settled that way are left out of the result."""
        out: dict[Key, tuple[float, float]] = {}
        seen: dict[Key, list[float]] = {k: [np.inf, -np.inf] for k in keys}
        queue = list(keys)
        while queue:
            batch: dict[int, Key] = {}
            rest = []
            for k in queue:
                (rest.append(k) if self.group[k] in batch else batch.__setitem__(self.group[k], k))
            objectives = {}
            for g, k in batch.items():
                c = np.zeros(len(self.parts[g][0]))
                c[self.index[k]] = 1.0
                objectives[g] = c
            low = self.solve(objectives)
            high = self.solve({g: -c for g, c in objectives.items()})
            for g, k in batch.items():
                out[k] = (low[g][self.index[k]], high[g][self.index[k]])
            queue = []
            for k in rest:
                g = self.group[k]
                if g in batch and settled is not None:
                    span = seen[k]
                    for point in (low[g], high[g]):
                        v = point[self.index[k]]
                        span[0], span[1] = min(span[0], v), max(span[1], v)
                    if settled(k, span[0], span[1]):
                        continue
                queue.append(k)
        return out

    def samples(self, keys: list[Key], count: int = 3, seed: int = 0):
        """Smallest and largest value of each key over a few optimal points: inner bounds of
        its range (a range already seen wide is certified without a solve of its own)."""
        groups = sorted({self.group[k] for k in keys})
        if not groups:
            return {}, {}
        rng = np.random.default_rng(seed)
        seen_lo: dict[Key, float] = {}
        seen_hi: dict[Key, float] = {}
        sizes = {g: len(self.parts[g][0]) for g in groups}
        objectives = [{g: np.ones(n) for g, n in sizes.items()},
                      {g: -np.ones(n) for g, n in sizes.items()}]  # fmt: skip
        objectives += [{g: rng.uniform(-1, 1, n) for g, n in sizes.items()} for _ in range(count)]
        for objective in objectives:
            points = self.solve(objective)
            for k in keys:
                v = points[self.group[k]][self.index[k]]
                seen_lo[k] = min(seen_lo.get(k, np.inf), v)
                seen_hi[k] = max(seen_hi.get(k, -np.inf), v)
        return seen_lo, seen_hi


def _model(parts):
    """Every group's equalities and bounds in one HiGHS model (the groups do not share a
    variable: a block-diagonal matrix)."""
    blocks = [p[1] for p in parts]
    n = sum(len(p[0]) for p in parts)
    matrix = sparse.block_diag(blocks, format="csc") if blocks else sparse.csc_matrix((0, n))
    matrix = sparse.csc_matrix(matrix, shape=(sum(b.shape[0] for b in blocks), n))
    rhs = np.array([v for p in parts for v in p[2]], dtype=float)
    bounds = [b for p in parts for b in p[3]]
    lp = _highs.HighsLp()
    lp.num_col_, lp.num_row_ = n, matrix.shape[0]
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, matrix.shape[0]
    lp.a_matrix_.format_ = _highs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array([b[0] for b in bounds], dtype=float)
    lp.col_upper_ = np.array([b[1] for b in bounds], dtype=float)
    lp.row_lower_ = rhs
    lp.row_upper_ = rhs
    highs = _highs._Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return highs


def ranges(
    system: System, status: dict[Key, str], *, labelled: bool
) -> dict[Key, tuple[float, float]]:
    """The exact feasible range of each masked quantity given what is published."""
    if not status:
        return {}
    program = _Program(system, status, labelled)
    return program.exact(list(status))


def find_leaks(
    system: System, status: dict[Key, str], clean: set[frozenset] | None = None
) -> list[Key]:
    """Masked or hidden quantities a reader could work out (see the module).

    `clean`: groups of masked quantities (linked by relations) already found safe; a group
    with the same members has the same relations and published values around it, so it is not
    checked again. The groups found safe here are added to it (`suppress` masks a few more
    counts each round: only the groups they join are checked again)."""
    protected = [k for k in status if _protected(system, status, k)]
    if not protected:
        return []
    leaks = []
    # With the labels: nothing pinned, and no hidden quantity known to be 1 to 9.
    program = _Program(system, status, labelled=True)
    if clean is not None:
        protected = [k for k in protected if program.members[program.group[k]] not in clean]
        if not protected:
            return []
    lo, hi = program.samples(protected)

    def leak(k, a, b) -> bool:
        return b - a < 0.5 or (status[k] == HIDDEN and leaks_small(a, b))

    unsure = [k for k in protected if leak(k, lo[k], hi[k])]

    def settled(k, a, b) -> bool:
        return not leak(k, min(a, lo[k]), max(b, hi[k]))

    leaks += [k for k, (a, b) in program.exact(unsure, settled).items() if leak(k, a, b)]
    # Without the labels (the CSV files alone): no « < 10 » count known to be 1 to 9.
    primary = [k for k in protected if status[k] == PRIMARY and k not in leaks]
    if primary:
        program = _Program(system, status, labelled=False)
        lo, hi = program.samples(primary)
        unsure = [k for k in primary if leaks_small(lo[k], hi[k])]
        low, high = lo, hi

        def settled_small(k, a, b) -> bool:
            return not leaks_small(min(a, low[k]), max(b, high[k]))

        leaks += [
            k for k, (a, b) in program.exact(unsure, settled_small).items() if leaks_small(a, b)
        ]
    if clean is not None:
        leaking = {program.group[k] for k in leaks}
        clean.update(
            program.members[g] for g in {program.group[k] for k in protected} if g not in leaking
        )
    return leaks


def leaks_small(lo: float, hi: float) -> bool:
    """The range tells that the count is from 1 to 9."""
    return lo > 0.5 and hi < THRESHOLD - 0.5
