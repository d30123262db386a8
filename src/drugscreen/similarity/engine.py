"""Similarity search engine: many queries against popcount-sorted fingerprint segments.

The engine works on *segments* -- blocks of database rows sorted by popcount with the
global row number of each position -- so the same code serves an in-memory array, each
shard of an on-disk :class:`~drugscreen.FingerprintDB`, and a Dask worker's shard.

For each block of queries the engine

1. bounds the popcounts a hit can have (for a threshold, e.g. Tanimoto ``t*a <= b <= a/t``)
   and scans only that range of each segment (binary search on the sorted popcounts);
2. scores tiles of rows with a numba kernel in which every database row is read once for
   the whole block of queries;
3. keeps hits over the threshold, or updates per-query top-k heaps, or fuses the block's
   scores into one score per row (group fusion, max or mean).

Results are sorted by query, then score descending, ties broken by ascending row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from drugscreen.backends.parallel import numba_threads
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.similarity.hits import Hits
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment, word_popcounts_of

#: Scores held in one tile (float64): 2**18 scores = 2 MiB stays in L2/L3 between the scoring
#: and selection passes (measured best of 2**14..2**20 on 1 M MOSES rows, 1 and 100 queries).
TILE_SCORES = 2**18
#: Query-row pairs per call of the fused threshold kernel (fewer calls, less overhead).
SCAN_PAIRS = 2**22
QUERY_BLOCK = 128
#: Memory allowed for the per-chunk top-k heaps of one query block.
HEAP_BYTES = 2**27


def popcount_bounds(
    params: SearchParams, a: npt.NDArray[np.int64], threshold: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest database popcount that can reach the threshold, per query.

    Uses ``c <= min(a, b)``. For Tversky weights (Tanimoto is 1, 1; Dice 0.5, 0.5) a hit needs
    ``t*alpha*a / (1 - t + t*alpha) <= b <= a*(1 - t + t*beta) / (t*beta)``; for cosine
    ``t**2 * a <= b <= a / t**2``. ``threshold`` (one per query) replaces the search's own,
    e.g. the seeded floors of a top-k search.
    """
    a = a.astype(float)
    if threshold is None:
        if params.threshold is None or params.threshold <= 0.0:
            return np.zeros_like(a), np.full_like(a, np.inf)
        t: Any = params.threshold
    else:
        t = np.asarray(threshold, dtype=float)
        if not (t > 0.0).all():
            return np.zeros_like(a), np.full_like(a, np.inf)
    if params.metric == "cosine":
        return t * t * a, a / (t * t)
    alpha, beta = params.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1 - t + t*alpha is 0 only for t = 1, alpha = 0, where no lower bound exists (0/0)
        lo = np.nan_to_num(t * alpha * a / (1.0 - t + t * alpha), nan=0.0, posinf=0.0)
        hi = a * (1.0 - t + t * beta) / (t * beta) if beta > 0 else np.full_like(a, np.inf)
    return lo, np.broadcast_to(hi, a.shape)


def row_range(seg: Segment, lo: np.ndarray, hi: np.ndarray) -> tuple[int, int]:
    """Positions of the segment whose popcount lies within the union of the query bounds."""
    if len(lo) == 0:
        return 0, 0
    # Integer bounds (popcounts are integers) with a slack of 1e-6 so rounding in the bound
    # formulas never drops a row at the boundary; the exact test happens on the score. An
    # integer key also keeps searchsorted from converting the whole popcount array to float.
    low = int(np.ceil(lo.min() - 1e-6))
    high = hi.max() + 1e-6
    start = int(np.searchsorted(seg.pop, low, side="left"))
    if not np.isfinite(high):
        return start, len(seg)
    return start, int(np.searchsorted(seg.pop, int(np.floor(high)), side="right"))


