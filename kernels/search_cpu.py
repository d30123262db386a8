"""CPU similarity kernels (numba, ``parallel=True``).

One file of ~460 lines on purpose: the scoring, threshold and top-k kernels share small
``inline="always"`` helpers (``_score``, ``_common_bits``, the heap) whose exact operation order
makes every kernel's scores bit-equal to RDKit's; keeping them beside each other is what keeps
the kernels in step when one changes.

Layout conventions (see ARCHITECTURE.md):

- binary fingerprints are ``uint64[n, words]``, bit *i* of the RDKit vector is bit ``i % 64``
  of word ``i // 64``; popcounts are ``int64[n]``;
- count fingerprints are CSR (``indptr int64[n+1]``, ``indices int32[nnz]``,
  ``values uint32[nnz]``) with per-row sums ``int64[n]``;
- queries are packed like the database rows (bits) or dense ``uint32[Q, nbits]`` (counts).

Scoring kernels write a dense tile ``out[Q, stop - start]`` of float64 scores for database
rows ``start:stop``; selection kernels turn tiles into hits (threshold) or update per-query
top-k heaps. Scores are computed in float64 with the same formulas as RDKit's
``DataStructs`` so that they are bit-identical to it.

Word popcounts (``uint8[n, words]``, the popcount of each 64-bit word of a row) bound the
common bits of a pair from above: ``c <= sum_w min(pop(q_w), pop(d_w))``. The fused threshold
kernel tests that bound first and read a row's full fingerprint only when the
bound can still reach the threshold: 32 bytes instead of 256 per row for 2048 bits. For
Morgan r2 2048 at T >= 0.7 the bound rejects all but ~0.003 % of pairs (MOSES, measured).
"""

import numpy as np
from numba import njit, prange

from drugscreen.kernels import COSINE, DICE, TANIMOTO
from drugscreen.kernels.popcount import popcount64

#: Query-block size from which the kernels score two database rows per pass.
PAIR_MIN_QUERIES = 4


@njit(inline="always", cache=True)
def _score(metric: int, c: float, a: float, b: float, alpha: float, beta: float) -> float:
    # a: query count, b: database count, c: common count. Zero denominators give 0.0,
    # as RDKit does for empty fingerprints.
    if metric == TANIMOTO:
        denom = a + b - c
        return c / denom if denom > 0 else 0.0
    if metric == DICE:
        denom = a + b
        return 2.0 * c / denom if denom > 0 else 0.0
    if metric == COSINE:
        prod = a * b
        return c / np.sqrt(prod) if prod > 0 else 0.0
    # TVERSKY
    # RDKit's operation order (bit-identical results): a*x + b*y + (1 - a - b)*c
    denom = alpha * a + beta * b + (1.0 - alpha - beta) * c
    return c / denom if denom > 0 else 0.0


@njit(cache=True)
def popcounts(fps):  # type: ignore[no-untyped-def]
    """Popcount of every row of a ``uint64[n, words]`` array, as ``int64[n]``."""
    n, words = fps.shape
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        c = 0
        for w in range(words):
            c += popcount64(fps[i, w])
        out[i] = c
    return out


@njit(parallel=True, cache=True)
def word_popcounts(fps):  # type: ignore[no-untyped-def]
    """Popcount of every 64-bit word of a ``uint64[n, words]`` array, as ``uint8[n, words]``."""
    n, words = fps.shape
    out = np.empty((n, words), dtype=np.uint8)
    for i in prange(n):
        for w in range(words):
            out[i, w] = popcount64(fps[i, w])
    return out


