"""DeepChem interop: drugscreen features, labels and splits to DeepChem datasets and back.

This is the only drugscreen module that imports ``deepchem``, and only inside functions, so
``import drugscreen`` stays fast (DeepChem itself takes seconds and prints notices on import).

DeepChem marks a missing label with weight 0 (and, by convention, label 0); drugscreen marks it
with NaN. :func:`to_deepchem` turns NaN into ``y = 0, w = 0``; :func:`to_arrays` and
:func:`from_deepchem` turn ``w == 0`` back into NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.models.splits import Split

logger = logging.getLogger("drugscreen")


def _is_smiles(X: Any) -> bool:
    if isinstance(X, str):
        raise InputError("X is one string: pass a list of SMILES strings or a feature array")
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OUS" and X.size > 0 and all(isinstance(s, str) for s in X)
    if isinstance(X, (list, tuple, pd.Series)):
        return len(X) > 0 and all(isinstance(s, str) for s in X)
    return False


def _featurize(smiles: list[str]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """0/1 Morgan radius-2 2048-bit features of the SMILES that parse, and their positions."""
    from drugscreen.chem.fingerprints import fingerprint
    from drugscreen.chem.parse import read_molecules
    from drugscreen.chem.spec import FingerprintSpec

    records = list(read_molecules(smiles))
    keep = np.array([r.row for r in records if r.mol is not None], dtype=np.int64)
    bad = [r for r in records if r.mol is None]
    if bad:
        listed = ", ".join(f"row {r.row} ({r.error})" for r in bad[:5])
        logger.warning(
            "to_deepchem: dropped %d of %d molecules that do not parse: %s%s",
            len(bad),
            len(records),
            listed,
            " ..." if len(bad) > 5 else "",
        )
    if keep.size == 0:
        raise InputError(f"none of the {len(records)} SMILES could be parsed")
    spec = FingerprintSpec("morgan", radius=2, nbits=2048)
    words = fingerprint([r.mol for r in records if r.mol is not None], spec).data
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")[:, : spec.nbits]
    return bits.astype(np.float32), keep


def _rows(name: str, values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise InputError(f"{name} has {arr.shape[0] if arr.ndim else 'no'} rows, X has {n}")
    return arr


def to_deepchem(
    X: npt.ArrayLike | Sequence[str],
    y: npt.ArrayLike | None = None,
    *,
    ids: npt.ArrayLike | None = None,
    w: npt.ArrayLike | None = None,
) -> Any:
    """A ``deepchem.data.NumpyDataset`` of features ``X`` and labels ``y``.

    Parameters
    ----------
    X : array-like (n, d) or sequence of str
        Features, or SMILES strings: these are featurised as 0/1 ``float32`` Morgan fingerprints
        (radius 2, 2048 bits, no counts; :func:`drugscreen.fingerprint`) and are the default
        ids. SMILES that do not parse are dropped, with their rows in ``y``, ``w`` and ``ids``;
        a warning on the ``drugscreen`` logger gives the count and the first rows.
    y : array-like (n,) or (n, n_tasks), optional
        Labels, NaN where missing. They become ``y = 0, w = 0`` (DeepChem's convention).
        ``y`` keeps its shape: a 1-D ``y`` gives a 1-D dataset ``y`` and ``w``.
    ids : array-like (n,), optional
        Row identifiers (default: the SMILES, or ``0 .. n-1`` for feature arrays).
    w : array-like, shape of ``y``, optional
        Weights (default 1). A missing label gets weight 0 whatever ``w`` says.

    Returns
    -------
    deepchem.data.NumpyDataset
        ``y`` and ``w`` as float64.

    Examples
    --------
    >>> ds = to_deepchem(["CCO", "c1ccccc1", "CCN"], [1.0, float("nan"), 0.0])
    >>> ds.X.shape, ds.w.tolist()
    ((3, 2048), [1.0, 0.0, 1.0])
    """
    import deepchem as dc

    if _is_smiles(X):
        smiles = list(X)  # type: ignore[arg-type]
        n = len(smiles)
        features, keep = _featurize([str(s) for s in smiles])
        ids = np.asarray(smiles, dtype=object) if ids is None else ids
    else:
        features = np.asarray(X)
        if features.ndim == 0:
            raise InputError("X must be a feature array (n, d) or a sequence of SMILES strings")
        n = features.shape[0]
        keep = np.arange(n, dtype=np.int64)
    row_ids = np.arange(n, dtype=object) if ids is None else _rows("ids", ids, n).astype(object)
    if y is None:
        if w is not None:
            raise InputError("w given without y: weights belong to labels")
        return dc.data.NumpyDataset(features, ids=row_ids[keep])
    try:
        labels = _rows("y", y, n).astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"y must be numeric labels (NaN where missing): {exc}") from exc
    if labels.ndim not in (1, 2):
        raise InputError(f"y must be (n,) or (n, n_tasks), got shape {labels.shape}")
    missing = np.isnan(labels)
    if w is None:
        weights = np.ones(labels.shape, dtype=np.float64)
    else:
        weights = _rows("w", w, n).astype(np.float64)
        if weights.shape != labels.shape:
            raise InputError(f"w has shape {weights.shape}, y has {labels.shape}: give one weight per label")
    weights[missing] = 0.0
    labels[missing] = 0.0
    n_tasks = labels.shape[1] if labels.ndim == 2 else 1
    return dc.data.NumpyDataset(features, labels[keep], weights[keep], row_ids[keep], n_tasks=n_tasks)


def _check_dataset(dataset: Any) -> None:
    if not all(hasattr(dataset, name) for name in ("X", "y", "w", "ids")):
        raise InputError(
            f"expected a DeepChem dataset (NumpyDataset, DiskDataset), got {type(dataset).__name__}"
        )


def to_arrays(dataset: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X, y, w, ids`` of a DeepChem dataset, with NaN labels where ``w == 0``.

    Works for any DeepChem dataset (``NumpyDataset``, ``DiskDataset`` -- all its shards are
    loaded). ``y`` is float64 in the dataset's own shape; ``w`` is float64 broadcast to that
    shape (DeepChem allows one weight column for all tasks); ``ids`` an object array. The inverse
    of :func:`to_deepchem`: labels with weight 0 come back as NaN, other weights unchanged.

    Examples
    --------
    >>> X, y, w, ids = to_arrays(to_deepchem(np.eye(2), [[1.0, np.nan], [0.0, 1.0]]))
    >>> y.tolist()
    [[1.0, nan], [0.0, 1.0]]
    """
    _check_dataset(dataset)
    X = np.asarray(dataset.X)
    y = np.asarray(dataset.y, dtype=np.float64)
    w = np.asarray(dataset.w, dtype=np.float64)
    ids = np.asarray(dataset.ids, dtype=object)
    if y.ndim > 2:
        raise InputError(
            f"labels of shape {y.shape[1:]} per sample are not supported; need (n,) or (n, n_tasks)"
        )
    if w.ndim == 2 and y.ndim == 1 and w.shape[1] == 1:
        w = w[:, 0]
    try:
        w = np.broadcast_to(w if w.ndim == y.ndim else w.reshape(len(w), -1), y.shape).copy()
    except ValueError:
        raise InputError(f"dataset weights of shape {w.shape} do not fit its labels {y.shape}") from None
    return X, np.where(w == 0, np.nan, y), w, ids


def _task_names(dataset: Any, n_tasks: int) -> list[str]:
    """The dataset's task names, or ``task_0 ...`` where it has only DeepChem's default numbers."""
    try:
        names = list(np.asarray(dataset.get_task_names()).ravel())
    except (AttributeError, NotImplementedError):  # DeepChem's base Dataset raises NotImplementedError
        names = []
    default = all(isinstance(t, (int, np.integer)) and int(t) == i for i, t in enumerate(names))
    if len(names) != n_tasks or default:
        return [f"task_{i}" for i in range(n_tasks)]
    return [str(t) for t in names]


def from_deepchem(dataset: Any) -> pd.DataFrame:
    """The labels of a DeepChem dataset as a tidy table: ``id``, then one column per task.

    Task columns are named by ``dataset.get_task_names()`` where the dataset has names
    (``DiskDataset(..., tasks=[...])``), else ``task_0``, ``task_1``, ...; a label with weight
    0 is NaN. Features are left out: :func:`to_arrays` gives ``X``, ``y``, ``w`` and ``ids``.

    Examples
    --------
    >>> from_deepchem(to_deepchem(np.eye(2), [1.0, np.nan], ids=["a", "b"]))
      id  task_0
    0  a     1.0
    1  b     NaN
    """
    _, y, _, ids = to_arrays(dataset)
    y2 = y.reshape(len(y), -1)
    names = _task_names(dataset, y2.shape[1])
    if "id" in names:
        raise InputError("a task is named 'id', which clashes with the id column")
    table = pd.DataFrame({"id": ids})
    for j, name in enumerate(names):
        table[name] = y2[:, j]
    return table


def split_to_deepchem(dataset: Any, split: Split) -> tuple[Any, Any, Any]:
    """``(train, valid, test)`` NumpyDatasets holding the rows of ``split``, in ascending order.

    ``X``, ``y``, ``w`` and ``ids`` are copied as they are (missing labels keep ``w = 0``).
    A ``DiskDataset`` is loaded into memory.

    Examples
    --------
    >>> ds = to_deepchem(np.zeros((4, 1)), [0.0, 1.0, 0.0, 1.0])
    >>> [len(d) for d in split_to_deepchem(ds, Split([0, 1], [2], [3]))]
    [2, 1, 1]
    """
    import deepchem as dc

    _check_dataset(dataset)
    if not isinstance(split, Split):
        raise InputError(f"split must be a drugscreen Split, got {type(split).__name__}")
    n = len(dataset)
    top = max((int(s.max()) for s in (split.train, split.val, split.test) if s.size), default=-1)
    if top >= n:
        raise InputError(f"split has row {top}, out of range for a dataset of {n} rows")
    X, y, w = np.asarray(dataset.X), np.asarray(dataset.y), np.asarray(dataset.w)
    ids = np.asarray(dataset.ids, dtype=object)
    n_tasks = y.shape[1] if y.ndim == 2 else 1
    return tuple(  # type: ignore[return-value]
        dc.data.NumpyDataset(X[rows], y[rows], w[rows], ids[rows], n_tasks=n_tasks)
        for rows in (split.train, split.val, split.test)
    )
