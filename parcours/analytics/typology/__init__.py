"""Typical paths: a typology of the trainees' monthly sequences (issue 10, « Parcours types »).

A package of the analytics (the questions the pages ask), beside `path_types`, which reads its
result; one module per step: `sequences`, `distance`, `clustering`, `naming`. Run at build time
by the dbt Python model `int_participant_path_type` (transform/models/intermediate/), inside
`dbt build`: it writes into the build's work file like every other model,
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
   plain French from what its members do (`naming`: how long they stayed at the centre, where
   most of them went), never by hand and never from the medoid alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parcours.analytics.typology.clustering import assign, pam, silhouette
from parcours.analytics.typology.distance import NOT_OBSERVED_COST, distances, substitution_costs
from parcours.analytics.typology.naming import (
    AFTER,
    THEN,
    Summary,
    distinct_names,
    member,
    name,
    name_path,
    summarise,
)
from parcours.analytics.typology.sequences import (
    CODES,
    IN_CENTRE,
    LETTERS,
    MONTHS,
    NOT_OBSERVED,
    STATES,
    decode,
    encode,
)

__all__ = [
    "AFTER", "CODES", "IN_CENTRE", "K_MAX", "K_RANGE", "LETTERS", "MONTHS", "NOT_OBSERVED",
    "NOT_OBSERVED_COST", "SAMPLE_SIZE", "SEED", "SHARED_BY", "STATES", "THEN", "Summary",
    "Typology", "assign", "decode", "distances", "distinct_names", "encode", "member", "name",
    "name_path", "pam", "silhouette", "substitution_costs", "summarise", "typology",
]  # fmt: skip

SEED = 20261201
SAMPLE_SIZE = 2000
K_RANGE = range(4, 8)
K_MAX = max(K_RANGE)
SHARED_BY = 5


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
    decoded = [decode(row) for row in encoded]
    summaries = [
        summarise([decoded[i] for i in np.flatnonzero(labels == c)], weights[labels == c].tolist())
        for c in ranking
    ]
    names = distinct_names(summaries)
    types = np.empty(len(seqs), dtype=int)
    types[order] = number[labels]
    return Typology(list(sequences), types, medoid_seqs, names, k, score)
