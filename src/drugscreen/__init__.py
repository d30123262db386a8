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

__version__ = "0.1.0"

logging.getLogger("drugscreen").addHandler(logging.NullHandler())

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
    "read_molecules": "drugscreen.chem.io",
    "iter_records": "drugscreen.chem.io",
    "DrugscreenError": "drugscreen.errors",
    "SpecError": "drugscreen.errors",
    "InputError": "drugscreen.errors",
    "MoleculeError": "drugscreen.errors",
    "DatabaseError": "drugscreen.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
