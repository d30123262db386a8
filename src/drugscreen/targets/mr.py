"""Two-sample Mendelian randomisation from summary statistics.

Per-variant associations with an exposure (``bx``, ``bx_se``) and an outcome (``by``,
``by_se``) give a causal estimate of the exposure on the outcome by the inverse-variance
weighted (IVW) method, MR-Egger and the weighted median. Each follows the default conventions
of the MendelianRandomization R package, so that its results can be checked against it.

References
----------
.. [1] Yavorska OO, Burgess S. MendelianRandomization: an R package for performing Mendelian
   randomization analyses using summarized data. Int J Epidemiol 2017; 46:1734-1739.
.. [2] Broadbent JR, Foley CN, Grant AJ, et al. MendelianRandomization v0.5.0: updates to an R
   package for performing Mendelian randomization analyses using summarized data. Wellcome
   Open Res 2020; 5:252.
.. [3] Bowden J, Davey Smith G, Burgess S. Mendelian randomization with invalid instruments:
   effect estimation and bias detection through Egger regression. Int J Epidemiol 2015;
   44:512-525.
.. [4] Bowden J, Davey Smith G, Haycock PC, Burgess S. Consistent estimation in Mendelian
   randomization with some invalid instruments using a weighted median estimator. Genet
   Epidemiol 2016; 40:304-314.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from drugscreen.errors import InputError
from drugscreen.validate import check_number

__all__ = ["MRResult", "mendelian_randomization"]

METHODS = ("ivw_fixed", "ivw_random", "egger", "weighted_median")
#: fewest variants each method takes (R: IVW takes 1, but one variant is a ratio, not a fit)
MIN_VARIANTS = {"ivw_fixed": 2, "ivw_random": 2, "egger": 3, "weighted_median": 3}
_Z = float(stats.norm.ppf(0.975))
#: bootstrap draws held at once (rows x variants), so that many variants do not exhaust memory
_BOOT_CELLS = 2_000_000
nan = float("nan")


@dataclass(frozen=True, slots=True)
class MRResult:
    """One method's estimate: a row of the table :func:`~drugscreen.targets.mendelian_randomization` returns.

    ``intercept*`` are MR-Egger's only. ``cochran_q``, ``q_df`` and ``q_p`` are Cochran's Q
    on the IVW rows and Rücker's Q' (about the Egger line) on the Egger row; ``residual_se``
    is the weighted regression's residual standard error, ``sqrt(Q / q_df)``. NaN where a
    field does not apply.
    """

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_variants: int
    intercept: float = nan
    intercept_se: float = nan
    intercept_p: float = nan
    cochran_q: float = nan
    q_df: float = nan
    q_p: float = nan
    residual_se: float = nan


def _wald(method: str, estimate: float, se: float, n: int, **extra: float) -> MRResult:
    # R's default distribution = "normal": 95% CI and two-sided p from the normal, not the t
    return MRResult(
        method,
        float(estimate),
        float(se),
        float(estimate - _Z * se),
        float(estimate + _Z * se),
        float(2 * stats.norm.sf(abs(estimate / se))),
        n,
        **extra,
    )


def _ivw(bx: np.ndarray, by: np.ndarray, by_se: np.ndarray) -> tuple[MRResult, MRResult]:
    """Weighted regression of by on bx through the origin, weights by_se**-2 (R ``mr_ivw``)."""
    n = len(bx)
    w = by_se**-2
    info = np.sum(w * bx**2)
    estimate = np.sum(w * bx * by) / info
    se_fixed = 1 / np.sqrt(info)  # the fixed-effect model sets the residual standard error to 1
    q = float(np.sum(w * (by - estimate * bx) ** 2))
    rse = np.sqrt(q / (n - 1))
    het = {"cochran_q": q, "q_df": float(n - 1), "q_p": float(stats.chi2.sf(q, n - 1)), "residual_se": rse}
    # multiplicative random effects: overdispersion widens the interval, underdispersion never narrows it
    return (
        _wald("ivw_fixed", estimate, se_fixed, n, **het),
        _wald("ivw_random", estimate, se_fixed * max(1.0, rse), n, **het),
    )


def _egger(bx: np.ndarray, by: np.ndarray, by_se: np.ndarray) -> MRResult:
    """Weighted regression of by on bx with an intercept, variants oriented so bx > 0 (R ``mr_egger``)."""
    n = len(bx)
    # the intercept depends on which allele is coded as effect allele: fix it by making bx positive
    by, bx = np.sign(bx) * by, np.abs(bx)
    w = by_se**-2
    design = np.column_stack([np.ones(n), bx])
    gram = design.T @ (w[:, None] * design)
    if np.linalg.cond(gram) > 1e12:
        raise InputError(
            "egger needs variants with different |bx|: the intercept and slope cannot be told apart"
        )
    cov = np.linalg.inv(gram)
    intercept, slope = cov @ (design.T @ (w * by))
    q = float(np.sum(w * (by - intercept - slope * bx) ** 2))
    rse = np.sqrt(q / (n - 2))
    scale = max(1.0, rse)  # R's random-effects convention: residual standard error floored at 1
    intercept_se = np.sqrt(cov[0, 0]) * scale
    return _wald(
        "egger",
        slope,
        np.sqrt(cov[1, 1]) * scale,
        n,
        intercept=float(intercept),
        intercept_se=float(intercept_se),
        intercept_p=float(2 * stats.norm.sf(abs(intercept / intercept_se))),
        cochran_q=q,
        q_df=float(n - 2),
        q_p=float(stats.chi2.sf(q, n - 2)),
        residual_se=float(rse),
    )


def _weighted_median(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Bowden's interpolated weighted median of each row of ``theta`` (rows share ``weights``).

    Each sorted estimate sits at the midpoint of its weight's step in the cumulative weight
    (``cumsum - w / 2``, standardised to sum 1); the median is linearly interpolated between
    the two estimates whose positions straddle 0.5.
    """
    theta = np.atleast_2d(theta)
    order = np.argsort(theta, axis=1)
    theta_sorted = np.take_along_axis(theta, order, axis=1)
    w_sorted = weights[order]
    position = (np.cumsum(w_sorted, axis=1) - 0.5 * w_sorted) / weights.sum()
    # the first position is < 0.5 and the last > 0.5 whenever >= 2 weights are positive;
    # the clip only guards rounding
    below = np.clip(np.sum(position < 0.5, axis=1), 1, theta.shape[1] - 1)[:, None]
    lo_t, hi_t = np.take_along_axis(theta_sorted, below - 1, 1), np.take_along_axis(theta_sorted, below, 1)
    lo_p, hi_p = np.take_along_axis(position, below - 1, 1), np.take_along_axis(position, below, 1)
    return (lo_t + (hi_t - lo_t) * (0.5 - lo_p) / (hi_p - lo_p))[:, 0]


