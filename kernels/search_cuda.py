"""CUDA similarity kernels (numba.cuda): fused scoring with threshold hits, score histograms and
group fusion, for binary and count fingerprints.

Layouts are those of the CPU kernels (:mod:`drugscreen.kernels.pairs_cpu`): database bits
``uint64[n, words]`` with ``int64`` popcounts, database counts as CSR (``indptr int64``,
``indices int32``, ``values uint32``) with ``int64`` row sums. Queries come flattened: bits
``uint64[Q * words]``, counts dense ``uint32[Q * nbits]``; a block small enough for shared
memory is staged there by every thread block (``staged``), else read from global memory.

One thread scores one database row against every query of the block (grid-stride loop over
rows ``start:stop``), so each row is read from global memory once per query block; binary rows
are held in a per-thread local array (registers) while the queries stream past. What happens
with a score depends on ``mode``:

- ``EMIT``: pairs scoring ``>= floors[q]`` are appended to ``(out_q, out_pos, out_score)``
  through an atomic ``int64`` counter. The counter keeps counting past the buffer's end, so
  the host sees how many hits there were and reruns with a buffer of that size.
- ``HISTOGRAM``: ``hist[q, int(score * nbins)] += 1`` for pairs scoring ``>= floors[q]``, with
  ``nbins = hist.shape[1]`` a power of two: ``score * nbins`` is then exact, so a score in bin
  ``j`` is exactly ``>= j / nbins`` and the top-k floors the host reads off it are sound.

With ``fusion`` set (``FUSE_MAX``/``FUSE_MEAN``) the block's scores of a row are fused into one
score (query index 0) before the test, in query order as :func:`~drugscreen.kernels.search_cpu.fuse_tile`.

Scores are bit-identical to the CPU's ``_score``: float64 in the same operation order, IEEE
division and square root (correctly rounded on the GPU too). NVVM contracts ``a*b + c`` into
fused multiply-adds by default (numba-cuda has no switch for it), which would change Tversky
denominators in the last bit: they go through ``dmul_rn``/``dadd_rn``, which are never fused
(the sm_90 PTX of both kernels, built with numba-cuda 0.30.4, holds no ``fma.rn.f64``, and no
other product feeds a sum). The staged query block's size is set at launch (dynamic shared
memory; ``drugscreen.backends.cuda.SHARED_QUERY_BYTES``).
"""

import functools
import math

import numpy as np

if not hasattr(np, "row_stack"):  # numba-cuda 0.30 still calls it; numpy 2.5 removed it
    np.row_stack = np.vstack  # noqa: NPY201

from numba import cuda, int64, uint32, uint64  # noqa: E402
from numba.core import config  # noqa: E402

from drugscreen.kernels import COSINE, DICE, TANIMOTO  # noqa: E402

#: What a kernel does with a pair's score (see the module docstring).
EMIT = 0
HISTOGRAM = 1
#: Group fusion codes.
FUSE_NONE = 0
FUSE_MAX = 1
FUSE_MEAN = 2

if config.ENABLE_CUDASIM:  # type: ignore[attr-defined]
    # The simulator runs Python floats: each product and sum is rounded on its own already.
    @cuda.jit(device=True)
    def _mul(x, y):  # type: ignore[no-untyped-def]
        return x * y

    @cuda.jit(device=True)
    def _add(x, y):  # type: ignore[no-untyped-def]
        return x + y

else:  # pragma: no cover - needs a GPU
    from numba.cuda import libdevice

    @cuda.jit(device=True)
    def _mul(x, y):  # type: ignore[no-untyped-def]
        return libdevice.dmul_rn(x, y)

    @cuda.jit(device=True)
    def _add(x, y):  # type: ignore[no-untyped-def]
        return libdevice.dadd_rn(x, y)


