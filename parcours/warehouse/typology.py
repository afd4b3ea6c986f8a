"""Typical paths: a typology of the trainees' monthly sequences (issue 10, « Parcours types »).

Run at build time by the dbt Python model `int_participant_path_type` (transform/models/
intermediate/), inside `dbt build`: it writes into the build's work file like every other model,
so a failure fails the build and the served warehouse is unchanged (atomic), its data tests run
with the others, and it appears in the lineage. A step of `parcours build` after dbt would have
needed its own connection to the work file, its own tests and its own place in the docs.

Why not `sequenzo` (0.1.42, the Python port of TraMineR, checked 2026-12-01 with
`pip download --no-deps`): it installs on Python 3.11 but requires pandas, matplotlib, seaborn,
scipy, scikit-learn, hmmlearn, boruta, statsmodels, missingno, cython and pybind11 at run time,
for one distance and one clustering that take a hundred lines of numpy here; the build would
carry a plotting and machine-learning stack it does not use. numpy only.

The method, every step fixed and documented:

1. **Sequences.** For each trainee, the states of `fct_participant_months` for the first
   `MONTHS` months since entry (0 to 23). A month the trainee is not observable in (after the
   last month its centre sent data for) is `not_observed`. States are coded by one letter
   (`CODES`), a sequence is a 24-letter string; identical strings are clustered once, weighted by
   how many trainees share them.
2. **Distance.** Hamming distance with substitution costs from transition rates (TraMineR's
   `seqsubm(method = "TRATE")`): for two observed states i ≠ j, cost(i, j) = 2 − p(j | i) −
   p(i | j), where p(j | i) is the share of the month-to-month transitions from i that go to j,
   counted over every trainee's consecutive observed months. States that follow each other
   often (in the centre → training) are closer than states that rarely do. Cost with
   `not_observed` is `NOT_OBSERVED_COST` (1: half the largest cost, « unknown, not different »);
   a state with itself costs 0. The distance of two sequences is the sum over the months of the
   cost of their two states. Hamming rather than optimal matching: months since entry are
   aligned on purpose (leaving after 3 months is not leaving after 15).
3. **Clustering.** k-medoids (PAM: greedy BUILD, then SWAP until no exchange lowers the cost;
   every exchange priced in one pass as in FastPAM1, Schubert & Rousseeuw 2019) on a sample of
   `SAMPLE_SIZE` trainees drawn with `SEED` (numpy's default generator) from the trainees
   ordered by their sequence, identical sequences merged with weights. A medoid must be a
   sequence shared by at least `SHARED_BY` trainees in the whole population (when at least
   `K_MAX` such sequences are in the sample): the representative path shown to every role is
   then no one's own path. k is chosen from `K_RANGE` by the highest weighted mean silhouette
   on the sample (ties: the smaller k). Every trainee is then assigned to its nearest medoid
   (ties: the type listed first).
4. **Types.** Numbered 1 to k by size in the whole population (ties: by medoid), each named in
   plain French from its medoid by `name_path` (below), never by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MONTHS = 24
SEED = 20261201
SAMPLE_SIZE = 2000
K_RANGE = range(4, 8)
K_MAX = max(K_RANGE)
SHARED_BY = 5
NOT_OBSERVED_COST = 1.0

# One letter per state (fct_participant_months.state, then the padding state).
CODES = {
    "in_centre": "C",
    "employment": "E",
    "training": "T",
    "pathway": "P",
    "none": "N",
    "unknown": "U",
    "not_observed": "X",
}
STATES = list(CODES)
LETTERS = "".join(CODES.values())
NOT_OBSERVED = STATES.index("not_observed")
IN_CENTRE = STATES.index("in_centre")


# --- sequences ---------------------------------------------------------------------------------


def encode(sequences: Sequence[str]) -> np.ndarray:
    """Sequences of state letters (`CODES`), padded to `MONTHS` with « X », as an (n, MONTHS)
    array of state numbers (the index in `STATES`)."""
    table = np.full(256, -1, dtype=np.int8)
    for number, letter in enumerate(LETTERS):
        table[ord(letter)] = number
    padded = [s[:MONTHS].ljust(MONTHS, "X") for s in sequences]
    raw = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8).reshape(-1, MONTHS)
    out = table[raw]
    if (out < 0).any():
        raise ValueError("unknown state letter in a sequence")
    return out.astype(np.int8)


def decode(states: np.ndarray) -> list[str]:
    """The state names of one encoded sequence."""
    return [STATES[s] for s in states]


# --- distance ----------------------------------------------------------------------------------


def substitution_costs(encoded: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """TRATE substitution costs (step 2): a (7, 7) matrix, cost(i, j) = 2 − p(j|i) − p(i|j) for
    observed states, `NOT_OBSERVED_COST` against not_observed, 0 on the diagonal."""
    n_states = len(STATES)
    if weights is None:
        weights = np.ones(len(encoded))
    counts = np.zeros((n_states, n_states))
    if encoded.shape[1] > 1:
        before, after = encoded[:, :-1].ravel(), encoded[:, 1:].ravel()
        w = np.repeat(weights, encoded.shape[1] - 1)
        seen = (before != NOT_OBSERVED) & (after != NOT_OBSERVED)
        np.add.at(counts, (before[seen], after[seen]), w[seen])
    out_of = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, out_of, out=np.zeros_like(counts), where=out_of > 0)
    costs = 2.0 - rates - rates.T
    costs[NOT_OBSERVED, :] = NOT_OBSERVED_COST
    costs[:, NOT_OBSERVED] = NOT_OBSERVED_COST
    np.fill_diagonal(costs, 0.0)
    return costs


def distances(a: np.ndarray, b: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Hamming distances with substitution costs: (len(a), len(b)), the sum over the months of
    costs[a state, b state]."""
    out = np.zeros((len(a), len(b)))
    for month in range(a.shape[1]):
        out += costs[a[:, month][:, None], b[:, month][None, :]]
    return out


