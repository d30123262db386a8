"""From raw model outputs to what users read: values, labels, probabilities, spreads, tables.

Every model (graph networks and the fingerprint baseline) provides ``_raw_outputs(X)``: an
array ``[members, n, outputs]`` in training units -- scaled regression values (then variances
for mean-variance estimation), binary logits, or multiclass logits -- with NaN rows for
molecules that could not be read. :class:`ModelOutputs` turns that into the scikit-learn
methods, so all models answer the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - np.nanmax(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class ModelOutputs:
    """predict / predict_proba / predict_table / score from ``_raw_outputs``."""

    targets_: Any
    uncertainty: str | None
    ensemble_size: int
    mc_samples: int
    calibration_: dict[str, Any] | None

    #: Each model's own: ``(raw [members, n, outputs], valid, errors)`` (see the module docstring).
    _raw_outputs: Callable[..., tuple[np.ndarray, np.ndarray, list[str | None]]]

    def _check_fitted(self) -> None:
        from sklearn.exceptions import NotFittedError

        if not hasattr(self, "targets_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit first")

    def _regression(self, X: Any, want_std: bool) -> tuple[np.ndarray, np.ndarray | None, list[str | None]]:
        """Mean ``[n, tasks]`` in label units, its standard deviation, and errors."""
        t = self.targets_
        samples = self.mc_samples if (want_std and self.uncertainty == "dropout") else 0
        raw, _, errors = self._raw_outputs(X, samples)
        mean_scale, scale = np.asarray(t.mean), np.asarray(t.scale)
        if self.uncertainty == "mve":
            mu_s, raw_var = raw[..., : t.n_tasks], raw[..., t.n_tasks :]
            with np.errstate(invalid="ignore"):  # NaN rows of molecules that could not be read
                var = np.logaddexp(0, raw_var) + 1e-6  # softplus, as in training
        else:
            mu_s, var = raw, None
        mu = mu_s * scale + mean_scale
        mean = mu.mean(axis=0)
        if not want_std:
            return mean, None, errors
        if var is not None:
            total = (var * scale**2).mean(axis=0) + mu.var(axis=0)
        elif len(mu) > 1:
            total = mu.var(axis=0)
        else:
            raise InputError(
                "this model has no uncertainty estimate: fit it with uncertainty='ensemble' (and "
                "ensemble_size >= 2), 'mve' or 'dropout'"
            )
        return mean, np.sqrt(total), errors

    def _probabilities(self, X: Any) -> tuple[np.ndarray, list[str | None]]:
        """Positive-class probabilities ``[n, tasks]`` (binary) or ``[n, classes]``
        (multiclass), averaged over members and calibrated when the model has been."""
        raw, _, errors = self._raw_outputs(X)
        if self.targets_.task == "multiclass":
            probs = _softmax(raw).mean(axis=0)
        else:
            probs = _sigmoid(raw).mean(axis=0)
            probs = self._calibrated(probs)
        return probs, errors

    def _calibrated(self, probs: np.ndarray) -> np.ndarray:
        return probs  # CalibratedOutputs overrides this once calibrate() was called

    @property
    def classes_(self) -> np.ndarray:
        """The class labels of a fitted classifier (scikit-learn's attribute)."""
        targets = getattr(self, "targets_", None)
        if targets is None or targets.task == "regression" or not targets.one_dimensional:
            raise AttributeError("classes_ exists for fitted single-task classifiers")
        return np.asarray(targets.classes)

    def _squeeze(self, values: np.ndarray) -> np.ndarray:
        return values[:, 0] if self.targets_.one_dimensional else values

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Predicted values (regression) or labels (classification).

        Parameters
        ----------
        X : sequence of str
            SMILES; a molecule that cannot be read gets NaN.
        return_std : bool
            Also return the standard deviation of each prediction (regression models fitted
            with an ``uncertainty``, or ensembles).

        Returns
        -------
        ndarray, shape (n,) or (n, n_tasks); with ``return_std`` a pair ``(mean, std)``
        """
        self._check_fitted()
        if self.targets_.task == "regression":
            mean, std, _ = self._regression(X, return_std)
            if std is None:
                return self._squeeze(mean)
            return self._squeeze(mean), self._squeeze(std)
        if return_std:
            raise InputError("return_std is for regression; classifiers give predict_proba")
        codes = self._label_codes(self._probabilities(X)[0])
        if self.targets_.task == "classification" and list(self.targets_.classes) == [0, 1]:
            return self._squeeze(codes.astype(np.int64) if not np.isnan(codes).any() else codes)
        return _tidy(self._squeeze(self._labels(codes)))

    def _label_codes(self, probs: np.ndarray) -> np.ndarray:
        """Predicted class codes ``[n, tasks]`` (index into ``classes``; NaN: no prediction)."""
        if self.targets_.task == "multiclass":
            codes = np.full((len(probs), 1), np.nan)
            ok = ~np.isnan(probs).any(axis=1)
            codes[ok, 0] = np.argmax(probs[ok], axis=1)
            return codes
        return np.where(np.isnan(probs), np.nan, (probs >= 0.5).astype(float))

    def _labels(self, codes: np.ndarray) -> np.ndarray:
        """Class labels (objects; NaN where there is no prediction) of codes."""
        classes = np.asarray(self.targets_.classes, dtype=object)
        out = np.full(codes.shape, np.nan, dtype=object)
        ok = ~np.isnan(codes)
        out[ok] = classes[codes[ok].astype(int)]
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: ``(n, 2)`` for one binary task (scikit-learn's layout),
        ``(n, n_tasks)`` positive-class probabilities for several, ``(n, n_classes)`` for
        multiclass. NaN rows for molecules that cannot be read."""
        self._check_fitted()
        if self.targets_.task == "regression":
            raise InputError("predict_proba is for classification models")
        probs, _ = self._probabilities(X)
        if self.targets_.task == "classification" and self.targets_.one_dimensional:
            return np.column_stack([1 - probs[:, 0], probs[:, 0]])
        return probs

    def predict_table(self, X: Any, ids: Any = None) -> pd.DataFrame:
        """Predictions as a table: ``id``, one column per task (``<task>_std`` beside it when
        the model estimates uncertainty; class probabilities ``<task>_p_<class>`` for
        multiclass) and ``error`` (why a molecule has no prediction)."""
        self._check_fitted()
        from drugscreen.models.data import as_smiles

        smiles = as_smiles(X)
        table = pd.DataFrame({"id": list(ids) if ids is not None else smiles})
        t = self.targets_
        if t.task == "regression":
            has_std = self.uncertainty is not None or self.ensemble_size > 1
            mean, std, errors = self._regression(smiles, has_std)
            for j, name in enumerate(t.names):
                table[name] = mean[:, j]
                if std is not None:
                    table[f"{name}_std"] = std[:, j]
        else:
            probs, errors = self._probabilities(smiles)
            if t.task == "multiclass":
                table[t.names[0]] = self._labels(self._label_codes(probs))[:, 0]  # objects, always
                for j, c in enumerate(t.classes):
                    table[f"{t.names[0]}_p_{c}"] = probs[:, j]
            else:
                for j, name in enumerate(t.names):
                    table[name] = probs[:, j]
        table["error"] = pd.Series(errors, dtype=object)
        return table

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R² (regression, mean over tasks) or accuracy (classification, over labels present)."""
        self._check_fitted()
        from drugscreen.models.metrics import mean_r2

        if sample_weight is not None:
            raise InputError("score does not take sample weights")
        if self.targets_.task == "regression":
            return mean_r2(np.asarray(y, dtype=np.float64), self.predict(X))
        truth, present = self.targets_.encode(y)  # class codes: 1 and 1.0 are the same label
        pred = self._label_codes(self._probabilities(X)[0])
        present &= ~np.isnan(pred)
        return float((truth[present] == pred[present]).mean()) if present.any() else float("nan")

    def save(self, path: Any, *, overwrite: bool = False) -> Any:
        """Write the fitted model to the directory ``path`` (see :func:`drugscreen.models.save`)."""
        from drugscreen.models.store import save

        return save(self, path, overwrite=overwrite)

    def _tags_for_task(self, tags: Any) -> Any:
        from sklearn.utils import ClassifierTags, RegressorTags

        task = getattr(self, "task", "regression")
        if task == "regression":
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        else:
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags(multi_class=task == "multiclass")
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _tidy(labels: np.ndarray) -> np.ndarray:
    """Object labels as a plain array when they are all numbers and none is missing."""
    try:
        if not pd.isna(labels).any():
            return np.asarray(labels.tolist())
    except (TypeError, ValueError):
        pass
    return labels
