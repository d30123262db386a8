"""CPU similarity kernels (numba, ``parallel=True``): dense score tiles, fused threshold scans,
group fusion. Top-k heaps are in :mod:`drugscreen.kernels.topk_cpu`, the pair primitives all of
them inline in :mod:`drugscreen.kernels.pairs_cpu`.

Scoring kernels write a dense tile ``out[Q, stop - start]`` of float64 scores for database rows
``start:stop``. The fused threshold kernel tests the word-popcount bound first and reads a row's
full fingerprint only when the bound can still reach the threshold: 32 bytes instead of 256 per
row for 2048 bits (at T >= 0.7 on MOSES, 0.0017 % of pairs pass: benchmarks/bench_bounds.py).
"""

import numpy as np
from numba import njit, prange

from drugscreen.kernels.pairs_cpu import (
    PAIR_MIN_QUERIES,
    _common_bits,
    _common_bits_pair,
    _common_bound,
    _common_counts,
    _score,
)


@njit(parallel=True, cache=True)
def score_tile_bits(queries, q_pop, db, db_pop, start, stop, metric, alpha, beta, out):  # type: ignore[no-untyped-def]
    """Score queries ``uint64[Q, words]`` against database rows ``start:stop`` into ``out[Q, stop-start]``.

    Rows are the outer (parallel) loop so each database row is read from memory once for
    the whole block of queries; the inner loop over all words of a pair is branch-free so
    LLVM vectorises the popcounts (AVX2 nibble lookup), which beats gathering only the
    query's non-zero words with scalar POPCNT by ~3x.
    """
    nq = queries.shape[0]
    for r in prange(start, stop):
        b = float(db_pop[r])
        for q in range(nq):
            c = _common_bits(queries, q, db, r)
            out[q, r - start] = _score(metric, float(c), float(q_pop[q]), b, alpha, beta)


@njit(parallel=True, cache=True)
def score_tile_counts(q_dense, q_sum, indptr, indices, values, db_sum, start, stop, metric, alpha, beta, out):  # type: ignore[no-untyped-def]
    """Count-fingerprint scores (sum of minima) of dense queries against CSR rows ``start:stop``."""
    nq = q_dense.shape[0]
    for r in prange(start, stop):
        b = float(db_sum[r])
        for q in range(nq):
            c = _common_counts(q_dense, q, indptr, indices, values, r)
            out[q, r - start] = _score(metric, float(c), float(q_sum[q]), b, alpha, beta)


@njit(inline="always", cache=True)
def _emit_hit(q, col, s, base, found, capacity, out_q, out_col, out_score):  # type: ignore[no-untyped-def]
    if found < capacity:
        out_q[base + found] = q
        out_col[base + found] = col
        out_score[base + found] = s
    return found + 1


