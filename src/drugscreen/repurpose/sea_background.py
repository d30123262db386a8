"""SEA's random-set background: the background pool, random set pairs and their raw scores,
the power-law fits and extreme-value p-values.

The raw score of two molecule sets grows with the product of their sizes ``p = |A|·|B|``.
Keiser et al. (2007) model the raw scores of *random* set pairs: their mean and standard
deviation are power laws of ``p`` (straight lines in log-log space), which turn any raw score
into a z-score, and z-scores of random pairs follow an extreme value (Gumbel) distribution,
which gives the p-value.

How the background is computed: the thresholded similarity matrix ``P`` of the pool (every
pair of pool molecules with ``Tc >= threshold``; sparse) is computed once; a random pair of
disjoint sets ``A``, ``B`` then scores ``1_A^T P 1_B``, evaluated for thousands of pairs at
once as sparse products of 0/1 membership matrices.

References
----------
Keiser MJ, Roth BL, Armbruster BN, Ernsberger P, Irwin JJ, Shoichet BK. Relating protein
pharmacology by ligand chemistry. Nat Biotechnol 2007;25:197-206 (Methods: raw score, random
background, z-score, EVD p-value). Pearson WR. Empirical statistical estimates for sequence
similarity searches. J Mol Biol 1998;276:71-84 (the z-score EVD that SEA borrows).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import InputError
from drugscreen.similarity.matrix import bulk_similarity

logger = logging.getLogger("drugscreen")

#: Euler–Mascheroni constant, ``-Γ'(1)``.
EULER_GAMMA = 0.5772156649015329
#: Scale of the Gumbel distribution with standard deviation 1: ``sqrt(6) / pi``.
EVD_SCALE = math.sqrt(6.0) / math.pi
#: Pool molecules the background matrix is computed on at most; larger pools are subsampled
#: (seeded), to fewer where the threshold keeps many pairs (:func:`pool_limit`).
MAX_POOL = 20_000
#: Peak bytes per stored pair while the pool's similarity matrix is built (hits, then CSR).
_BYTES_PER_PAIR = 64
#: Sparse entries of one product (random sets x pool matrix) when scoring random pairs.
_PAIR_BLOCK_ENTRIES = 2**22


def evd_pvalue(z: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Probability that a random z-score exceeds ``z``, under SEA's extreme value distribution.

    ``P(Z > z) = 1 - exp(-exp(-z·π/√6 - γ))`` with ``γ = 0.5772…`` (Euler's constant): the
    survival function of the Gumbel distribution with mean 0 and standard deviation 1
    (``scipy.stats.gumbel_r(loc=-γ·√6/π, scale=√6/π)``), computed without cancellation for
    large ``z``.

    Parameters
    ----------
    z : float or array_like
        z-scores.

    Returns
    -------
    ndarray
        p-values, same shape as ``z`` (0-d for a scalar); NaN stays NaN.

    Notes
    -----
    Keiser et al. write the exponent as ``-zπ/√6 - Γ'(1)``. Since ``Γ'(1) = -γ``, read
    literally that is a Gumbel with mean ``2γ√6/π ≈ 0.90``, not 0; the z-scores are
    standardised to mean 0 and SD 1 by the background, and FASTA's ``z_to_E`` (Pearson 1998,
    which SEA follows) uses ``exp(-π/√6·z - 0.5772)``: the mean-0 distribution is used here.

    Examples
    --------
    >>> from drugscreen.repurpose.sea_background import evd_pvalue
    >>> evd_pvalue([0.0, 2.0, 5.0]).round(5)
    array([0.42962, 0.04226, 0.00092])
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        tail = np.exp(-z / EVD_SCALE - EULER_GAMMA)
    return -np.expm1(-tail)  # type: ignore[no-any-return]


def fit_power_law(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, float]:
    """Least-squares fit of ``y = c · x**k`` in log-log space.

    Parameters
    ----------
    x, y : array_like
        Positive values (at least two distinct ``x``).

    Returns
    -------
    (c, k) : tuple of float

    Examples
    --------
    >>> from drugscreen.repurpose.sea_background import fit_power_law
    >>> c, k = fit_power_law([1, 10, 100], [3.0, 30.0, 300.0])
    >>> round(c, 6), round(k, 6)
    (3.0, 1.0)
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise InputError(f"power-law fit: x and y differ in length ({len(x)} and {len(y)})")
    if not (np.all(x > 0) and np.all(y > 0) and np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("power-law fit: x and y must be positive and finite")
    if len(np.unique(x)) < 2:
        raise InputError("power-law fit: need at least two distinct x values")
    k, log_c = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(log_c)), float(k)


