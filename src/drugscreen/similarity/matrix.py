"""Similarity matrices: sparse N×M and symmetric N×N above a threshold, and dense bulk scores."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from drugscreen.backends.parallel import numba_threads, resolve_backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import DrugscreenError
from drugscreen.similarity import engine
from drugscreen.similarity.dispatch import run_search
from drugscreen.similarity.engine import (
    Hits,
    QueryBlock,
    popcount_bounds,
    row_range,
)
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.queries import as_fingerprints, require_fingerprint_array
from drugscreen.similarity.segment import Segment


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
    client: Any = None,
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
    alpha, beta : float
        Tversky weights of the row and the column fingerprint.
    n_jobs, device, client
        Where it runs, as in :meth:`drugscreen.FingerprintDB.search`. On a GPU or a Dask
        cluster the symmetric matrix is computed as the full ``a x a`` search without its
        diagonal (the scores are symmetric to the bit, so the matrix is the same).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``float64`` scores with int64 indices, shape ``(len(a), len(b))``.

    Examples
    --------
    >>> import drugscreen as ds
    >>> fps = ds.fingerprint(["CCO", "CCCO", "c1ccccc1"])
    >>> m = ds.similarity_matrix(fps, threshold=0.1)
    >>> m.shape, m.nnz
    ((3, 3), 2)
    """
    if threshold is None:
        raise DrugscreenError("similarity_matrix needs a threshold (0 keeps every pair: a dense result)")
    backend = resolve_backend(device, n_jobs, client)
    a = require_fingerprint_array(a, "a")
    if b is not None:
        b = require_fingerprint_array(b, "b")
    params = SearchParams(metric=metric, threshold=threshold, alpha=alpha, beta=beta)
    params.check_spec(a.spec)
    if b is not None:
        a.spec.check_compatible(b.spec, "columns")
    elif metric == "tversky" and alpha != beta:
        raise DrugscreenError("Tversky with alpha != beta is not symmetric: pass b=a for the full matrix")
    shape = (len(a), len(a) if b is None else len(b))
    if backend.client is not None:
        from drugscreen.similarity.distributed import matrix_distributed

        q, r, s = matrix_distributed(a, b, params, backend.client, device=device, n_jobs=n_jobs)
        return _csr(s, q, r, shape)
    if b is not None or backend.device == "cuda":
        q, r, s = run_search(a, [Segment.from_array(a if b is None else b)], params, backend)
        if b is None:
            off_diagonal = q != r
            q, r, s = q[off_diagonal], r[off_diagonal], s[off_diagonal]
        return _csr(s, q, r, shape)
    seg = Segment.from_array(a)
    sorted_fps = FingerprintArray(a.spec, seg.data)
    qs, rs, ss = _upper_triangle(sorted_fps, seg, params, backend.n_jobs)
    i = seg.rows[qs]
    j = rs
    n = len(a)
    return _csr(np.concatenate([ss, ss]), np.concatenate([i, j]), np.concatenate([j, i]), (n, n))


def _upper_triangle(
    fps: FingerprintArray, seg: Segment, params: SearchParams, n_jobs: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (sorted position i, global row j, score) with j's sorted position > i."""
    n = len(fps)
    hits = Hits()
    threshold = float(params.threshold or 0.0)
    with numba_threads(n_jobs):
        for b0 in range(0, n, engine.QUERY_BLOCK):
            b1 = min(n, b0 + engine.QUERY_BLOCK)
            qb = QueryBlock(fps.take(np.arange(b0, b1)), params)
            lo, hi = popcount_bounds(params, qb.pop)
            start, stop = row_range(seg, lo, hi)
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
    >>> import drugscreen as ds
    >>> ds.bulk_similarity(["CCO"], ds.fingerprint(["CCO", "CCCO"])).round(3)
    array([[1.   , 0.556]])
    """
    targets = require_fingerprint_array(targets, "targets")
    params = SearchParams(metric=metric, threshold=0.0, alpha=alpha, beta=beta)
    qfps = as_fingerprints(queries, targets.spec)
    params.check_spec(targets.spec)
    out = np.empty((len(qfps), len(targets)))
    if len(qfps) and len(targets):
        seg = Segment(targets.data, targets.popcounts(), np.arange(len(targets)))
        with numba_threads(n_jobs):
            QueryBlock(qfps, params).score(seg, 0, len(targets), out)
    return out
