"""Diversity-picking kernels (numba): leader and MaxMin picking over packed binary fingerprints.

Same decisions as RDKit's ``LeaderPicker`` and ``MaxMinPicker`` ``LazyBitVectorPick``, with
RDKit's Tanimoto distance ``1 - c / (a + b - c)`` in float64 (0 similarity for two empty
fingerprints). Leader: molecules are taken in order, and one becomes a leader when its distance
to every leader so far is greater than the threshold. MaxMin: each new pick is the molecule
farthest from its nearest pick.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from drugscreen.kernels.popcount import popcount64


@njit(cache=True)
def leader_pick(fps, pop, order, first, threshold, limit, picks):  # type: ignore[no-untyped-def]
    """Leaders among ``order`` (positions of ``fps``), after the ``first`` leaders given.

    Writes leaders to ``picks`` (capacity ``limit``) and returns how many. ``first`` positions
    are leaders without a test and are skipped in ``order``.
    """
    n_words = fps.shape[1]
    count = 0
    skip = np.zeros(fps.shape[0], dtype=np.bool_)
    for f in first:
        if count >= limit:
            return count
        picks[count] = f
        skip[f] = True
        count += 1
    for i in order:
        if count >= limit:
            break
        if skip[i]:
            continue
        a = pop[i]
        is_leader = True
        for t in range(count):
            j = picks[t]
            b = pop[j]
            # the similarity is at most min/max popcount: if even that is far enough, skip the
            # words (exact: division and subtraction are monotone in floating point)
            lo = a if a < b else b
            hi = b if a < b else a
            if hi > 0 and 1.0 - lo / hi > threshold:
                continue
            c = 0
            for w in range(n_words):
                c += popcount64(fps[i, w] & fps[j, w])
            union = a + b - c
            sim = c / union if union > 0 else 0.0
            if not 1.0 - sim > threshold:
                is_leader = False
                break
        if is_leader:
            picks[count] = i
            count += 1
    return count


@njit(cache=True)
def _bounded_min(fps, pop, i, picks, start, count, bound, best):  # type: ignore[no-untyped-def]
    """RDKit's lazy step: lower ``bound`` with the picks from ``start`` on, stopping at ``best``.

    Returns ``(bound, next_start)``. Distances are only computed when the popcount bound says
    they could be below ``bound``; that never changes a result, only skips work.
    """
    n_words = fps.shape[1]
    a = pop[i]
    t = start
    while t < count:
        j = picks[t]
        t += 1
        b = pop[j]
        lo = a if a < b else b
        hi = b if a < b else a
        floor = 1.0 - lo / hi if hi > 0 else 1.0  # distance is at least this (exact in float64)
        if floor > bound:
            continue
        c = 0
        for w in range(n_words):
            c += popcount64(fps[i, w] & fps[j, w])
        union = a + b - c
        dist = 1.0 - (c / union if union > 0 else 0.0)
        if dist <= bound:
            bound = dist
            if bound <= best:
                break
    return bound, t


@njit(parallel=True, cache=True)
def _farthest(fps, pop, in_pool, bound, seen, picks, count, starts, best_dist, best_row):  # type: ignore[no-untyped-def]
    """Per chunk of rows, the first pool row with the largest distance to its nearest pick."""
    for ch in prange(len(starts) - 1):
        best = -1.0
        row = -1
        for i in range(starts[ch], starts[ch + 1]):
            if not in_pool[i] or bound[i] <= best:
                continue
            value, seen[i] = _bounded_min(fps, pop, i, picks, seen[i], count, bound[i], best)
            bound[i] = value
            if value > best:
                best = value
                row = i
        best_dist[ch] = best
        best_row[ch] = row


def maxmin_pick(fps, pop, first, limit, threshold, nchunks, picks, distances):  # type: ignore[no-untyped-def]
    """MaxMin picks after the ``first`` picks, with RDKit ``LazyBitVectorPick``'s decisions.

    Each new pick is the pool row farthest (Tanimoto distance, float64) from its nearest pick,
    the lowest row on ties; picking stops at ``limit`` picks, or before a pick whose distance
    is ``<= threshold`` when ``threshold >= 0``. Writes rows to ``picks`` and each new pick's
    distance to ``distances``; returns the number of picks. Row chunks are scanned in
    parallel: a chunk's own running maximum prunes less than RDKit's global one, which
    changes the work done but not the result (the first row with the largest exact distance).
    """
    n = fps.shape[0]
    count = len(first)
    picks[:count] = first
    distances[:count] = np.nan
    in_pool = np.ones(n, dtype=np.bool_)
    in_pool[first] = False
    bound = np.full(n, np.inf)
    seen = np.zeros(n, dtype=np.int64)
    starts = np.linspace(0, n, nchunks + 1).astype(np.int64)
    best_dist = np.empty(nchunks)
    best_row = np.empty(nchunks, dtype=np.int64)
    while count < limit:
        _farthest(fps, pop, in_pool, bound, seen, picks, count, starts, best_dist, best_row)
        ch = int(np.argmax(best_dist))  # the first chunk with the maximum: the lowest row on ties
        if best_row[ch] < 0 or (threshold >= 0.0 and best_dist[ch] <= threshold):
            break
        row = best_row[ch]
        picks[count] = row
        distances[count] = best_dist[ch]
        in_pool[row] = False
        count += 1
    return count
