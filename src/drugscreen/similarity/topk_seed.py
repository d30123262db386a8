"""Floors for top-k searches, seeded from a sample of the database before the scan.

Without a seed, each parallel chunk's heap starts empty and prunes only once it holds ``k``
pairs, at a floor far below the global k-th best (median 0.24 against 0.37 for the 100th
best of 1 M MOSES rows). Scoring an evenly spaced sample of rows first gives each query two
floors:

- ``safe``: the k-th best score in the sample. ``k`` real rows reach it, so the k-th best of
  the whole database is at least as high: pruning below it can never lose a hit.
- ``estimate``: the score at the rank where the sample expects to hold the database's k-th
  best, moved a few standard deviations towards the safe side. A pass pruned at it is exact
  whenever it finds ``k`` pairs (checked after the pass); a query that finds fewer is
  searched again at its safe floor.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from drugscreen.similarity.segment import Segment


class QueryBlock(Protocol):
    """What a seed needs of the engine's query block (a Protocol: the engine imports this
    module, so this module does not import the engine)."""

    n: int

    def score(self, seg: Segment, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray: ...


#: Rows scored for the seed (spread over all segments in popcount order), in runs of this many.
SAMPLE_ROWS = 16_384
SAMPLE_RUN = 256
#: Below this many rows a seed costs more than it saves.
MIN_ROWS = 50_000
#: The word-popcount bound (see ``bench_bounds.py``) is used by top-k only for blocks of at most
#: this many queries whose seeded floors all reach ``BOUND_MIN_SEED`` (it rejects ~90 % of the
#: pairs at 0.5 and pays for itself there; for query blocks it is neutral, as for thresholds).
BOUND_MAX_QUERIES = 3
BOUND_MIN_SEED = 0.5
#: Standard deviations of the sample count of top-k rows added to the estimate's rank: a query
#: is searched again only when its sample holds more top-k rows than this (about 1 in 1,000).
MARGIN_SD = 3.0


def sample_runs(lengths: list[int], n_sample: int) -> list[tuple[int, int, int]]:
    """``(segment, start, stop)`` slices of about ``n_sample`` rows in all: evenly spaced runs of
    ``SAMPLE_RUN`` rows in each segment (single rows in a small one), in proportion to its length.

    Segments are popcount-sorted, so even spacing samples every popcount stratum; runs of
    neighbouring rows are read as contiguous slices (a scattered gather from memory-mapped
    shards cost more than the scan it was meant to speed up).
    """
    total = sum(lengths)
    runs: list[tuple[int, int, int]] = []
    for i, n in enumerate(lengths):
        m = min(n, round(n_sample * n / total)) if total else 0
        if m == 0:
            continue
        run = SAMPLE_RUN if m >= SAMPLE_RUN else 1
        starts = np.unique(np.linspace(0, n - run, m // run).astype(np.int64))
        runs += [(i, int(start), int(start) + run) for start in starts]
    return runs


def estimate_rank(k: int, n_sample: int, n_rows: int) -> int:
    """Sample rank (1-based) whose score is, with high probability, below the k-th best.

    The number of the database's top-``k`` rows in a sample of ``n_sample`` of ``n_rows`` is
    binomial with mean ``mu = k * n_sample / n_rows``; the rank ``mu + MARGIN_SD * sd + 1``
    exceeds it except in the binomial's far tail.
    """
    p = n_sample / n_rows
    mu = k * p
    return max(1, math.ceil(mu + MARGIN_SD * math.sqrt(mu * (1.0 - p)) + 1.0))


def sample_floors(
    qb: QueryBlock, segments: list[Segment], k: int, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(estimate, safe)`` floors of the block's queries (``-inf`` where a sample cannot help)."""
    lengths = [len(seg) for seg in segments]
    n_rows = sum(lengths)
    none = np.full(qb.n, -np.inf)
    if n_rows < MIN_ROWS:
        return none, none
    runs = sample_runs(lengths, SAMPLE_ROWS)
    if not runs:
        return none, none
    data = np.ascontiguousarray(np.concatenate([segments[i].data[a:b] for i, a, b in runs]))
    pop = np.concatenate([segments[i].pop[a:b] for i, a, b in runs])
    sample = Segment(data, pop, np.arange(len(data), dtype=np.int64))
    n_sample = len(sample)
    if n_sample < k:
        return none, none
    scores = qb.score(sample, 0, n_sample, np.empty((qb.n, n_sample)))
    rank = estimate_rank(k, n_sample, n_rows)
    # the r-th best score is the (n - r)-th smallest: a partition, not a sort, per query
    kth = sorted({n_sample - k, n_sample - min(rank, k)})
    ranked = np.partition(scores, kth, axis=1)
    safe = ranked[:, n_sample - k]
    estimate = ranked[:, n_sample - min(rank, k)]
    return np.maximum(estimate, threshold), np.maximum(safe, threshold)
