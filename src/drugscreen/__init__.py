"""drugscreen: fast, correct fingerprint similarity screening for drug discovery.

The public API is imported lazily so that ``import drugscreen`` stays fast:

>>> import drugscreen as ds
>>> db = ds.FingerprintDB.open("library.dsdb")          # doctest: +SKIP
>>> hits = db.search(["CC(=O)Oc1ccccc1C(=O)O"], k=10)    # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from drugscreen import _compat

__version__ = "0.1.0"

logging.getLogger("drugscreen").addHandler(logging.NullHandler())
_compat.install()  # drugscreen 0.1's module paths (drugscreen.db, drugscreen.spec, ...) still import

_EXPORTS = {
    "FingerprintSpec": "drugscreen.chem.spec",
    "Fingerprinter": "drugscreen.chem.transformer",
    "FingerprintArray": "drugscreen.chem.fingerprints",
    "fingerprint": "drugscreen.chem.fingerprints",
    "FingerprintDB": "drugscreen.similarity.db",
    "BuildReport": "drugscreen.similarity.ingest",
    "search": "drugscreen.similarity.arrays",
    "similarity_matrix": "drugscreen.similarity.matrix",
    "bulk_similarity": "drugscreen.similarity.matrix",
    "read_molecules": "drugscreen.chem.parse",
    "scaffolds": "drugscreen.chem.scaffolds",
    "group_by_scaffold": "drugscreen.chem.scaffolds",
    "standardize": "drugscreen.chem.standardize",
    "dedup": "drugscreen.chem.standardize",
    "filter_molecules": "drugscreen.chem.filters",
    "descriptors": "drugscreen.chem.descriptors",
    "has_substructure": "drugscreen.chem.substructure",
    "iter_records": "drugscreen.chem.io",
    "DrugscreenError": "drugscreen.errors",
    "SpecError": "drugscreen.errors",
    "InputError": "drugscreen.errors",
    "MoleculeError": "drugscreen.errors",
    "DatabaseError": "drugscreen.errors",
}

#: Subpackages used as namespaces: ``ds.cluster.butina(...)``, ``ds.vs.auroc(...)``.
_SUBPACKAGES = (
    "cluster",
    "vs",
    "network",
    "repurpose",
    "combos",
    "targets",
    "screen",
    "models",
    "admet",
    "campaign",
    "report",
    "interop",
)

__all__ = sorted(_EXPORTS) + list(_SUBPACKAGES) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"drugscreen.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