# --- clustering --------------------------------------------------------------------------------


def pam(
    dist: np.ndarray, weights: np.ndarray, k: int, candidates: np.ndarray | None = None
) -> np.ndarray:
    """Weighted k-medoids (PAM): `dist` between the points, `weights` their multiplicities,
    `candidates` a boolean mask of the points allowed as medoids (all by default). Returns the
    medoids' indices, sorted. Deterministic: ties go to the lowest index."""
    n = len(dist)
    allowed = np.ones(n, dtype=bool) if candidates is None else candidates.astype(bool)
    pool = np.flatnonzero(allowed)
    k = min(k, len(pool))
    if k == 0:
        return np.array([], dtype=int)
    # BUILD: each step adds the candidate that lowers the total weighted distance most.
    weighted = dist[pool] * weights[None, :]
    first = pool[int(np.argmin(weighted.sum(axis=1)))]
    medoids = [first]
    nearest = dist[first].copy()
    while len(medoids) < k:
        gains = (np.maximum(nearest[None, :] - dist[pool], 0.0) * weights[None, :]).sum(axis=1)
        gains[np.isin(pool, medoids)] = -1.0
        best = pool[int(np.argmax(gains))]
        medoids.append(best)
        nearest = np.minimum(nearest, dist[best])
    # SWAP: take the best (medoid, candidate) exchange while it lowers the cost. All the
    # exchanges are priced in one pass (FastPAM1, Schubert & Rousseeuw 2019): removing medoid i
    # moves its points to their second nearest medoid or to the candidate h.
    cost = float((nearest * weights).sum())
    for _ in range(100):
        order = np.argsort(dist[medoids], axis=0, kind="stable")
        closest = np.take_along_axis(dist[medoids], order[:2], axis=0)
        first_d = closest[0]
        second_d = closest[1] if k > 1 else np.full(n, np.inf)
        owner = order[0]
        cand = dist[pool]
        # Points that keep their medoid move to h when h is nearer.
        keep = (np.minimum(cand, first_d[None, :]) - first_d[None, :]) * weights[None, :]
        # Points of medoid i: to h or to their second nearest, whichever is nearer.
        lose = (np.minimum(cand, second_d[None, :]) - first_d[None, :]) * weights[None, :]
        one_hot = np.zeros((n, k))
        one_hot[np.arange(n), owner] = 1.0
        delta = keep.sum(axis=1)[:, None] + (lose - keep) @ one_hot  # (candidates, medoids)
        delta[np.isin(pool, medoids), :] = np.inf
        index = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[index] >= -1e-9:
            break
        medoids[index[1]] = pool[index[0]]
        cost += float(delta[index])
    return np.array(sorted(medoids), dtype=int)


