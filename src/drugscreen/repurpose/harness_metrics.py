"""Ranking metrics of the repurposing harness: AUROC, AUPRC, per-disease AUROC, tie-fair hits.

Path-count baselines tie on many pairs, so hits and precisions count a tie group that straddles
the cut-off pro rata (their expectation under a random order): neither a model nor a baseline
gains from how ties happen to be broken. ``drugscreen.repurpose.harness`` uses these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from drugscreen.errors import InputError
from drugscreen.validate import check_number

#: Hits are counted in the top ``TOP_SHARE`` of the ranked pairs: Rephetio's 3,301 of 209,168.
TOP_SHARE = 3301 / 209_168

#: Precision is reported at these ranks.
PRECISION_AT = (10, 100)


def ranking_metrics(
    truth: np.ndarray,
    score: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    top: int | None = None,
    precision_at: Sequence[int] = PRECISION_AT,
) -> dict[str, float]:
    """AUROC, AUPRC, prevalence, mean per-group AUROC, precision at k and hits in the top N.

    Parameters
    ----------
    truth : ndarray of bool
        The labels of the ranked pairs.
    score : ndarray
        Higher = more likely; NaN ranks last.
    groups : ndarray, optional
        A group (disease) per pair for ``mean_group_auroc``: the mean AUROC over groups with
        at least one positive and one negative (NaN when there is none).
    top : int, optional
        N of ``hits_top``; default ``round(TOP_SHARE · n)``, at least 1.
    precision_at : sequence of int
        The k of ``precision_at_<k>``.

    Returns
    -------
    dict
        ``auroc, auprc, prevalence, mean_group_auroc, hits_top, top, precision_at_<k>...,
        n_positives, n_pairs``. Hits and precisions count a tie group straddling the cut-off
        pro rata.
    """
    truth = np.asarray(truth, dtype=bool).ravel()
    score = _finite(score).ravel()
    if truth.shape != score.shape:
        raise InputError(f"{truth.size} labels but {score.size} scores")
    n_pos = int(truth.sum())
    if n_pos == 0 or n_pos == truth.size:
        raise InputError("ranking metrics need at least one positive and one negative pair")
    n = truth.size
    top = max(1, round(TOP_SHARE * n)) if top is None else int(check_number("top", top, low=1, integer=True))
    out: dict[str, float] = {
        "auroc": float(roc_auc_score(truth, score)),
        "auprc": float(average_precision_score(truth, score)),
        "prevalence": n_pos / n,
        "mean_group_auroc": _mean_group_auroc(truth, score, groups),
        "top": float(min(top, n)),
        "hits_top": expected_hits(truth, score, top),
    }
    for k in precision_at:
        k = int(check_number("precision_at", k, low=1, integer=True))
        out[f"precision_at_{k}"] = expected_hits(truth, score, k) / min(k, n)
    out["n_positives"] = float(n_pos)
    out["n_pairs"] = float(n)
    return out


def expected_hits(truth: np.ndarray, score: np.ndarray, k: int) -> float:
    """Positives among the ``k`` best scores, a tie group at the cut-off counted pro rata."""
    truth = np.asarray(truth, dtype=bool).ravel()
    score = _finite(score).ravel()
    if truth.shape != score.shape:
        raise InputError(f"{truth.size} labels but {score.size} scores")
    k = min(int(check_number("k", k, low=0, integer=True)), score.size)
    if k <= 0:
        return 0.0
    threshold = np.partition(score, score.size - k)[score.size - k]
    above = score > threshold
    tied = score == threshold
    room = k - int(above.sum())
    return float(truth[above].sum() + room * truth[tied].sum() / tied.sum())


def _finite(score: np.ndarray) -> np.ndarray:
    """Scores as float64 with NaN below every number and infinities clipped to the finite range."""
    lowest = -np.finfo(np.float64).max
    return np.nan_to_num(np.asarray(score, dtype=np.float64), nan=lowest, neginf=-1e300, posinf=1e300)


def _mean_group_auroc(truth: np.ndarray, score: np.ndarray, groups: np.ndarray | None) -> float:
    if groups is None:
        return float("nan")
    groups = np.asarray(groups).ravel()
    if groups.shape != truth.shape:
        raise InputError(f"{groups.size} groups for {truth.size} pairs")
    values = []
    for group in np.unique(groups):
        mask = groups == group
        n_pos = truth[mask].sum()
        if 0 < n_pos < mask.sum():
            values.append(roc_auc_score(truth[mask], score[mask]))
    return float(np.mean(values)) if values else float("nan")
