"""The shipped ADMET panel: 34 endpoints predicted out of the box, with uncertainty, an
applicability domain, structural alerts and percentiles among approved drugs.

>>> import drugscreen as ds
>>> table = ds.admet.predict(["CCO", "c1ccccc1O"])          # doctest: +SKIP
>>> ds.admet.model_card("herg")["cv_metric"]               # doctest: +SKIP

Models load lazily, per endpoint, the first time one is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "predict": "drugscreen.admet.predictor",
    "endpoint_table": "drugscreen.admet.predictor",
    "model_card": "drugscreen.admet.predictor",
    "ENDPOINTS": "drugscreen.admet.endpoints",
    "Endpoint": "drugscreen.admet.endpoints",
    "approved_drugs": "drugscreen.admet.panel_files",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drugscreen.admet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