@cuda.jit(device=True)
def _score(metric, c, a, b, alpha, beta):  # type: ignore[no-untyped-def]
    # The CPU's pairs_cpu._score, operation for operation (a: query, b: row, c: common).
    if metric == TANIMOTO:
        denom = a + b - c
        return c / denom if denom > 0 else 0.0
    if metric == DICE:
        denom = a + b
        return 2.0 * c / denom if denom > 0 else 0.0
    if metric == COSINE:
        prod = a * b
        return c / math.sqrt(prod) if prod > 0 else 0.0
    # TVERSKY: alpha*a + beta*b + (1 - alpha - beta)*c, rounded after every operation
    denom = _add(_add(_mul(alpha, a), _mul(beta, b)), _mul(1.0 - alpha - beta, c))
    return c / denom if denom > 0 else 0.0


@cuda.jit(device=True)
def _record(mode, sel, pos, s, floors, out_q, out_pos, out_score, counter, hist):  # type: ignore[no-untyped-def]
    """Emit or histogram the pair (``sel``, row position ``pos``) if it reaches its floor."""
    if s >= floors[sel]:
        if mode == EMIT:
            i = cuda.atomic.add(counter, 0, 1)
            if i < out_q.shape[0]:
                out_q[i] = sel
                out_pos[i] = pos
                out_score[i] = s
        else:
            nbins = hist.shape[1]
            j = int64(s * nbins)
            if j >= nbins:  # a score of exactly 1 (or 1 + rounding)
                j = nbins - 1
            if j < 0:
                j = 0
            cuda.atomic.add(hist, (sel, j), 1)


@cuda.jit(device=True)
def _fuse_step(fusion, acc, s):  # type: ignore[no-untyped-def]
    # max keeps the first largest, as fuse_tile's strict ">"; mean sums in query order
    if fusion == FUSE_MAX:
        return s if s > acc else acc
    return acc + s


@cuda.jit(device=True)
def _fuse_start(fusion):  # type: ignore[no-untyped-def]
    return -math.inf if fusion == FUSE_MAX else 0.0


@functools.cache
def bits_kernel(words: int):  # type: ignore[no-untyped-def]
    """The binary-fingerprint kernel for rows of ``words`` 64-bit words (compiled per width).

    The width is a compile-time constant so that a row fits a fixed-size local array, which
    the compiler keeps in registers: a row is loaded once and scored against every query.

    Kernel arguments: ``queries, q_pop, nq, db, db_pop, start, stop, metric, alpha, beta,
    fusion, mode, floors, staged, out_q, out_pos, out_score, counter, hist``.
    """

    @cuda.jit(device=True)
    def scan(
        qs,
        q_pop,
        nq,
        db,
        db_pop,
        start,
        stop,
        metric,
        alpha,
        beta,
        fusion,
        mode,
        floors,
        out_q,
        out_pos,
        out_score,
        counter,
        hist,
    ):  # type: ignore[no-untyped-def]
        row = cuda.local.array(words, uint64)
        r = start + cuda.grid(1)
        stride = cuda.gridsize(1)
        while r < stop:
            for w in range(words):
                row[w] = db[r, w]
            b = float(db_pop[r])
            acc = _fuse_start(fusion)
            for q in range(nq):
                base = q * words
                c = 0
                for w in range(words):
                    # cast: uint64 + int64 would promote the count to float64
                    c += int64(cuda.popc(row[w] & qs[base + w]))
                s = _score(metric, float(c), float(q_pop[q]), b, alpha, beta)
                if fusion == FUSE_NONE:
                    _record(mode, q, r, s, floors, out_q, out_pos, out_score, counter, hist)
                else:
                    acc = _fuse_step(fusion, acc, s)
            if fusion != FUSE_NONE:
                if fusion == FUSE_MEAN:
                    acc = acc / float(nq)
                _record(mode, 0, r, acc, floors, out_q, out_pos, out_score, counter, hist)
            r += stride

    @cuda.jit
    def kernel(
        queries,
        q_pop,
        nq,
        db,
        db_pop,
        start,
        stop,
        metric,
        alpha,
        beta,
        fusion,
        mode,
        floors,
        staged,
        out_q,
        out_pos,
        out_score,
        counter,
        hist,
    ):  # type: ignore[no-untyped-def]
        shared = cuda.shared.array(0, dtype=uint64)  # sized at launch; empty when not staged
        if staged:
            for i in range(cuda.threadIdx.x, nq * words, cuda.blockDim.x):
                shared[i] = queries[i]
        cuda.syncthreads()
        if staged:
            scan(
                shared,
                q_pop,
                nq,
                db,
                db_pop,
                start,
                stop,
                metric,
                alpha,
                beta,
                fusion,
                mode,
                floors,
                out_q,
                out_pos,
                out_score,
                counter,
                hist,
            )
        else:
            scan(
                queries,
                q_pop,
                nq,
                db,
                db_pop,
                start,
                stop,
                metric,
                alpha,
                beta,
                fusion,
                mode,
                floors,
                out_q,
                out_pos,
                out_score,
                counter,
                hist,
            )

    return kernel


