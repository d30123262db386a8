"""Similarity search engine: many queries against popcount-sorted fingerprint segments.

The engine works on *segments* -- blocks of database rows sorted by popcount with the
global row number of each position -- so the same code serves an in-memory array, each
shard of an on-disk :class:`~drugscreen.db.FingerprintDB`, and a Dask worker's shard.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from drugscreen.errors import DrugscreenError, SpecError
from drugscreen.fingerprints import FingerprintArray, fingerprint
from drugscreen.parallel import check_device, numba_threads
from drugscreen.spec import FingerprintSpec

METRICS = ("tanimoto", "dice", "cosine", "tversky")
COUNT_METRICS = ("tanimoto", "dice")
FUSIONS = ("max", "mean")
#: Scores held in one tile (float64): 2**18 scores = 2 MiB stays in L2/L3 between the scoring
#: and selection passes (measured best of 2**14..2**20 on 1 M MOSES rows, 1 and 100 queries).
TILE_SCORES = 2**18
#: Query-row pairs per call of the fused threshold kernel (fewer calls, less overhead).
SCAN_PAIRS = 2**22
QUERY_BLOCK = 128
#: Memory allowed for the per-chunk top-k heaps of one query block.
HEAP_BYTES = 2**27


@dataclass
class Segment:
    """Database rows sorted by popcount.

    Attributes
    ----------
    data : ndarray or csr_matrix
        ``uint64[n, words]`` bits or CSR counts, in popcount order.
    pop : ndarray
        ``int64[n]`` popcounts (count sums), ascending.
    rows : ndarray
        ``int64[n]`` global row number of each position.
    word_pop : ndarray or None
        ``uint8[n, words]`` popcount of each 64-bit word (bits only): lets threshold searches
        skip rows whose bound on the common bits cannot reach the threshold without
        reading their fingerprints. ``None`` scores every row in the popcount range.
    """

    data: Any
    pop: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    word_pop: npt.NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self.pop.shape[0])

    @property
    def max_pop(self) -> int:
        """Largest popcount in the segment (0 if empty)."""
        return int(self.pop[-1]) if len(self) else 0

    @classmethod
    def from_array(cls, fps: FingerprintArray, row_offset: int = 0) -> Segment:
        """Sort an in-memory fingerprint array into a segment (stable: ties keep row order)."""
        pop = fps.popcounts()
        order = np.argsort(pop, kind="stable")
        data = fps.data[order]
        return cls(data, pop[order], order.astype(np.int64) + row_offset, _word_popcounts(fps.spec, data))


def _word_popcounts(spec: FingerprintSpec, data: Any) -> npt.NDArray[np.uint8] | None:
    if spec.counts:
        return None
    from drugscreen.kernels.cpu import word_popcounts

    return word_popcounts(np.ascontiguousarray(data))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SearchParams:
    """Validated search options."""

    metric: str = "tanimoto"
    threshold: float | None = None
    k: int | None = None
    alpha: float = 0.5
    beta: float = 0.5
    fusion: str | None = None

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise DrugscreenError(f"unknown metric {self.metric!r}; choose one of {', '.join(METRICS)}")
        if self.threshold is None and self.k is None:
            raise DrugscreenError("give a threshold, a top-k (k=), or both")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise DrugscreenError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.k is not None and self.k < 1:
            raise DrugscreenError(f"k must be a positive number of hits, got {self.k}")
        if self.metric == "tversky" and not (
            0 <= self.alpha <= 1 and 0 <= self.beta <= 1 and self.alpha + self.beta > 0
        ):
            # RDKit's range; alpha = beta = 0 would make the score 0/0 for disjoint fingerprints
            raise DrugscreenError(
                f"Tversky weights must be in [0, 1] and not both 0, got alpha={self.alpha}, beta={self.beta}"
            )
        if self.fusion is not None and self.fusion not in FUSIONS:
            raise DrugscreenError(f"unknown fusion {self.fusion!r}; choose 'max' or 'mean'")

    @property
    def weights(self) -> tuple[float, float]:
        """(alpha, beta) of the Tversky form of the metric (cosine has none)."""
        return {"tanimoto": (1.0, 1.0), "dice": (0.5, 0.5)}.get(self.metric, (self.alpha, self.beta))

    def check_spec(self, spec: FingerprintSpec) -> None:
        if spec.counts and self.metric not in COUNT_METRICS:
            raise DrugscreenError(
                f"metric {self.metric!r} is not defined for count fingerprints; use one of {COUNT_METRICS}"
            )


def popcount_bounds(params: SearchParams, a: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest database popcount that can reach the threshold, per query.

    Uses ``c <= min(a, b)``. For Tversky weights (Tanimoto is 1, 1; Dice 0.5, 0.5) a hit needs
    ``t*alpha*a / (1 - t + t*alpha) <= b <= a*(1 - t + t*beta) / (t*beta)``; for cosine
    ``t**2 * a <= b <= a / t**2``.
    """
    a = a.astype(float)
    t = params.threshold
    if t is None or t <= 0.0:
        return np.zeros_like(a), np.full_like(a, np.inf)
    if params.metric == "cosine":
        return t * t * a, a / (t * t)
    alpha, beta = params.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1 - t + t*alpha is 0 only for t = 1, alpha = 0, where no lower bound exists (0/0)
        lo = np.nan_to_num(t * alpha * a / (1.0 - t + t * alpha), nan=0.0, posinf=0.0)
        hi = a * (1.0 - t + t * beta) / (t * beta) if beta > 0 else np.full_like(a, np.inf)
    return lo, hi


