"""Sphere-exclusion clustering on the database's threshold search: memory linear in N.

Butina needs every neighbour pair (the sparse N x N lists); on a large, dense library those
lists outgrow memory long before the fingerprints do. Sphere exclusion only ever holds the
hits of one block of centroid candidates: molecules are taken in row order, each one not yet
in a cluster becomes a centroid, and every unassigned molecule within ``cutoff`` of it joins
its cluster. The centroids are exactly the leaders of :func:`drugscreen.cluster.leader`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.cluster.butina import SLACK, check_distance, check_flag, fingerprints_and_ids
from drugscreen.errors import InputError
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment
from drugscreen.validate import check_n_jobs, check_number

logger = logging.getLogger("drugscreen")


def sphere_exclusion(
    fps: Any,
    cutoff: float = 0.35,
    *,
    metric: str = "tanimoto",
    block: int = 256,
    n_jobs: int | None = -1,
    progress: bool = False,
) -> pd.DataFrame:
    """Sphere-exclusion (leader) clustering at distance ``cutoff``, one database search per block.

    Parameters
    ----------
    fps : FingerprintDB or FingerprintArray
        The molecules, clustered in row order (a database with its ids).
    cutoff : float
        A molecule joins a centroid's cluster at distance ``1 - similarity <= cutoff``.
    metric : str
        Similarity metric of the search (any the database supports).
    block : int
        Centroid candidates searched at once: more is faster, and holds more hits in memory.
    n_jobs : int
        Threads for the search (-1 = all cores).
    progress : bool
        Show a progress bar over the rows.

    Raises
    ------
    InputError
        When ``cutoff`` is not a number in ``[0, 1)``, ``block`` not a whole number >= 1,
        ``n_jobs`` not a whole number other than 0, or ``progress`` not a bool.

    Returns
    -------
    pandas.DataFrame
        ``row, id, cluster, is_centroid`` in row order; clusters are numbered in the order
        their centroids were found. The centroids are ``ds.cluster.leader(fps, cutoff)``, and
        every other molecule is in the cluster of the first centroid within ``cutoff``.

    Notes
    -----
    Each centroid is one query of the threshold search (popcount bounds, all cores), so the
    time grows with ``N x centroids``, and memory with ``N`` plus one block's hits (at most
    ``block x N`` pairs: at large cut-offs, where most pairs are hits, use a smaller block).
    The centroids equal the leader picks for the Tanimoto metric, the leader picker's. Butina
    clusters are usually tighter (the densest region is taken first); this is the method for
    libraries whose neighbour lists do not fit.

    References
    ----------
    Hudson, B. D. et al. Parameter based methods for compound selection from chemical
    databases. Quant. Struct.-Act. Relat. 15, 285-289 (1996).

    Examples
    --------
    >>> import drugscreen as ds
    >>> fps = ds.fingerprint(["CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O"])
    >>> ds.cluster.sphere_exclusion(fps, 0.6)["cluster"].tolist()
    [0, 0, 0, 1, 2]
    """
    from drugscreen.similarity.db import FingerprintDB

    cutoff = check_distance("cutoff", cutoff, high_open=True)
    try:
        block = int(check_number("block", block, low=1, integer=True))
    except InputError:
        raise InputError(f"block must be a positive whole number, got {block!r}") from None
    n_jobs = check_n_jobs(n_jobs)
    check_flag("progress", progress)
    array, ids = fingerprints_and_ids(fps)
    segments = fps.segments() if isinstance(fps, FingerprintDB) else [Segment.from_array(array)]
    params = SearchParams(metric=metric, threshold=max(0.0, 1.0 - cutoff - SLACK))
    n = len(array)
    cluster = np.full(n, -1, dtype=np.int64)
    is_centroid = np.zeros(n, dtype=np.bool_)
    bar = _progress(n, progress)
    clusters = 0
    start = 0
    while start < n:
        # the next `block` unassigned rows: all rows before `start` are in clusters already
        candidates = np.flatnonzero(cluster[start:] < 0)[:block] + start
        if len(candidates) == 0:
            break
        clusters = _assign(
            array, candidates, segments, params, cutoff, n_jobs, cluster, is_centroid, clusters
        )
        new_start = int(candidates[-1]) + 1
        if bar is not None:
            bar.update(new_start - start)
        start = new_start
    if bar is not None:
        bar.close()
    logger.debug("sphere exclusion: %d molecules in %d clusters at distance %.3g", n, clusters, cutoff)
    rows = np.arange(n)
    return pd.DataFrame(
        {
            "row": rows,
            "id": ids if ids is not None else rows,
            "cluster": cluster,
            "is_centroid": is_centroid,
        }
    )


def _assign(
    array: FingerprintArray,
    candidates: np.ndarray,
    segments: Any,
    params: SearchParams,
    cutoff: float,
    n_jobs: int | None,
    cluster: np.ndarray,
    is_centroid: np.ndarray,
    clusters: int,
) -> int:
    """Search a block of candidates, then take them in row order; returns the cluster count."""
    q, rows, scores = search_segments(array.take(candidates), segments, params, n_jobs=n_jobs)
    keep = (1.0 - scores) <= cutoff  # RDKit's test in float64, as in Butina and the pickers
    q, rows = q[keep], rows[keep]
    bounds = np.searchsorted(q, np.arange(len(candidates) + 1))
    for i, row in enumerate(candidates):
        if cluster[row] >= 0:  # joined the cluster of an earlier candidate of this block
            continue
        hits = rows[bounds[i] : bounds[i + 1]]
        hits = hits[cluster[hits] < 0]
        cluster[hits] = clusters
        cluster[row] = clusters
        is_centroid[row] = True
        clusters += 1
    return clusters


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from drugscreen.backends.progress import progress_bar

    return progress_bar(total=total, desc="sphere exclusion", unit=" mol")
