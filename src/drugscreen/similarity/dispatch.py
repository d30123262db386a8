"""One entry point for a search wherever it runs: CPU threads, a CUDA GPU or a Dask cluster.

Every public search (``db.search``, ``ds.search``, ``ds.similarity_matrix``) resolves its
``device`` / ``n_jobs`` / ``client`` switch into a :class:`~drugscreen.backends.parallel.Backend`
and calls :func:`run_search`; the backends return the same sorted ``(query, row, score)`` arrays,
so the tables built from them are identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from drugscreen.backends.parallel import Backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.params import SearchParams

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def run_search(
    queries: FingerprintArray,
    segments: Any,
    params: SearchParams,
    backend: Backend,
    *,
    progress: bool = False,
) -> Arrays:
    """Search ``queries`` against ``segments`` on the backend's device.

    ``segments`` is a list of :class:`~drugscreen.similarity.segment.Segment` or, for
    ``device="cuda"``, a database kept resident on the GPU (``FingerprintDB.to_device``).
    Distributed searches over a database's shards go through
    :func:`drugscreen.similarity.distributed.search_shards` instead (they need the shard files).
    """
    if backend.device == "cuda":
        from drugscreen.similarity.engine_cuda import search_segments_cuda

        return search_segments_cuda(queries, segments, params, progress=progress)
    if not isinstance(segments, (list, tuple)):
        segments = segments.segments  # a resident database searched on the CPU
    return search_segments(queries, segments, params, n_jobs=backend.n_jobs, progress=progress)


def merge_hits(parts: Sequence[Arrays], k: int | None) -> Arrays:
    """Merge sorted results of disjoint row sets exactly as one search would have returned them.

    Threshold hits are concatenated; with ``k`` each query keeps its best ``k`` by the rule every
    search follows (score descending, then row ascending). Fused searches merge the same way:
    a row's fused score does not depend on the other rows.
    """
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    q, r, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((r, -s, q))
    q, r, s = q[order], r[order], s[order]
    if k is not None and len(q):
        # position of each hit within its query's run: keep the first k of each run
        starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
        run_start = np.repeat(starts, np.diff(np.r_[starts, len(q)]))
        keep = np.arange(len(q)) - run_start < k
        q, r, s = q[keep], r[keep], s[keep]
    return q, r, s
