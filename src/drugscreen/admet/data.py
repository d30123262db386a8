"""The panel's training data: every endpoint's molecules and labels from ``shared/data``.

Only the build script reads these files (they are not shipped): ``admet/<name>/train.csv.gz``
for the 20 TDC sets and three MoleculeNet files for the rest. Rows RDKit cannot read are kept
here and left out where features are computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from drugscreen.admet.endpoints import ENDPOINTS, Endpoint
from drugscreen.errors import InputError


def load_endpoint(data_dir: str | Path, endpoint: Endpoint) -> tuple[list[str], np.ndarray]:
    """SMILES and float labels of one endpoint (rows without a label dropped).

    Parameters
    ----------
    data_dir : path
        The ``shared/data`` directory.
    endpoint : Endpoint
        Its ``source`` names the file (relative to ``data_dir``) and the label column.
    """
    relative, column = endpoint.source.rsplit(":", 1)
    path = Path(data_dir) / relative
    if not path.is_file():
        raise InputError(f"{path}: training file of {endpoint.name} not found")
    table = pd.read_csv(path)
    smiles_column = "smiles" if "smiles" in table.columns else table.columns[0]
    if column not in table.columns:
        raise InputError(f"{path}: no column {column!r} (for {endpoint.name})")
    labels = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
    keep = np.isfinite(labels)
    return table[smiles_column].astype(str)[keep].tolist(), labels[keep]


def load_all(data_dir: str | Path, names: list[str] | None = None) -> dict[str, tuple[list[str], np.ndarray]]:
    """:func:`load_endpoint` for ``names`` (default every endpoint), in panel order."""
    chosen = list(ENDPOINTS) if names is None else names
    return {name: load_endpoint(data_dir, ENDPOINTS[name]) for name in chosen}
