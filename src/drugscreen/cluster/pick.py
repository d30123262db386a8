"""Diversity picking: MaxMin and the leader algorithm, identical to RDKit's pickers."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.cluster.butina import check_distance, fingerprints_and_ids
from drugscreen.cluster.rng import rdkit_first_pick
from drugscreen.errors import InputError
from drugscreen.validate import check_n_jobs, check_number

#: RDKit's pickers take a seed below this (a C ``int``).
SEED_LIMIT = 2**31


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
        Stop after ``n`` picks (default: all leaders; ``n=0`` gives none, where RDKit's
        ``pickSize=0`` means all).
    first_picks : sequence of int
        Rows picked first, without a test (an existing selection to extend).
    pool_size : int, optional
        Consider only the first ``pool_size`` rows.

    Raises
    ------
    InputError
        When ``threshold`` is not a number in ``[0, 1]``, ``n`` or ``pool_size`` is not a whole
        number from 0 to the pool size, ``first_picks`` are not distinct rows of the pool, or
        the fingerprints are counts (checked before any picking; NaN, infinities, strings and
        bools are refused).

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

    threshold = check_distance("threshold", threshold)
    for name, value in (("n", n), ("pool_size", pool_size)):
        if value is not None:
            _count(name, value, None)
    array, ids = fingerprints_and_ids(fps)
    _check_bits(array, "leader picking")
    total = len(array)
    pool = total if pool_size is None else _count("pool_size", pool_size, total)
    limit = pool if n is None else _count("n", n, pool)
    first = _first_picks(first_picks, pool)
    picks = np.empty(max(limit, 0), dtype=np.int64)
    data = np.ascontiguousarray(array.data[:pool])
    count = leader_pick(
        data, array.popcounts()[:pool], np.arange(pool, dtype=np.int64), first, float(threshold), limit, picks
    )
    rows = picks[:count]
    return pd.DataFrame({"pick": np.arange(count), "row": rows, "id": ids[rows] if ids is not None else rows})


def maxmin(
    fps: Any,
    n: int,
    *,
    seed: int | None = None,
    first_picks: Sequence[int] = (),
    existing: Any = None,
    threshold: float | None = None,
    pool_size: int | None = None,
    n_jobs: int | None = -1,
) -> pd.DataFrame:
    """Pick ``n`` diverse molecules by MaxMin: each pick is the one farthest from all picks so far.

    The first pick is drawn at random (RDKit's generator, so a seed gives RDKit's pick) unless
    ``first_picks`` or ``existing`` start the selection; then, repeatedly, the molecule whose
    Tanimoto distance to its nearest pick is largest is picked (the lowest row on ties).

    Parameters
    ----------
    fps : FingerprintArray or FingerprintDB
        The pool: binary fingerprints (a database is read in row order, with its ids).
    n : int
        Number of picks, ``first_picks`` included (at most the pool size).
    seed : int, optional
        Seed of the random first pick, the same number as RDKit's ``seed``: a whole number from
        0 to ``2**31 - 1`` (RDKit's C ``int``; others are refused, never wrapped); ``None``
        draws one. Not used when ``first_picks`` or ``existing`` start the selection.
    first_picks : sequence of int
        Pool rows picked first, in this order (RDKit's ``firstPicks``).
    existing : FingerprintArray, optional
        A selection the picks must be diverse from (e.g. compounds already bought): the new
        picks are the pool molecules farthest from ``existing`` and from each other. The result
        lists only pool rows; ``n`` counts only new picks.
    threshold : float, optional
        Stop early, before a pick whose distance to its nearest pick would be ``<= threshold``
        (RDKit's ``LazyBitVectorPickWithThreshold``).
    pool_size : int, optional
        Consider only the first ``pool_size`` rows.
    n_jobs : int
        Threads (-1 = all cores); the picks do not depend on it.

    Raises
    ------
    InputError
        Before any picking, when ``n`` or ``pool_size`` is not a whole number from 0 to the
        pool size, ``seed`` is outside ``[0, 2**31)``, ``threshold`` is not a number in
        ``[0, 1]``, ``n_jobs`` is not a whole number other than 0 (NaN, infinities, strings and
        bools are refused everywhere), ``first_picks`` are not distinct rows of the pool, or
        ``existing`` is not fingerprints of the pool's spec.

    Returns
    -------
    pandas.DataFrame
        ``pick, row, id, distance`` in pick order. ``distance`` is the pick's distance to its
        nearest earlier pick (NaN for the first and the given picks); it never increases, and
        its last value is the selection's radius. ``row`` equals RDKit's
        ``MaxMinPicker().LazyBitVectorPick(fps, pool_size, n, first_picks, seed)``.

    Notes
    -----
    RDKit's lazy algorithm (Ashton et al. 2002): each candidate keeps the smallest distance
    seen so far and how many picks it was compared with, and is only brought up to date when
    that bound could still beat the best candidate of the round. Rows are scanned in parallel
    chunks, and a popcount bound skips distances that cannot lower a candidate's bound. Memory
    is the fingerprints plus 17 bytes per molecule (with ``existing``, plus one copy of the
    fingerprints: pool and selection are joined into one array).

    References
    ----------
    Ashton, M. et al. Identification of diverse database subsets using property-based and
    fragment-based molecular descriptions. Quant. Struct.-Act. Relat. 21, 598-604 (2002).

    Examples
    --------
    >>> import drugscreen as ds
    >>> fps = ds.fingerprint(["CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O", "CC(=O)O"])
    >>> ds.cluster.maxmin(fps, 3, seed=42)["row"].tolist()
    [2, 3, 5]
    """
    from drugscreen.backends.parallel import numba_threads
    from drugscreen.kernels.pick_cpu import maxmin_pick

    # every option is checked before the fingerprints are read
    _count("n", n, None)
    if pool_size is not None:
        _count("pool_size", pool_size, None)
    seed = check_seed(seed)
    if threshold is not None:
        threshold = check_distance("threshold", threshold)
    n_jobs = check_n_jobs(n_jobs)
    array, ids = fingerprints_and_ids(fps)
    _check_bits(array, "MaxMin picking")
    total = len(array)
    pool = total if pool_size is None else _count("pool_size", pool_size, total)
    first = _first_picks(first_picks, pool)
    data = array.data[:pool]
    offset = 0
    if existing is not None:
        if not isinstance(existing, FingerprintArray):
            raise InputError(
                f"existing must be fingerprints (a FingerprintArray), got {type(existing).__name__}"
            )
        if existing.spec != array.spec:
            raise InputError(
                f"existing has other fingerprints ({existing.spec.label}) than the pool ({array.spec.label}): "
                "make both with the same spec"
            )
        offset = len(existing)
        data = np.concatenate([existing.data, data])
        first = np.concatenate([np.arange(offset, dtype=np.int64), first + offset])
    limit = _count("n", n, pool) + offset
    if limit <= len(first):
        first = first[:limit]
    elif len(first) == 0:
        draw = int(np.random.default_rng().integers(SEED_LIMIT)) if seed is None else seed
        first = np.array([rdkit_first_pick(draw, pool)], dtype=np.int64)
    data = np.ascontiguousarray(data)
    picks = np.empty(limit, dtype=np.int64)
    distances = np.empty(limit)
    pops = (
        np.concatenate([existing.popcounts(), array.popcounts()[:pool]])
        if offset
        else array.popcounts()[:pool]
    )
    with numba_threads(n_jobs) as threads:
        stop = -1.0 if threshold is None else float(threshold)
        count = maxmin_pick(data, pops, first, limit, stop, 8 * threads, picks, distances)
    rows = picks[offset:count] - offset
    return pd.DataFrame(
        {
            "pick": np.arange(len(rows)),
            "row": rows,
            "id": ids[rows] if ids is not None else rows,
            "distance": distances[offset:count],
        }
    )


def check_seed(seed: Any) -> int | None:
    """``seed`` if RDKit's pickers take it as it is: ``None`` or a whole number in ``[0, 2**31)``.

    RDKit's ``seed`` is a C ``int`` (larger values overflow there) whose negative values mean
    "draw one"; a seed that wrapped modulo ``2**32`` would silently repeat another seed's picks.
    """
    if seed is None:
        return None
    try:
        value = int(check_number("seed", seed, low=0, integer=True))
    except InputError:
        value = -1
    if not 0 <= value < SEED_LIMIT:
        raise InputError(
            f"seed must be a whole number from 0 to {SEED_LIMIT - 1} (RDKit's seed range) or None, got {seed!r}"
        )
    return value


def _check_bits(array: FingerprintArray, what: str) -> None:
    if array.spec.counts:
        raise InputError(f"{what} needs binary fingerprints; this spec is counts")


def _first_picks(first_picks: Sequence[int], pool: int) -> np.ndarray:
    if isinstance(first_picks, str | bytes) or not isinstance(first_picks, Iterable):
        raise InputError(f"first_picks must be a sequence of row numbers, got {first_picks!r}")
    given = list(first_picks)
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in given):
        raise InputError(f"first_picks must be row numbers (integers), got {given[:10]}")
    first = np.asarray(given, dtype=np.int64)
    if len(first) and (first.min() < 0 or first.max() >= pool or len(np.unique(first)) != len(first)):
        raise InputError(f"first_picks must be distinct rows below {pool}, got {list(first_picks)[:10]}")
    return first


def _count(name: str, value: Any, most: int | None) -> int:
    """``value`` if it is a whole number from 0 to ``most`` (no upper bound for None)."""
    try:
        count = int(check_number(name, value, low=0, integer=True))
    except InputError:
        count = -1
    if count < 0 or (most is not None and count > most):
        upper = f"from 0 to {most}" if most is not None else ">= 0"
        raise InputError(f"{name} must be a whole number {upper}, got {value!r}")
    return count
