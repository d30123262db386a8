"""Early-recognition metrics of a virtual screen: AUROC, enrichment factor, BEDROC, RIE.

Every metric ranks the molecules by score (higher is better) and then computes exactly what
``rdkit.ML.Scoring.Scoring`` computes on that ranked list (the same formulas, operation order
and float64 arithmetic, in :mod:`drugscreen.kernels.vs_cpu`), so the values are equal to RDKit's.

Ties
----
Molecules with equal scores have no natural order, and early-recognition metrics depend on it.
``ties`` says which order to use:

``"stable"`` (default)
    Input order among equal scores: what RDKit returns for the list sorted by a stable sort.
``"pessimistic"``
    Inactives before actives among equal scores (a lower bound of the metric).
``"optimistic"``
    Actives before inactives (an upper bound).
``"average"``
    AUROC only: the Mann–Whitney statistic, counting each tied active–inactive pair as one half
    (what ``sklearn.metrics.roc_auc_score`` returns); it does not depend on the input order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from drugscreen.errors import InputError

TIES = ("stable", "pessimistic", "optimistic")


def _inputs(scores: Any, labels: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    s = np.asarray(scores, dtype=np.float64).ravel()
    raw = np.asarray(labels).ravel()
    if len(s) != len(raw):
        raise InputError(f"scores has {len(s)} values but labels has {len(raw)}")
    if len(s) == 0:
        raise InputError("scores is empty: a metric needs at least one ranked molecule")
    if np.isnan(s).any():
        raise InputError(f"scores has {int(np.isnan(s).sum())} NaN values; drop or fill them first")
    if raw.dtype != bool and not np.isin(raw, (0, 1)).all():
        raise InputError("labels must be booleans or 0/1 (1 = active)")
    return s, raw.astype(bool)


def ranked_labels(scores: Any, labels: Any, ties: str = "stable") -> npt.NDArray[np.bool_]:
    """Labels in ranked order: score descending, equal scores ordered by ``ties``.

    Examples
    --------
    >>> ranked_labels([0.9, 0.5, 0.9], [0, 1, 1]).tolist()
    [False, True, True]
    >>> ranked_labels([0.9, 0.5, 0.9], [0, 1, 1], ties="optimistic").tolist()
    [True, False, True]
    """
    s, y = _inputs(scores, labels)
    if ties not in TIES:
        raise InputError(f"unknown tie rule {ties!r}; choose one of {', '.join(TIES)}")
    if ties == "stable":
        return y[np.argsort(-s, kind="stable")]
    keys: list[Any] = [np.arange(len(s))]
    if ties == "pessimistic":
        keys.append(y)  # False (inactive) sorts first
    elif ties == "optimistic":
        keys.append(~y)
    keys.append(-s)
    return y[np.lexsort(keys)]


def auroc(scores: Any, labels: Any, ties: str = "stable") -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    scores : array_like
        Higher means more likely active.
    labels : array_like of bool or {0, 1}
        1 (True) for actives.
    ties : {"stable", "pessimistic", "optimistic", "average"}
        Order of molecules with equal scores (see the module docstring).

    Returns
    -------
    float
        Equal to ``rdkit.ML.Scoring.Scoring.CalcAUC`` on the ranked list (``"average"``:
        the Mann–Whitney value).

    Examples
    --------
    >>> auroc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    0.75
    """
    from drugscreen.kernels.vs_cpu import roc_auc_ranked

    if ties == "average":
        s, y = _inputs(scores, labels)
        n_act, n_inact = int(y.sum()), int((~y).sum())
        if n_act == 0 or n_inact == 0:
            raise InputError("AUROC with ties='average' needs at least one active and one inactive")
        from scipy.stats import rankdata

        ranks = rankdata(s)  # average ranks of ties, ascending scores
        return float((ranks[y].sum() - n_act * (n_act + 1) / 2) / (n_act * n_inact))
    return float(roc_auc_ranked(ranked_labels(scores, labels, ties)))


def ranked_enrichment(y: npt.NDArray[np.bool_], fractions: npt.NDArray[np.float64]) -> list[float]:
    """Enrichment factors of labels already in ranked order (see :func:`enrichment_factor`)."""
    from drugscreen.kernels.vs_cpu import actives_in_top

    n = len(y)
    m = np.array([max(1, math.ceil(n * f)) for f in fractions], dtype=np.int64)
    order = np.argsort(m, kind="stable")
    found = np.empty(len(m), dtype=np.int64)
    found[order] = actives_in_top(y, m[order])
    n_act = int(y.sum())
    return [0.0 if n_act == 0 else (1.0 * int(a) * n / int(k)) / n_act for a, k in zip(found, m, strict=True)]