@njit(parallel=True, cache=True)
def threshold_tile_bits(
    queries,
    q_pop,
    db,
    db_pop,
    q_words,
    db_words,
    min_common,
    start,
    stop,
    metric,
    alpha,
    beta,
    threshold,
    first_col,
    nchunks,
    capacity,
    out_q,
    out_col,
    out_score,
    counts,
):  # type: ignore[no-untyped-def]
    """Fused scoring and threshold selection over database rows ``start:stop``.

    Rows are split into ``nchunks`` parallel chunks; chunk ``c`` writes its hits (query,
    column ``r - start``, score) to ``out_*[c * capacity:(c + 1) * capacity]`` and their number
    to ``counts[c]``. Scores of non-hits are never stored, so a search makes one pass over
    memory. A chunk with more than ``capacity`` hits keeps counting without writing: the
    caller sees ``counts[c] > capacity`` and reruns with larger buffers. Query ``q`` only
    considers columns ``>= first_col[q]`` (the upper triangle of a symmetric matrix).

    With word popcounts (``db_words`` has rows; ``q_words`` those of the queries) a pair is
    scored only if its bound reaches ``min_common[db_pop[r], q]`` (see
    :func:`min_common_table`); pass a ``db_words`` of zero rows to score every pair.
    """
    nq = queries.shape[0]
    n = stop - start
    size = (n + nchunks - 1) // nchunks
    bounded = db_words.shape[0] > 0
    for ch in prange(nchunks):
        r0 = start + ch * size
        r1 = min(stop, r0 + size)
        base = ch * capacity
        found = 0
        r = r0
        # without bounds, rows in pairs for query batches (see _common_bits_pair); a lone
        # query is faster one row at a time, handled with the odd tail row by the loop below
        while not bounded and nq >= PAIR_MIN_QUERIES and r + 1 < r1:
            b1 = float(db_pop[r])
            b2 = float(db_pop[r + 1])
            col = r - start
            for q in range(nq):
                if col + 1 < first_col[q]:
                    continue
                c1, c2 = _common_bits_pair(queries, q, db, r)
                a = float(q_pop[q])
                s = _score(metric, float(c1), a, b1, alpha, beta)
                if s >= threshold and col >= first_col[q]:
                    found = _emit_hit(q, col, s, base, found, capacity, out_q, out_col, out_score)
                s = _score(metric, float(c2), a, b2, alpha, beta)
                if s >= threshold:
                    found = _emit_hit(q, col + 1, s, base, found, capacity, out_q, out_col, out_score)
            r += 2
        for rt in range(r, r1):
            b1 = float(db_pop[rt])
            col = rt - start
            for q in range(nq):
                if col < first_col[q]:
                    continue
                if bounded and _common_bound(q_words, q, db_words, rt) < min_common[db_pop[rt], q]:
                    continue
                s = _score(metric, float(_common_bits(queries, q, db, rt)), float(q_pop[q]), b1, alpha, beta)
                if s >= threshold:
                    found = _emit_hit(q, col, s, base, found, capacity, out_q, out_col, out_score)
        counts[ch] = found


@njit(parallel=True, cache=True)
def threshold_tile_counts(
    q_dense,
    q_sum,
    indptr,
    indices,
    values,
    db_sum,
    start,
    stop,
    metric,
    alpha,
    beta,
    threshold,
    first_col,
    nchunks,
    capacity,
    out_q,
    out_col,
    out_score,
    counts,
):  # type: ignore[no-untyped-def]
    """Count-fingerprint version of :func:`threshold_tile_bits` (same arguments after the data).

    Bits and counts keep separate kernels on purpose: each is specialised by numba for its
    data layout, and passing the pair scorer as a function argument would cost inlining.
    """
    nq = q_dense.shape[0]
    n = stop - start
    size = (n + nchunks - 1) // nchunks
    for ch in prange(nchunks):
        r0 = start + ch * size
        r1 = min(stop, r0 + size)
        base = ch * capacity
        found = 0
        for r in range(r0, r1):
            b = float(db_sum[r])
            col = r - start
            for q in range(nq):
                if col < first_col[q]:
                    continue
                c = _common_counts(q_dense, q, indptr, indices, values, r)
                s = _score(metric, float(c), float(q_sum[q]), b, alpha, beta)
                if s >= threshold:
                    if found < capacity:
                        out_q[base + found] = q
                        out_col[base + found] = col
                        out_score[base + found] = s
                    found += 1
        counts[ch] = found


@njit(parallel=True, cache=True)
def fuse_tile(tile, ncols, mode, out):  # type: ignore[no-untyped-def]
    """Group fusion: one score per column from all query rows (mode 0 = max, 1 = mean)."""
    nq = tile.shape[0]
    for j in prange(ncols):
        if mode == 0:
            acc = -np.inf
            for q in range(nq):
                if tile[q, j] > acc:
                    acc = tile[q, j]
        else:
            acc = 0.0
            for q in range(nq):
                acc += tile[q, j]
            acc /= nq
        out[0, j] = acc
