"""Applicability domain: how similar a molecule is to the molecules a model learnt from.

A prediction for a molecule unlike any training molecule is an extrapolation; the panel reports,
per endpoint, the Tanimoto similarity of the nearest training molecule (binary Morgan radius 2,
2,048 bits) found by drugscreen's similarity engine, and flags the molecule out of domain below a
threshold calibrated on cross-validation error (``drugscreen.admet.training.domain_threshold``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drugscreen.admet.features import DOMAIN_BITS


def _spec():  # type: ignore[no-untyped-def]
    from drugscreen.chem.spec import FingerprintSpec

    return FingerprintSpec(kind="morgan", radius=2, nbits=DOMAIN_BITS)


def nearest_similarity(queries: np.ndarray, targets: np.ndarray, n_jobs: int | None = -1) -> np.ndarray:
    """``float64[len(queries)]``: each query's highest Tanimoto similarity among ``targets``.

    Both are packed ``uint64`` Morgan fingerprints (:data:`DOMAIN_BITS` bits). A query with no
    bit set, or no target at all, gets 0.
    """
    from drugscreen.chem.fingerprints import FingerprintArray
    from drugscreen.similarity.arrays import search

    out = np.zeros(len(queries))
    if not len(queries) or not len(targets):
        return out
    spec = _spec()
    hits = search(FingerprintArray(spec, queries), FingerprintArray(spec, targets), k=1, n_jobs=n_jobs)
    out[hits["query"].to_numpy()] = hits["score"].to_numpy()
    return out


def nearest_per_set(
    queries: np.ndarray,
    targets: np.ndarray,
    membership: np.ndarray,
    sets: Sequence[int],
    k: int = 32,
    n_jobs: int | None = -1,
) -> np.ndarray:
    """``float64[len(queries), len(sets)]``: nearest similarity within each training set.

    ``membership[i]`` has bit ``j`` set when target ``i`` belongs to set ``j``; ``sets`` are the
    bits wanted, in the order of the output's columns. One top-``k``
    search over all targets answers every set whose member appears among a query's ``k`` best
    (the first member in the ranked list is that set's nearest); only the (query, set) pairs
    with no member there are searched again, within that set alone. Exact either way.
    """
    from drugscreen.chem.fingerprints import FingerprintArray
    from drugscreen.similarity.arrays import search

    n = len(queries)
    out = np.zeros((n, len(sets)))
    if not n or not len(targets):
        return out
    spec = _spec()
    hits = search(FingerprintArray(spec, queries), FingerprintArray(spec, targets), k=k, n_jobs=n_jobs)
    q = hits["query"].to_numpy()
    score = hits["score"].to_numpy()
    member = membership[hits["row"].to_numpy()]
    found = np.zeros((n, len(sets)), dtype=bool)
    for c, bit in enumerate(sets):
        j = np.uint64(bit)
        in_set = ((member >> j) & np.uint64(1)).astype(bool)
        # hits are sorted by query, then score descending: the first member per query is the best
        qj, sj = q[in_set], score[in_set]
        first = np.unique(qj, return_index=True)[1]
        out[qj[first], c] = sj[first]
        found[qj[first], c] = True
        missing = np.flatnonzero(~found[:, c])
        rows = np.flatnonzero(((membership >> j) & np.uint64(1)).astype(bool))
        if len(missing) and len(rows):
            out[missing, c] = nearest_similarity(queries[missing], targets[rows], n_jobs=n_jobs)
    return out
