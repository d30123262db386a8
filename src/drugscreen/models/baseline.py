"""The fingerprint baseline: count ECFP (+ RDKit 2D descriptors) into gradient boosting or a
random forest.

Reported beside every graph-network figure because it often wins on ADMET sets. One
scikit-learn model per task (rows with a missing label left out of that task's model), and
``ensemble_size`` of them with consecutive seeds for an ensemble spread. It answers the same
methods as the graph models (``predict``, ``predict_proba``, ``predict_table``,
``calibrate``, ...).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from drugscreen.errors import InputError
from drugscreen.models.calibration import CalibratedOutputs
from drugscreen.models.data import DescriptorScaler, as_smiles, descriptors_for
from drugscreen.models.outputs import ModelOutputs
from drugscreen.models.targets import Targets
from drugscreen.validate import check_n_jobs, check_number

logger = logging.getLogger("drugscreen")

ESTIMATORS = ("gbm", "rf")

#: Molecules featurised and predicted at a time.
PREDICT_CHUNK = 20_000


class FingerprintModel(CalibratedOutputs, ModelOutputs, BaseEstimator):
    """Count Morgan fingerprints (and descriptors) with gradient boosting or a random forest.

    Parameters
    ----------
    task : {"regression", "classification", "multiclass"}
        As for the graph models; missing labels (NaN) leave the row out of that task.
    estimator : {"gbm", "rf"}
        scikit-learn's ``HistGradientBoosting*`` (default settings, ``max_iter`` rounds) or
        ``RandomForest*`` (``n_estimators`` trees, all cores of ``n_jobs``).
    radius, nbits : int
        The count ECFP (Morgan) fingerprint: radius 2, 2048 folded counts by default.
    descriptors : bool
        Append the 217 RDKit 2D descriptors (z-scored).
    max_iter, n_estimators : int
        Boosting rounds (gbm) or trees (rf).
    ensemble_size : int
        Models with seeds ``random_state, random_state + 1, ...``, each (when there are several)
        trained on its own bootstrap sample of the rows; predictions are their mean.
    uncertainty : {None, "ensemble"}
        ``"ensemble"`` lets ``predict(..., return_std=True)`` report the ensemble spread.
    class_weight : {None, "balanced"}
        Passed to the scikit-learn model.
    n_jobs : int
        Processes for featurisation and cores for the random forest.
    random_state : int
        Seed of the models.

    Examples
    --------
    >>> import drugscreen as ds
    >>> smiles = ["CCO", "CCN", "CCC", "c1ccccc1", "CC(=O)O", "CCCl"] * 5
    >>> model = ds.models.FingerprintModel(estimator="rf", n_estimators=20).fit(smiles, range(30))
    >>> model.predict(["CCO"]).shape
    (1,)
    """

    def __init__(
        self,
        task: str = "regression",
        *,
        estimator: str = "gbm",
        radius: int = 2,
        nbits: int = 2048,
        descriptors: bool = True,
        max_iter: int = 300,
        n_estimators: int = 500,
        ensemble_size: int = 1,
        uncertainty: str | None = None,
        class_weight: str | None = None,
        n_jobs: int | None = 1,
        random_state: int = 0,
        cache_dir: str | None = None,
    ) -> None:
        self.task = task
        self.estimator = estimator
        self.radius = radius
        self.nbits = nbits
        self.descriptors = descriptors
        self.max_iter = max_iter
        self.n_estimators = n_estimators
        self.ensemble_size = ensemble_size
        self.uncertainty = uncertainty
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.cache_dir = cache_dir

    mc_samples = 0

    def _features(self, X: Any, fit: bool = False) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        # (descriptors are cached in cache_dir for training data only)
        """``float32[n, nbits (+ 217)]`` features, validity and errors of SMILES ``X``; with
        ``fit`` the descriptor scaling is learnt from these molecules."""
        from drugscreen.chem.fingerprints import _fingerprint_records
        from drugscreen.chem.io import iter_records
        from drugscreen.chem.spec import FingerprintSpec

        smiles = as_smiles(X)
        spec = FingerprintSpec(kind="morgan", radius=self.radius, nbits=self.nbits, counts=True)
        fps, failures = _fingerprint_records(list(iter_records(smiles)), spec, self.n_jobs, False)
        errors: list[str | None] = [None] * len(smiles)
        for rec, reason in failures:
            errors[rec.row] = reason
        features = fps.data.astype(np.float32).toarray()
        valid = np.array([e is None for e in errors], dtype=bool)
        if self.descriptors:
            desc = descriptors_for(smiles, n_jobs=self.n_jobs, cache_dir=self.cache_dir if fit else None)
            if fit:
                self.descriptor_scaler_ = DescriptorScaler.fit(desc[valid])
            features = np.hstack([features, self.descriptor_scaler_.transform(desc)])
        return features, valid, errors

    def _make(self, seed: int) -> Any:
        from sklearn import ensemble

        classify = self.task != "regression"
        if self.estimator == "gbm":
            cls = (
                ensemble.HistGradientBoostingClassifier
                if classify
                else ensemble.HistGradientBoostingRegressor
            )
            kwargs: dict[str, Any] = {"max_iter": self.max_iter, "random_state": seed}
        else:
            cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
            kwargs = {"n_estimators": self.n_estimators, "random_state": seed, "n_jobs": self.n_jobs}
        if classify and self.class_weight:
            kwargs["class_weight"] = self.class_weight
        return cls(**kwargs)

    def fit(self, X: Any, y: Any) -> FingerprintModel:
        """Train on SMILES ``X`` and labels ``y`` (NaN = missing); returns self."""
        if self.estimator not in ESTIMATORS:
            raise InputError(f"estimator must be one of {ESTIMATORS}, not {self.estimator!r}")
        if self.uncertainty not in (None, "ensemble"):
            raise InputError("the fingerprint baseline's uncertainty is None or 'ensemble'")
        for name, low in (("radius", 0), ("nbits", 1), ("max_iter", 1), ("n_estimators", 1)):
            check_number(name, getattr(self, name), low=low, integer=True)
        check_number("ensemble_size", self.ensemble_size, low=1, integer=True)
        check_number("random_state", self.random_state, low=0, high=2**32 - 1, integer=True)
        check_n_jobs(self.n_jobs)
        if self.uncertainty == "ensemble" and self.ensemble_size < 2:
            raise InputError("uncertainty='ensemble' needs ensemble_size >= 2")
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} molecules and y {len(y)} labels")
        targets = Targets.fit(y, self.task, None)
        features, valid, _ = self._features(X, fit=True)
        self.n_dropped_ = int((~valid).sum())
        if self.n_dropped_:
            logger.warning(
                "%d of %d training molecules could not be read and are left out", self.n_dropped_, len(valid)
            )
        codes, mask = targets.encode(y)
        self.models_ = []
        for member in range(int(self.ensemble_size)):
            per_task = []
            seed = int(self.random_state) + member
            for j in range(targets.n_tasks):
                rows = np.flatnonzero(valid & mask[:, j])
                if len(np.unique(codes[rows, j])) < 2 and self.task != "regression":
                    raise InputError(f"task {targets.names[j]!r} has one class only among its labels")
                if self.ensemble_size > 1:
                    # boosting is deterministic given its rows: members differ by a bootstrap sample
                    rows = np.sort(np.random.default_rng(seed).choice(rows, size=len(rows), replace=True))
                per_task.append(self._make(seed).fit(features[rows], codes[rows, j]))
            self.models_.append(per_task)
        self.targets_ = targets
        self.calibration_ = None
        return self

    def _raw_outputs(
        self, X: Any, dropout_samples: int = 0
    ) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        self._check_fitted()
        t = self.targets_
        X = as_smiles(X)
        n = len(X)
        width = len(t.classes or []) if t.task == "multiclass" else t.n_tasks
        out = np.full((len(self.models_), n, width), np.nan)
        valid_all = np.zeros(n, dtype=bool)
        errors: list[str | None] = []
        for start in range(0, n, PREDICT_CHUNK):
            features, valid, errs = self._features(X[start : start + PREDICT_CHUNK])
            errors += errs
            rows = np.flatnonzero(valid)
            valid_all[start + rows] = True
            if not len(rows):
                continue
            for m, per_task in enumerate(self.models_):
                for j, model in enumerate(per_task):
                    if t.task == "regression":
                        out[m, start + rows, j] = model.predict(features[rows])  # trained on scaled
                    elif t.task == "multiclass":
                        probs = np.full((len(rows), width), 1e-12)  # a class the model never saw
                        probs[:, model.classes_.astype(int)] = model.predict_proba(features[rows])
                        out[m, start + rows] = np.log(np.clip(probs, 1e-12, 1))
                    else:
                        p = np.clip(model.predict_proba(features[rows])[:, 1], 1e-7, 1 - 1e-7)
                        out[m, start + rows, j] = np.log(p / (1 - p))
        return out, valid_all, errors

    def __sklearn_tags__(self) -> Any:
        return self._tags_for_task(super().__sklearn_tags__())
