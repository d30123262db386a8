"""Model inputs: SMILES (or ready graphs) to :class:`MolGraphs` and descriptor matrices,
cached on disk per data set, and the descriptor normalisation a model stores.

The cache key is the sha256 of the SMILES in order plus the featurizer version, so a cache
file can never be read for other molecules or other features.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from drugscreen.models.featurize import FEATURIZER_VERSION, MolGraphs, to_graphs
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

#: Normalised descriptors are clipped here: a few RDKit descriptors (Ipc, ...) span many
#: orders of magnitude and would otherwise dominate the head's input.
DESCRIPTOR_CLIP = 10.0


def as_smiles(X: Any) -> list[str]:
    """SMILES strings from a list, array, Series or a one-column DataFrame."""
    import pandas as pd

    from drugscreen.errors import InputError

    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise InputError("pass SMILES as a list, Series or a one-column DataFrame")
        X = X.iloc[:, 0]
    if isinstance(X, str):
        raise InputError("X is one string: pass a list of SMILES")
    return ["" if s is None or (isinstance(s, float) and np.isnan(s)) else str(s) for s in X]


def _key(smiles: list[str], what: str) -> str:
    h = hashlib.sha256(f"{what}\n{FEATURIZER_VERSION}\n".encode())
    for s in smiles:
        h.update(s.encode())
        h.update(b"\n")
    return h.hexdigest()[:24]


def graphs_for(
    smiles: list[str],
    *,
    n_jobs: int | None = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> MolGraphs:
    """Graphs of ``smiles``, read from / written to ``cache_dir`` when given."""
    path = user_path(cache_dir) / f"graphs-{_key(smiles, 'graphs')}.npz" if cache_dir else None
    if path is not None and path.exists():
        logger.info("graphs read from cache %s", path)
        return MolGraphs.load(path)
    graphs = to_graphs(smiles, n_jobs=n_jobs, progress=progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        graphs.save(path)
    return graphs


def descriptors_for(
    smiles: list[str],
    *,
    n_jobs: int | None = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> np.ndarray:
    """RDKit 2D descriptors (``float64[n, 217]``, NaN where RDKit fails), cached like graphs."""
    from drugscreen.chem.descriptors import descriptors

    path = user_path(cache_dir) / f"descriptors-{_key(smiles, 'descriptors')}.npy" if cache_dir else None
    if path is not None and path.exists():
        return np.load(path, allow_pickle=False)
    table = descriptors(smiles, n_jobs=n_jobs, progress=progress)
    values = table.drop(columns=[c for c in ("row", "id", "smiles", "error") if c in table]).to_numpy(
        np.float64
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, values)
        os.replace(tmp, path)
    return values


@dataclass
class DescriptorScaler:
    """z-scores of descriptors with the training set's mean and sd; missing values become 0
    (the training mean) and values are clipped to +-DESCRIPTOR_CLIP."""

    mean: list[float]
    scale: list[float]

    @classmethod
    def fit(cls, values: np.ndarray) -> DescriptorScaler:
        clean = np.where(np.isfinite(values), values, np.nan)
        with np.errstate(all="ignore"):
            mean = np.nan_to_num(np.nanmean(clean, axis=0))
            scale = np.nan_to_num(np.nanstd(clean, axis=0))
        scale[scale == 0] = 1.0
        return cls(mean.tolist(), scale.tolist())

    def transform(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            z = (values - np.asarray(self.mean)) / np.asarray(self.scale)
        z = np.where(np.isfinite(z), z, 0.0)
        return np.clip(z, -DESCRIPTOR_CLIP, DESCRIPTOR_CLIP).astype(np.float32)

    def to_config(self) -> dict[str, Any]:
        return asdict(self)