class QueryBlock:
    """A block of queries prepared for the kernels, with reusable output buffers."""

    def __init__(self, fps: FingerprintArray, params: SearchParams):
        from drugscreen.kernels import METRIC_CODES

        self.fps = fps
        self.counts = fps.spec.counts
        self.pop = fps.popcounts()
        self.n = len(fps)
        self.params = params
        self.code = METRIC_CODES[params.metric]
        if self.counts:
            self.dense = np.ascontiguousarray(fps.data.toarray(), dtype=np.uint32)
        else:
            self.bits = np.ascontiguousarray(fps.data)
            self.word_pop = word_popcounts_of(fps.spec, self.bits)
            self._no_words = np.zeros((0, self.bits.shape[1]), dtype=np.uint8)
            # min_common_table for (threshold, largest popcount covered)
            self._min_common: tuple[float, int, np.ndarray] | None = None
        self.tile_rows = max(1024, TILE_SCORES // max(1, self.n))
        # threshold scans store only hits, so one kernel call can cover many more rows
        self.scan_rows = max(4096, SCAN_PAIRS // max(1, self.n))
        self._tile: np.ndarray | None = None
        self._hit_buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _data(self, seg: Segment) -> tuple[Any, ...]:
        """Query and database arrays in the order the bits or counts kernels take them."""
        if self.counts:
            d = seg.data
            return (self.dense, self.pop, d.indptr, d.indices, d.data, seg.pop)
        return (self.bits, self.pop, seg.data, seg.pop)

    def _metric(self) -> tuple[int, float, float]:
        return self.code, float(self.params.alpha), float(self.params.beta)

    def _bounds(self, seg: Segment, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """Word popcounts of the queries and the segment, or zero rows (no bound) when the
        segment has none or the threshold (0 or below) cannot reject anything."""
        if seg.word_pop is None or not threshold > 0.0:
            return self.word_pop, self._no_words  # type: ignore[return-value]
        return self.word_pop, seg.word_pop  # type: ignore[return-value]

    def min_common(self, seg: Segment, threshold: float) -> np.ndarray:
        """``min_common_table`` of the block's queries, covering the segment's popcounts."""
        from drugscreen.kernels.pairs_cpu import min_common_table

        cached = self._min_common
        if cached is None or cached[0] != threshold or cached[1] < seg.max_pop:
            table = min_common_table(self.pop, seg.max_pop, *self._metric(), threshold)
            self._min_common = cached = (threshold, seg.max_pop, table)
        return cached[2]

    def score(self, seg: Segment, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Dense scores ``[Q, stop - start]`` of rows ``start:stop`` into ``out`` (default: the
        block's reusable tile, which holds ``tile_rows`` columns)."""
        from drugscreen.kernels.search_cpu import score_tile_bits, score_tile_counts

        if out is None:
            if self._tile is None:
                self._tile = np.empty((self.n, self.tile_rows))
            out = self._tile
        kernel = score_tile_counts if self.counts else score_tile_bits
        kernel(*self._data(seg), start, stop, *self._metric(), out)
        return out

    def threshold(
        self, seg: Segment, start: int, stop: int, threshold: float, first_col: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(query, column, score)`` of pairs scoring >= threshold in rows ``start:stop`` (one pass).

        Hit buffers start at a few percent of the pairs of a chunk; a chunk that finds more
        (a low threshold) is rerun with buffers of the size it reported.
        """
        import numba

        from drugscreen.kernels.search_cpu import threshold_tile_bits, threshold_tile_counts

        if self.counts:
            kernel, data = threshold_tile_counts, self._data(seg)
        else:
            kernel = threshold_tile_bits
            data = (*self._data(seg), *self._bounds(seg, threshold), self.min_common(seg, threshold))
        n = stop - start
        # several chunks per thread balance the load when hits cluster; each chunk >= 256 rows
        nchunks = max(1, min(8 * numba.get_num_threads(), n // 256))
        pairs = -(-n // nchunks) * self.n
        capacity = min(pairs, max(1024, pairs // 32))
        while True:
            if self._hit_buffers is None or len(self._hit_buffers[0]) < nchunks * capacity:
                size = nchunks * capacity
                self._hit_buffers = (
                    np.empty(size, np.int64),
                    np.empty(size, np.int64),
                    np.empty(size, np.float64),
                )
            out_q, out_col, out_s = self._hit_buffers
            counts = np.zeros(nchunks, dtype=np.int64)
            kernel(
                *data,
                start,
                stop,
                *self._metric(),
                threshold,
                first_col,
                nchunks,
                capacity,
                out_q,
                out_col,
                out_s,
                counts,
            )
            if counts.max(initial=0) <= capacity:
                break
            capacity = int(counts.max())
        parts = [slice(c * capacity, c * capacity + int(counts[c])) for c in range(nchunks) if counts[c]]
        if not parts:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0, np.float64)
        return tuple(np.concatenate([buf[p] for p in parts]) for buf in (out_q, out_col, out_s))  # type: ignore[return-value]

    def top_k(
        self,
        seg: Segment,
        start: int,
        stop: int,
        threshold: float,
        seed: np.ndarray,
        heap_s: np.ndarray,
        heap_r: np.ndarray,
        heap_n: np.ndarray,
    ) -> None:
        """Update per-chunk top-k heaps ``[chunks, Q, k]`` with rows ``start:stop`` (bits only),
        offering only pairs scoring at least ``max(threshold, seed[q])``."""
        from drugscreen.kernels.topk_cpu import topk_tile_bits

        topk_tile_bits(
            *self._data(seg),
            seg.rows,
            start,
            stop,
            *self._metric(),
            threshold,
            seed,
            *self._seed_bounds(seg, seed),
            heap_s,
            heap_r,
            heap_n,
        )

    def _seed_bounds(self, seg: Segment, seed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Word-popcount bound arguments of the top-k kernel: on only for a few queries whose
        seeds are high enough for the bound to reject most pairs (measured, see topk_seed)."""
        from drugscreen.similarity.topk_seed import BOUND_MAX_QUERIES, BOUND_MIN_SEED

        words, db_words = self._bounds(seg, float(seed.min(initial=np.inf)))
        if self.n > BOUND_MAX_QUERIES or not seed.min(initial=np.inf) >= BOUND_MIN_SEED or not len(db_words):
            return words, self._no_words, np.zeros((1, self.n), np.int64)
        from drugscreen.kernels.pairs_cpu import min_common_table

        table = np.hstack(
            [
                min_common_table(self.pop[q : q + 1], seg.max_pop, *self._metric(), float(seed[q]))
                for q in range(self.n)
            ]
        )
        return words, db_words, table


def search_segments(
    queries: FingerprintArray,
    segments: Iterable[Segment],
    params: SearchParams,
    *,
    n_jobs: int | None = -1,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search ``queries`` against segments; returns sorted ``(query, row, score)`` arrays.

    With ``params.fusion`` set, all queries are fused into one score per row and the
    ``query`` column is all zeros.
    """
    import numba

    from drugscreen.kernels.search_cpu import fuse_tile
    from drugscreen.kernels.topk_cpu import topk_update

    params.check_spec(queries.spec)
    segments = list(segments)
    n_q = len(queries)
    threshold = -np.inf if params.threshold is None else float(params.threshold)
    fused = params.fusion is not None
    block = max(1, n_q) if fused else QUERY_BLOCK
    # no query can have more hits than there are rows: keeps heaps small for huge k
    k = None if params.k is None else max(1, min(params.k, sum(len(seg) for seg in segments)))
    hits = Hits()
    blocks = range(0, n_q, block)
    if len(blocks) > 1:
        from drugscreen.backends.progress import progress_bar

        blocks = progress_bar(blocks, desc="searching", unit=" query block", enabled=progress)
    with numba_threads(n_jobs):
        for b0 in blocks:
            qb = QueryBlock(queries.take(np.arange(b0, min(n_q, b0 + block))), params)
            lo, hi = popcount_bounds(params, qb.pop)
            n_sel = 1 if fused else qb.n
            label0 = 0 if fused else b0
            # fused one-pass kernels: threshold scans, and top-k on bits with per-chunk heaps;
            # tiles of dense scores otherwise (group fusion, top-k on counts)
            scan = k is None and not fused
            chunks = 8 * numba.get_num_threads()
            # per-chunk heaps hold chunks * Q * k (score, row) pairs; beyond the budget, and for
            # counts, top-k goes through score tiles and one heap per query instead
            fused_topk = (
                k is not None and not fused and not qb.counts and chunks * qb.n * k * 16 <= HEAP_BYTES
            )
            chunks = chunks if fused_topk else 1
            heap_s = np.full((chunks, n_sel, k or 1), -np.inf)
            heap_r = np.full((chunks, n_sel, k or 1), -1, dtype=np.int64)
            heap_n = np.zeros((chunks, n_sel), dtype=np.int64)
            fused_tile = np.empty((1, qb.tile_rows))
            first_col = np.zeros(qb.n, dtype=np.int64)
            if fused_topk:
                assert k is not None
                seeded_top_k(qb, segments, k, threshold, heap_s, heap_r, heap_n)
                hits.add_heaps(heap_s, heap_r, heap_n, label0)
                continue
            step = qb.scan_rows if scan else qb.tile_rows
            for seg in segments:
                start, stop = row_range(seg, lo, hi)
                for t0 in range(start, stop, step):
                    t1 = min(stop, t0 + step)
                    col_rows = seg.rows[t0:t1]
                    if scan:
                        q, col, s = qb.threshold(seg, t0, t1, threshold, first_col)
                        hits.add(q + b0, col_rows[col], s)
                        continue
                    sel = qb.score(seg, t0, t1)
                    if fused:
                        fuse_tile(sel, t1 - t0, 0 if params.fusion == "max" else 1, fused_tile)
                        sel = fused_tile
                    if k is None:
                        hits.add_tile(sel, t1 - t0, threshold, col_rows, label0)
                    else:
                        topk_update(sel, t1 - t0, col_rows, threshold, heap_s[0], heap_r[0], heap_n[0])
            if k is not None:
                hits.add_heaps(heap_s, heap_r, heap_n, label0)
    return hits.arrays()


def top_k_scan(
    qb: QueryBlock,
    segments: list[Segment],
    threshold: float,
    seed: np.ndarray,
    heaps: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """One fused top-k pass of the block over the segments, pairs below ``seed`` not offered."""
    lo, hi = popcount_bounds(qb.params, qb.pop, np.maximum(threshold, seed))
    for seg in segments:
        start, stop = row_range(seg, lo, hi)
        for t0 in range(start, stop, qb.scan_rows):
            qb.top_k(seg, t0, min(stop, t0 + qb.scan_rows), threshold, seed, *heaps)


def seeded_top_k(
    qb: QueryBlock,
    segments: list[Segment],
    k: int,
    threshold: float,
    heap_s: np.ndarray,
    heap_r: np.ndarray,
    heap_n: np.ndarray,
) -> None:
    """Top-k of a query block into per-chunk heaps, pruned by floors seeded from a sample.

    A pass with each query's *estimated* k-th best score as its floor (popcount range and heap
    offers both pruned) is exact for every query that finds at least ``k`` pairs at or above
    it: the true k-th best is then at least the floor, so no pair below it can enter the
    top k. The few queries that find fewer are searched again with a floor that is always
    safe (the k-th best of the sample, or the threshold): identical results, ties included.
    """
    from drugscreen.similarity.topk_seed import sample_floors

    estimate, safe = sample_floors(qb, segments, k, threshold)
    top_k_scan(qb, segments, threshold, estimate, (heap_s, heap_r, heap_n))
    # a pass at the safe floor (or at the threshold) is exact whatever it finds
    short = np.flatnonzero((heap_n.sum(axis=0) < k) & (estimate > safe))
    if len(short) == 0:
        return
    sub = QueryBlock(qb.fps.take(short), qb.params)
    heaps = (heap_s[:, short], heap_r[:, short], np.zeros_like(heap_n[:, short]))
    heaps[0].fill(-np.inf)
    heaps[1].fill(-1)
    top_k_scan(sub, segments, threshold, safe[short], heaps)
    heap_s[:, short], heap_r[:, short], heap_n[:, short] = heaps