def ranked_rie(y: npt.NDArray[np.bool_], alpha: float) -> tuple[float, int]:
    """RIE of labels already in ranked order, and the number of actives."""
    from drugscreen.kernels.vs_cpu import rie_sum

    n = len(y)
    total, n_act = rie_sum(y, alpha)
    if n_act == 0:
        return 0.0, 0
    denom = 1.0 / n * ((1 - math.exp(-alpha)) / (math.exp(alpha / n) - 1))
    return total / (n_act * denom), int(n_act)


def ranked_bedroc(y: npt.NDArray[np.bool_], alpha: float) -> float:
    """BEDROC of labels already in ranked order (see :func:`bedroc`)."""
    value, n_act = ranked_rie(y, alpha)
    if n_act == 0:
        return 0.0
    ratio = 1.0 * n_act / len(y)
    rie_max = (1 - math.exp(-alpha * ratio)) / (ratio * (1 - math.exp(-alpha)))
    rie_min = (1 - math.exp(alpha * ratio)) / (ratio * (1 - math.exp(alpha)))
    if rie_max == rie_min:
        return 1.0
    return (value - rie_min) / (rie_max - rie_min)


def enrichment_factor(
    scores: Any, labels: Any, fraction: float | Sequence[float], ties: str = "stable"
) -> Any:
    """Enrichment factor in the top ``fraction`` of the ranking.

    ``EF(f) = (actives in the top m / m) / (actives / n)`` with ``m = ceil(n f)`` (at least 1),
    as ``rdkit.ML.Scoring.Scoring.CalcEnrichment``. 0 when there is no active.

    Parameters
    ----------
    scores, labels, ties
        As in :func:`auroc` (``ties`` without ``"average"``).
    fraction : float or sequence of float
        In ``(0, 1]``.

    Returns
    -------
    float or list of float
        One value per fraction given.

    Examples
    --------
    >>> enrichment_factor([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], 0.25)
    2.0
    """
    single = np.ndim(fraction) == 0
    fractions = np.atleast_1d(np.asarray(fraction, dtype=np.float64))
    if len(fractions) == 0 or ((fractions <= 0) | (fractions > 1)).any():
        raise InputError(f"fractions must be in (0, 1], got {fraction!r}")
    out = ranked_enrichment(ranked_labels(scores, labels, ties), fractions)
    return out[0] if single else out


def rie(scores: Any, labels: Any, alpha: float = 20.0, ties: str = "stable") -> float:
    """Robust initial enhancement (Sheridan et al. 2001), as ``CalcRIE``.

    Examples
    --------
    >>> round(rie([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], alpha=1.0), 6)
    1.124353
    """
    value, _ = ranked_rie(ranked_labels(scores, labels, ties), _alpha(alpha))
    return value


def bedroc(scores: Any, labels: Any, alpha: float = 20.0, ties: str = "stable") -> float:
    """Boltzmann-enhanced discrimination of ROC (Truchon & Bayly 2007), as ``CalcBEDROC``.

    ``alpha = 20`` weights the first ~8 % of the ranking (80 % of the score).

    Examples
    --------
    >>> bedroc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])
    1.0
    """
    return ranked_bedroc(ranked_labels(scores, labels, ties), _alpha(alpha))


def _alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not alpha > 0:
        raise InputError(f"alpha must be a number greater than 0, got {alpha!r}")
    return float(alpha)


def roc_curve(scores: Any, labels: Any, ties: str = "stable") -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates down the ranking, from ``(0, 0)`` to ``(1, 1)``.

    The trapezoids under these points are :func:`auroc` with the same ``ties``.

    Examples
    --------
    >>> fpr, tpr = roc_curve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    y = ranked_labels(scores, labels, ties)
    n_act, n_inact = int(y.sum()), int((~y).sum())
    if n_act == 0 or n_inact == 0:
        raise InputError("a ROC curve needs at least one active and one inactive")
    tp = np.concatenate([[0], np.cumsum(y)])
    fp = np.concatenate([[0], np.cumsum(~y)])
    return fp / n_inact, tp / n_act


def enrichment_curve(scores: Any, labels: Any, ties: str = "stable") -> tuple[np.ndarray, np.ndarray]:
    """Fraction of the library screened against fraction of the actives found, down the ranking.

    Examples
    --------
    >>> screened, found = enrichment_curve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    >>> screened.tolist(), found.tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    y = ranked_labels(scores, labels, ties)
    n_act = int(y.sum())
    if n_act == 0:
        raise InputError("an enrichment curve needs at least one active")
    found = np.concatenate([[0], np.cumsum(y)]) / n_act
    return np.arange(len(y) + 1) / len(y), found
