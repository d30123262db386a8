"""Ids and SMILES of database rows, read from the shards' Parquet files on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


class MetadataIndex:
    """Looks up ``id`` and ``smiles`` of global rows; each shard's columns are read once."""

    def __init__(self, path: Path, shards: list[dict[str, Any]]):
        self.path = path
        self.shards = shards
        self.starts = np.array([s["row_start"] for s in shards], dtype=np.int64)
        self._tables: dict[int, Any] = {}

    def lookup(self, rows: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, smiles)`` object arrays for ``rows`` (in the order given)."""
        ids = np.empty(len(rows), dtype=object)
        smiles = np.empty(len(rows), dtype=object)
        if len(rows) == 0:
            return ids, smiles
        which = np.searchsorted(self.starts, rows, side="right") - 1
        for s in np.unique(which):
            meta = self._table(int(s))
            sel = which == s
            local = rows[sel] - self.starts[s]
            # take() touches only the requested rows of the Arrow columns; converting a whole
            # column to Python strings would cost ~100 ms per million rows on every search
            ids[sel] = meta.column("id").take(local).to_pylist()
            smiles[sel] = meta.column("smiles").take(local).to_pylist()
        return ids, smiles

    def _table(self, index: int) -> Any:
        import pyarrow.parquet as pq

        if index not in self._tables:
            shard = self.shards[index]
            self._tables[index] = pq.read_table(
                self.path / shard["name"] / "meta.parquet", columns=["id", "smiles"]
            )
        return self._tables[index]
