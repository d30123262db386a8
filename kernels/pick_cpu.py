"""Diversity-picking kernels (numba): the leader algorithm over packed binary fingerprints.

Same decisions as RDKit's ``LeaderPicker.LazyBitVectorPick``: molecules are taken in order, and
one becomes a leader when its Tanimoto distance ``1 - c / (a + b - c)`` (float64, RDKit's
formula) to every leader so far is greater than the threshold.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from drugscreen.kernels.popcount import popcount64


@njit(cache=True)
def leader_pick(fps, pop, order, first, threshold, limit, picks):  # type: ignore[no-untyped-def]
    """Leaders among ``order`` (positions of ``fps``), after the ``first`` leaders given.

    Writes leaders to ``picks`` (capacity ``limit``) and returns how many. ``first`` positions
    are leaders without a test and are skipped in ``order``.
    """
    n_words = fps.shape[1]
    count = 0
    skip = np.zeros(fps.shape[0], dtype=np.bool_)
    for f in first:
        if count >= limit:
            return count
        picks[count] = f
        skip[f] = True
        count += 1
    for i in order:
        if count >= limit:
            break
        if skip[i]:
            continue
        a = pop[i]
        is_leader = True
        for t in range(count):
            j = picks[t]
            b = pop[j]
            # the similarity is at most min/max popcount: if even that is far enough, skip the
            # words (exact: division and subtraction are monotone in floating point)
            lo = a if a < b else b
            hi = b if a < b else a
            if hi > 0 and 1.0 - lo / hi > threshold:
                continue
            c = 0
            for w in range(n_words):
                c += popcount64(fps[i, w] & fps[j, w])
            union = a + b - c
            sim = c / union if union > 0 else 0.0
            if not 1.0 - sim > threshold:
                is_leader = False
                break
        if is_leader:
            picks[count] = i
            count += 1
    return count
