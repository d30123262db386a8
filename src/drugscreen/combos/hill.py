"""Single-drug dose-response fits: the 4-parameter log-logistic (Hill) curve.

Responses are in percent inhibition (0 = no effect, 100 = full effect), the convention of
SynergyFinder. The curve, for a concentration ``x >= 0``, is

    y(x) = e0 + (emax - e0) * x**h / (x**h + ec50**h),     h > 0,

so ``y(0) = e0``, ``y(ec50) = (e0 + emax) / 2`` and ``y(inf) = emax``; an inhibitor has
``emax > e0``, a curve with ``emax < e0`` falls. The fit is a bounded least-squares fit
(:func:`scipy.optimize.least_squares`, analytic Jacobian) on ``(e0, emax, log10 ec50, log h)``
from three starting points; the best one is kept. Bounds: ``e0, emax`` in [-100, 200] %,
``h`` in [0.05, 20], ``ec50`` within 4 decades of the tested non-zero doses.

>>> import numpy as np
>>> x = np.array([0.0, 0.1, 0.3, 1.0, 3.0, 10.0])
>>> fit = fit_hill(x, 100 * x / (x + 1.0))
>>> round(fit.ec50, 6), round(fit.hill, 6), fit.converged
(1.0, 1.0, True)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares
from scipy.special import expit

from drugscreen.errors import InputError
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

#: Bounds of the fitted plateaus, in percent inhibition.
E_BOUNDS = (-100.0, 200.0)
#: Bounds of the Hill slope.
HILL_BOUNDS = (0.05, 20.0)
#: How many decades beyond the tested non-zero doses the ec50 may go.
EC50_DECADES = 4.0
_NAMES = ("e0", "emax", "log10_ec50", "log_hill")


@dataclass(frozen=True)
class HillFit:
    """A fitted 4-parameter log-logistic curve (percent inhibition).

    Attributes
    ----------
    e0, emax : float
        Response at zero dose and at infinite dose.
    ec50 : float
        Concentration of the half-way response, in the input's unit.
    hill : float
        Hill slope ``h > 0``.
    r2 : float
        Coefficient of determination on the fitted points (NaN when the data are constant).
    converged : bool
        False when the optimiser did not converge; the parameters are then its best point
        (the starting guess only when every start failed).
    """

    e0: float
    emax: float
    ec50: float
    hill: float
    r2: float
    converged: bool

    def predict(self, conc: ArrayLike) -> NDArray[np.float64]:
        """Response at ``conc`` (``conc = 0`` gives ``e0``)."""
        x = np.asarray(conc, dtype=np.float64)
        return _curve(x, self.e0, self.emax, np.log10(self.ec50), np.log(self.hill))

    def inverse(self, response: ArrayLike) -> NDArray[np.float64]:
        """Concentration giving ``response``; NaN where it lies outside ``(e0, emax)``."""
        y = np.asarray(response, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (y - self.e0) / (self.emax - self.e0)
            out = self.ec50 * (r / (1.0 - r)) ** (1.0 / self.hill)
        return np.where((r > 0) & (r < 1), out, np.nan)


def _curve(x: NDArray[np.float64], e0: float, emax: float, lc: float, lh: float) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        t = np.exp(lh) * (np.log(x) - lc * np.log(10.0))
    return np.asarray(e0 + (emax - e0) * expit(t), dtype=np.float64)


def _jacobian(x: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    e0, emax, lc, lh = p
    h = np.exp(lh)
    with np.errstate(divide="ignore"):
        t = h * (np.log(x) - lc * np.log(10.0))
    s = expit(t)
    ds = np.where(x > 0, s * (1.0 - s), 0.0)
    t = np.where(x > 0, t, 0.0)
    return np.column_stack([1.0 - s, s, -(emax - e0) * ds * h * np.log(10.0), (emax - e0) * ds * t])


def _guess(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float]:
    """Starting e0, emax and log10 ec50 from the data."""
    lo, hi = x.min(), x.max()
    e0 = float(y[x == lo].mean())
    emax = float(y[x == hi].mean())
    pos = x[x > 0]
    mid = (e0 + emax) / 2.0
    lc = float(np.log10(pos[np.argmin(np.abs(y[x > 0] - mid))]))
    return e0, emax, lc


def _fit(
    x: NDArray[np.float64], y: NDArray[np.float64], fixed: Mapping[str, float]
) -> tuple[NDArray[np.float64], bool]:
    """Least-squares fit of the free parameters; returns all four and whether it converged."""
    pos = x[x > 0]
    lpos = np.log10(pos)
    e0, emax, lc = _guess(x, y)
    e0 = fixed.get("e0", e0)
    emax = fixed.get("emax", emax)
    lower = np.array([E_BOUNDS[0], E_BOUNDS[0], lpos.min() - EC50_DECADES, np.log(HILL_BOUNDS[0])])
    upper = np.array([E_BOUNDS[1], E_BOUNDS[1], lpos.max() + EC50_DECADES, np.log(HILL_BOUNDS[1])])
    free = np.array([name not in fixed for name in _NAMES])
    base = np.array([e0, emax, lc, 0.0])
    for i, name in enumerate(_NAMES):
        if name in fixed:
            base[i] = fixed[name]
    starts = [(lc, 0.0), (lc, np.log(3.0)), (float(lpos.mean()), np.log(0.5))]
    best: tuple[float, NDArray[np.float64], bool] | None = None
    for lc0, lh0 in starts:
        p0 = base.copy()
        p0[2:] = [lc0, lh0]
        p0[free] = np.clip(p0[free], lower[free] + 1e-9, upper[free] - 1e-9)

        def resid(q: NDArray[np.float64], p0: NDArray[np.float64] = p0) -> NDArray[np.float64]:
            p = p0.copy()
            p[free] = q
            return _curve(x, *p) - y

        def jac(q: NDArray[np.float64], p0: NDArray[np.float64] = p0) -> NDArray[np.float64]:
            p = p0.copy()
            p[free] = q
            return _jacobian(x, p)[:, free]

        try:
            res = least_squares(
                resid,
                p0[free],
                jac=jac,
                bounds=(lower[free], upper[free]),
                xtol=1e-10,
                ftol=1e-10,
                gtol=1e-10,
            )
        except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
            logger.debug("Hill fit failed from start %s: %s", (lc0, lh0), exc)
            continue
        p = p0.copy()
        p[free] = res.x
        cost = float(res.cost)
        if np.isfinite(cost) and (best is None or cost < best[0]):
            best = (cost, p, bool(res.success) and bool(np.all(np.isfinite(p))))
    if best is None:
        return base, False
    return best[1], best[2]


def _as_fit(x: NDArray[np.float64], y: NDArray[np.float64], p: NDArray[np.float64], ok: bool) -> HillFit:
    ss_res = float(np.sum((_curve(x, *p) - y) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return HillFit(float(p[0]), float(p[1]), float(10.0 ** p[2]), float(np.exp(p[3])), r2, ok)


def fit_hill(
    conc: ArrayLike,
    response: ArrayLike,
    *,
    response_kind: str = "inhibition",
    e0: float | None = None,
    emax: float | None = None,
) -> HillFit:
    """Fit a 4-parameter log-logistic curve to one drug's dose-response data.

    Parameters
    ----------
    conc : array_like
        Concentrations, ``>= 0`` (0 = untreated); replicates may repeat a concentration.
    response : array_like
        Responses at ``conc``: percent inhibition, or percent viability (see ``response_kind``).
    response_kind : {"inhibition", "viability"}
        ``"viability"`` is converted to inhibition as ``100 - viability``.
    e0, emax : float, optional
        Hold the zero-dose or the infinite-dose response at this value (percent inhibition)
        instead of fitting it.

    Returns
    -------
    HillFit
        Parameters in percent inhibition; ``converged=False`` when the optimiser did not
        converge (the parameters are its best point).

    Raises
    ------
    InputError
        When the arrays differ in length, hold NaN or negative concentrations, or have fewer
        than two distinct non-zero concentrations, or ``e0`` / ``emax`` is not a finite number.
    """
    if not isinstance(response_kind, str) or response_kind not in ("inhibition", "viability"):
        raise InputError(f"response_kind must be 'inhibition' or 'viability', not {response_kind!r}")
    e0 = None if e0 is None else check_number("e0", e0)
    emax = None if emax is None else check_number("emax", emax)
    try:
        x = np.asarray(conc, dtype=np.float64).ravel()
        y = np.asarray(response, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError("conc and response must be numbers") from None
    if x.shape != y.shape:
        raise InputError(f"conc has {x.size} values but response has {y.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("conc and response must be finite (found NaN or inf)")
    if np.any(x < 0):
        raise InputError("conc must be >= 0")
    if np.unique(x[x > 0]).size < 2:
        raise InputError("need at least two distinct non-zero concentrations to fit a Hill curve")
    if response_kind == "viability":
        y = 100.0 - y
    fixed = {k: float(v) for k, v in (("e0", e0), ("emax", emax)) if v is not None}
    p, ok = _fit(x, y, fixed)
    if not ok:
        logger.debug("Hill fit did not converge (%d points)", x.size)
    return _as_fit(x, y, p, ok)