def assign(dist_to_medoids: np.ndarray) -> np.ndarray:
    """The nearest medoid of each point (columns: medoids; ties: the first)."""
    return np.argmin(dist_to_medoids, axis=1)


def silhouette(dist: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    """Weighted mean silhouette (Rousseeuw 1987), each point standing for `weights` identical
    trainees: a(i) = mean distance to the other members of its cluster (its own copies at 0),
    b(i) = smallest mean distance to another cluster, s(i) = (b − a) / max(a, b); 0 for a
    trainee alone in its cluster."""
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return 0.0
    sums = np.stack([(dist[:, labels == c] * weights[labels == c]).sum(axis=1) for c in clusters])
    sizes = np.array([weights[labels == c].sum() for c in clusters])
    own = np.searchsorted(clusters, labels)
    n = len(labels)
    others = sizes[own] - 1
    a = np.divide(sums[own, np.arange(n)], others, out=np.zeros(n), where=others > 0)
    means = sums / sizes[:, None]
    means[own, np.arange(n)] = np.inf
    b = means.min(axis=0)
    top = np.maximum(a, b)
    s = np.divide(b - a, top, out=np.zeros(n), where=(top > 0) & (others > 0))
    return float((s * weights).sum() / weights.sum())


# --- naming ------------------------------------------------------------------------------------

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


def name_path(states: Sequence[str]) -> str:
    """The plain-French name of a representative path (its state per month since entry).

    The rule: the months « Au centre » at the start (a) give the head — a ≤ 6 « Sortie rapide »,
    7 ≤ a ≤ 12 « Parcours d'un an au centre », a > 12 « Long parcours au centre ». Then:
    - no exit within the observed months: « Long parcours, toujours au centre » when all the
      months are observed; when observation stops first, « Long parcours au centre, encore en
      cours » after more than 12 months, « Entrée récente, encore au centre » otherwise;
    - otherwise, the first state after the exit (f) and the last observed state (l). The head
      and f: « Sortie rapide » + `AFTER[f]` (« Sortie rapide vers l'emploi »), the longer heads
      + « puis » + `THEN[f]` (« Long parcours au centre puis formation »). When l ≠ f,
      « , puis » + `THEN[l]` follows (« Sortie rapide sans emploi ni formation, puis emploi »:
      a detour, then a return).
    """
    observed = [s for s in states if s != "not_observed"]
    months_in_centre = 0
    for state in states:
        if state != "in_centre":
            break
        months_in_centre += 1
    after = [s for s in observed[months_in_centre:] if s != "in_centre"]
    if not after:
        if len(observed) == len(states):
            return "Long parcours, toujours au centre"
        if months_in_centre > 12:
            return "Long parcours au centre, encore en cours"
        return "Entrée récente, encore au centre"
    if months_in_centre <= 6:
        head = "Sortie rapide"
    elif months_in_centre <= 12:
        head = "Parcours d'un an au centre"
    else:
        head = "Long parcours au centre"
    first, last = after[0], after[-1]
    name = f"{head} {AFTER[first]}" if months_in_centre <= 6 else f"{head} puis {THEN[first]}"
    if first != last:
        name += f", puis {THEN[last]}"
    return name


def distinct_names(paths: Sequence[Sequence[str]]) -> list[str]:
    """`name_path` of each path; two types with the same name get the months at the centre of
    their path added (« (8 mois au centre) »), then a number if still equal."""
    names = [name_path(p) for p in paths]
    for name in set(names):
        same = [i for i, n in enumerate(names) if n == name]
        if len(same) > 1:
            for i in same:
                months = next((m for m, s in enumerate(paths[i]) if s != "in_centre"), MONTHS)
                names[i] = f"{name} ({months} mois au centre)"
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} — variante {seen[name]}"
    return names


