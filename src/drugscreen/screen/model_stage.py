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
        mols = table.molecules
        preds = self.model.predict_table(mols["smiles"].tolist())
        values = preds.drop(columns=["id", "error"])
        added = mols.copy()
        for name in values.columns:
            added[self.prefix + name] = values[name].to_numpy()
        out = replace(table, molecules=added)
        if self.keep_min is None and self.keep_max is None:
            return out
        value = values[self.column].to_numpy(dtype=np.float64)
        keep = ~np.isnan(value)
        if self.keep_min is not None:
            keep &= value >= self.keep_min
        if self.keep_max is not None:
            keep &= value <= self.keep_max
        return out.select(keep)
