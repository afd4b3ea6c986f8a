"""Step 3 of the typology: weighted k-medoids (PAM), assignment and silhouette."""

from __future__ import annotations

import numpy as np


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
