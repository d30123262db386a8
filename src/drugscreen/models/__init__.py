"""Property models: graph neural networks and a fingerprint baseline, as scikit-learn
estimators that train and predict from SMILES.

>>> import drugscreen as ds
>>> model = ds.models.DMPNN(task="regression")            # doctest: +SKIP
>>> model.fit(train_smiles, train_y).predict(test_smiles)  # doctest: +SKIP

Nothing heavy is imported until it is needed: torch loads when a graph model first trains or predicts.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DMPNN": "drugscreen.models.estimators",
    "GIN": "drugscreen.models.estimators",
    "AttentiveFP": "drugscreen.models.estimators",
    "GraphModel": "drugscreen.models.estimators",
    "FingerprintModel": "drugscreen.models.baseline",
    "to_graphs": "drugscreen.models.featurize",
    "MolGraphs": "drugscreen.models.featurize",
    "Split": "drugscreen.models.split_file",
    "make_split": "drugscreen.models.splits",
    "random_split": "drugscreen.models.splits",
    "scaffold_split": "drugscreen.models.splits",
    "stratified_split": "drugscreen.models.splits",
    "cluster_split": "drugscreen.models.splits",
    "load": "drugscreen.models.loading",
    "save": "drugscreen.models.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