# --- the typology ------------------------------------------------------------------------------


@dataclass
class Typology:
    """The result: for each distinct sequence (`sequences`, as given), its type number
    (`types`, 1 = the largest type); for each type, its medoid sequence and name."""

    sequences: list[str]
    types: np.ndarray
    medoids: list[str]
    names: list[str]
    k: int
    silhouette: float


def typology(
    sequences: Sequence[str],
    counts: Sequence[int],
    *,
    seed: int = SEED,
    sample_size: int = SAMPLE_SIZE,
    k_range: Sequence[int] = K_RANGE,
    shared_by: int = SHARED_BY,
) -> Typology:
    """The typology of distinct `sequences` (24-letter strings, `CODES`) shared by `counts`
    trainees each. Deterministic for the same input and seed (the input order does not matter:
    sequences are sorted first)."""
    order = np.argsort(np.asarray(sequences, dtype=object), kind="stable")
    seqs = [sequences[i] for i in order]
    weights = np.asarray(counts, dtype=float)[order]
    encoded = encode(seqs)
    costs = substitution_costs(encoded, weights)
    total = int(weights.sum())
    # The sample: trainees drawn without replacement, then merged back by sequence.
    rng = np.random.default_rng(seed)
    if total > sample_size:
        drawn = rng.choice(total, size=sample_size, replace=False)
        per_sequence = np.bincount(
            np.searchsorted(np.cumsum(weights), drawn, side="right"), minlength=len(seqs)
        )
    else:
        per_sequence = weights.astype(int)
    in_sample = np.flatnonzero(per_sequence > 0)
    sample_w = per_sequence[in_sample].astype(float)
    dist = distances(encoded[in_sample], encoded[in_sample], costs)
    candidates = weights[in_sample] >= shared_by
    if candidates.sum() < max(k_range):
        candidates = np.ones(len(in_sample), dtype=bool)
    best: tuple[float, int, np.ndarray] | None = None
    for k in k_range:
        medoids = pam(dist, sample_w, k, candidates)
        labels = assign(dist[:, medoids])
        score = silhouette(dist, sample_w, labels) if len(medoids) > 1 else 0.0
        if best is None or score > best[0] + 1e-12:
            best = (score, len(medoids), medoids)
    assert best is not None
    score, k, medoids = best
    medoid_rows = in_sample[medoids]
    labels = assign(distances(encoded, encoded[medoid_rows], costs))
    sizes = np.bincount(labels, weights=weights, minlength=len(medoid_rows))
    # Type 1 is the largest; equal sizes: the medoid first in sequence order.
    ranking = sorted(range(len(medoid_rows)), key=lambda c: (-sizes[c], medoid_rows[c]))
    number = np.empty(len(medoid_rows), dtype=int)
    number[ranking] = np.arange(1, len(medoid_rows) + 1)
    medoid_seqs = [seqs[medoid_rows[c]] for c in ranking]
    names = distinct_names([decode(encode([s])[0]) for s in medoid_seqs])
    types = np.empty(len(seqs), dtype=int)
    types[order] = number[labels]
    return Typology(list(sequences), types, medoid_seqs, names, k, score)
