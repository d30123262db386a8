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
from typing import TYPE_CHECKING

import numpy as np

from drugscreen.similarity.segment import Segment

if TYPE_CHECKING:
    from drugscreen.similarity.engine import QueryBlock

#: Rows scored for the seed (spread over all segments in popcount order).
SAMPLE_ROWS = 16_384
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


def sample_positions(lengths: list[int], n_sample: int) -> list[np.ndarray]:
    """Evenly spaced positions in each segment, ``n_sample`` in all, in proportion to its length.

    Segments are popcount-sorted, so even spacing samples every popcount stratum.
    """
    total = sum(lengths)
    out = []
    for n in lengths:
        m = min(n, round(n_sample * n / total)) if total else 0
        out.append(np.unique(np.linspace(0, n - 1, m).astype(np.int64)) if m else np.zeros(0, np.int64))
    return out


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
    positions = sample_positions(lengths, SAMPLE_ROWS)
    parts = [seg.data[pos] for seg, pos in zip(segments, positions, strict=True) if len(pos)]
    pops = [seg.pop[pos] for seg, pos in zip(segments, positions, strict=True) if len(pos)]
    data = np.ascontiguousarray(np.concatenate(parts))
    sample = Segment(data, np.concatenate(pops), np.arange(len(data), dtype=np.int64))
    scores = qb.score(sample, 0, len(sample), np.empty((qb.n, len(sample))))
    n_sample = len(sample)
    # descending scores per query: the r-th best is column r - 1
    ranked = -np.sort(-scores, axis=1)
    safe = ranked[:, k - 1] if n_sample >= k else none
    rank = estimate_rank(k, n_sample, n_rows)
    estimate = ranked[:, rank - 1] if rank <= min(k, n_sample) else safe
    return np.maximum(estimate, threshold), np.maximum(safe, threshold)
