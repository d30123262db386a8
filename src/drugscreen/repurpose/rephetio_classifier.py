"""The classifier of a Rephetio-style model: metapath selection, C by one standard error, the fit.

Standardised features, a logistic regression (ridge by L-BFGS or elastic net by saga), the
metapaths kept by their own training AUROC and ``C`` chosen by Rephetio's ``lambda.1se`` rule.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger("drugscreen")

#: Inverse regularisation strengths tried when ``C=None`` (3-fold AUROC, one-standard-error rule).
C_GRID = (0.01, 0.03, 0.1, 0.3)


@dataclass
class FittedClassifier:
    """The selected feature columns, their scaler and the fitted logistic regression."""

    columns: np.ndarray
    scaler: StandardScaler
    model: LogisticRegression
    C: float
    #: Optional boosted trees on all columns; their log-odds are averaged with the linear model's.
    trees: Any = None

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of each row of the full feature matrix ``x``."""
        linear = self.model.decision_function(self.scaler.transform(x[:, self.columns]))
        if self.trees is None:
            return np.asarray(linear)
        return np.asarray(0.5 * linear + 0.5 * self.trees.decision_function(x))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probability of the positive class for each row of ``x``."""
        return np.asarray(expit(self.decision_function(x)))


def column_aurocs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """AUROC of every column of ``x`` as a score for ``y`` (ties count one half), by ranks."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    ranks = rankdata(x, axis=0)
    return (ranks[y].sum(axis=0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def select_columns(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], max_metapaths: int | None
) -> np.ndarray:
    """Feature columns kept: the ``max_metapaths`` DWPC columns of best training AUROC and all others."""
    is_dwpc = np.array([n.startswith("dwpc_") for n in names])
    columns = np.arange(len(names))
    if max_metapaths is not None and is_dwpc.sum() > max_metapaths:
        dwpc_columns = columns[is_dwpc]
        aurocs = column_aurocs(x[:, dwpc_columns], y.astype(bool))
        keep = np.sort(dwpc_columns[np.argsort(-aurocs, kind="stable")[:max_metapaths]])
        columns = np.concatenate([keep, columns[~is_dwpc]])
    return columns


def choose_c(
    xs: np.ndarray, y: np.ndarray, Cs: Sequence[float], make: Callable[[float], LogisticRegression], seed: int
) -> float:
    """The most regularised C whose 3-fold AUROC is within one standard error of the best.

    Rephetio's ``lambda.1se``: a model chosen for out-of-sample ranking rather than for the
    last digit of the training folds. ``make(C)`` gives the classifier; along each fold's path
    the solver starts from the previous (more regularised) solution, which makes the whole
    path cost little more than one fit.
    """
    n_splits = min(3, int(y.sum()), int((1 - y).sum()))
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    grid = sorted(float(c) for c in Cs)
    scores = np.empty((n_splits, len(grid)))
    for f, (train, test) in enumerate(folds.split(xs, y)):
        model = make(grid[0]).set_params(warm_start=True)
        for i, C in enumerate(grid):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.set_params(C=C).fit(xs[train], y[train])
            scores[f, i] = roc_auc_score(y[test], model.decision_function(xs[test]))
    mean = scores.mean(axis=0)
    error = scores.std(axis=0, ddof=1) / np.sqrt(n_splits) if n_splits > 1 else np.zeros(len(grid))
    best = int(np.argmax(mean))
    chosen = grid[int(np.flatnonzero(mean >= mean[best] - error[best])[0])]
    logger.info(
        "rephetio: C = %g (one standard error below the best; 3-fold AUROC %s at C = %s)",
        chosen,
        ", ".join(f"{m:.3f}" for m in mean),
        ", ".join(f"{c:g}" for c in grid),
    )
    return chosen
