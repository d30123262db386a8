"""The shipped panel's files: written once by the build script, read lazily when predicting.

Everything lives in the ``drugscreen/admet/panel/`` package folder, xz-compressed and written
byte-for-byte reproducibly (no time stamps):

``manifest.json``
    Panel version, the feature layout (descriptor names, RDKit and LightGBM versions it was
    built with), endpoint order, and the SHA-256 of every other file.
``cards.json``
    The model card of every endpoint (training rows, cross-validated metric with its sd over
    folds, every candidate, units, domain threshold, interval, citation, licence).
``models/<endpoint>.json.xz``
    The endpoint's ensemble: LightGBM's own plain-text model format, one string per fold model,
    parsed by ``drugscreen.admet.trees`` and evaluated by a numba kernel (LightGBM is needed
    to build the panel, not to use it; nothing pickled is ever loaded).
``domain.npy.xz``
    Two arrays in ``.npy`` format: the packed Morgan fingerprints of every distinct training
    molecule and, per molecule, a ``uint64`` bit mask of the endpoints it trained.
``approved_drugs.csv.xz``, ``reference.npy.xz``
    The approved-drug reference (ChEMBL, CC BY-SA 3.0) and the panel's predictions for it,
    sorted per column: what the ``_pct`` columns are computed against.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import lzma
from pathlib import Path
from typing import Any

import numpy as np

from drugscreen.errors import InputError

PANEL_DIR = Path(__file__).resolve().parent / "panel"
PANEL_VERSION = 1


def write_bytes(path: Path, data: bytes) -> None:
    """``data`` xz-compressed to ``path`` (deterministic: xz stores no time stamp)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))


def read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"{path}: a file of the ADMET panel is missing; reinstall drugscreen")
    return lzma.decompress(path.read_bytes())


def arrays_to_bytes(*arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    for array in arrays:
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def arrays_from_bytes(data: bytes, count: int) -> list[np.ndarray]:
    buffer = io.BytesIO(data)
    return [np.load(buffer, allow_pickle=False) for _ in range(count)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.cache
def manifest(panel_dir: Path = PANEL_DIR) -> dict[str, Any]:
    """The panel's manifest (read once)."""
    path = panel_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"{path}: the ADMET panel is not installed; reinstall drugscreen")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@functools.cache
def cards(panel_dir: Path = PANEL_DIR) -> dict[str, dict[str, Any]]:
    """Every endpoint's model card, by endpoint name."""
    return json.loads((panel_dir / "cards.json").read_text())  # type: ignore[no-any-return]


def model_texts(name: str, panel_dir: Path = PANEL_DIR) -> list[str]:
    """The endpoint's fold models in LightGBM's model text format."""
    return list(json.loads(read_bytes(panel_dir / "models" / f"{name}.json.xz"))["members"])


@functools.cache
def members(name: str, panel_dir: Path = PANEL_DIR) -> Any:
    """The endpoint's fold models as one ``TreeEnsemble`` (parsed on first use, then kept)."""
    from drugscreen.admet.trees import parse_models

    return parse_models(model_texts(name, panel_dir))


@functools.cache
def domain(panel_dir: Path = PANEL_DIR) -> tuple[np.ndarray, np.ndarray]:
    """``(fingerprints, membership)`` of the training molecules."""
    fps, membership = arrays_from_bytes(read_bytes(panel_dir / "domain.npy.xz"), 2)
    return fps, membership


@functools.cache
def reference(panel_dir: Path = PANEL_DIR) -> tuple[list[str], np.ndarray]:
    """Column names and ``float64[n_drugs, n_columns]`` sorted predictions of the approved drugs
    (NaN, for drugs without a prediction, sorted last)."""
    (values,) = arrays_from_bytes(read_bytes(panel_dir / "reference.npy.xz"), 1)
    return manifest(panel_dir)["reference_columns"], values


def approved_drugs(panel_dir: Path = PANEL_DIR) -> Any:
    """The shipped approved-drug reference as a DataFrame (``chembl_id``, ``name``,
    ``first_approval``, ``smiles``)."""
    import pandas as pd

    return pd.read_csv(io.BytesIO(read_bytes(panel_dir / "approved_drugs.csv.xz")))
