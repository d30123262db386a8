"""Choosing SEA's similarity threshold: how well the z-scores of random set pairs follow the
extreme value distribution at each candidate threshold (Keiser et al. 2007 chose the threshold
of the best chi-square fit); :func:`~drugscreen.repurpose.sea.choose_threshold` is the public
entry point, the functions here fit a background per threshold and measure the fit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import InputError
from drugscreen.repurpose.sea_background import (
    EULER_GAMMA,
    EVD_SCALE,
    draw_pairs,
    evd_pvalue,
    fit_background,
    pair_scores,
)
from drugscreen.similarity.matrix import similarity_matrix
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")


def evd_fit(z: npt.ArrayLike, bins: int = 20) -> dict[str, float]:
    """How well z-scores of random pairs follow the mean-0, SD-1 Gumbel distribution.

    Returns the Kolmogorov–Smirnov distance ``ks`` (``ks_normal``: to the standard normal
    distribution, for comparison), the chi-square statistic ``chi2`` over
    ``bins`` equiprobable bins of the distribution (Keiser et al. chose their threshold by the
    best chi-square fit), the mean and SD of ``z`` and the fractions of p-values below 0.01 and
    0.05 (0.01 and 0.05 for a perfect fit).
    """
    from scipy import stats

    bins = check_number("bins", bins, low=1, integer=True)
    z = np.asarray(z, dtype=np.float64)
    dist = stats.gumbel_r(loc=-EULER_GAMMA * EVD_SCALE, scale=EVD_SCALE)
    edges = dist.ppf(np.linspace(0.0, 1.0, bins + 1)[1:-1])
    observed = np.bincount(np.searchsorted(edges, z, side="right"), minlength=bins)
    expected = len(z) / bins
    p = evd_pvalue(z)
    return {
        "ks": float(stats.kstest(z, dist.cdf).statistic),
        "ks_normal": float(stats.kstest(z, stats.norm.cdf).statistic),
        "chi2": float(((observed - expected) ** 2 / expected).sum()),
        "z_mean": float(z.mean()),
        "z_sd": float(z.std(ddof=1)),
        "frac_p_below_0.01": float((p < 0.01).mean()),
        "frac_p_below_0.05": float((p < 0.05).mean()),
    }


def threshold_scan(
    pool: FingerprintArray,
    thresholds: Sequence[float],
    sizes_a: Sequence[int],
    sizes_b: Sequence[int],
    n_background: int,
    seed: int,
    n_jobs: int | None,
) -> pd.DataFrame:
    """For each threshold: fit a background, then score fresh random pairs (another seed)
    and measure their z-scores' fit to the EVD (:func:`evd_fit`)."""
    ordered = sorted(float(t) for t in thresholds)
    full = similarity_matrix(pool, threshold=ordered[0], n_jobs=n_jobs)
    cells = max(1, len(sizes_a) * len(sizes_b))
    a, na, b, nb = draw_pairs(full.shape[0], sizes_a, sizes_b, max(20, n_background // cells), seed + 1)
    rows = []
    for t in ordered:
        sim = full.copy()
        sim.data[sim.data < t] = 0.0
        sim.eliminate_zeros()
        try:
            bg = fit_background(sim, sizes_a, sizes_b, n_background, seed, t)
        except InputError as exc:
            logger.info("threshold %.3g: %s", t, exc)
            continue
        z = bg.z(pair_scores(sim, a, na, b, nb), na * nb)
        rows.append(
            {"threshold": t, **evd_fit(z), "mean_exponent": bg.mean_exponent, "sd_exponent": bg.sd_exponent}
        )
    if not rows:
        raise InputError("no threshold gave a usable background; try lower thresholds")
    return pd.DataFrame(rows)
