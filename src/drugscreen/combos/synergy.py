"""Dose-response synergy scores of two-drug combination blocks (Bliss, HSA, Loewe, ZIP).

Follows SynergyFinder 3 (Ianevski, Giri & Aittokallio, Nucleic Acids Res 2022; the R package's
``CalculateBliss/HSA/Loewe/ZIP``) and the ZIP model of Yadav et al. (Comput Struct Biotechnol
J 2015). A block is a dose matrix of a row drug A at doses ``x1`` and a column drug B at doses
``x2``, including the single-drug row and column at dose 0. Every response is in percent
inhibition (0 = no effect, 100 = full effect; viability input becomes ``100 - viability``);
replicates of a dose pair are averaged. ``yA(x1)``, ``yB(x2)`` are the observed single-drug
responses, ``fA``, ``fB`` the fitted 4-parameter Hill curves (:func:`~drugscreen.combos.hill.fit_hill`).
For each combination cell (``x1 > 0`` and ``x2 > 0``) the reference (expected) response is:

* **HSA**: ``max(yA, yB)``.
* **Bliss**: ``yA + yB - yA * yB / 100``.
* **Loewe**: the ``y`` solving ``x1 / XA(y) + x2 / XB(y) = 1``, ``Xi`` the inverse of ``fi``,
  found by a grid scan and :func:`scipy.optimize.brentq` on the ``y`` range both curves reach,
  capped at 100. Where no solution exists there, SynergyFinder's fallback is used,
  ``max(fA(x1 + x2), fB(x1 + x2))`` (each drug "combined with itself" at the total dose), and
  the cell is counted in the ``flag`` ("loewe not invertible in N cells").
* **ZIP**: ``fA + fB - fA * fB / 100``. Its excess is the delta score: the combination
  response is smoothed by two "cross" fits, the row drug's curve along each column with
  ``e0`` held at ``fB(x2)`` and ``emax`` at 100, and the column drug's curve along each row
  with ``e0`` held at ``fA(x1)``; delta = mean of the two smoothed responses - reference. A
  cross fit that fails falls back to the observed responses (as SynergyFinder does).

Excess = observed - reference (> 0 reads synergy); for ZIP it is delta, not observed - reference.
Monotherapy cells get reference = observed and excess 0. A block's score is the mean excess over
its combination cells (SynergyFinder's summary synergy score); missing combination wells are
left out. The Hill curves are fitted to the averaged single-drug column / row, dose-0 well
included. Hill fits that did not converge are named in the Loewe and ZIP flags.

The data checks every block passes first, the same for :func:`synergy` and
:func:`~drugscreen.combos.musyc.musyc`, are those of :mod:`drugscreen.combos.blocks`.

Simplifications against SynergyFinder: Hill fits are bounded least squares (no ``drc`` LL.4 /
L.4 model switch), with ``h > 0`` also in the ZIP cross fits (drc lets that slope change sign);
Loewe takes the first root scanning up the common response range (SynergyFinder: Newton from
one start); no baseline correction, no kriging of missing cells, no 3-drug blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import expit

from drugscreen.combos.blocks import BlockError, check_block, log_flags, prepare_blocks
from drugscreen.combos.hill import HillFit, fit_hill
from drugscreen.errors import InputError
from drugscreen.validate import check_n_jobs

logger = logging.getLogger("drugscreen")

#: Reference models :func:`synergy` knows.
MODELS = ("bliss", "hsa", "loewe", "zip")
#: A drug needs this many distinct non-zero doses.
MIN_DOSES = 3
SUMMARY_COLUMNS = ["block_id", "drug_row", "drug_col", "model", "score", "n_cells", "flag"]
SURFACE_COLUMNS = [
    "block_id", "model", "conc_row", "conc_col", "response", "reference", "excess", "flagged", "n_replicates",
]  # fmt: skip
FIT_COLUMNS = ["block_id", "drug", "role", "e0", "emax", "ec50", "hill", "r2", "converged"]
_GRID = expit(np.linspace(-25.0, 25.0, 201))  # fractions of the common response range


@dataclass
class SynergyResult:
    """Scores of many combination blocks.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per block and model: ``block_id, drug_row, drug_col, model, score, n_cells,
        flag`` (score = mean excess over the combination cells, percent inhibition).
    surface : pandas.DataFrame
        One row per block, model and dose pair: ``block_id, model, conc_row, conc_col,
        response, reference, excess, flagged, n_replicates`` (responses in percent inhibition,
        replicates averaged; ``flagged`` marks Loewe fallback cells and cells of failed ZIP
        cross fits).
    fits : pandas.DataFrame
        Single-drug Hill fits: ``block_id, drug, role ("row"/"col"), e0, emax, ec50, hill, r2,
        converged``.
    errors : pandas.DataFrame
        Blocks that were skipped: ``block_id, reason``.
    """

    summary: pd.DataFrame
    surface: pd.DataFrame
    fits: pd.DataFrame
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["block_id", "reason"]))


_BlockError = BlockError  # the name this module used before the checks were shared with MuSyC


def _loewe(x1: NDArray[np.float64], x2: NDArray[np.float64], fa: HillFit, fb: HillFit) -> tuple[Any, Any]:
    """Loewe reference at dose pairs ``(x1, x2)`` and a mask of the cells that used the fallback."""
    lo = max(min(fa.e0, fa.emax), min(fb.e0, fb.emax))
    hi = min(max(fa.e0, fa.emax), max(fb.e0, fb.emax))
    ref = np.full(x1.shape, np.nan)
    if hi > lo:
        ys = lo + (hi - lo) * _GRID
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ia, ib = fa.inverse(ys), fb.inverse(ys)
            g = x1[:, None] / ia[None, :] + x2[:, None] / ib[None, :] - 1.0
        for k in range(x1.size):
            ok = np.isfinite(g[k])
            change = np.nonzero(ok[:-1] & ok[1:] & (np.sign(g[k, :-1]) != np.sign(g[k, 1:])))[0]
            if change.size == 0:
                continue
            a, b = ys[change[0]], ys[change[0] + 1]

            def eq(y: float, k: int = k) -> float:
                return float(x1[k] / fa.inverse(y) + x2[k] / fb.inverse(y) - 1.0)

            ref[k] = brentq(eq, a, b, xtol=1e-12) if g[k, change[0] + 1] != 0 else b
    bad = ~np.isfinite(ref)
    ref[bad] = np.maximum(fa.predict(x1[bad] + x2[bad]), fb.predict(x1[bad] + x2[bad]))
    return np.minimum(ref, 100.0), bad


def _cross_fit(x: NDArray[np.float64], y: NDArray[np.float64], e0: float) -> tuple[Any, bool]:
    """ZIP cross fit of one row/column of the matrix (``e0`` fixed, ``emax`` = 100)."""
    ok = np.isfinite(y)
    out = y.copy()
    if np.unique(x[ok]).size < 2:  # nothing to fit: the observed values stand, and say so
        return out, False
    fit = fit_hill(x[ok], y[ok], e0=e0, emax=100.0)
    if not fit.converged:
        return out, False
    out[ok] = fit.predict(x[ok])
    return out, True


def _zip(
    r: NDArray[np.float64], c: NDArray[np.float64], mat: NDArray[np.float64], fa: HillFit, fb: HillFit
) -> tuple[Any, Any, Any]:
    """ZIP reference and delta on the combination part of the matrix; cells of failed cross fits."""
    fra, fcb = fa.predict(r[1:]), fb.predict(c[1:])
    comb = mat[1:, 1:]
    along_row = np.empty_like(comb)  # row drug varies, column dose fixed
    along_col = np.empty_like(comb)
    failed = np.zeros(comb.shape, dtype=bool)
    for j in range(comb.shape[1]):
        along_row[:, j], ok = _cross_fit(r[1:], comb[:, j], float(fcb[j]))
        failed[:, j] |= not ok
    for i in range(comb.shape[0]):
        along_col[i, :], ok = _cross_fit(c[1:], comb[i, :], float(fra[i]))
        failed[i, :] |= not ok
    ref = fra[:, None] + fcb[None, :] - fra[:, None] * fcb[None, :] / 100.0
    return ref, (along_row + along_col) / 2.0 - ref, failed


def _score_block(block_id: Any, df: pd.DataFrame, models: Sequence[str], response: str) -> dict[str, Any]:
    """Score one block; ``{"error": reason}`` when it cannot be scored."""
    try:
        return _score(block_id, df, models, response)
    except BlockError as exc:
        return {"error": str(exc)}


def _score(block_id: Any, df: pd.DataFrame, models: Sequence[str], response: str) -> dict[str, Any]:
    block = check_block(df, response)
    names = block.names
    grid = block.data.groupby(["conc_row", "conc_col"])["response"].agg(["mean", "size"])
    # the dose grid of the design: a dose whose only wells were not measured still counts
    r = np.sort(df["conc_row"].unique()).astype(np.float64)
    c = np.sort(df["conc_col"].unique()).astype(np.float64)
    for col, doses, other in (("conc_row", r, "drug_col"), ("conc_col", c, "drug_row")):
        if doses[0] != 0:
            raise BlockError(f"no {col} == 0 dose: no single-drug data for {other}")
    for col, doses in (("conc_row", r), ("conc_col", c)):
        if doses.size - 1 < MIN_DOSES:
            raise BlockError(f"{col} has {doses.size - 1} non-zero doses (need >= {MIN_DOSES})")
    full = grid.reindex(pd.MultiIndex.from_product([r, c]))
    mat = full["mean"].to_numpy(dtype=np.float64).reshape(r.size, c.size)
    reps = full["size"].fillna(0).to_numpy(dtype=np.int64).reshape(r.size, c.size)
    missing = {(x, 0.0) for x in r[~np.isfinite(mat[:, 0])]} | {(0.0, x) for x in c[~np.isfinite(mat[0, :])]}
    if missing:
        unmeasured = set(zip(block.dropped["conc_row"], block.dropped["conc_col"], strict=True))
        if missing & unmeasured:  # Bliss and HSA need every single-drug response
            raise BlockError(f"response has {len(block.dropped)} NaN or infinite values")
        raise BlockError(
            f"{len(missing)} single-drug wells missing (each dose needs a well with the other dose 0)"
        )

    fa, fb = fit_hill(r, mat[:, 0]), fit_hill(c, mat[0, :])
    ya, yb = mat[1:, :1], mat[:1, 1:]
    comb = mat[1:, 1:]
    x1 = np.broadcast_to(r[1:, None], comb.shape).ravel()
    x2 = np.broadcast_to(c[None, 1:], comb.shape).ravel()
    fit_flag = [f"{role} Hill fit did not converge" for role, f in (("drug_row", fa), ("drug_col", fb))
                if not f.converged]  # fmt: skip
    summary, surface = [], []
    for model in models:
        flags = list(block.flags) + (list(fit_flag) if model in ("loewe", "zip") else [])
        flagged = np.zeros(comb.shape, dtype=bool)
        if model == "hsa":
            ref = np.maximum(ya, yb)
            excess = comb - ref
        elif model == "bliss":
            ref = ya + yb - ya * yb / 100.0
            excess = comb - ref
        elif model == "loewe":
            ref_flat, fallback = _loewe(x1, x2, fa, fb)
            ref = ref_flat.reshape(comb.shape)
            excess = comb - ref
            flagged = fallback.reshape(comb.shape) & np.isfinite(comb)
            n_fb = int(flagged.sum())
            if n_fb:
                flags.append(f"loewe not invertible in {n_fb} cells")
        else:
            ref, excess, flagged = _zip(r, c, mat, fa, fb)
            flagged &= np.isfinite(comb)
            if flagged.any():
                flags.append(f"zip cross fit failed for {int(flagged.sum())} cells")
        full_ref, full_exc, full_flag = mat.copy(), np.zeros_like(mat), np.zeros(mat.shape, dtype=bool)
        full_ref[1:, 1:], full_exc[1:, 1:], full_flag[1:, 1:] = ref, excess, flagged
        full_exc[~np.isfinite(mat)] = np.nan
        valid = excess[np.isfinite(excess)]
        summary.append({
            "block_id": block_id, "drug_row": names["drug_row"], "drug_col": names["drug_col"],
            "model": model, "score": float(valid.mean()) if valid.size else np.nan,
            "n_cells": int(valid.size), "flag": "; ".join(flags),
        })  # fmt: skip
        keep = reps.ravel() > 0
        surface.append(pd.DataFrame({
            "block_id": [block_id] * int(keep.sum()), "model": model,
            "conc_row": np.repeat(r, c.size)[keep], "conc_col": np.tile(c, r.size)[keep],
            "response": mat.ravel()[keep], "reference": full_ref.ravel()[keep],
            "excess": full_exc.ravel()[keep], "flagged": full_flag.ravel()[keep],
            "n_replicates": reps.ravel()[keep],
        }))  # fmt: skip
    fits = [
        {"block_id": block_id, "drug": names[role], "role": role[5:], **_fit_row(f)}
        for role, f in (("drug_row", fa), ("drug_col", fb))
    ]
    return {"summary": summary, "surface": surface, "fits": fits, "data_flags": block.flags}


def _fit_row(f: HillFit) -> dict[str, Any]:
    return {"e0": f.e0, "emax": f.emax, "ec50": f.ec50, "hill": f.hill, "r2": f.r2, "converged": f.converged}


def synergy(
    blocks: pd.DataFrame,
    models: Sequence[str] = MODELS,
    response: str = "inhibition",
    *,
    columns: Mapping[str, str] | None = None,
    n_jobs: int | None = 1,
) -> SynergyResult:
    """Score drug-combination blocks with the Bliss, HSA, Loewe and ZIP reference models.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Long table, one row per well: ``block_id, drug_row, drug_col, conc_row, conc_col,
        response``. SynergyFinder's ``conc_r``/``conc_c`` are accepted as they are. Rows that
        repeat a dose pair are replicates (averaged).
    models : sequence of str
        Any of ``"bliss", "hsa", "loewe", "zip"``.
    response : {"inhibition", "viability"}
        What the response column holds, in percent (viability becomes ``100 - viability``).
        Blocks whose responses look like another unit or the other kind are refused or flagged
        (the data checks of ``drugscreen.combos.blocks``): fractions (all within ±1.5: multiply by
        100), a raw signal (over a tenth of the wells outside -100..200 %), or single-drug responses that
        fall with dose (viability given as inhibition: flagged and logged, still scored).
    columns : mapping, optional
        Our column name -> the table's, e.g. ``{"conc_row": "conc1", "drug_row": "drug1"}``.
        Unmapped columns that name a third drug or give its dose (``drug3``, ``conc3``) make
        the blocks that use them refused: only two-drug blocks are scored.
    n_jobs : int or None
        Blocks scored in parallel by joblib: 1 = in this process, -1 = all cores, None = joblib's
        default (1 unless set by ``joblib.parallel_config``).

    Returns
    -------
    SynergyResult
        ``summary``, ``surface``, ``fits`` and ``errors`` tables (see :class:`SynergyResult`).
        Blocks that cannot be scored (no dose-0 row or column, fewer than three non-zero doses
        of a drug, non-numeric or negative doses, two drugs in one role or a third drug,
        responses in another unit, a single-drug well whose only response is NaN) are listed in
        ``errors`` and skipped. NaN or infinite responses are otherwise left out, as missing
        wells are, and counted in the ``flag`` column; flagged blocks are also logged.

    Raises
    ------
    InputError
        When a column is missing, a model or ``response`` is unknown, ``blocks`` is not a
        DataFrame, or ``n_jobs`` is not a whole number other than 0.
    """
    if isinstance(models, str):
        models = [models]
    elif not isinstance(models, Iterable):
        raise InputError(f"models must be model names, got {models!r}; choose from {list(MODELS)}")
    models = list(models)
    bad = [m for m in models if m not in MODELS]
    if bad or not models:
        raise InputError(f"unknown models {bad}; choose from {list(MODELS)}")
    models = list(dict.fromkeys(models))
    n_jobs = check_n_jobs(n_jobs)
    table = prepare_blocks(blocks, response, columns)
    groups = list(table.groupby("block_id", sort=False, dropna=False))
    if n_jobs == 1 or len(groups) < 2:
        outs = [_score_block(bid, sub, models, response) for bid, sub in groups]
    else:
        outs = Parallel(n_jobs=n_jobs)(
            delayed(_score_block)(bid, sub, models, response) for bid, sub in groups
        )
    summary: list[dict[str, Any]] = []
    surface: list[pd.DataFrame] = []
    fits: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    flagged: list[tuple[Any, list[str]]] = []
    for (bid, _), out in zip(groups, outs, strict=True):
        if "error" in out:
            errors.append({"block_id": bid, "reason": out["error"]})
            continue
        summary += out["summary"]
        surface += out["surface"]
        fits += out["fits"]
        if out["data_flags"]:
            flagged.append((bid, out["data_flags"]))
    log_flags("synergy", flagged, len(groups))
    if errors:
        logger.warning("synergy: skipped %d of %d blocks (see .errors)", len(errors), len(groups))
    logger.info("synergy: scored %d blocks with %s", len(groups) - len(errors), ", ".join(models))
    surf = pd.concat(surface, ignore_index=True) if surface else pd.DataFrame(columns=SURFACE_COLUMNS)
    return SynergyResult(
        summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
        surface=surf[SURFACE_COLUMNS],
        fits=pd.DataFrame(fits, columns=FIT_COLUMNS),
        errors=pd.DataFrame(errors, columns=["block_id", "reason"]),
    )
