"""Calibrating a fitted model on held-out molecules, and judging its uncertainty.

Regression: split-conformal intervals -- the nonconformity score of a validation molecule is
``|y - mean| / std`` when the model estimates ``std`` (normalised intervals that widen where
the model is unsure) and ``|y - mean|`` otherwise; ``predict_interval(X, alpha)`` then covers
the truth with probability at least ``1 - alpha`` for exchangeable data (Lei et al. 2018).
Classification: Platt or isotonic scaling of each task's probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from drugscreen.errors import InputError
from drugscreen.models import uncertainty as unc

METHODS = {"regression": ("conformal",), "classification": ("platt", "isotonic")}


class CalibratedOutputs:
    """calibrate / predict_interval / evaluate_uncertainty (for models with ModelOutputs)."""

    targets_: Any
    uncertainty: str | None
    ensemble_size: int
    calibration_: dict[str, Any] | None

    def _has_std(self) -> bool:
        return self.uncertainty is not None or self.ensemble_size > 1

    def _label_values(self, y: Any) -> np.ndarray:
        """Labels as floats ``[n, tasks]``, NaN where missing: values for regression, class codes
        (0 / 1, the positive class being ``classes_[1]``) for classification."""
        if self.targets_.task == "regression":
            self.targets_.encode(y)  # checks the shape and that the labels are numbers
            return np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        codes, mask = self.targets_.encode(y)
        return np.where(mask, codes, np.nan).astype(np.float64)

    def calibrate(self, X: Any, y: Any, method: str | None = None) -> dict[str, Any]:
        """Fit the calibration on validation molecules ``X`` with labels ``y``.

        Parameters
        ----------
        X, y
            Molecules not used for training, and their labels (NaN = missing).
        method : {"conformal", "platt", "isotonic"}, optional
            Default ``"conformal"`` for regression, ``"platt"`` for classification.

        Returns
        -------
        dict
            What the calibration found on ``X`` (kept as ``calibration_["report"]``):
            for regression the coverage of the uncalibrated ``mean +- 1.645 std`` interval
            and the miscalibration area; for classification the expected calibration error
            before and after, per task.
        """
        self._check_fitted()  # type: ignore[attr-defined]
        task = self.targets_.task
        if task == "multiclass":
            raise InputError("calibration is for regression and binary classification models")
        method = method or METHODS[task][0]
        if method not in METHODS[task]:
            raise InputError(f"a {task} model calibrates with {METHODS[task]}, not {method!r}")
        labels = self._label_values(y)
        self.calibration_ = None
        if task == "regression":
            mean, std, _ = self._regression(X, self._has_std())  # type: ignore[attr-defined]
            scores, report = [], {}
            for j, name in enumerate(self.targets_.names):
                resid = np.abs(labels[:, j] - mean[:, j])
                s = resid / np.maximum(std[:, j], 1e-12) if std is not None else resid
                scores.append(np.sort(s[~np.isnan(s)]).tolist())
                if std is not None:
                    report[name] = {
                        "coverage_90_gaussian": unc.coverage(
                            labels[:, j], mean[:, j] - 1.645 * std[:, j], mean[:, j] + 1.645 * std[:, j]
                        ),
                        "miscalibration_area": unc.miscalibration_area(labels[:, j], mean[:, j], std[:, j]),
                    }
            self.calibration_ = {
                "method": method,
                "normalized": std is not None,
                "scores": scores,
                "report": report,
            }
            return report
        probs, _ = self._probabilities(X)  # type: ignore[attr-defined]
        params, report = [], {}
        for j, name in enumerate(self.targets_.names):
            keep = ~np.isnan(labels[:, j]) & ~np.isnan(probs[:, j])
            t, p = labels[keep, j], probs[keep, j]
            if len(np.unique(t)) < 2:
                raise InputError(f"task {name!r}: calibration needs both classes among the labels")
            fit: dict[str, Any] = unc.fit_platt(t, p) if method == "platt" else unc.fit_isotonic(t, p)
            params.append(fit)
            after = unc.apply_platt(fit, p) if method == "platt" else unc.apply_isotonic(fit, p)
            report[name] = {
                "ece_before": unc.expected_calibration_error(t, p),
                "ece_after": unc.expected_calibration_error(t, after),
            }
        self.calibration_ = {"method": method, "params": params, "report": report}
        return report

    def _calibrated(self, probs: np.ndarray) -> np.ndarray:
        cal = self.calibration_
        if not cal or self.targets_.task != "classification":
            return probs
        out = probs.copy()
        for j, fit in enumerate(cal["params"]):
            ok = ~np.isnan(probs[:, j])
            apply = unc.apply_platt if cal["method"] == "platt" else unc.apply_isotonic
            out[ok, j] = apply(fit, probs[ok, j])
        return out

    def predict_interval(self, X: Any, alpha: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """Conformal prediction intervals ``(lower, upper)`` at miscoverage ``alpha``.

        Needs :meth:`calibrate` first. Intervals are infinite when the calibration set is too
        small for ``alpha`` (fewer than ``1 / alpha - 1`` labels).
        """
        self._check_fitted()  # type: ignore[attr-defined]
        cal = self.calibration_
        if not cal or cal.get("method") != "conformal":
            raise InputError("call calibrate(X_val, y_val) on held-out molecules before predict_interval")
        if not 0 < alpha < 1:
            raise InputError(f"alpha must be in (0, 1), not {alpha}")
        mean, std, _ = self._regression(X, cal["normalized"])  # type: ignore[attr-defined]
        q = np.array([unc.conformal_quantile(np.asarray(s), alpha) for s in cal["scores"]])
        width = q * std if std is not None else np.broadcast_to(q, mean.shape)
        lower, upper = mean - width, mean + width
        squeeze = self.targets_.one_dimensional
        return (lower[:, 0], upper[:, 0]) if squeeze else (lower, upper)

    def evaluate_uncertainty(self, X: Any, y: Any, alpha: float = 0.1) -> dict[str, Any]:
        """Coverage and width of the conformal intervals (regression) or the expected
        calibration error (classification) on test molecules, per task."""
        self._check_fitted()  # type: ignore[attr-defined]
        labels = self._label_values(y)
        out: dict[str, Any] = {}
        if self.targets_.task == "regression":
            lower, upper = self.predict_interval(X, alpha)
            lower, upper = lower.reshape(len(y), -1), upper.reshape(len(y), -1)
            for j, name in enumerate(self.targets_.names):
                out[name] = {
                    "coverage": unc.coverage(labels[:, j], lower[:, j], upper[:, j]),
                    "target_coverage": 1 - alpha,
                    "mean_width": float(np.nanmean(upper[:, j] - lower[:, j])),
                }
            return out
        probs, _ = self._probabilities(X)  # type: ignore[attr-defined]
        for j, name in enumerate(self.targets_.names):
            out[name] = {"ece": unc.expected_calibration_error(labels[:, j], probs[:, j])}
        return out
