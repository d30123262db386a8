"""Virtual-screening metrics over a ranked list of labels (numba).

Each loop runs in the order and with the operations of ``rdkit.ML.Scoring.Scoring`` (sequential
float64 sums, the same divisions), so the results equal RDKit's to the bit on the same ranked
list; vectorised NumPy sums (pairwise) would differ in the last digits.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def roc_auc_ranked(active):  # type: ignore[no-untyped-def]
    """Area under the ROC curve of labels in ranked order (best first), RDKit's trapezoids."""
    n = active.shape[0]
    n_act = 0
    for i in range(n):
        if active[i]:
            n_act += 1
    n_inact = n - n_act
    auc = 0.0
    tp_prev = 0
    fp_prev = 0
    for i in range(n):
        tp = tp_prev + (1 if active[i] else 0)
        fp = fp_prev + (0 if active[i] else 1)
        if i > 0:
            tpr0 = 1.0 * tp_prev / n_act if n_act > 0 else float(tp_prev)
            tpr1 = 1.0 * tp / n_act if n_act > 0 else float(tp)
            fpr0 = 1.0 * fp_prev / n_inact if n_inact > 0 else float(fp_prev)
            fpr1 = 1.0 * fp / n_inact if n_inact > 0 else float(fp)
            auc += (fpr1 - fpr0) * (tpr1 + tpr0)
        tp_prev = tp
        fp_prev = fp
    return 0.5 * auc


@njit(cache=True)
def rie_sum(active, alpha):  # type: ignore[no-untyped-def]
    """``(sum of exp(-alpha * rank / n) over actives, number of actives)``, ranks from 1."""
    n = active.shape[0]
    total = 0.0
    n_act = 0
    for i in range(n):
        if active[i]:
            n_act += 1
            total += math.exp(-(alpha * (i + 1)) / n)
    return total, n_act


@njit(cache=True)
def actives_in_top(active, counts):  # type: ignore[no-untyped-def]
    """Actives among the first ``counts[j]`` ranks, for each ``j`` (``counts`` ascending)."""
    out = np.zeros(counts.shape[0], dtype=np.int64)
    seen = 0
    j = 0
    for i in range(active.shape[0] + 1):
        while j < counts.shape[0] and counts[j] == i:
            out[j] = seen
            j += 1
        if i < active.shape[0] and active[i]:
            seen += 1
    return out
