"""Top-k kernels (numba): per-query min-heaps of the best ``k`` (score, row) pairs.

Ranking is score descending, then database row ascending (the tie rule every search result
follows); parallel chunks keep private heaps that the engine merges by the same rule.
"""

import numpy as np
from numba import njit, prange

from drugscreen.kernels.pairs_cpu import (
    PAIR_MIN_QUERIES,
    _common_bits,
    _common_bits_pair,
    _common_bound,
    _score,
)


@njit(inline="always", cache=True)
def _worse(s1: float, r1: int, s2: float, r2: int) -> bool:
    # Ranking is score descending, then row ascending: (s1, r1) ranks below (s2, r2).
    return s1 < s2 or (s1 == s2 and r1 > r2)


@njit(cache=True)
def _sift_down(hs, hr, q, n, i):  # type: ignore[no-untyped-def]
    while True:
        left = 2 * i + 1
        if left >= n:
            return
        child = left
        right = left + 1
        if right < n and _worse(hs[q, right], hr[q, right], hs[q, left], hr[q, left]):
            child = right
        if _worse(hs[q, child], hr[q, child], hs[q, i], hr[q, i]):
            hs[q, i], hs[q, child] = hs[q, child], hs[q, i]
            hr[q, i], hr[q, child] = hr[q, child], hr[q, i]
            i = child
        else:
            return


@njit(cache=True)
def _heap_offer(hs, hr, q, n, s, r):  # type: ignore[no-untyped-def]
    """Offer (s, r) to query ``q``'s min-heap of size ``n`` (capacity ``hs.shape[1]``); returns the new size."""
    if n < hs.shape[1]:
        i = n
        hs[q, i] = s
        hr[q, i] = r
        while i > 0:
            parent = (i - 1) // 2
            if _worse(hs[q, i], hr[q, i], hs[q, parent], hr[q, parent]):
                hs[q, i], hs[q, parent] = hs[q, parent], hs[q, i]
                hr[q, i], hr[q, parent] = hr[q, parent], hr[q, i]
                i = parent
            else:
                break
        return n + 1
    if _worse(hs[q, 0], hr[q, 0], s, r):
        hs[q, 0] = s
        hr[q, 0] = r
        _sift_down(hs, hr, q, n, 0)
    return n


@njit(parallel=True, cache=True)
def topk_update(tile, ncols, col_rows, threshold, heap_score, heap_row, heap_size):  # type: ignore[no-untyped-def]
    """Merge a score tile into per-query min-heaps of the best ``k`` (score, row) pairs.

    ``heap_score/heap_row`` are ``[Q, k]``; the root ``[:, 0]`` is the worst kept hit, so a
    column is only looked at further when it beats the root. ``col_rows[j]`` is the database
    row of tile column ``j`` (used for the tie rule: equal scores keep the lower row).
    """
    for q in prange(tile.shape[0]):
        n = heap_size[q]
        for j in range(ncols):
            s = tile[q, j]
            if s >= threshold:
                n = _heap_offer(heap_score, heap_row, q, n, s, col_rows[j])
        heap_size[q] = n


@njit(parallel=True, cache=True)
def topk_tile_bits(
    queries,
    q_pop,
    db,
    db_pop,
    rows,
    start,
    stop,
    metric,
    alpha,
    beta,
    threshold,
    seed,
    q_words,
    db_words,
    min_common,
    heap_score,
    heap_row,
    heap_size,
):  # type: ignore[no-untyped-def]
    """Fused scoring and top-k over database rows ``start:stop`` (no score tile is stored).

    Rows are split into ``nchunks = heap_score.shape[0]`` parallel chunks, each with private
    heaps ``heap_*[c, Q, k]`` that persist across calls; the caller merges the chunks' heaps
    at the end. ``rows[r]`` is the database row of position ``r`` (for the tie rule).
    ``seed[q]`` is a floor for query ``q`` known before the scan (``-inf`` for none): pairs
    scoring below it are never offered to a heap, so a seeded chunk prunes from its first row
    instead of once its own heap is full. With word popcounts (``db_words`` has rows) a pair
    is scored only if its bound on the common bits reaches ``min_common[db_pop[r], q]``, the
    table of :func:`~drugscreen.kernels.pairs_cpu.min_common_table` for the seeds: worth it
    for a few queries with high seeds; pass ``db_words`` of zero rows to score every pair.

    No word-popcount bound here: a chunk's heap floor (its k-th best score) stays low (median
    0.24 for k = 100 in a 15 k-row chunk of MOSES), where the bound rejects too few pairs to pay
    for itself (measured 1.2-1.8x slower than scoring every pair).
    """
    nq = queries.shape[0]
    nchunks = heap_score.shape[0]
    n = stop - start
    size = (n + nchunks - 1) // nchunks
    for ch in prange(nchunks):
        hs = heap_score[ch]
        hr = heap_row[ch]
        hn = heap_size[ch]
        k = hs.shape[1]
        # floor[q]: the score a pair needs to be considered (the heap root once the heap is
        # full), kept in a small local array so the common case is one comparison
        floor = np.empty(nq)
        for q in range(nq):
            floor[q] = max(threshold, seed[q])
            if hn[q] == k:
                floor[q] = max(floor[q], hs[q, 0])
        r0 = start + ch * size
        r1 = min(stop, r0 + size)
        r = r0
        # rows in pairs for query batches (see _common_bits_pair); a lone query is faster one
        # row at a time, handled with the odd tail row by the loop below
        bounded = db_words.shape[0] > 0
        while not bounded and nq >= PAIR_MIN_QUERIES and r + 1 < r1:
            b1 = float(db_pop[r])
            b2 = float(db_pop[r + 1])
            for q in range(nq):
                c1, c2 = _common_bits_pair(queries, q, db, r)
                a = float(q_pop[q])
                s = _score(metric, float(c1), a, b1, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[r])
                    if hn[q] == k:
                        floor[q] = max(floor[q], hs[q, 0])
                s = _score(metric, float(c2), a, b2, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[r + 1])
                    if hn[q] == k:
                        floor[q] = max(floor[q], hs[q, 0])
            r += 2
        for rt in range(r, r1):
            b1 = float(db_pop[rt])
            for q in range(nq):
                if bounded and _common_bound(q_words, q, db_words, rt) < min_common[db_pop[rt], q]:
                    continue
                s = _score(metric, float(_common_bits(queries, q, db, rt)), float(q_pop[q]), b1, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[rt])
                    if hn[q] == k:
                        floor[q] = max(floor[q], hs[q, 0])