def size_grid(max_size: int, n_sizes: int = 12) -> npt.NDArray[np.int64]:
    """Roughly log-spaced distinct set sizes from 1 to ``max_size``."""
    max_size = max(1, int(max_size))
    return np.unique(np.round(np.geomspace(1, max_size, n_sizes)).astype(np.int64))


@dataclass(frozen=True)
class Background:
    """The fitted random-set model: ``mean(p) = mean_coef · p**mean_exponent`` and
    ``sd(p) = sd_coef · p**sd_exponent`` for the size product ``p = |A|·|B|``.

    Attributes
    ----------
    cells : DataFrame
        One row per pair of sizes drawn: ``size_a, size_b, p, n_pairs, mean, sd``.
    n_pool : int
        Molecules the random sets were drawn from.
    """

    threshold: float
    mean_coef: float
    mean_exponent: float
    sd_coef: float
    sd_exponent: float
    cells: pd.DataFrame
    n_pool: int

    def mean(self, p: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Expected raw score of random sets with size product ``p``."""
        return self.mean_coef * np.asarray(p, dtype=np.float64) ** self.mean_exponent  # type: ignore[no-any-return]

    def sd(self, p: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Standard deviation of the raw score of random sets with size product ``p``."""
        return self.sd_coef * np.asarray(p, dtype=np.float64) ** self.sd_exponent  # type: ignore[no-any-return]

    def z(self, raw: npt.ArrayLike, p: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """``(raw - mean(p)) / sd(p)``."""
        return (np.asarray(raw, dtype=np.float64) - self.mean(p)) / self.sd(p)  # type: ignore[no-any-return]


def pool_limit(
    pool: FingerprintArray, threshold: float, budget_bytes: int, seed: int, n_jobs: int | None = -1
) -> int:
    """Largest pool whose thresholded similarity matrix fits in ``budget_bytes``.

    The fraction of pairs at or above ``threshold`` is estimated on up to 1,000 random pool
    molecules; the limit is at least 1,000 molecules and at most :data:`MAX_POOL`.
    """
    n = len(pool)
    if n <= 1000:
        return n
    sample = pool.take(np.sort(np.random.default_rng(seed).choice(n, 1000, replace=False)))
    scores = bulk_similarity(sample, sample, n_jobs=n_jobs)
    dense = max(1e-6, float((scores >= threshold).mean()))
    return int(min(n, MAX_POOL, max(1000, math.sqrt(budget_bytes / _BYTES_PER_PAIR / dense))))


def subsample_pool(
    pool: FingerprintArray, threshold: float, budget_bytes: int, seed: int, n_jobs: int | None = -1
) -> FingerprintArray:
    """The pool, subsampled (seeded) to :func:`pool_limit` molecules where it is larger.

    Raises :class:`~drugscreen.errors.InputError` when fewer than 2 molecules are left.
    """
    limit = pool_limit(pool, threshold, budget_bytes, int(seed), n_jobs)
    if len(pool) > limit:
        logger.info("SEA: background drawn from %d of the %d pool molecules (memory)", limit, len(pool))
        pool = pool.take(np.sort(np.random.default_rng(seed).choice(len(pool), limit, replace=False)))
    if len(pool) < 2:
        raise InputError(f"SEA: the background pool has {len(pool)} usable molecule(s); it needs at least 2")
    return pool


def draw_pairs(
    n_pool: int, sizes_a: Sequence[int], sizes_b: Sequence[int], repeats: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint random set pairs: every ``(size_a, size_b)`` cell ``repeats`` times.

    Returns ``(a_members, a_sizes, b_members, b_sizes)``: members concatenated pair after pair.
    """
    rng = np.random.default_rng(seed)
    a_parts, b_parts, na_list, nb_list = [], [], [], []
    for na in sizes_a:
        for nb in sizes_b:
            if na + nb > n_pool:
                continue
            for _ in range(repeats):
                idx = rng.choice(n_pool, size=na + nb, replace=False)
                a_parts.append(idx[:na])
                b_parts.append(idx[na:])
                na_list.append(na)
                nb_list.append(nb)
    if not a_parts:
        raise InputError(f"background: the pool of {n_pool} molecules is too small for the set sizes")
    return (
        np.concatenate(a_parts).astype(np.int64),
        np.asarray(na_list, dtype=np.int64),
        np.concatenate(b_parts).astype(np.int64),
        np.asarray(nb_list, dtype=np.int64),
    )


def _indicator(members: np.ndarray, sizes: np.ndarray, n_pool: int) -> sp.csr_matrix:
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return sp.csr_matrix((np.ones(len(members)), members, indptr), shape=(len(sizes), n_pool))


def pair_scores(
    pool_sim: sp.csr_matrix, a: np.ndarray, na: np.ndarray, b: np.ndarray, nb: np.ndarray
) -> npt.NDArray[np.float64]:
    """Raw scores ``sum(P[A_i][:, B_i])`` of the pairs returned by :func:`draw_pairs`."""
    n_pool = pool_sim.shape[0]
    out = np.empty(len(na))
    ends_a, ends_b = np.cumsum(na), np.cumsum(nb)
    # entries of row i of (A indicator) @ P: at most n_pool, about |A_i| x mean degree
    degree = max(1.0, pool_sim.nnz / max(1, n_pool))
    cost = np.cumsum(np.minimum(n_pool, na * degree) + nb)
    first = 0
    while first < len(na):
        base = cost[first - 1] if first else 0.0
        last = max(first + 1, int(np.searchsorted(cost, base + _PAIR_BLOCK_ENTRIES, side="right")))
        a0, a1 = (ends_a[first - 1] if first else 0), ends_a[last - 1]
        b0, b1 = (ends_b[first - 1] if first else 0), ends_b[last - 1]
        xa = _indicator(a[a0:a1], na[first:last], n_pool)
        xb = _indicator(b[b0:b1], nb[first:last], n_pool)
        out[first:last] = np.asarray((xa @ pool_sim).multiply(xb).sum(axis=1)).ravel()
        first = last
    return out


def fit_background(
    pool_sim: sp.csr_matrix,
    sizes_a: Sequence[int],
    sizes_b: Sequence[int],
    n_background: int,
    seed: int,
    threshold: float,
) -> Background:
    """Draw random set pairs from the pool and fit the mean and SD power laws.

    ``n_background`` pairs are spread evenly over the cells ``sizes_a × sizes_b`` (at least
    20 per cell); each cell gives one mean and one SD, and the power laws are least-squares
    lines through the cells' ``(log p, log mean)`` and ``(log p, log sd)``. Cells whose random
    pairs never reach the threshold (mean or SD 0) carry no information on a log scale and
    are left out.
    """
    n_pool = pool_sim.shape[0]
    cells = max(1, len(sizes_a) * len(sizes_b))
    repeats = max(20, int(n_background) // cells)
    a, na, b, nb = draw_pairs(n_pool, sizes_a, sizes_b, repeats, seed)
    raw = pair_scores(pool_sim, a, na, b, nb)
    frame = pd.DataFrame({"size_a": na, "size_b": nb, "raw": raw})
    table = frame.groupby(["size_a", "size_b"], sort=True).raw.agg(["count", "mean", "std"]).reset_index()
    table.columns = ["size_a", "size_b", "n_pairs", "mean", "sd"]
    table.insert(2, "p", table.size_a * table.size_b)
    ok = (table["mean"] > 0) & (table["sd"] > 0)
    if int(ok.sum()) < 2 or table.p[ok].nunique() < 2:
        raise InputError(
            f"background: random pairs of the {n_pool} pool molecules reach Tc >= {threshold} in fewer "
            "than two size cells; lower the threshold or give a larger background library"
        )
    mean_coef, mean_exp = fit_power_law(table.p[ok], table["mean"][ok])
    sd_coef, sd_exp = fit_power_law(table.p[ok], table["sd"][ok])
    logger.info(
        "SEA background (Tc >= %.3g, %d pairs, %d of %d cells): mean = %.4g p^%.3f, sd = %.4g p^%.3f",
        threshold,
        len(raw),
        int(ok.sum()),
        len(table),
        mean_coef,
        mean_exp,
        sd_coef,
        sd_exp,
    )
    return Background(float(threshold), mean_coef, mean_exp, sd_coef, sd_exp, table, int(n_pool))
