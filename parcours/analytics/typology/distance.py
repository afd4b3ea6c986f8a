"""Step 2 of the typology: Hamming distance with substitution costs from transition rates."""

from __future__ import annotations

import numpy as np

from parcours.analytics.typology.sequences import NOT_OBSERVED, STATES

NOT_OBSERVED_COST = 1.0


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