@njit(cache=True)
def min_common_table(q_pop, max_pop, metric, alpha, beta, threshold):  # type: ignore[no-untyped-def]
    """``out[b, q]``: the fewest common bits with which query ``q`` can score >= ``threshold``
    against a row of popcount ``b`` (``0 <= b <= max_pop``); ``min(a, b) + 1`` when none can.

    Found by binary search on the score itself (it grows with the common count for every
    metric), so the table agrees with the exact test to the last bit.
    """
    nq = q_pop.shape[0]
    out = np.empty((max_pop + 1, nq), dtype=np.int64)
    for q in range(nq):
        a = float(q_pop[q])
        for b in range(max_pop + 1):
            lo = 0
            hi = min(q_pop[q], b) + 1  # answer in [lo, hi]; hi means "no count reaches it"
            while lo < hi:
                mid = (lo + hi) // 2
                if _score(metric, float(mid), a, float(b), alpha, beta) >= threshold:
                    hi = mid
                else:
                    lo = mid + 1
            out[b, q] = lo
    return out


@njit(inline="always", cache=True)
def _common_bound(q_words, q, db_words, r):  # type: ignore[no-untyped-def]
    # Upper bound on the common bits of query q and row r from their word popcounts.
    c = 0
    for w in range(q_words.shape[1]):
        x = q_words[q, w]
        y = db_words[r, w]
        c += x if x < y else y
    return c


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
def _common_bits(queries, q, db, r):  # type: ignore[no-untyped-def]
    c = 0
    for w in range(queries.shape[1]):
        c += popcount64(queries[q, w] & db[r, w])
    return c


@njit(inline="always", cache=True)
def _common_bits_pair(queries, q, db, r):  # type: ignore[no-untyped-def]
    # Two database rows against one query word by word: each query word is loaded once for
    # both rows, which measured ~15-30 % faster than two single-row passes for query batches.
    c1 = 0
    c2 = 0
    for w in range(queries.shape[1]):
        x = queries[q, w]
        c1 += popcount64(x & db[r, w])
        c2 += popcount64(x & db[r + 1, w])
    return c1, c2


@njit(inline="always", cache=True)
def _emit_hit(q, col, s, base, found, capacity, out_q, out_col, out_score):  # type: ignore[no-untyped-def]
    if found < capacity:
        out_q[base + found] = q
        out_col[base + found] = col
        out_score[base + found] = s
    return found + 1


@njit(inline="always", cache=True)
def _common_counts(q_dense, q, indptr, indices, values, r):  # type: ignore[no-untyped-def]
    c = 0
    for p in range(indptr[r], indptr[r + 1]):
        qv = q_dense[q, indices[p]]
        v = values[p]
        c += qv if qv < v else v
    return c


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
    heap_score,
    heap_row,
    heap_size,
):  # type: ignore[no-untyped-def]
    """Fused scoring and top-k over database rows ``start:stop`` (no score tile is stored).

    Rows are split into ``nchunks = heap_score.shape[0]`` parallel chunks, each with private
    heaps ``heap_*[c, Q, k]`` that persist across calls; the caller merges the chunks' heaps
    at the end. ``rows[r]`` is the database row of position ``r`` (for the tie rule).

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
            floor[q] = max(threshold, hs[q, 0]) if hn[q] == k else threshold
        r0 = start + ch * size
        r1 = min(stop, r0 + size)
        r = r0
        # rows in pairs for query batches (see _common_bits_pair); a lone query is faster one
        # row at a time, handled with the odd tail row by the loop below
        while nq >= PAIR_MIN_QUERIES and r + 1 < r1:
            b1 = float(db_pop[r])
            b2 = float(db_pop[r + 1])
            for q in range(nq):
                c1, c2 = _common_bits_pair(queries, q, db, r)
                a = float(q_pop[q])
                s = _score(metric, float(c1), a, b1, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[r])
                    if hn[q] == k:
                        floor[q] = max(threshold, hs[q, 0])
                s = _score(metric, float(c2), a, b2, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[r + 1])
                    if hn[q] == k:
                        floor[q] = max(threshold, hs[q, 0])
            r += 2
        for rt in range(r, r1):
            b1 = float(db_pop[rt])
            for q in range(nq):
                s = _score(metric, float(_common_bits(queries, q, db, rt)), float(q_pop[q]), b1, alpha, beta)
                if s >= floor[q]:
                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[rt])
                    if hn[q] == k:
                        floor[q] = max(threshold, hs[q, 0])


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
