"""Building the panel: scaffold-grouped cross-validation of every candidate, per endpoint.

Used by ``tools/build_admet_panel.py`` (the one script that makes the shipped files); nothing
here runs when the panel predicts. Each endpoint's candidates are cross-validated on the same
scaffold-grouped folds; the shipped model is the chosen candidate's fold models (an ensemble
of five, each trained on four folds), so its out-of-fold predictions are also what calibrates
the conformal interval and the applicability-domain threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drugscreen.admet.endpoints import Endpoint

logger = logging.getLogger("drugscreen")

#: The LightGBM settings of the shippable candidates. ``lgbm`` is a general setting; ``lgbm_small``
#: is more regularised (smaller trees, more column sampling) for the sets of a few hundred rows.
LGBM_CANDIDATES: dict[str, dict[str, Any]] = {
    "lgbm": {
        "n_estimators": 300,
        "learning_rate": 0.06,
        "num_leaves": 31,
        "min_child_samples": 20,
        "colsample_bytree": 0.2,
        "subsample": 0.8,
        "subsample_freq": 1,
        "reg_lambda": 1.0,
    },
    "lgbm_small": {
        "n_estimators": 400,
        "learning_rate": 0.03,
        "num_leaves": 15,
        "min_child_samples": 10,
        "colsample_bytree": 0.2,
        "subsample": 0.8,
        "subsample_freq": 1,
        "reg_lambda": 5.0,
    },
}
#: ``lgbm_small`` is a candidate only for endpoints with fewer training rows than this.
SMALL_SET = 2_000
#: Folds of the scaffold-grouped cross-validation.
N_FOLDS = 5
#: Coverage of the regression endpoints' conformal interval.
INTERVAL_COVERAGE = 0.9


def tdc_metric(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    """TDC's metric: AUROC, AUPRC (``average_precision_score``), MAE or Spearman's rho."""
    from scipy.stats import spearmanr
    from sklearn.metrics import average_precision_score, mean_absolute_error, roc_auc_score

    if metric == "auroc":
        return float(roc_auc_score(y, pred))
    if metric == "auprc":
        return float(average_precision_score(y, pred))
    if metric == "mae":
        return float(mean_absolute_error(y, pred))
    if metric == "spearman":
        return float(spearmanr(y, pred).statistic)
    raise ValueError(f"unknown metric {metric!r}")


def scaffold_folds(scaffolds: list[str], n_folds: int = N_FOLDS, seed: int = 0) -> np.ndarray:
    """``int[n]`` fold of each molecule; molecules sharing a Bemis-Murcko scaffold share a fold.

    Scaffold groups, largest first (ties in a seeded random order), go one by one to the fold
    with the fewest molecules so far: folds of near-equal size, none sharing a scaffold.
    """
    keys, inverse, counts = np.unique(
        np.asarray(scaffolds, dtype=object), return_inverse=True, return_counts=True
    )
    tiebreak = np.random.default_rng(seed).permutation(len(keys))
    order = np.lexsort((tiebreak, -counts))
    sizes = np.zeros(n_folds, dtype=np.int64)
    group_fold = np.empty(len(keys), dtype=np.int64)
    for g in order:
        fold = int(np.argmin(sizes))
        group_fold[g] = fold
        sizes[fold] += counts[g]
    return group_fold[inverse]


def to_model_space(endpoint: Endpoint, y: np.ndarray) -> np.ndarray:
    """Labels as the model learns them (log10 for the Spearman endpoints)."""
    return np.log10(y) if endpoint.log10 else y


def from_model_space(endpoint: Endpoint, values: np.ndarray) -> np.ndarray:
    """Model outputs in the endpoint's units."""
    return np.power(10.0, values) if endpoint.log10 else values


