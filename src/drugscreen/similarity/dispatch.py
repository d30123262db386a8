"""One entry point for a search wherever it runs: CPU threads, a CUDA GPU or a Dask cluster.

Every public search (``db.search``, ``ds.search``, ``ds.similarity_matrix``) resolves its
``device`` / ``n_jobs`` / ``client`` switch into a :class:`~drugscreen.backends.parallel.Backend`
and calls :func:`run_search`; the backends return the same sorted ``(query, row, score)`` arrays,
so the tables built from them are identical.
"""

from __future__ import annotations

from typing import Any

from drugscreen.backends.parallel import Backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.hits import Arrays as Arrays  # re-exported
from drugscreen.similarity.hits import merge_hits as merge_hits  # re-exported
from drugscreen.similarity.params import SearchParams


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
