"""End-to-end screening jobs: resumable streaming screens of library files, and the demo.

The package is itself callable: ``ds.screen(library, queries, out_dir, k=100)`` is
:func:`drugscreen.screen.pipeline.screen`, and ``ds.screen.ScreenResult``, ``ds.screen.Stage``,
... are its types.

>>> import drugscreen as ds
>>> callable(ds.screen) and ds.screen.screen is ds.screen.pipeline.screen
True
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_EXPORTS = {
    "screen": "drugscreen.screen.pipeline",
    "ScreenResult": "drugscreen.screen.pipeline",
    "ChunkTable": "drugscreen.screen.stages",
    "Stage": "drugscreen.screen.stages",
    "SearchStage": "drugscreen.screen.stages",
    "PredictionStage": "drugscreen.screen.model_stage",
    "AdmetStage": "drugscreen.screen.model_stage",
    "predict_library": "drugscreen.screen.predict",
    "PredictResult": "drugscreen.screen.predict",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'drugscreen.screen' has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    # ``ds.screen`` must be both the function users call and the package holding its parts:
    # once any submodule is imported, Python binds the package itself to ``drugscreen.screen``.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from drugscreen.screen.pipeline import screen

        return screen(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