def make_lgbm(endpoint: Endpoint, params: dict[str, Any], seed: int, n_jobs: int) -> Any:
    """An unfitted LightGBM model, deterministic for a given seed and thread count."""
    import lightgbm

    cls = lightgbm.LGBMClassifier if endpoint.task == "binary" else lightgbm.LGBMRegressor
    return cls(
        **params,
        random_state=seed,
        n_jobs=n_jobs,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


def make_baseline(endpoint: Endpoint, seed: int) -> Any:
    """The fingerprint baseline's estimator (``FingerprintModel`` defaults): scikit-learn's
    histogram gradient boosting, 300 rounds."""
    from sklearn import ensemble

    if endpoint.task == "binary":
        return ensemble.HistGradientBoostingClassifier(max_iter=300, random_state=seed)
    return ensemble.HistGradientBoostingRegressor(max_iter=300, random_state=seed)


#: Lines of LightGBM's model text that prediction never reads (split gains, node weights and
#: counts; ``tree_sizes`` indexes the full text, so it goes with them).
_UNUSED_MODEL_LINES = (
    "split_gain=",
    "internal_value=",
    "internal_weight=",
    "internal_count=",
    "leaf_weight=",
    "leaf_count=",
    "tree_sizes=",
)


def compact_model_string(booster: Any) -> str:
    """LightGBM's model text without what prediction does not use (about 40 % smaller; the
    predictions are bit-identical, which the tests check) and without the parameter and
    feature-importance trailer."""
    text = booster.model_to_string()
    cut = text.find("\nfeature_importances:")
    if cut > 0:
        text = text[:cut] + "\n"
    return "\n".join(line for line in text.split("\n") if not line.startswith(_UNUSED_MODEL_LINES))


def _score(model: Any, endpoint: Endpoint, X: np.ndarray) -> np.ndarray:
    if endpoint.task == "binary":
        return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64)


@dataclass
class CandidateResult:
    """One candidate's cross-validation on one endpoint."""

    name: str
    oof: np.ndarray  # out-of-fold prediction, model space (probability for binary)
    fold_metrics: list[float]
    overall: float  # the metric of all out-of-fold predictions together
    members: list[Any] = field(default_factory=list)  # fitted fold models (shippable ones)

    @property
    def mean(self) -> float:
        return float(np.mean(self.fold_metrics))

    @property
    def sd(self) -> float:
        return float(np.std(self.fold_metrics, ddof=1)) if len(self.fold_metrics) > 1 else 0.0


def cross_validate(
    endpoint: Endpoint,
    make: Callable[[int], Any],
    X: np.ndarray,
    y_model: np.ndarray,
    y_true: np.ndarray,
    folds: np.ndarray,
    name: str,
    seed: int = 0,
    keep_members: bool = True,
) -> CandidateResult:
    """Fit ``make(seed + fold)`` on all folds but one, predict that one, for every fold.

    The metric is computed in the endpoint's units against ``y_true`` (Spearman is unchanged
    by the log10).
    """
    oof = np.full(len(y_model), np.nan)
    members: list[Any] = []
    fold_metrics: list[float] = []
    for fold in range(int(folds.max()) + 1):
        test = folds == fold
        model = make(seed + fold).fit(X[~test], y_model[~test])
        oof[test] = _score(model, endpoint, X[test])
        pred = oof[test] if endpoint.task == "binary" else from_model_space(endpoint, oof[test])
        if endpoint.task != "binary" or len(np.unique(y_true[test])) == 2:
            fold_metrics.append(tdc_metric(endpoint.metric, y_true[test], pred))
        if keep_members:
            members.append(model)
    pred_all = oof if endpoint.task == "binary" else from_model_space(endpoint, oof)
    overall = tdc_metric(endpoint.metric, y_true, pred_all)
    return CandidateResult(name, oof, fold_metrics, overall, members)


def domain_threshold(similarity: np.ndarray, error: np.ndarray, min_share: float = 0.05) -> dict[str, float]:
    """The nearest-neighbour similarity that best separates large cross-validation errors from
    small ones (a regression stump on the per-molecule error), and the errors either side.

    Candidate cut-offs are the similarity values at which at least ``min_share`` of the
    molecules lie on each side; the chosen one minimises the within-group squared error. A
    molecule whose nearest training molecule is less similar than the cut-off is flagged out
    of domain.
    """
    order = np.argsort(similarity, kind="stable")
    s, e = similarity[order], error[order]
    n = len(s)
    lo = max(1, int(np.ceil(min_share * n)))
    csum, csq = np.cumsum(e), np.cumsum(e * e)
    best, best_i = np.inf, lo
    for i in range(lo, n - lo + 1):
        if s[i] == s[i - 1]:
            continue  # a cut-off cannot split tied similarities
        left = csq[i - 1] - csum[i - 1] ** 2 / i
        right = (csq[-1] - csq[i - 1]) - (csum[-1] - csum[i - 1]) ** 2 / (n - i)
        if left + right < best:
            best, best_i = left + right, i
    cut = float(s[best_i])
    inside = similarity >= cut
    return {
        "threshold": cut,
        "share_out": float((~inside).mean()),
        "error_in": float(error[inside].mean()) if inside.any() else float("nan"),
        "error_out": float(error[~inside].mean()) if (~inside).any() else float("nan"),
    }
