"""Self-contained HTML reports: structure depictions, plots and a sortable, searchable grid.

:class:`~drugscreen.report.page.ReportPage` holds what a page shows and
:func:`~drugscreen.report.page.write_report` writes it as one file that opens from disk with no
server and no network.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ReportPage": "drugscreen.report.page",
    "write_report": "drugscreen.report.page",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'drugscreen.report' has no attribute {name!r}")
