"""Metrics of property models over labels with gaps (NaN / masked), averaged over tasks.

One implementation for every model and every benchmark, so the figures compare like with
like: scikit-learn's per task, on the rows where that task has a label.
"""

from __future__ import annotations

import math

import numpy as np


def _columns(y: np.ndarray, pred: np.ndarray, mask: np.ndarray | None):
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    pred = np.asarray(pred, dtype=np.float64).reshape(len(pred), -1)
    mask = ~np.isnan(y) if mask is None else np.asarray(mask, dtype=bool).reshape(len(y), -1)
    for j in range(y.shape[1]):
        keep = mask[:, j] & ~np.isnan(pred[:, j])
        yield y[keep, j], pred[keep, j]


def mean_auroc(y: np.ndarray, score: np.ndarray, mask: np.ndarray | None = None) -> float:
    """ROC-AUC per task, averaged over tasks that have both classes (NaN if none has).

    >>> mean_auroc(np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.7, 0.2]))
    1.0
    """
    from sklearn.metrics import roc_auc_score

    values = [roc_auc_score(t, s) for t, s in _columns(y, score, mask) if len(np.unique(t)) == 2]
    return float(np.mean(values)) if values else math.nan


def mean_rmse(y: np.ndarray, pred: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Root-mean-square error per task, averaged over tasks.

    >>> mean_rmse(np.array([1.0, 2.0, np.nan]), np.array([1.0, 4.0, 0.0]))
    1.4142135623730951
    """
    values = [math.sqrt(np.mean((t - p) ** 2)) for t, p in _columns(y, pred, mask) if len(t)]
    return float(np.mean(values)) if values else math.nan


def mean_mae(y: np.ndarray, pred: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean absolute error per task, averaged over tasks."""
    values = [float(np.mean(np.abs(t - p))) for t, p in _columns(y, pred, mask) if len(t)]
    return float(np.mean(values)) if values else math.nan


def mean_r2(y: np.ndarray, pred: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Coefficient of determination per task, averaged over tasks."""
    from sklearn.metrics import r2_score

    values = [r2_score(t, p) for t, p in _columns(y, pred, mask) if len(t) > 1]
    return float(np.mean(values)) if values else math.nan


def mean_prc_auc(y: np.ndarray, score: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Average precision (area under the precision-recall curve) per task, averaged."""
    from sklearn.metrics import average_precision_score

    values = [average_precision_score(t, s) for t, s in _columns(y, score, mask) if len(np.unique(t)) == 2]
    return float(np.mean(values)) if values else math.nan


METRIC_FUNCTIONS = {
    "rmse": mean_rmse,
    "mae": mean_mae,
    "r2": mean_r2,
    "auroc": mean_auroc,
    "prc_auc": mean_prc_auc,
}