def _median(
    bx: np.ndarray, bx_se: np.ndarray, by: np.ndarray, by_se: np.ndarray, n_boot: int, seed: int | None
) -> MRResult:
    """Weighted median with a parametric bootstrap standard error (R ``mr_median``)."""
    n = len(bx)
    weights = (bx / by_se) ** 2  # inverse first-order variances of the ratio estimates
    estimate = float(_weighted_median(by / bx, weights)[0])
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOT_CELLS // n)
    draws = []
    for start in range(0, n_boot, chunk):
        size = (min(chunk, n_boot - start), n)
        # as R: both associations redrawn from their normal sampling distributions, weights kept
        boot_bx = rng.normal(bx, bx_se, size)
        boot_by = rng.normal(by, by_se, size)
        draws.append(_weighted_median(boot_by / boot_bx, weights))
    se = float(np.std(np.concatenate(draws), ddof=1))
    return _wald("weighted_median", estimate, se, n)


def _as_vector(name: str, values: Any, ids: list[str]) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name} must be numbers: {error}") from None
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {array.shape}")
    if len(array) != len(ids):
        raise InputError(f"{name} has {len(array)} values but bx has {len(ids)}; give one per variant")
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise InputError(f"{name} of {ids[bad[0]]} is {float(array[bad[0]])}; every value must be finite")
    return array


