"""A property model as a stage of a screening job: predictions added to every molecule (and so
to its hits), optionally a filter on the predicted value.

>>> stage = PredictionStage(model, keep_min=-4.0)    # doctest: +SKIP
>>> ds.screen("library.smi.gz", queries, "out", k=100, stages=[stage])  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import numpy as np

from drugscreen.errors import InputError
from drugscreen.screen.stages import ChunkTable
from drugscreen.validate import check_number


class PredictionStage:
    """Predict each chunk's molecules with ``model`` and add the prediction columns.

    Parameters
    ----------
    model : fitted model or path
        A drugscreen property model, or its saved directory.
    column : str, optional
        The prediction column that ``keep_min`` / ``keep_max`` apply to (default: the first).
    keep_min, keep_max : float, optional
        Keep only molecules whose prediction lies in this range (molecules without a
        prediction are dropped when a range is given).
    prefix : str
        Put before the model's column names (``pred_`` by default) so they cannot clash with
        the hits' own columns.
    """

    name = "predict"

    def __init__(
        self,
        model: Any,
        column: str | None = None,
        keep_min: float | None = None,
        keep_max: float | None = None,
        prefix: str = "pred_",
    ):
        from drugscreen.models.loading import load
        from drugscreen.models.store import model_digest

        self.model = load(model) if isinstance(model, str | os.PathLike) else model
        names = self.model.targets_.names
        self.column = column if column is not None else names[0]
        if self.column not in names:
            raise InputError(f"the model predicts {names}, not {self.column!r}")
        self.keep_min, self.keep_max, self.prefix = keep_min, keep_max, prefix
        self._digest = model_digest(self.model)

    def config(self) -> dict[str, Any]:
        return {
            "model": self._digest,
            "column": self.column,
            "keep_min": self.keep_min,
            "keep_max": self.keep_max,
            "prefix": self.prefix,
        }

    def process(self, table: ChunkTable) -> ChunkTable:
        ranges = (
            {}
            if self.keep_min is None and self.keep_max is None
            else {self.column: (self.keep_min, self.keep_max)}
        )
        return _predicted(table, self.model, self.prefix, ranges)


def _predicted(
    table: ChunkTable, model: Any, prefix: str, ranges: dict[str, tuple[float | None, float | None]]
) -> ChunkTable:
    """``table`` with ``model.predict_table``'s columns added (prefixed), and only the molecules
    whose named columns lie in their ``(low, high)`` ranges kept (missing values fail a range)."""
    preds = model.predict_table(table.molecules["smiles"].tolist())
    values = preds.drop(columns=["id", "error"])
    added = table.molecules.copy()
    for name in values.columns:
        added[prefix + name] = values[name].to_numpy()
    out = replace(table, molecules=added)
    if not ranges:
        return out
    keep = np.ones(len(values), dtype=bool)
    for column, (low, high) in ranges.items():
        value = values[column].to_numpy(dtype=np.float64, na_value=np.nan)
        keep &= ~np.isnan(value)
        if low is not None:
            keep &= value >= low
        if high is not None:
            keep &= value <= high
    return out.select(keep)


class AdmetStage:
    """The shipped ADMET panel as a stage: its columns added to every molecule, and optionally
    only the molecules within given ranges kept.

    Parameters
    ----------
    endpoints : str or list of str, optional
        Panel endpoints (default all); as for :func:`drugscreen.admet.predict`.
    keep : dict, optional
        ``{column: (low, high)}`` over the panel's columns (either bound may be None), e.g.
        ``{"herg": (None, 0.3), "solubility_aqsoldb": (-5, None), "herg_pct": (None, 50)}``;
        a molecule is kept when every named column lies in its range (missing values fail).
    prefix : str
        Put before the panel's column names (``admet_`` by default).
    alerts, percentiles : bool
        As for :func:`drugscreen.admet.predict`.
    n_jobs : int
        Worker processes per chunk for the features (1: in the job's own process).

    Examples
    --------
    >>> stage = AdmetStage(["herg", "ames"], keep={"herg": (None, 0.5)})  # doctest: +SKIP
    >>> ds.screen("library.smi.gz", queries, "out", k=100, stages=[stage])   # doctest: +SKIP
    """

    name = "admet"

    def __init__(
        self,
        endpoints: Any = None,
        keep: dict[str, tuple[float | None, float | None]] | None = None,
        prefix: str = "admet_",
        alerts: bool = True,
        percentiles: bool = True,
        n_jobs: int | None = 1,
    ):
        from drugscreen.admet.predictor import AdmetPanel

        self.panel = AdmetPanel(
            endpoints, alerts=alerts, percentiles=percentiles, n_jobs=n_jobs, progress=False
        )
        if not isinstance(prefix, str):
            raise InputError(f"prefix must be a string, not {prefix!r}")
        if keep is not None and not isinstance(keep, dict):
            raise InputError("keep must be a dict {column: (low, high)}")
        numeric = set(self.panel.predict_table([]).columns) - {"id", "error", "alerts"}
        self.keep: dict[str, tuple[float | None, float | None]] = {}
        for column, bounds in (keep or {}).items():
            if column not in numeric:
                raise InputError(f"keep names {column!r}, which is not a numeric column of this panel")
            if not isinstance(bounds, tuple | list) or len(bounds) != 2:
                raise InputError(f"keep[{column!r}] must be (low, high), either of them None")
            low, high = (None if b is None else float(check_number(f"keep[{column!r}]", b)) for b in bounds)
            if low is not None and high is not None and low > high:
                raise InputError(f"keep[{column!r}] = ({low}, {high}): the low bound is above the high one")
            self.keep[column] = (low, high)
        self.prefix = prefix

    def config(self) -> dict[str, Any]:
        return {"panel": self.panel.job_digest(), "keep": self.keep, "prefix": self.prefix}

    def process(self, table: ChunkTable) -> ChunkTable:
        return _predicted(table, self.panel, self.prefix, self.keep)
