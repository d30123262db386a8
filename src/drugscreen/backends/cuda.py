"""CUDA devices through numba.cuda: availability, device memory, pinned host buffers, streaming.

This module and ``kernels/*_cuda.py`` are the only ones that import ``numba.cuda``, and only
when a GPU is asked for, so CPU work never pays for it. Under ``NUMBA_ENABLE_CUDASIM=1``
numba's simulator stands in for a GPU (kernels run as Python threads on the CPU: slow but
exact), which is how the CUDA search is tested on machines without one.

Segments that do not live on the device are streamed through it in chunks of rows by
:class:`ChunkStreamer`: each chunk is copied from the (possibly memory-mapped) host arrays into
a pinned buffer and sent on a copy stream while the previous chunk's kernel runs on a compute
stream; two buffers alternate.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.errors import DrugscreenError

#: Bytes of database rows per streamed chunk (each of the two buffers, pinned and on the device).
STREAM_CHUNK_BYTES = 2**26
#: Query blocks up to this size are staged in shared memory (kernels' ``SHARED_BYTES``).
SHARED_QUERY_BYTES = 48 * 1024


class GPUError(DrugscreenError):
    """No usable GPU, not enough GPU memory, or a device copy used after it was released."""


def _cuda() -> Any:
    """``numba.cuda``, imported after the numpy shim numba-cuda 0.30 needs under numpy 2.5."""
    if not hasattr(np, "row_stack"):  # numba-cuda 0.30 still calls np.row_stack (gone in numpy 2.5)
        np.row_stack = np.vstack  # noqa: NPY201
    from numba import cuda

    return cuda


@functools.lru_cache(maxsize=1)
def gpu_available() -> tuple[bool, str]:
    """Whether numba.cuda can run kernels here, and why not.

    Returns
    -------
    (bool, str)
        ``(True, "")`` with a CUDA GPU (or numba's simulator, ``NUMBA_ENABLE_CUDASIM=1``),
        else ``(False, reason)``. Never raises; the answer is computed once per process.

    Examples
    --------
    >>> from drugscreen.backends.cuda import gpu_available
    >>> found, reason = gpu_available()
    >>> isinstance(found, bool) and isinstance(reason, str)
    True
    """
    try:
        cuda = _cuda()
    except ImportError as exc:
        return False, f"numba-cuda is not installed ({exc}); pip install 'drugscreen[gpu]'"
    except Exception as exc:  # a broken install must not break CPU work
        return False, f"numba.cuda failed to import: {exc}"
    try:
        if not cuda.is_available():
            return False, "numba.cuda found no CUDA driver or GPU"
    except Exception as exc:
        return False, f"numba.cuda could not query the driver: {exc}"
    return True, ""


def require_gpu() -> Any:
    """``numba.cuda`` if a GPU is available, else a :class:`GPUError` that says why not."""
    found, reason = gpu_available()
    if not found:
        raise GPUError(f"this needs a CUDA GPU, and none is available here ({reason})")
    return _cuda()


def is_simulator() -> bool:
    """True when numba's CUDA simulator stands in for the GPU."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)  # type: ignore[attr-defined]


def _host_memory() -> tuple[int, int]:
    # the simulator's "device" arrays are host arrays: its memory is the host's
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    free = total
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
    except OSError:
        pass
    return free, total


def device_info() -> dict[str, Any]:
    """Name, memory and size of the current device.

    Returns
    -------
    dict
        ``name``, ``total_bytes``, ``free_bytes``, ``compute_capability`` and
        ``multiprocessors``. Under the simulator the name is ``"CUDA simulator"`` and the
        memory figures are the host's (where the simulator keeps its arrays).
    """
    cuda = require_gpu()
    if is_simulator():
        free, total = _host_memory()
        return {
            "name": "CUDA simulator",
            "total_bytes": total,
            "free_bytes": free,
            "compute_capability": None,
            "multiprocessors": 1,
        }
    dev = cuda.get_current_device()
    free, total = cuda.current_context().get_memory_info()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    return {
        "name": name,
        "total_bytes": int(total),
        "free_bytes": int(free),
        "compute_capability": tuple(dev.compute_capability),
        "multiprocessors": int(dev.MULTIPROCESSOR_COUNT),
    }


def format_bytes(n: int) -> str:
    """``n`` bytes as a short human-readable size, e.g. ``"1.2 GiB"``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _allocating(what: str, nbytes: int, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        if "OUT_OF_MEMORY" in str(exc) or isinstance(exc, MemoryError):
            raise GPUError(
                f"the GPU ran out of memory allocating {format_bytes(nbytes)} for {what}; "
                "search fewer queries at once or raise the threshold"
            ) from exc
        raise


def to_device(arr: np.ndarray, what: str = "an array", stream: Any = 0) -> Any:
    """A device copy of a (C-contiguous) host array; out of memory is a :class:`GPUError`."""
    arr = np.ascontiguousarray(arr)
    return _allocating(what, arr.nbytes, lambda: require_gpu().to_device(arr, stream=stream))


def device_array(shape: Any, dtype: Any, what: str = "a buffer", stream: Any = 0) -> Any:
    """An uninitialised device array; out of memory is a :class:`GPUError`."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return _allocating(what, nbytes, lambda: require_gpu().device_array(shape, dtype, stream=stream))


def pinned_array(shape: Any, dtype: Any) -> np.ndarray:
    """A page-locked host array (asynchronous copies need one)."""
    return require_gpu().pinned_array(shape, dtype)  # type: ignore[no-any-return]


def stream() -> Any:
    """A new CUDA stream."""
    return require_gpu().stream()


def kernels() -> Any:
    """The CUDA kernel module (:mod:`drugscreen.kernels.search_cuda`), imported on first use."""
    require_gpu()
    from drugscreen.kernels import search_cuda

    return search_cuda


@functools.cache
def _multiprocessors() -> int:
    return int(device_info()["multiprocessors"])


def launch_shape(n_rows: int) -> tuple[int, int]:
    """``(blocks, threads per block)`` for a grid-stride scan of ``n_rows`` rows.

    A few waves of blocks per multiprocessor keep the GPU busy; beyond that the grid-stride
    loop covers the rest. The simulator runs each thread as a Python thread: small grids.
    """
    if is_simulator():
        threads, max_blocks = 32, 2
    else:  # pragma: no cover - needs a GPU
        threads, max_blocks = 128, 32 * _multiprocessors()
    return max(1, min(max_blocks, -(-n_rows // threads))), threads


@dataclass
class DeviceQueries:
    """A query block on the device, flattened: ``uint64[Q * words]`` bits or ``uint32[Q * nbits]``
    dense counts, with ``int64`` popcounts (count sums)."""

    flat: Any
    pop: Any
    n: int
    width: int  # words (bits) or nbits (counts)
    counts: bool
    shared_bytes: int  # dynamic shared memory to stage them (0: read from global memory)

    @classmethod
    def upload(cls, data: np.ndarray, pop: np.ndarray, counts: bool) -> DeviceQueries:
        """``data``: ``uint64[Q, words]`` or dense ``uint32[Q, nbits]``."""
        data = np.ascontiguousarray(data, dtype=np.uint32 if counts else np.uint64)
        staged = 0 < data.nbytes <= SHARED_QUERY_BYTES
        return cls(
            to_device(data.ravel(), "queries"),
            to_device(np.asarray(pop, dtype=np.int64), "query popcounts"),
            int(data.shape[0]),
            int(data.shape[1]),
            counts,
            int(data.nbytes) if staged else 0,
        )


def _upload(arr: Any, dtype: Any, what: str) -> Any:
    # at least one item: zero-size allocations are not portable (the kernels read none of it)
    host = np.ascontiguousarray(arr, dtype=dtype)
    return to_device(host if host.shape[0] else np.zeros((1, *host.shape[1:]), dtype), what)


def upload_segment(seg: Any) -> tuple[Any, ...]:
    """A segment's arrays on the device, as the kernels take them: ``(data, pop)`` for bits,
    ``(indptr int64, indices int32, values uint32, pop)`` for CSR counts."""
    if sp.issparse(seg.data):
        d = seg.data
        return (
            _upload(d.indptr, np.int64, "database indptr"),
            _upload(d.indices, np.int32, "database indices"),
            _upload(d.data, np.uint32, "database counts"),
            _upload(seg.pop, np.int64, "database popcounts"),
        )
    return (_upload(seg.data, np.uint64, "database fingerprints"), _upload(seg.pop, np.int64, "popcounts"))


def segment_nbytes(seg: Any) -> int:
    """Bytes :func:`upload_segment` puts on the device for a segment."""
    if sp.issparse(seg.data):
        return int(seg.data.nnz) * 8 + (len(seg) + 1) * 8 + len(seg) * 8
    return int(np.prod(seg.data.shape)) * 8 + len(seg) * 8


@dataclass
class DeviceRows:
    """Database rows ``start:stop`` of device arrays; position ``p`` there is segment position
    ``p + offset``. ``arrays`` is ``(data, pop)`` for bits, ``(indptr, indices, values, pop)``
    for counts."""

    arrays: tuple[Any, ...]
    start: int
    stop: int
    offset: int


def launch_scan(
    queries: DeviceQueries,
    rows: DeviceRows,
    metric: tuple[int, float, float],
    fusion: int,
    mode: int,
    floors: Any,
    out: tuple[Any, Any, Any, Any, Any],
    stream: Any,
) -> None:
    """Launch the scan kernel of :mod:`drugscreen.kernels.search_cuda` on ``stream`` (asynchronous).

    ``metric`` is ``(code, alpha, beta)``; ``out`` is ``(out_q, out_pos, out_score, counter, hist)``.
    """
    search_cuda = kernels()
    n = rows.stop - rows.start
    if n <= 0:
        return
    blocks, threads = launch_shape(n)
    staged = queries.shared_bytes > 0
    common = (rows.start, rows.stop, *metric, fusion, mode, floors, staged, *out)
    if queries.counts:
        kernel = search_cuda.counts_kernel
        args: tuple[Any, ...] = (queries.flat, queries.pop, queries.n, queries.width, *rows.arrays, *common)
    else:
        kernel = search_cuda.bits_kernel(queries.width)
        args = (queries.flat, queries.pop, queries.n, *rows.arrays, *common)
    kernel[blocks, threads, stream, queries.shared_bytes](*args)


class ChunkStreamer:
    """Streams row ranges of host segments (``segments``) through the GPU, overlapping copies
    and kernels.

    Two slots, each a pinned host buffer and a device buffer, alternate: while the kernel of
    chunk ``i`` runs on the compute stream, chunk ``i + 1`` is copied into the pinned buffer of
    the other slot and sent to the device on the copy stream; an event makes the compute
    stream wait for that copy. A slot is refilled only after its chunk's results were read.
    """

    def __init__(self, segments: list[Any], counts: bool) -> None:
        cuda = require_gpu()
        self.segments = segments
        self.counts = counts
        self.copy_stream = cuda.stream()
        self.compute_stream = cuda.stream()
        self._slots: list[dict[str, Any]] = [{"event": cuda.event()}, {"event": cuda.event()}]

    def chunk_rows(self, seg: Any) -> int:
        """Rows per chunk: ``STREAM_CHUNK_BYTES`` of fingerprints (at least one row)."""
        if self.counts:
            row_bytes = 8 * max(1, seg.data.nnz // max(1, len(seg))) + 16
        else:
            row_bytes = 8 * seg.data.shape[1] + 8
        return max(1, STREAM_CHUNK_BYTES // row_bytes)

    def _buffer(self, slot: dict[str, Any], name: str, size: int, dtype: Any, shape: tuple[int, ...]) -> None:
        # (re)allocate slot[name] as pinned + device arrays holding at least `size` rows/items
        have = slot.get(name)
        if have is None or have[0].shape[0] < size:
            full = (size, *shape)
            slot[name] = (pinned_array(full, dtype), device_array(full, dtype, "streamed rows"))

    def _stage(self, k: int, seg: Any, t0: int, t1: int) -> None:
        slot = self._slots[k]
        n = t1 - t0
        parts: list[tuple[str, np.ndarray]] = []
        if self.counts:
            indptr = np.asarray(seg.data.indptr[t0 : t1 + 1], dtype=np.int64)
            p0, p1 = int(indptr[0]), int(indptr[-1])
            parts = [
                ("indptr", indptr - p0),
                ("indices", np.asarray(seg.data.indices[p0:p1], dtype=np.int32)),
                ("values", np.asarray(seg.data.data[p0:p1], dtype=np.uint32)),
            ]
        else:
            parts = [("data", np.asarray(seg.data[t0:t1], dtype=np.uint64))]
        parts.append(("pop", np.asarray(seg.pop[t0:t1], dtype=np.int64)))
        arrays = []
        for name, host in parts:
            # at least one item: zero-size copies and allocations are not portable
            self._buffer(slot, name, max(1, len(host)), host.dtype, host.shape[1:])
            pinned, dev = slot[name]
            m = len(host)
            if m:
                pinned[:m] = host
                dev[:m].copy_to_device(pinned[:m], stream=self.copy_stream)
            arrays.append(dev)
        slot["event"].record(self.copy_stream)
        slot["rows"] = DeviceRows(tuple(arrays), 0, n, t0)

    def scan(
        self,
        i: int,
        start: int,
        stop: int,
        max_rows: int,
        launch: Callable[[DeviceRows, Any], None],
        finish: Callable[[DeviceRows, Any], None],
    ) -> None:
        """Run ``launch(rows, stream)`` (asynchronous kernels) then ``finish(rows, stream)`` (after
        the compute stream is synchronised; may launch and wait again) on each chunk of
        positions ``start:stop`` of segment ``i``, at most ``max_rows`` rows per chunk."""
        seg = self.segments[i]
        step = max(1, min(max_rows, self.chunk_rows(seg)))
        chunks = [(t0, min(stop, t0 + step)) for t0 in range(start, stop, step)]
        if not chunks:
            return
        self._stage(0, seg, *chunks[0])
        for c in range(len(chunks)):
            slot = self._slots[c % 2]
            slot["event"].wait(self.compute_stream)
            launch(slot["rows"], self.compute_stream)
            if c + 1 < len(chunks):
                # the other slot's chunk (c - 1) is finished: refill it while chunk c runs
                self._stage((c + 1) % 2, seg, *chunks[c + 1])
            self.compute_stream.synchronize()
            finish(slot["rows"], self.compute_stream)
