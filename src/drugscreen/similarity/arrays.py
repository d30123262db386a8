"""Search of in-memory fingerprint arrays (the database's search without the database)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from drugscreen.backends.parallel import resolve_backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.similarity.dispatch import run_search
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.queries import as_fingerprints, require_fingerprint_array
from drugscreen.similarity.segment import Segment


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
        As in :meth:`drugscreen.FingerprintDB.search` (``device="cuda"`` copies ``targets``
        to the GPU for this call; keep a large set resident with a database's ``to_device``).

    Returns
    -------
    pandas.DataFrame
        ``query`` (position), ``id`` and ``row`` (both the target's position) and ``score``,
        sorted by query, score descending, row.

    Examples
    --------
    >>> import drugscreen as ds
    >>> targets = ds.fingerprint(["CCO", "CCCO", "c1ccccc1"])
    >>> ds.search(["CCO"], targets, threshold=0.5)
       query  id  row     score
    0      0   0    0  1.000000
    1      0   1    1  0.555556
    """
    backend = resolve_backend(device, n_jobs)
    targets = require_fingerprint_array(targets, "targets")
    params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta, fusion=fusion)
    qfps = as_fingerprints(queries, targets.spec)
    q, r, s = run_search(qfps, [Segment.from_array(targets)], params, backend)
    return pd.DataFrame({"query": q, "id": r, "row": r, "score": s})
