"""Similarity search, similarity matrices and database builds on a Dask cluster (``client=``).

The unit of distribution is a shard of a database (or a block of columns of a matrix, or a
chunk of input records): one task each, running the same CPU or CUDA kernel as a local search,
then merged on the client exactly (:func:`drugscreen.similarity.hits.merge_hits`): threshold
hits are concatenated, top-k lists merged by score descending then row ascending -- the rule
every search follows -- and fused scores merge the same way because a row's fused score does not
depend on the other rows. The results are therefore identical to a search in one process.

Workers load shards straight from the database directory when they all see it (a shared file
system, checked by comparing the manifest); otherwise the client sends them the shard arrays.
The Dask calls themselves live in :mod:`drugscreen.backends.dask`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import scipy.sparse as sp

from drugscreen.backends.dask import (
    check_client,
    map_ordered_stream,
    map_tasks,
    scatter,
    total_threads,
    worker_threads,
    workers_share_path,
)
from drugscreen.backends.parallel import Backend, check_device
from drugscreen.chem.fingerprints import (
    BatchResult,
    FingerprintArray,
    FingerprintChunk,
    _batched,
    _chunk,
    _fingerprint_texts,
    _texts,
)
from drugscreen.chem.io import RawRecord
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError
from drugscreen.similarity.dispatch import run_search
from drugscreen.similarity.hits import Arrays, merge_hits
from drugscreen.similarity.manifest import load_segment
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

if TYPE_CHECKING:
    from drugscreen.chem.prepare import MolPreparation


class DatabaseLike(Protocol):
    """What a distributed search reads of a database (a Protocol: the database module imports
    this one, through the build, so this one does not import it)."""

    path: Path
    spec: FingerprintSpec
    manifest: dict[str, Any]

    def segments(self) -> list[Segment]: ...


#: A matrix is split into at least this many column blocks per worker thread (load balance:
#: blocks differ in cost, since hits cluster in popcount) ...
BLOCKS_PER_THREAD = 2
#: ... of at least this many rows each (fewer, larger tasks below it: per-task overhead wins).
MIN_BLOCK_ROWS = 4096

# One search kernel at a time per worker process: each already runs on all the worker's threads
# (worker_threads), so concurrent tasks of a multi-threaded worker would only oversubscribe the
# cores -- and numba's "workqueue" threading layer must not be entered from two threads at once.
_KERNEL_LOCK = threading.Lock()


def _empty() -> Arrays:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


def _worker_backend(device: str, n_jobs: int | None) -> Backend:
    """The backend as the worker resolves it: its own GPU (``"auto"``) and its own threads."""
    return Backend(check_device(device), worker_threads(n_jobs))


# --------------------------------------------------------------------------- database search
def _plain(seg: Segment) -> Segment:
    """A segment of ordinary arrays (memory maps are read into the message, not referenced)."""
    data = seg.data
    if sp.issparse(data):
        data = sp.csr_matrix(
            (np.asarray(data.data), np.asarray(data.indices), np.asarray(data.indptr)), shape=data.shape
        )
    else:
        data = np.asarray(data)
    word_pop = None if seg.word_pop is None else np.asarray(seg.word_pop)
    return Segment(data, np.asarray(seg.pop), np.asarray(seg.rows), word_pop)


def _search_shard(
    item: Any,
    *,
    queries: FingerprintArray,
    params: SearchParams,
    device: str,
    n_jobs: int | None,
    root: str | None,
    spec: FingerprintSpec,
) -> Arrays:
    """Worker task: one shard (a manifest entry read from ``root``, or a sent Segment) searched."""
    segment = item if root is None else load_segment(Path(root), item, spec)
    backend = _worker_backend(device, n_jobs)
    with _KERNEL_LOCK:
        return run_search(queries, [segment], params, backend)


def search_shards(
    db: DatabaseLike,
    queries: FingerprintArray,
    params: SearchParams,
    client: Any,
    *,
    device: str = "cpu",
    n_jobs: int | None = -1,
    shared: bool | None = None,
    progress: bool = False,
) -> Arrays:
    """Search a database's shards on a Dask cluster, one task per shard, merged exactly.

    Parameters
    ----------
    db : FingerprintDB
        The database; its manifest lists the shards.
    queries : FingerprintArray
        Queries of the database's spec (sent to every worker once).
    params : SearchParams
        Threshold, top-k, metric, fusion.
    client : dask.distributed.Client
    device : {"cpu", "cuda", "auto"}
        Resolved on each worker (``"auto"`` takes a worker's GPU where it has one).
    n_jobs : int or None
        Threads per task on the worker; ``-1`` = the threads the worker was started with.
    shared : bool, optional
        Whether the workers read the shards from ``db.path`` themselves; default: when every
        worker sees the same manifest there. Otherwise the client sends each shard's arrays.
    progress : bool
        Show a progress bar over finished shards.

    Returns
    -------
    (query, row, score) : tuple of ndarray
        ``int64``, ``int64``, ``float64``, sorted by query, score descending, row ascending:
        identical to the search of all shards in one process.
    """
    check_client(client)
    shards = db.manifest["shards"]
    if not shards or len(queries) == 0:
        return _empty()
    if shared is None:
        shared = workers_share_path(client, db.path)
    query_future = scatter(client, queries, broadcast=True)
    if shared:
        items: list[Any] = list(shards)
        root: str | None = str(db.path)
    else:
        # one shard at a time: the client holds at most one serialised shard beyond the database
        items = [scatter(client, _plain(seg)) for seg in db.segments()]
        root = None
    names = {id(item): shard["name"] for item, shard in zip(items, shards, strict=True)}
    parts = map_tasks(
        client,
        _search_shard,
        items,
        progress=progress,
        name_of=lambda item: f"search of {db.path / names[id(item)]}",
        queries=query_future,
        params=params,
        device=device,
        n_jobs=n_jobs,
        root=root,
        spec=db.spec,
    )
    return merge_hits(parts, params.k)


# --------------------------------------------------------------------------- similarity matrix
@dataclass
class _Columns:
    """A block of matrix columns: fingerprints and the global index of the first one."""

    fps: FingerprintArray
    offset: int


def _matrix_block(
    block: _Columns,
    *,
    rows: FingerprintArray,
    params: SearchParams,
    device: str,
    n_jobs: int | None,
    symmetric: bool,
) -> Arrays:
    """Worker task: all of ``rows`` against one block of columns (diagonal dropped if symmetric)."""
    segment = Segment.from_array(block.fps, row_offset=block.offset)
    backend = _worker_backend(device, n_jobs)
    with _KERNEL_LOCK:
        q, r, s = run_search(rows, [segment], params, backend)
    if symmetric:
        keep = q != r
        q, r, s = q[keep], r[keep], s[keep]
    return q, r, s


def matrix_distributed(
    a: FingerprintArray,
    b: FingerprintArray | None,
    params: SearchParams,
    client: Any,
    *,
    device: str = "cpu",
    n_jobs: int | None = -1,
    block_rows: int | None = None,
    progress: bool = False,
) -> Arrays:
    """Pairs of a similarity matrix scoring at least ``params.threshold``, on a Dask cluster.

    The columns (``b``, or ``a`` for the symmetric matrix) are split into blocks; each task
    scores all of ``a`` against one block. The symmetric matrix is the full ``a x a`` search
    without its diagonal: for Tanimoto, Dice, cosine and Tversky with ``alpha == beta`` the
    score of ``(i, j)`` equals that of ``(j, i)`` to the bit, so this is the same set of pairs
    and scores as the local upper-triangle search mirrored.

    Parameters
    ----------
    a : FingerprintArray
        Rows (sent to every worker once).
    b : FingerprintArray or None
        Columns; ``None`` for the symmetric ``a x a`` matrix.
    params : SearchParams
        Threshold and metric (no ``k``).
    client : dask.distributed.Client
    device, n_jobs
        As in :func:`search_shards`.
    block_rows : int, optional
        Columns per task (default: about two blocks per worker thread, at least
        ``MIN_BLOCK_ROWS``).
    progress : bool
        Show a progress bar over finished blocks.

    Returns
    -------
    (row, col, score) : tuple of ndarray
        ``int64``, ``int64``, ``float64`` in no particular order (build the CSR from them).
    """
    check_client(client)
    cols = a if b is None else b
    n = len(cols)
    if len(a) == 0 or n == 0:
        return _empty()
    if block_rows is None:
        block_rows = max(MIN_BLOCK_ROWS, -(-n // (BLOCKS_PER_THREAD * total_threads(client))))
    if isinstance(block_rows, bool) or not isinstance(block_rows, int) or block_rows < 1:
        raise InputError(f"block_rows must be a positive integer, got {block_rows!r}")
    rows_future = scatter(client, a, broadcast=True)
    # row slices are views: each block is serialised on its own, never the whole array twice
    blocks = [
        scatter(client, _Columns(FingerprintArray(cols.spec, cols.data[s : s + block_rows]), s))
        for s in range(0, n, block_rows)
    ]
    parts = map_tasks(
        client,
        _matrix_block,
        blocks,
        progress=progress,
        name_of=lambda _: "similarity matrix column block",
        rows=rows_future,
        params=params,
        device=device,
        n_jobs=n_jobs,
        symmetric=b is None,
    )
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _empty()
    q, r, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    return q, r, s


# --------------------------------------------------------------------------- database build
def _fingerprint_job(
    job: tuple[list[str], str], *, spec_dict: dict[str, Any], prep: MolPreparation | None
) -> BatchResult:
    """Worker task: the function joblib's workers run for a local build, on one chunk."""
    texts, fmt = job
    return _fingerprint_texts(spec_dict, texts, fmt, prep)


def fingerprint_chunks_distributed(
    records: Iterable[RawRecord],
    spec: FingerprintSpec,
    client: Any,
    chunk_size: int,
    prep: MolPreparation | None = None,
    *,
    progress: bool = False,
    max_in_flight: int | None = None,
) -> Iterator[FingerprintChunk]:
    """Fingerprint a stream of records on a Dask cluster, chunk by chunk, in input order.

    A drop-in for :func:`drugscreen.chem.fingerprints.iter_fingerprint_chunks`: the same chunks
    (records are read here, only their texts travel), parsed, prepared and fingerprinted on
    the workers by the same function, so a database built from them is identical to a local
    build. Memory stays flat: at most ``max_in_flight`` chunks are out at once.

    Parameters
    ----------
    records : iterable of RawRecord
        Read lazily, one chunk ahead of each task.
    spec : FingerprintSpec
    client : dask.distributed.Client
    chunk_size : int
        Records per task.
    prep : MolPreparation, optional
        Standardise and filter each molecule on the worker first.
    progress : bool
        Show a progress bar over molecules.
    max_in_flight : int, optional
        Chunks submitted and not yet consumed (default: twice the cluster's threads, at
        least 2).

    Yields
    ------
    FingerprintChunk
        In input order, as from ``iter_fingerprint_chunks``.
    """
    check_client(client)
    from drugscreen.backends.progress import progress_bar

    if max_in_flight is None:
        max_in_flight = max(2, 2 * total_threads(client))
    pending: list[list[RawRecord]] = []

    def jobs() -> Iterator[tuple[list[str], str]]:
        for batch in _batched(records, chunk_size):
            pending.append(batch)
            yield _texts(batch), batch[0].fmt

    def name_of(job: tuple[list[str], str]) -> str:
        first = pending[-1][0]  # the batch just read is the one being submitted
        return f"fingerprinting of {len(job[0])} records from {first.where}"

    results = map_ordered_stream(
        client,
        _fingerprint_job,
        jobs(),
        max_in_flight=max_in_flight,
        name_of=name_of,
        spec_dict=spec.to_dict(),
        prep=prep,
    )
    bar = progress_bar(unit=" mol", desc="fingerprinting", enabled=progress)
    try:
        for result in results:
            batch = pending.pop(0)
            bar.update(len(batch))
            yield _chunk(batch, result)
    finally:
        results.close()  # cancels the tasks still out if the consumer stopped early
        bar.close()