def _row_ranges(seg: Segment, lo: np.ndarray, hi: np.ndarray) -> tuple[int, int]:
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


class _QueryBlock:
    """A block of queries prepared for the kernels, with reusable output buffers."""

    def __init__(self, fps: FingerprintArray, params: SearchParams):
        from drugscreen.kernels import METRIC_CODES

        self.counts = fps.spec.counts
        self.pop = fps.popcounts()
        self.n = len(fps)
        self.params = params
        self.code = METRIC_CODES[params.metric]
        if self.counts:
            self.dense = np.ascontiguousarray(fps.data.toarray(), dtype=np.uint32)
        else:
            self.bits = np.ascontiguousarray(fps.data)
            self.word_pop = _word_popcounts(fps.spec, self.bits)
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
        from drugscreen.kernels.cpu import min_common_table

        cached = self._min_common
        if cached is None or cached[0] != threshold or cached[1] < seg.max_pop:
            table = min_common_table(self.pop, seg.max_pop, *self._metric(), threshold)
            self._min_common = cached = (threshold, seg.max_pop, table)
        return cached[2]

    def score(self, seg: Segment, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Dense scores ``[Q, stop - start]`` of rows ``start:stop`` into ``out`` (default: the
        block's reusable tile, which holds ``tile_rows`` columns)."""
        from drugscreen.kernels.cpu import score_tile_bits, score_tile_counts

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

        from drugscreen.kernels.cpu import threshold_tile_bits, threshold_tile_counts

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
        heap_s: np.ndarray,
        heap_r: np.ndarray,
        heap_n: np.ndarray,
    ) -> None:
        """Update per-chunk top-k heaps ``[chunks, Q, k]`` with rows ``start:stop`` (bits only)."""
        from drugscreen.kernels.cpu import topk_tile_bits

        topk_tile_bits(
            *self._data(seg), seg.rows, start, stop, *self._metric(), threshold, heap_s, heap_r, heap_n
        )


class _Hits:
    """Accumulates hits as (query, row, score) arrays."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, q: np.ndarray, rows: np.ndarray, scores: np.ndarray) -> None:
        if len(q):
            self.parts.append((q, rows, scores))

    def add_tile(
        self, tile: np.ndarray, ncols: int, threshold: float, col_rows: np.ndarray, label: int
    ) -> None:
        """Hits of a one-row (fused) score tile."""
        keep = np.nonzero(tile[0, :ncols] >= threshold)[0]
        self.add(np.full(len(keep), label, dtype=np.int64), col_rows[keep], tile[0, keep])

    def add_heaps(self, heap_s: np.ndarray, heap_r: np.ndarray, heap_n: np.ndarray, offset: int) -> None:
        """Best ``k`` of per-chunk heaps ``[chunks, Q, k]`` (a single heap is one chunk)."""
        k = heap_s.shape[-1]
        heap_s, heap_r, heap_n = (
            heap_s.reshape(-1, *heap_s.shape[-2:]),
            heap_r.reshape(-1, *heap_r.shape[-2:]),
            heap_n.reshape(-1, heap_n.shape[-1]),
        )
        for qi in range(heap_n.shape[1]):
            s = np.concatenate([heap_s[c, qi, : heap_n[c, qi]] for c in range(len(heap_n))])
            r = np.concatenate([heap_r[c, qi, : heap_n[c, qi]] for c in range(len(heap_n))])
            best = np.lexsort((r, -s))[:k]
            self.add(np.full(len(best), qi + offset, dtype=np.int64), r[best], s[best])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All hits sorted by query, score descending, row ascending."""
        if not self.parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
        q, r, s = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        order = np.lexsort((r, -s, q))
        return q[order], r[order], s[order]


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

    from drugscreen.kernels.cpu import fuse_tile, topk_update

    params.check_spec(queries.spec)
    segments = list(segments)
    n_q = len(queries)
    threshold = -np.inf if params.threshold is None else float(params.threshold)
    fused = params.fusion is not None
    block = max(1, n_q) if fused else QUERY_BLOCK
    # no query can have more hits than there are rows: keeps heaps small for huge k
    k = None if params.k is None else max(1, min(params.k, sum(len(seg) for seg in segments)))
    hits = _Hits()
    blocks = range(0, n_q, block)
    if progress and len(blocks) > 1:
        from tqdm.auto import tqdm

        blocks = tqdm(blocks, desc="searching", unit=" query block")  # type: ignore[assignment]
    with numba_threads(n_jobs):
        for b0 in blocks:
            qb = _QueryBlock(queries.take(np.arange(b0, min(n_q, b0 + block))), params)
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
            step = qb.scan_rows if scan or fused_topk else qb.tile_rows
            for seg in segments:
                start, stop = _row_ranges(seg, lo, hi)
                for t0 in range(start, stop, step):
                    t1 = min(stop, t0 + step)
                    col_rows = seg.rows[t0:t1]
                    if scan:
                        q, col, s = qb.threshold(seg, t0, t1, threshold, first_col)
                        hits.add(q + b0, col_rows[col], s)
                        continue
                    if fused_topk:
                        qb.top_k(seg, t0, t1, threshold, heap_s, heap_r, heap_n)
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


def as_fingerprints(obj: Any, spec: FingerprintSpec, what: str = "queries") -> FingerprintArray:
    """Coerce queries to a :class:`FingerprintArray` of ``spec``.

    Accepts a FingerprintArray (its spec must match), SMILES strings, RDKit molecules, a
    ``uint64[n, words]`` array (bits specs) or a CSR matrix (counts specs). Raw arrays carry
    no spec, so only their shape can be checked.
    """
    if isinstance(obj, FingerprintArray):
        spec.check_compatible(obj.spec, what)
        return obj
    if isinstance(obj, str):
        obj = [obj]
    if isinstance(obj, np.ndarray) and obj.dtype != object and obj.dtype.kind != "U":
        if spec.counts:
            raise SpecError(f"{what}: pass count fingerprints as a scipy.sparse matrix or a FingerprintArray")
        return FingerprintArray(spec, np.atleast_2d(obj))
    if sp.issparse(obj):
        if not spec.counts:
            raise SpecError(f"{what}: a sparse matrix was given but the spec is binary ({spec.label})")
        return FingerprintArray(spec, obj)
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if hasattr(obj, "tolist") and not isinstance(obj, Sequence):
        obj = obj.tolist()
    return fingerprint(list(obj), spec, n_jobs=1)


def similarity_matrix(
    a: FingerprintArray,
    b: FingerprintArray | None = None,
    *,
    threshold: float = 0.7,
    metric: str = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    n_jobs: int | None = -1,
    device: str = "cpu",
) -> sp.csr_matrix:
    """Sparse similarity matrix of all pairs scoring at least ``threshold``.

    Parameters
    ----------
    a, b : FingerprintArray
        Rows and columns. Without ``b`` the symmetric ``a x a`` matrix is computed on the upper
        triangle only (each pair once) and mirrored; the diagonal is left out.
    threshold : float
        Minimum score kept (0 keeps every pair: a dense result, mind the memory).
    metric : str
        ``tanimoto``, ``dice``, ``cosine`` or ``tversky`` (counts: tanimoto, dice).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``float64`` scores with int64 indices, shape ``(len(a), len(b))``.

    Examples
    --------
    >>> fps = fingerprint(["CCO", "CCCO", "c1ccccc1"])
    >>> m = similarity_matrix(fps, threshold=0.1)
    >>> m.shape, m.nnz
    ((3, 3), 2)
    """
    check_device(device)
    params = SearchParams(metric=metric, threshold=threshold, alpha=alpha, beta=beta)
    params.check_spec(a.spec)
    if b is not None:
        a.spec.check_compatible(b.spec, "columns")
        q, r, s = search_segments(a, [Segment.from_array(b)], params, n_jobs=n_jobs)
        return _csr(s, q, r, (len(a), len(b)))
    if metric == "tversky" and alpha != beta:
        raise DrugscreenError("Tversky with alpha != beta is not symmetric: pass b=a for the full matrix")
    seg = Segment.from_array(a)
    sorted_fps = FingerprintArray(a.spec, seg.data)
    qs, rs, ss = _upper_triangle(sorted_fps, seg, params, n_jobs)
    i = seg.rows[qs]
    j = rs
    n = len(a)
    return _csr(np.concatenate([ss, ss]), np.concatenate([i, j]), np.concatenate([j, i]), (n, n))


def _upper_triangle(
    fps: FingerprintArray, seg: Segment, params: SearchParams, n_jobs: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (sorted position i, global row j, score) with j's sorted position > i."""
    n = len(fps)
    hits = _Hits()
    threshold = float(params.threshold or 0.0)
    with numba_threads(n_jobs):
        for b0 in range(0, n, QUERY_BLOCK):
            b1 = min(n, b0 + QUERY_BLOCK)
            qb = _QueryBlock(fps.take(np.arange(b0, b1)), params)
            lo, hi = popcount_bounds(params, qb.pop)
            start, stop = _row_ranges(seg, lo, hi)
            start = max(start, b0 + 1)  # only positions after the block's first query
            for t0 in range(start, stop, qb.scan_rows):
                t1 = min(stop, t0 + qb.scan_rows)
                # query at sorted position b0+q keeps columns at positions > b0+q
                first_col = np.maximum(0, np.arange(b0, b1) + 1 - t0).astype(np.int64)
                q, col, s = qb.threshold(seg, t0, t1, threshold, first_col)
                hits.add(q + b0, seg.rows[t0:t1][col], s)
    return hits.arrays()


def _csr(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    m = sp.coo_matrix((data, (rows, cols)), shape=shape).tocsr()
    m.sort_indices()
    m.indices = m.indices.astype(np.int64, copy=False)
    m.indptr = m.indptr.astype(np.int64, copy=False)
    return m


def search(
    queries: Any,
    targets: FingerprintArray,
    threshold: float | None = None,
    k: int | None = None,
    metric: str = "tanimoto",
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    fusion: str | None = None,
    n_jobs: int | None = -1,
    device: str = "cpu",
) -> pd.DataFrame:
    """Search an in-memory :class:`FingerprintArray`.

    Parameters
    ----------
    queries : list of str, list of Mol, FingerprintArray or ndarray
        Query molecules or fingerprints of ``targets.spec``.
    targets : FingerprintArray
        The fingerprints to search.
    threshold, k, metric, alpha, beta, fusion, n_jobs, device
        As in :meth:`drugscreen.FingerprintDB.search`.

    Returns
    -------
    pandas.DataFrame
        ``query`` (position), ``id`` and ``row`` (both the target's position) and ``score``,
        sorted by query, score descending, row.

    Examples
    --------
    >>> targets = fingerprint(["CCO", "CCCO", "c1ccccc1"])
    >>> search(["CCO"], targets, threshold=0.5)
       query  id  row     score
    0      0   0    0  1.000000
    1      0   1    1  0.555556
    """
    check_device(device)
    params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta, fusion=fusion)
    qfps = as_fingerprints(queries, targets.spec)
    q, r, s = search_segments(qfps, [Segment.from_array(targets)], params, n_jobs=n_jobs)
    return pd.DataFrame({"query": q, "id": r, "row": r, "score": s})


def bulk_similarity(
    queries: Any,
    targets: FingerprintArray,
    metric: str = "tanimoto",
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    n_jobs: int | None = -1,
) -> npt.NDArray[np.float64]:
    """Dense ``[n_queries, n_targets]`` similarity scores, like RDKit's ``Bulk*Similarity``.

    Scores are equal to RDKit's (same formulas and operation order). Memory is
    ``8 * n_queries * n_targets`` bytes: for large libraries use :func:`search` with a threshold
    or ``k`` instead.

    Parameters
    ----------
    queries : list of str, list of Mol, FingerprintArray or ndarray
        Query molecules or fingerprints of ``targets.spec``.
    targets : FingerprintArray
        The fingerprints to score against.
    metric : {"tanimoto", "dice", "cosine", "tversky"}
        Count fingerprints support tanimoto and dice.
    alpha, beta : float
        Tversky weights of the query and the target.
    n_jobs : int
        Threads (-1 = all cores).

    Returns
    -------
    ndarray
        ``float64[n_queries, n_targets]``.

    Examples
    --------
    >>> bulk_similarity(["CCO"], fingerprint(["CCO", "CCCO"])).round(3)
    array([[1.   , 0.556]])
    """
    params = SearchParams(metric=metric, threshold=0.0, alpha=alpha, beta=beta)
    qfps = as_fingerprints(queries, targets.spec)
    params.check_spec(targets.spec)
    out = np.empty((len(qfps), len(targets)))
    if len(qfps) and len(targets):
        seg = Segment(targets.data, targets.popcounts(), np.arange(len(targets)))
        with numba_threads(n_jobs):
            _QueryBlock(qfps, params).score(seg, 0, len(targets), out)
    return out
