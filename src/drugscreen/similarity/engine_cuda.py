"""Similarity search on a CUDA GPU: the contract of :func:`~drugscreen.similarity.engine.search_segments`,
with identical results (same hits, bit-equal scores, same order and tie rule).

Queries go in blocks; for each block, only the popcount range of each segment that can reach
the floor is scanned (:func:`~drugscreen.similarity.engine.popcount_bounds`), by kernels that
read every database row once for the whole block (:mod:`drugscreen.kernels.search_cuda`).

- **Threshold**: one pass; only hits cross the bus. A launch that finds more hits than its
  buffer holds is rerun with a buffer of the size it counted.
- **Top-k**: the device narrows, the host selects. Each query gets a floor that is provably at
  most its k-th best score: the k-th best of an evenly spaced sample of rows (k real rows
  reach it), then the lower edge of the histogram bin holding the k-th best of all pairs
  above that. A threshold pass at the floor returns every pair that can be in the top k --
  ties included -- and typically not many more; the host keeps the best k of them by score
  descending, then global row ascending. Blocks with few pairs in range skip the floors.
- **Fusion**: the kernels fuse each row's scores over all queries (max, or the mean in query
  order) and treat the fused score as that of query 0.

Segments come from a :class:`DeviceDatabase` (resident on the GPU) or from the host: those are
copied for the call when they fit, and otherwise streamed through the GPU in chunks of rows
(:class:`~drugscreen.backends.cuda.ChunkStreamer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.backends.cuda import (
    ChunkStreamer,
    DeviceQueries,
    DeviceRows,
    GPUError,
    device_array,
    device_info,
    format_bytes,
    kernels,
    launch_scan,
    pinned_array,
    require_gpu,
    segment_nbytes,
    stream,
    to_device,
    upload_segment,
)
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import SpecError
from drugscreen.similarity.engine import Hits, popcount_bounds, row_range
from drugscreen.similarity.hits import merge_hits
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

logger = logging.getLogger("drugscreen")

QUERY_BLOCK = 128
#: Query-row pairs per threshold launch: bounds the hit buffer a launch can need.
LAUNCH_PAIRS = 2**27
#: Hit buffer a threshold launch starts with (pairs); it grows to what a launch reports.
HIT_CAPACITY = 2**20
#: Top-k blocks with at most this many pairs in range take one threshold pass, no floors.
EXACT_PAIRS = 2**20
#: Rows scored for the first top-k floor (spread evenly over the popcount range; 4k if more).
SAMPLE_ROWS = 16_384
#: Histogram cells (int64) of a top-k query block: finer bins put fewer pairs above the floor.
HIST_CELLS = 2**22
#: Host segments up to this size (and half the free GPU memory) are copied for one call.
RESIDENT_BYTES = 2**33

Triple = tuple[np.ndarray, np.ndarray, np.ndarray]
Scan = Callable[[DeviceRows, Any], None]


class DeviceDatabase:
    """Segments copied to GPU memory once, searched by :func:`search_segments_cuda` many times.

    Parameters
    ----------
    segments : iterable of Segment
        Popcount-sorted segments (e.g. ``FingerprintDB.segments()``; memory-mapped is fine).

    Attributes
    ----------
    segments : list of Segment
        The host segments (global row numbers stay there: ties are resolved on the host; the
        CPU path searches these).
    nbytes : int
        Bytes held on the GPU.

    Raises
    ------
    GPUError
        Without a GPU, or when the segments do not fit its free memory (search the host
        segments instead: they are streamed through the GPU).
    """

    def __init__(self, segments: Iterable[Segment]) -> None:
        require_gpu()
        self.segments = list(segments)
        self.nbytes = sum(segment_nbytes(seg) for seg in self.segments if len(seg))
        info = device_info()
        self.device_name = str(info["name"])
        if self.nbytes > 0.9 * info["free_bytes"]:
            raise GPUError(
                f"the database needs {format_bytes(self.nbytes)} of GPU memory and {self.device_name} "
                f"has {format_bytes(info['free_bytes'])} free; search it without to_device() to "
                "stream it through the GPU"
            )
        self._arrays: list[tuple[Any, ...] | None] | None = [
            upload_segment(seg) if len(seg) else None for seg in self.segments
        ]
        self._stream = stream()

    def __len__(self) -> int:
        return sum(len(seg) for seg in self.segments)

    def memory_report(self) -> str:
        """What the copy holds, e.g. ``"1.2 GiB on NVIDIA H200"``."""
        return f"{format_bytes(self.nbytes)} on {self.device_name}"

    def release(self) -> None:
        """Free the GPU memory (the host segments stay usable)."""
        self._arrays = None

    def device_rows(self, i: int, start: int, stop: int) -> DeviceRows:
        """Positions ``start:stop`` of segment ``i`` on the device, as the kernels take them."""
        if self._arrays is None:
            raise GPUError("this DeviceDatabase was released; make a new one (or use to_device())")
        arrays = self._arrays[i]
        assert arrays is not None, "an empty segment has no rows on the device"
        return DeviceRows(arrays, start, stop, 0)

    def scan(self, i: int, start: int, stop: int, max_rows: int, launch: Scan, finish: Scan) -> None:
        """``launch`` then ``finish`` on positions ``start:stop`` of segment ``i``, ``max_rows`` at a time."""
        for t0 in range(start, stop, max(1, max_rows)):
            rows = self.device_rows(i, t0, min(stop, t0 + max_rows))
            launch(rows, self._stream)
            self._stream.synchronize()
            finish(rows, self._stream)


class _Block:
    """A query block on the device and what a pass over the segments needs of it."""

    def __init__(self, fps: FingerprintArray, params: SearchParams, source: Any) -> None:
        from drugscreen.kernels import METRIC_CODES

        k = kernels()
        self.params = params
        self.source = source
        self.pop = fps.popcounts()
        dense = fps.data.toarray() if fps.spec.counts else fps.data
        self.dev = DeviceQueries.upload(dense, self.pop, fps.spec.counts)
        self.fusion = {None: k.FUSE_NONE, "max": k.FUSE_MAX, "mean": k.FUSE_MEAN}[params.fusion]
        self.n_sel = 1 if params.fusion is not None else len(fps)
        self.metric = (METRIC_CODES[params.metric], float(params.alpha), float(params.beta))
        self.hits = _HitBuffer()

    def ranges(self, floors: np.ndarray) -> list[tuple[int, int, int]]:
        """``(segment, start, stop)`` of the non-empty popcount ranges that can reach ``floors``."""
        # a fused score >= t needs one query >= t (max >= mean): the union of their bounds
        per_query = floors if len(floors) == len(self.pop) else np.full(len(self.pop), floors[0])
        lo, hi = popcount_bounds(self.params, self.pop, per_query)
        out = []
        for i, seg in enumerate(self.source.segments):
            start, stop = row_range(seg, lo, hi)
            if start < stop:
                out.append((i, start, stop))
        return out

    def emit(self, floors: np.ndarray) -> Triple:
        """``(selector, global row, score)`` of every pair scoring ``>= floors[selector]``."""
        floors_dev = to_device(np.asarray(floors, dtype=np.float64), "floors")
        parts: list[Triple] = []
        for i, start, stop in self.ranges(floors):
            seg = self.source.segments[i]

            def finish(rows: DeviceRows, st: Any, seg: Segment = seg) -> None:
                sel, pos, s = self.hits.finish(self, rows, floors_dev, st)
                parts.append((sel, np.asarray(seg.rows[pos + rows.offset], dtype=np.int64), s))

            def launch(rows: DeviceRows, st: Any) -> None:
                self.hits.launch(self, rows, floors_dev, st)

            self.source.scan(i, start, stop, max(1, LAUNCH_PAIRS // self.n_sel), launch, finish)
        return _concat(parts)

    def histogram(self, floors: np.ndarray, nbins: int) -> np.ndarray:
        """``int64[n_sel, nbins]`` counts of pairs scoring ``>= floors[selector]`` by score bin
        (``nbins`` a power of two)."""
        k = kernels()
        hist = to_device(np.zeros((self.n_sel, nbins), np.int64), "score histogram")
        floors_dev = to_device(np.asarray(floors, dtype=np.float64), "floors")
        out = (*self.hits.dummy()[:4], hist)

        def launch(rows: DeviceRows, st: Any) -> None:
            launch_scan(self.dev, rows, self.metric, self.fusion, k.HISTOGRAM, floors_dev, out, st)

        for i, start, stop in self.ranges(floors):
            self.source.scan(i, start, stop, stop - start, launch, lambda rows, st: None)
        return hist.copy_to_host()  # type: ignore[no-any-return]


class _HitBuffer:
    """Device hit buffers and counter of threshold launches; grows when a launch overflows."""

    def __init__(self) -> None:
        self.capacity = 0
        self.arrays: tuple[Any, Any, Any] | None = None
        self.counter = to_device(np.zeros(1, np.int64), "hit counter")
        # pinned: an asynchronous copy from pageable memory would wait for the kernel
        self._zero = pinned_array(1, np.int64)
        self._zero[0] = 0
        self._count = pinned_array(1, np.int64)
        self._dummy: tuple[Any, ...] | None = None

    def _ensure(self, n: int) -> tuple[Any, Any, Any]:
        if self.arrays is None or n > self.capacity:
            self.capacity = max(1, n)
            self.arrays = (
                device_array(self.capacity, np.int64, "hits"),
                device_array(self.capacity, np.int64, "hits"),
                device_array(self.capacity, np.float64, "hits"),
            )
        return self.arrays

    def dummy(self) -> tuple[Any, ...]:
        """Placeholders never written: ``(out_q, out_pos, out_score, counter)`` of histogram
        launches, then the ``hist`` of threshold launches."""
        if self._dummy is None:
            shapes = ((1, np.int64), (1, np.int64), (1, np.float64), (1, np.int64), ((1, 1), np.int64))
            self._dummy = tuple(to_device(np.zeros(shape, t), "placeholder") for shape, t in shapes)
        return self._dummy

    def launch(self, block: _Block, rows: DeviceRows, floors: Any, st: Any, need: int = 0) -> None:
        """Zero the counter, launch the threshold kernel, start copying the count back."""
        n_pairs = block.n_sel * (rows.stop - rows.start)
        out = self._ensure(max(need, min(HIT_CAPACITY, n_pairs)))
        self.counter.copy_to_device(self._zero, stream=st)
        k = kernels()
        hist = self.dummy()[4]
        launch_scan(
            block.dev, rows, block.metric, block.fusion, k.EMIT, floors, (*out, self.counter, hist), st
        )
        self.counter.copy_to_host(self._count, stream=st)

    def finish(self, block: _Block, rows: DeviceRows, floors: Any, st: Any) -> Triple:
        """The launch's hits ``(selector, segment position, score)``; reruns it if it overflowed."""
        n = int(self._count[0])
        if n > self.capacity:
            logger.debug("GPU hit buffer: %d hits for %d slots, rerunning the launch", n, self.capacity)
            self.launch(block, rows, floors, st, need=n)
            st.synchronize()
            n = int(self._count[0])
            assert n <= self.capacity, "a rerun found more hits than its first run"
        if n == 0:
            return _empty()
        assert self.arrays is not None
        sel, pos, s = (a[:n].copy_to_host(stream=st) for a in self.arrays)
        st.synchronize()
        return sel, pos, s


