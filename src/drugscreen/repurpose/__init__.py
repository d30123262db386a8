"""New uses for approved drugs: network proximity, knowledge-graph paths, target prediction.

>>> import drugscreen as ds
>>> table = ds.repurpose.proximity(net, drug_targets, disease_genes)   # doctest: +SKIP
>>> values = ds.repurpose.dwpc(hetnet, "CbGaD")                        # doctest: +SKIP
>>> model = ds.repurpose.Rephetio().fit(hetnet)                        # doctest: +SKIP
>>> splits = ds.repurpose.harness.disease_splits(labels)                # doctest: +SKIP
>>> hits = ds.repurpose.SEA(ligand_sets).fit().predict(["CCO"])        # doctest: +SKIP

The model and SEA (scikit-learn, RDKit) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from drugscreen.repurpose.dwpc import DAMPING, dwpc, dwpc_features, explain, path_counts
from drugscreen.repurpose.proximity import DISTANCES, degree_bins, proximity, target_contributions

_LAZY = {
    "Rephetio": "drugscreen.repurpose.rephetio",
    "CVResult": "drugscreen.repurpose.rephetio_eval",
    "cross_validate": "drugscreen.repurpose.rephetio_eval",
    "metapath_aurocs": "drugscreen.repurpose.rephetio_eval",
    "baselines": "drugscreen.repurpose.rephetio_eval",
    "network_distance": "drugscreen.repurpose.rephetio_eval",
    "degree_prior": "drugscreen.repurpose.rephetio_features",
    "harness": "drugscreen.repurpose.harness",
    "SEA": "drugscreen.repurpose.sea",
    "choose_threshold": "drugscreen.repurpose.sea",
    "KGEmbedding": "drugscreen.repurpose.kge",
    "hetnet_triples": "drugscreen.repurpose.kge",
    "kge_scorer": "drugscreen.repurpose.kge",
    "filtered_ranks": "drugscreen.repurpose.kge_metrics",
    "rank_summary": "drugscreen.repurpose.kge_metrics",
}

__all__ = [
    "DAMPING",
    "DISTANCES",
    "degree_bins",
    "dwpc",
    "dwpc_features",
    "explain",
    "path_counts",
    "proximity",
    "target_contributions",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen.repurpose' has no attribute {name!r}")
    if module.endswith("." + name):  # a submodule itself (``ds.repurpose.harness``)
        return importlib.import_module(module)
    return getattr(importlib.import_module(module), name)
