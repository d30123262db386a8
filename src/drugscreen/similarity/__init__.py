"""Similarity search: the fingerprint database (storage), the search engine, similarity matrices.

The names of drugscreen 0.1's ``drugscreen.similarity`` module (the engine before it became
this subpackage) still resolve here, lazily.
"""

from __future__ import annotations

import importlib
from typing import Any

_OLD_NAMES = {
    "search": "drugscreen.similarity.arrays",
    "similarity_matrix": "drugscreen.similarity.matrix",
    "bulk_similarity": "drugscreen.similarity.matrix",
    "search_segments": "drugscreen.similarity.engine",
    "popcount_bounds": "drugscreen.similarity.engine",
    "SearchParams": "drugscreen.similarity.params",
    "Segment": "drugscreen.similarity.segment",
    "as_fingerprints": "drugscreen.similarity.queries",
}


def __getattr__(name: str) -> Any:
    module = _OLD_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen.similarity' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
