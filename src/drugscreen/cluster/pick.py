"""Diversity picking: the leader algorithm (sphere exclusion in input order), identical to RDKit."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.cluster.butina import fingerprints_and_ids
from drugscreen.errors import InputError


def leader(
    fps: Any,
    threshold: float,
    *,
    n: int | None = None,
    first_picks: Sequence[int] = (),
    pool_size: int | None = None,
) -> pd.DataFrame:
    """Pick leaders: molecules farther than ``threshold`` from every earlier pick.

    Molecules are considered in row order; one is picked when its Tanimoto distance
    (``1 - similarity``) to every molecule picked so far is greater than ``threshold``. The
    picks are a diverse subset whose members are all more than ``threshold`` apart, and every
    other molecule lies within ``threshold`` of some pick.

    Parameters
    ----------
    fps : FingerprintArray or FingerprintDB
        Binary fingerprints (a database is read in row order, with its ids).
    threshold : float
        Distance in ``[0, 1]``.
    n : int, optional
        Stop after ``n`` picks (default: all leaders).
    first_picks : sequence of int
        Rows picked first, without a test (an existing selection to extend).
    pool_size : int, optional
        Consider only the first ``pool_size`` rows.

    Returns
    -------
    pandas.DataFrame
        ``pick, row, id`` in pick order; equal to ``rdkit.SimDivFilters.LeaderPicker()
        .LazyBitVectorPick(fps, pool_size, threshold, n, first_picks)`` on the same fingerprints.

    Notes
    -----
    Each molecule is compared with the picks so far, skipping those whose popcounts alone put
    them far enough: the cost is ``O(rows x picks)`` word operations at worst. Empty
    fingerprints have similarity 0 to everything, so each is a leader (at threshold 0 RDKit
    2026.09 instead returns the first empty one repeatedly).

    Examples
    --------
    >>> import drugscreen as ds
    >>> fps = ds.fingerprint(["CCO", "CCCO", "c1ccccc1", "c1ccccc1O"])
    >>> ds.cluster.leader(fps, 0.6)["row"].tolist()
    [0, 2, 3]
    """
    from drugscreen.kernels.pick_cpu import leader_pick

    array, ids = fingerprints_and_ids(fps)
    if array.spec.counts:
        raise InputError("leader picking needs binary fingerprints; this spec is counts")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be a distance in [0, 1], got {threshold!r}")
    total = len(array)
    pool = total if pool_size is None else _count("pool_size", pool_size, total)
    limit = pool if n is None else _count("n", n, pool)
    first = np.asarray(list(first_picks), dtype=np.int64)
    if len(first) and (first.min() < 0 or first.max() >= pool or len(np.unique(first)) != len(first)):
        raise InputError(f"first_picks must be distinct rows below {pool}, got {list(first_picks)[:10]}")
    picks = np.empty(max(limit, 0), dtype=np.int64)
    data = np.ascontiguousarray(array.data[:pool])
    count = leader_pick(
        data, array.popcounts()[:pool], np.arange(pool, dtype=np.int64), first, float(threshold), limit, picks
    )
    rows = picks[:count]
    return pd.DataFrame({"pick": np.arange(count), "row": rows, "id": ids[rows] if ids is not None else rows})


def _count(name: str, value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= int(value) <= most:
        raise InputError(f"{name} must be a whole number from 0 to {most}, got {value!r}")
    return int(value)
