"""MuSyC: the multi-dimensional synergy of combinations (Meyer et al. 2019, Wooten et al. 2021).

MuSyC separates synergy into potency (``alpha``), efficacy (``beta``) and cooperativity
(``gamma``) by fitting one model to the whole dose matrix. Cells move between four states —
unaffected (U), affected by drug 1 (A1), by drug 2 (A2), by both (A12) — with the rates of
Wooten et al. 2021 (Nat Commun 12:4607)::

    U  -> A1 : r1 d1^h1                       A1 -> U  : r1r        (r1 = r1r / C1^h1)
    U  -> A2 : r2 d2^h2                       A2 -> U  : r2r        (r2 = r2r / C2^h2)
    A2 -> A12: r1^g21 (alpha21 d1)^(g21 h1)   A12 -> A2: r1r^g21
    A1 -> A12: r2^g12 (alpha12 d2)^(g12 h2)   A12 -> A1: r2r^g12

and the effect is the occupancy-weighted ``E0 U + E1 A1 + E2 A2 + E3 A12`` at steady state
(solved exactly, a 4 × 4 linear system per dose pair). ``alpha12 > 1``: drug 1 makes drug 2
more potent; ``gamma12 > 1``: drug 1 makes drug 2's curve steeper; ``beta > 0``: the
combination's maximal effect ``E3`` goes beyond the stronger drug's. With ``alpha = gamma = 1``
and ``E3 = E1 E2 / E0`` the surface is Bliss independence. The rates ``r1r = r2r = 1`` follow
the ``synergy`` package's default (they matter only when ``gamma != 1``); the surface equals that
package's MuSyC to 1e-15 (tests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares

from drugscreen.combos.blocks import BlockError, check_block, log_flags, prepare_blocks
from drugscreen.errors import InputError
from drugscreen.validate import check_number

#: Parameters of a two-drug MuSyC surface, in the order :class:`MusycParams` holds them.
PARAMETERS = ("E0", "E1", "E2", "E3", "h1", "h2", "C1", "C2", "alpha12", "alpha21", "gamma12", "gamma21")


@dataclass(frozen=True)
class MusycParams:
    """A two-drug MuSyC surface (effects in the data's units; ``C`` in dose units)."""

    E0: float
    E1: float
    E2: float
    E3: float
    h1: float
    h2: float
    C1: float
    C2: float
    alpha12: float = 1.0
    alpha21: float = 1.0
    gamma12: float = 1.0
    gamma21: float = 1.0

    @property
    def beta(self) -> float:
        """Synergistic efficacy: ``(E3 - Es) / (Es - E0)``, ``Es`` the stronger drug's ``E``."""
        strong = self.E1 if abs(self.E1 - self.E0) >= abs(self.E2 - self.E0) else self.E2
        return (self.E3 - strong) / (strong - self.E0) if strong != self.E0 else math.nan


def musyc_surface(
    d1: ArrayLike, d2: ArrayLike, params: MusycParams, *, r1r: float = 1.0, r2r: float = 1.0
) -> NDArray[np.float64]:
    """The MuSyC effect at each dose pair ``(d1[i], d2[i])``.

    Examples
    --------
    >>> p = MusycParams(E0=1, E1=0.5, E2=0.2, E3=0.1, h1=1, h2=1, C1=1, C2=1)
    >>> musyc_surface([0, 1, 0], [0, 0, 1], p).round(3).tolist()   # E0, halfway to E1, to E2
    [1.0, 0.75, 0.6]

    Raises
    ------
    InputError
        When a dose is negative or NaN, ``params`` is not a :class:`MusycParams` with finite
        effects and positive finite ``h``, ``C``, ``alpha``, ``gamma``, or a rate ``r1r``,
        ``r2r`` is not positive and finite.
    """
    if not isinstance(params, MusycParams):
        raise InputError(f"params must be MusycParams, got {type(params).__name__}")
    for name, value in asdict(params).items():
        positive = not name.startswith("E")
        check_number(f"params.{name}", value, low=0 if positive else None, low_open=positive)
    r1r = check_number("r1r", r1r, low=0, low_open=True)
    r2r = check_number("r2r", r2r, low=0, low_open=True)
    doses = []
    for name, d in (("d1", d1), ("d2", d2)):
        try:
            x = np.atleast_1d(np.asarray(d, dtype=np.float64))
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numbers (doses), got {d!r:.80}") from None
        if not (x >= 0).all():  # NaN fails too
            raise InputError(f"{name} must be doses >= 0 (no NaN)")
        doses.append(x)
    try:
        x1, x2 = np.broadcast_arrays(*doses)
    except ValueError:
        raise InputError(f"d1 and d2 do not match in shape: {doses[0].shape} and {doses[1].shape}") from None
    return _surface(x1, x2, params, r1r, r2r)


def _surface(
    x1: NDArray[np.float64], x2: NDArray[np.float64], p: MusycParams, r1r: float = 1.0, r2r: float = 1.0
) -> NDArray[np.float64]:
    """:func:`musyc_surface` without the checks (the fit calls it thousands of times)."""
    # rates in log space: powers of large or small rates overflow Python floats otherwise
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_r1 = math.log(r1r) - p.h1 * math.log(p.C1)
        log_r2 = math.log(r2r) - p.h2 * math.log(p.C2)
        log_x1 = np.log(x1.ravel())  # -inf at dose 0: exp gives rate 0
        log_x2 = np.log(x2.ravel())
        n = x1.size
        q = np.zeros((n, 4, 4))  # q[:, i, j]: rate from state i to j; states U, A1, A2, A12
        q[:, 0, 1] = np.exp(log_r1 + p.h1 * log_x1)
        q[:, 1, 0] = r1r
        q[:, 0, 2] = np.exp(log_r2 + p.h2 * log_x2)
        q[:, 2, 0] = r2r
        q[:, 2, 3] = np.exp(p.gamma21 * (log_r1 + p.h1 * (math.log(p.alpha21) + log_x1)))
        q[:, 3, 2] = np.exp(p.gamma21 * math.log(r1r))
        q[:, 1, 3] = np.exp(p.gamma12 * (log_r2 + p.h2 * (math.log(p.alpha12) + log_x2)))
        q[:, 3, 1] = np.exp(p.gamma12 * math.log(r2r))
    generator = q - np.einsum("nij->ni", q)[:, :, None] * np.eye(4)
    # steady state: p Q = 0 with sum(p) = 1 (the last balance equation replaced by the sum)
    system = np.transpose(generator, (0, 2, 1)).copy()
    system[:, 3, :] = 1.0
    rhs = np.zeros((n, 4))
    rhs[:, 3] = 1.0
    occupancy = np.linalg.solve(system, rhs[:, :, None])[:, :, 0]
    return (occupancy @ np.array([p.E0, p.E1, p.E2, p.E3])).reshape(x1.shape)


@dataclass(frozen=True)
class MusycFit:
    """A fitted MuSyC surface.

    Attributes
    ----------
    params : MusycParams
        The fitted parameters.
    r2 : float
        Coefficient of determination of the fit.
    converged : bool
        Whether the least-squares solver reported convergence.
    n_points : int
        Data points fitted (replicates count each).
    """

    params: MusycParams
    r2: float
    converged: bool
    n_points: int

    def as_row(self) -> dict[str, Any]:
        """The parameters, ``beta``, ``r2``, ``converged`` and ``n_points`` as one dict."""
        return {
            **asdict(self.params),
            "beta": self.params.beta,
            "r2": self.r2,
            "converged": self.converged,
            "n_points": self.n_points,
        }


def fit_musyc(d1: ArrayLike, d2: ArrayLike, effect: ArrayLike, *, fit_gamma: bool = True) -> MusycFit:
    """Fit a MuSyC surface to a dose matrix (replicates allowed).

    Bounded least squares on ``E`` (linear) and the logarithms of ``h``, ``C``, ``alpha``,
    ``gamma``, from several starts (``alpha`` 0.5, 1, 2); the best fit is kept. With
    ``fit_gamma=False`` the cooperativity is held at 1 (the 2019 model).

    Parameters
    ----------
    d1, d2 : array_like
        Doses of the two drugs (0 for the single-drug and control wells).
    effect : array_like
        Measured effect, any units (% inhibition, fraction alive, ...).
    fit_gamma : bool
        Fit ``gamma12`` and ``gamma21`` too.

    Raises
    ------
    InputError
        When the arrays differ in length or are not numbers, a dose is negative, too few
        finite points remain (rows with a NaN or infinite value are left out), or ``fit_gamma``
        is not a bool.
    """
    _check_flag("fit_gamma", fit_gamma)
    try:
        x1, x2, y = (np.asarray(v, dtype=np.float64).ravel() for v in (d1, d2, effect))
    except (TypeError, ValueError):
        raise InputError("fit_musyc: d1, d2 and effect must be numbers") from None
    if not (len(x1) == len(x2) == len(y)):
        raise InputError("fit_musyc: d1, d2 and effect must have the same length")
    ok = np.isfinite(x1) & np.isfinite(x2) & np.isfinite(y)
    x1, x2, y = x1[ok], x2[ok], y[ok]
    if (x1 < 0).any() or (x2 < 0).any():
        raise InputError("fit_musyc: doses must be >= 0")
    n_free = 12 if fit_gamma else 10
    if len(y) <= n_free or len(np.unique(x1[x1 > 0])) < 2 or len(np.unique(x2[x2 > 0])) < 2:
        raise InputError(f"fit_musyc: needs more than {n_free} points and two doses of each drug")
    e0, e1, e2, e3 = (_mean_near(y, x1, x2, a, b) for a, b in ((0, 0), (1, 0), (0, 1), (1, 1)))
    lo1, hi1 = np.log(x1[x1 > 0].min()), np.log(x1.max())
    lo2, hi2 = np.log(x2[x2 > 0].min()), np.log(x2.max())
    span = max(abs(y.max() - y.min()), 1e-12)
    e_lo, e_hi = y.min() - span, y.max() + span
    lower = (
        [e_lo] * 4 + [np.log(0.05)] * 2 + [lo1 - 4 * np.log(10), lo2 - 4 * np.log(10)] + [np.log(1e-4)] * 2
    )
    upper = [e_hi] * 4 + [np.log(20.0)] * 2 + [hi1 + 4 * np.log(10), hi2 + 4 * np.log(10)] + [np.log(1e4)] * 2
    if fit_gamma:
        lower += [np.log(1e-3)] * 2
        upper += [np.log(1e3)] * 2

    def unpack(v: NDArray[np.float64]) -> MusycParams:
        g12, g21 = (math.exp(v[10]), math.exp(v[11])) if fit_gamma else (1.0, 1.0)
        return MusycParams(
            v[0],
            v[1],
            v[2],
            v[3],
            math.exp(v[4]),
            math.exp(v[5]),
            math.exp(v[6]),
            math.exp(v[7]),
            math.exp(v[8]),
            math.exp(v[9]),
            g12,
            g21,
        )

    def residual(v: NDArray[np.float64]) -> NDArray[np.float64]:
        try:
            with np.errstate(all="ignore"):
                r = _surface(x1, x2, unpack(v)) - y
        except (OverflowError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            return np.full(len(y), 1e6 * span)  # rates beyond floating point: a very bad fit
        return np.where(np.isfinite(r), r, 1e6 * span)

    best = None
    for alpha in (0.5, 1.0, 2.0):
        start = [e0, e1, e2, e3, 0.0, 0.0, (lo1 + hi1) / 2, (lo2 + hi2) / 2, np.log(alpha), np.log(alpha)]
        start += [0.0, 0.0] if fit_gamma else []
        x0 = np.clip(start, np.add(lower, 1e-9), np.subtract(upper, 1e-9))
        try:
            result = least_squares(residual, x0, bounds=(lower, upper), x_scale="jac", max_nfev=4000)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if best is None or result.cost < best.cost:
            best = result
    if best is None:
        raise InputError("fit_musyc: the solver failed from every start")
    fitted = unpack(best.x)
    ss_res = float(np.sum(best.fun**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return MusycFit(fitted, 1 - ss_res / ss_tot if ss_tot > 0 else math.nan, bool(best.success), len(y))


def _mean_near(
    y: NDArray[np.float64], x1: NDArray[np.float64], x2: NDArray[np.float64], a: int, b: int
) -> float:
    """Mean effect at dose-0 (0) or highest dose (1) of each drug: a starting guess."""
    pick1 = x1 == (x1.max() if a else 0.0)
    pick2 = x2 == (x2.max() if b else 0.0)
    both = pick1 & pick2
    return float(y[both].mean()) if both.any() else float(np.median(y))


def musyc(
    blocks: pd.DataFrame,
    response: str = "inhibition",
    *,
    columns: Mapping[str, str] | None = None,
    fit_gamma: bool = True,
) -> pd.DataFrame:
    """Fit MuSyC to every block of a long combination table (the table of
    :func:`~drugscreen.combos.synergy`).

    Each block passes the data checks of :func:`~drugscreen.combos.synergy` first (see
    ``drugscreen.combos.blocks``), with the same reasons: a third drug, non-numeric or
    negative doses, responses in another unit are refused; NaN or infinite responses are left
    out and counted in ``flag``. A block without its single-drug wells is still fitted (MuSyC
    does not need them; the synergy scores do).

    Parameters
    ----------
    blocks, response, columns
        As for :func:`~drugscreen.combos.synergy`.
    fit_gamma : bool
        Fit the cooperativities ``gamma12`` and ``gamma21`` too (else held at 1).

    Returns
    -------
    DataFrame
        One row per block: ``block_id, drug_row, drug_col`` (drug 1 is the row drug), the
        twelve parameters, ``beta, r2, converged, n_points``, ``flag`` (what the data checks
        noticed, e.g. NaN responses left out) and ``error`` (why a block could not be fitted;
        such blocks have NaN parameters). Effects are in % inhibition.
    """
    _check_flag("fit_gamma", fit_gamma)
    table = prepare_blocks(blocks, response, columns)
    rows = []
    columns_out = [
        "block_id",
        "drug_row",
        "drug_col",
        *PARAMETERS,
        "beta",
        "r2",
        "converged",
        "n_points",
        "flag",
        "error",
    ]
    flagged = []
    for block_id, block in table.groupby("block_id", sort=True, dropna=False):
        head = {"block_id": block_id, "drug_row": block.drug_row.iloc[0], "drug_col": block.drug_col.iloc[0]}
        flags: list[str] = []
        try:
            checked = check_block(block, response)
            head.update(checked.names)
            flags = checked.flags
            if flags:
                flagged.append((block_id, flags))
            data = checked.data
            fit = fit_musyc(data.conc_row, data.conc_col, data.response, fit_gamma=fit_gamma)
            rows.append({**head, **fit.as_row(), "flag": "; ".join(flags), "error": ""})
        except Exception as exc:  # one block's failure is reported, never fatal
            finite = int(
                np.isfinite(block[["conc_row", "conc_col", "response"]].to_numpy(dtype=float))
                .all(axis=1)
                .sum()
            )
            known = isinstance(exc, InputError | BlockError)
            rows.append(
                {
                    **head,
                    **dict.fromkeys([*PARAMETERS, "beta", "r2"], math.nan),
                    "converged": False,
                    "n_points": finite,
                    "flag": "; ".join(flags),
                    "error": str(exc) if known else f"{type(exc).__name__}: {exc}",
                }
            )
    log_flags("musyc", flagged, len(rows))
    return pd.DataFrame(rows, columns=columns_out)


def _check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)