def mendelian_randomization(
    bx: Any,
    bx_se: Any,
    by: Any,
    by_se: Any,
    *,
    snps: Sequence[Any] | None = None,
    methods: Sequence[str] = METHODS,
    n_boot: int = 10_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Causal estimate of an exposure on an outcome from per-variant summary statistics.

    Parameters
    ----------
    bx, bx_se : array-like of float
        Each variant's association with the exposure and its standard error.
    by, by_se : array-like of float
        Each variant's association with the outcome (from another sample) and its standard error.
    snps : sequence, optional
        Variant ids, used in error messages (default: ``variant 0``, ``variant 1``, ...).
    methods : sequence of str
        Any of ``ivw_fixed`` and ``ivw_random`` (IVW with the residual standard error set to
        1, or scaled by it when above 1: multiplicative random effects; need 2 variants),
        ``egger`` (MR-Egger, random effects; 3 variants) and ``weighted_median`` (3 variants).
    n_boot : int
        Bootstrap samples for the weighted median's standard error (R's default, 10000).
    seed : int or None
        Seeds the bootstrap (``None``: fresh entropy). The draws are numpy's, not R's, so the
        standard error matches R's to Monte Carlo error, not to the digit.

    Returns
    -------
    DataFrame
        One row per method, the fields of :class:`MRResult`: ``method, estimate, se, ci_low,
        ci_high, p_value, n_variants, intercept, intercept_se, intercept_p, cochran_q, q_df,
        q_p, residual_se``. Confidence intervals are 95% and, as p-values, from the normal
        distribution (R's default ``distribution = "normal"``). Weights are first order:
        the ratio estimate ``by / bx`` has standard error ``by_se / |bx|``.

    Raises
    ------
    InputError
        On unequal lengths, a non-finite value, a standard error <= 0 or ``bx`` = 0 (naming
        the variant), an unknown method, or fewer variants than a method needs.

    References
    ----------
    Yavorska & Burgess, Int J Epidemiol 2017; 46:1734 (the R package); Bowden et al., Int J
    Epidemiol 2015; 44:512 (MR-Egger); Bowden et al., Genet Epidemiol 2016; 40:304 (weighted
    median).

    Examples
    --------
    >>> table = mendelian_randomization([1, 2, 3], [0.1] * 3, [2, 4, 6], [1, 1, 1], methods=["ivw_fixed"])
    >>> table[["method", "estimate", "cochran_q"]].to_string(index=False)
    '   method  estimate  cochran_q\\nivw_fixed       2.0        0.0'
    """
    try:
        n = len(bx)
    except TypeError:
        raise InputError(f"bx must be a sequence of numbers, got {type(bx).__name__}") from None
    ids = [f"variant {i}" for i in range(n)]
    if snps is not None:
        if len(snps) != n:
            raise InputError(f"snps has {len(snps)} ids but bx has {n} values; give one per variant")
        ids = [f"variant {i} ({snp})" for i, snp in enumerate(snps)]
    bx, bx_se, by, by_se = (
        _as_vector(name, values, ids)
        for name, values in (("bx", bx), ("bx_se", bx_se), ("by", by), ("by_se", by_se))
    )
    for name, se in (("bx_se", bx_se), ("by_se", by_se)):
        bad = np.flatnonzero(se <= 0)
        if len(bad):
            raise InputError(f"{name} of {ids[bad[0]]} is {float(se[bad[0]])}; standard errors must be > 0")
    zero = np.flatnonzero(bx == 0)
    if len(zero):
        raise InputError(
            f"bx of {ids[zero[0]]} is 0: a variant not associated with the exposure has no ratio"
        )
    if isinstance(methods, str):
        methods = [methods]
    if not methods:
        raise InputError(f"methods is empty; choose from {', '.join(METHODS)}")
    for method in methods:
        if method not in METHODS:
            raise InputError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
        if n < MIN_VARIANTS[method]:
            raise InputError(f"{method} needs at least {MIN_VARIANTS[method]} variants, got {n}")
    n_boot = check_number("n_boot", n_boot, low=2, integer=True)
    if seed is not None:
        seed = check_number("seed", seed, low=0, integer=True)

    results: dict[str, MRResult] = {}
    if {"ivw_fixed", "ivw_random"} & set(methods):
        results["ivw_fixed"], results["ivw_random"] = _ivw(bx, by, by_se)
    if "egger" in methods:
        results["egger"] = _egger(bx, by, by_se)
    if "weighted_median" in methods:
        results["weighted_median"] = _median(bx, bx_se, by, by_se, n_boot, seed)
    rows = [asdict(results[method]) for method in dict.fromkeys(methods)]
    return pd.DataFrame(rows, columns=list(MRResult.__dataclass_fields__))
