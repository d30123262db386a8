"""Calibration and uncertainty metrics: conformal intervals, Platt and isotonic scaling,
coverage, miscalibration area, expected calibration error.

Plain NumPy (and scikit-learn for the two fits) on arrays of one task; the estimators call
these per task, and their parameters are stored as JSON lists in a model's config.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import norm


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """The split-conformal quantile of nonconformity ``scores`` for miscoverage ``alpha``:
    the ``ceil((n + 1)(1 - alpha))``-th smallest score (infinite when n is too small).

    >>> conformal_quantile(np.arange(1.0, 20.0), 0.1)
    18.0
    """
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    scores = scores[~np.isnan(scores)]
    rank = math.ceil((len(scores) + 1) * (1 - alpha))
    if rank > len(scores):
        return math.inf  # too few scores for this coverage: only an infinite interval is valid
    return 0.0 if rank < 1 else float(scores[rank - 1])


def coverage(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of labels inside their interval (labels that are NaN are left out)."""
    y = np.asarray(y, dtype=np.float64)
    keep = ~np.isnan(y)
    return float(np.mean((y[keep] >= lower[keep]) & (y[keep] <= upper[keep]))) if keep.any() else math.nan


def miscalibration_area(y: np.ndarray, mean: np.ndarray, std: np.ndarray, n_levels: int = 100) -> float:
    """Mean absolute gap between expected and observed coverage of Gaussian central intervals
    ``mean +- z std`` over confidence levels in (0, 1): 0 is perfectly calibrated, 0.5 worst.

    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=20000)
    >>> round(miscalibration_area(y, np.zeros_like(y), np.ones_like(y)), 2)
    0.0
    """
    y, mean, std = (np.asarray(a, dtype=np.float64) for a in (y, mean, std))
    keep = ~(np.isnan(y) | np.isnan(mean) | np.isnan(std))
    if not keep.any():
        return math.nan
    z = np.abs(y[keep] - mean[keep]) / np.maximum(std[keep], 1e-12)
    levels = np.linspace(0, 1, n_levels + 1)[1:-1]
    observed = np.array([np.mean(z <= norm.ppf(0.5 + p / 2)) for p in levels])
    return float(np.mean(np.abs(observed - levels)))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """ECE of binary probabilities: the bin-size-weighted gap between mean probability and
    observed frequency over ``n_bins`` equal-width bins.

    >>> expected_calibration_error(np.array([0, 1, 1, 0]), np.array([0.0, 1.0, 1.0, 0.0]))
    0.0
    """
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    keep = ~(np.isnan(y) | np.isnan(p))
    y, p = y[keep], p[keep]
    if not len(y):
        return math.nan
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        inside = bins == b
        total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return float(total / len(y))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def fit_platt(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Platt scaling: a logistic regression on the logit of ``p``; ``{"a", "b"}``."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6).fit(_logit(p).reshape(-1, 1), y.astype(int))
    return {"a": float(fit.coef_[0, 0]), "b": float(fit.intercept_[0])}


def apply_platt(params: dict[str, float], p: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(params["a"] * _logit(p) + params["b"])))


def fit_isotonic(y: np.ndarray, p: np.ndarray) -> dict[str, list[float]]:
    """Isotonic regression of labels on ``p``; its step function as ``{"x", "y"}``."""
    from sklearn.isotonic import IsotonicRegression

    fit = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    return {"x": fit.X_thresholds_.tolist(), "y": fit.y_thresholds_.tolist()}


def apply_isotonic(params: dict[str, Any], p: np.ndarray) -> np.ndarray:
    return np.interp(p, params["x"], params["y"])