def _empty() -> Triple:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


def _concat(parts: list[Triple]) -> Triple:
    if not parts:
        return _empty()
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))  # type: ignore[return-value]


def _gather(source: Any, ranges: list[tuple[int, int, int]], n: int) -> DeviceRows:
    """``n`` rows spread evenly over the ranges, copied to the device (popcount strata all sampled)."""
    lengths = np.array([stop - start for _, start, stop in ranges], dtype=np.int64)
    picks = np.unique(np.linspace(0, lengths.sum() - 1, n).astype(np.int64))
    which = np.searchsorted(np.cumsum(lengths), picks, side="right")
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    data, pops = [], []
    for j, (i, start, _) in enumerate(ranges):
        pos = picks[which == j] - offsets[j] + start
        seg = source.segments[i]
        data.append(seg.data[pos])
        pops.append(np.asarray(seg.pop[pos], dtype=np.int64))
    pop = np.concatenate(pops)
    rows = sp.vstack(data).tocsr() if sp.issparse(data[0]) else np.concatenate(data)
    return DeviceRows(upload_segment(Segment(rows, pop, np.zeros(0, np.int64))), 0, len(pop), 0)


def histogram_bins(n_sel: int) -> int:
    """Bins per selector of the top-k histogram: a power of two, ``HIST_CELLS`` in all (2**12 to 2**16)."""
    return 1 << min(16, max(12, (HIST_CELLS // max(1, n_sel)).bit_length() - 1))


def top_k_floors(block: _Block, k: int, base: np.ndarray, ranges: list[tuple[int, int, int]]) -> np.ndarray:
    """Per selector a score floor at most its k-th best (at least ``base``): sample, then histogram."""
    floors = base.copy()
    total = sum(stop - start for _, start, stop in ranges)
    n_sample = min(total, max(SAMPLE_ROWS, 4 * k))
    if n_sample >= k:
        rows = _gather(block.source, ranges, n_sample)
        floors_dev = to_device(base, "floors")
        st = stream()
        block.hits.launch(block, rows, floors_dev, st)
        st.synchronize()
        sel, _, s = merge_hits([block.hits.finish(block, rows, floors_dev, st)], k)
        # k sampled rows score >= the k-th of them: the k-th best of all rows is no lower
        counts = np.bincount(sel, minlength=block.n_sel)
        last = np.cumsum(counts) - 1
        full = counts >= k
        floors[full] = np.maximum(floors[full], s[last[full]])
        if n_sample == total:  # the sample was every row: these are the k-th best themselves
            return floors
    nbins = histogram_bins(block.n_sel)
    hist = block.histogram(floors, nbins)
    # bins >= j hold at least k pairs up to the largest such j: the k-th best is >= j / nbins
    # (exact: nbins is a power of two)
    j = (np.cumsum(hist[:, ::-1], axis=1)[:, ::-1] >= k).sum(axis=1) - 1
    return np.where(j >= 0, np.maximum(floors, j / nbins), floors)


def _search_block(block: _Block, k: int | None, threshold: float) -> Triple:
    base = np.full(block.n_sel, threshold)
    if k is None:
        return block.emit(base)
    ranges = block.ranges(base)
    pairs = block.n_sel * sum(stop - start for _, start, stop in ranges)
    if pairs == 0:
        return _empty()
    floors = base if pairs <= EXACT_PAIRS else top_k_floors(block, k, base, ranges)
    return merge_hits([block.emit(floors)], k)


def _check_layout(queries: FingerprintArray, segments: list[Segment]) -> None:
    spec = queries.spec
    for seg in segments:
        if len(seg) == 0:
            continue
        if sp.issparse(seg.data) != spec.counts or seg.data.shape[1] != (
            spec.nbits if spec.counts else spec.words
        ):
            kind = "count" if spec.counts else "bit"
            raise SpecError(
                f"{spec.label} {kind} queries cannot be compared with database rows of shape "
                f"{seg.data.shape} ({'counts' if sp.issparse(seg.data) else 'bits'})"
            )


def search_segments_cuda(
    queries: FingerprintArray,
    segments: Iterable[Segment] | DeviceDatabase,
    params: SearchParams,
    *,
    progress: bool = False,
) -> Triple:
    """Search ``queries`` against segments on the GPU; returns sorted ``(query, row, score)`` arrays.

    Same contract and results as :func:`drugscreen.similarity.engine.search_segments`: int64
    queries and global rows, float64 scores bit-equal to the CPU's, sorted by query, score
    descending, row ascending; with ``params.fusion`` one fused score per row (query 0).

    Parameters
    ----------
    queries : FingerprintArray
    segments : list of Segment or DeviceDatabase
        Host segments (copied for the call if they fit, else streamed through the GPU) or a
        resident :class:`DeviceDatabase`.
    params : SearchParams
    progress : bool
        Progress bar over query blocks.

    Raises
    ------
    GPUError
        Without a GPU, or when GPU memory runs out.
    SpecError
        When the queries' layout does not match the database's.
    """
    require_gpu()
    params.check_spec(queries.spec)
    resident = isinstance(segments, DeviceDatabase)
    segs = segments.segments if isinstance(segments, DeviceDatabase) else list(segments)
    _check_layout(queries, segs)
    n_q, n_rows = len(queries), sum(len(seg) for seg in segs)
    if n_q == 0 or n_rows == 0:
        return _empty()
    threshold = -np.inf if params.threshold is None else float(params.threshold)
    k = None if params.k is None else max(1, min(params.k, n_rows))
    source: Any = segments
    if not resident:
        host_bytes = sum(segment_nbytes(seg) for seg in segs)
        if host_bytes <= min(RESIDENT_BYTES, device_info()["free_bytes"] // 2):
            source = DeviceDatabase(segs)
        else:
            source = ChunkStreamer(segs, queries.spec.counts)
    fused = params.fusion is not None
    block = n_q if fused else QUERY_BLOCK
    blocks: Iterable[int] = range(0, n_q, block)
    if n_q > block:
        from drugscreen.backends.progress import progress_bar

        blocks = progress_bar(blocks, desc="searching (GPU)", unit=" query block", enabled=progress)
    hits = Hits()
    try:
        for b0 in blocks:
            qb = _Block(queries.take(np.arange(b0, min(n_q, b0 + block))), params, source)
            sel, rows, scores = _search_block(qb, k, threshold)
            hits.add(sel + (0 if fused else b0), rows, scores)
    finally:
        if source is not segments and isinstance(source, DeviceDatabase):
            source.release()
    return hits.arrays()