@cuda.jit(device=True)
def _scan_counts(
    qs,
    q_sum,
    nq,
    nbits,
    indptr,
    indices,
    values,
    db_sum,
    start,
    stop,
    metric,
    alpha,
    beta,
    fusion,
    mode,
    floors,
    out_q,
    out_pos,
    out_score,
    counter,
    hist,
):  # type: ignore[no-untyped-def]
    r = start + cuda.grid(1)
    stride = cuda.gridsize(1)
    while r < stop:
        b = float(db_sum[r])
        p0 = indptr[r]
        p1 = indptr[r + 1]
        acc = _fuse_start(fusion)
        for q in range(nq):
            base = q * nbits
            c = 0
            for p in range(p0, p1):
                qv = qs[base + indices[p]]
                v = values[p]
                c += int64(qv if qv < v else v)
            s = _score(metric, float(c), float(q_sum[q]), b, alpha, beta)
            if fusion == FUSE_NONE:
                _record(mode, q, r, s, floors, out_q, out_pos, out_score, counter, hist)
            else:
                acc = _fuse_step(fusion, acc, s)
        if fusion != FUSE_NONE:
            if fusion == FUSE_MEAN:
                acc = acc / float(nq)
            _record(mode, 0, r, acc, floors, out_q, out_pos, out_score, counter, hist)
        r += stride


@cuda.jit
def counts_kernel(
    queries,
    q_sum,
    nq,
    nbits,
    indptr,
    indices,
    values,
    db_sum,
    start,
    stop,
    metric,
    alpha,
    beta,
    fusion,
    mode,
    floors,
    staged,
    out_q,
    out_pos,
    out_score,
    counter,
    hist,
):  # type: ignore[no-untyped-def]
    """Count fingerprints (sum of minima) of dense queries ``uint32[Q * nbits]`` against CSR rows
    ``start:stop``; otherwise as :func:`bits_kernel`'s kernel."""
    shared = cuda.shared.array(0, dtype=uint32)
    if staged:
        for i in range(cuda.threadIdx.x, nq * nbits, cuda.blockDim.x):
            shared[i] = queries[i]
    cuda.syncthreads()
    if staged:
        _scan_counts(
            shared,
            q_sum,
            nq,
            nbits,
            indptr,
            indices,
            values,
            db_sum,
            start,
            stop,
            metric,
            alpha,
            beta,
            fusion,
            mode,
            floors,
            out_q,
            out_pos,
            out_score,
            counter,
            hist,
        )
    else:
        _scan_counts(
            queries,
            q_sum,
            nq,
            nbits,
            indptr,
            indices,
            values,
            db_sum,
            start,
            stop,
            metric,
            alpha,
            beta,
            fusion,
            mode,
            floors,
            out_q,
            out_pos,
            out_score,
            counter,
            hist,
        )
