"""Targets of a property model: which task, how many, their scaling, classes and weights.

:class:`Targets` is fitted on the training labels once and turns labels into what a network
trains on (``float32[n, n_tasks]`` plus a mask that is False where a label is missing) and
network outputs back into labels. It is stored in a model's JSON config.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")

TASKS = ("regression", "classification", "multiclass")


def as_label_array(y: Any) -> tuple[np.ndarray, list[str] | None]:
    """Labels as an array (1-D or 2-D) and the column names a DataFrame carried."""
    names = [str(c) for c in y.columns] if isinstance(y, pd.DataFrame) else None
    if isinstance(y, pd.Series) and y.name is not None:
        names = [str(y.name)]
    arr = np.asarray(y)
    if arr.size == 0:
        raise InputError("y is empty: there is nothing to train on")
    if arr.ndim not in (1, 2):
        raise InputError(f"y must be 1-D (one task) or 2-D (one column per task), not {arr.ndim}-D")
    return arr, names


@dataclass
class Targets:
    """The fitted label encoding of one model."""

    task: str
    n_tasks: int
    one_dimensional: bool
    names: list[str]
    mean: list[float] | None = None
    scale: list[float] | None = None
    classes: list[Any] | None = None
    class_weights: list[float] | None = None  # multiclass: per class; binary: positive weight per task

    @classmethod
    def fit(cls, y: Any, task: str, class_weight: str | None = None) -> Targets:
        if task not in TASKS:
            raise InputError(f"task must be one of {TASKS}, not {task!r}")
        if class_weight not in (None, "balanced"):
            raise InputError(f"class_weight must be None or 'balanced', not {class_weight!r}")
        arr, names = as_label_array(y)
        one_d = arr.ndim == 1
        cols = arr.reshape(len(arr), -1)
        n_tasks = cols.shape[1]
        names = names or ([f"task_{i}" for i in range(n_tasks)] if n_tasks > 1 else ["prediction"])
        check_labels(cols, names, task)
        if task == "regression":
            values = _floats(cols)
            mean = np.nanmean(values, axis=0)
            scale = np.nanstd(values, axis=0)
            scale[~np.isfinite(scale) | (scale == 0)] = 1.0
            if np.isnan(mean).any():
                raise InputError(f"task column(s) {np.flatnonzero(np.isnan(mean)).tolist()} have no labels")
            return cls(task, n_tasks, one_d, names, mean.tolist(), scale.tolist())
        if task == "multiclass":
            if n_tasks != 1:
                raise InputError("a multiclass model predicts one column; pass y as a 1-D array")
            labels = pd.Series(cols[:, 0]).dropna()
            classes = sorted(labels.unique().tolist())
            if len(classes) < 2:
                raise InputError(f"a multiclass model needs at least two classes, y has {classes}")
            weights = None
            if class_weight == "balanced":
                counts = labels.value_counts()
                weights = [len(labels) / (len(classes) * counts[c]) for c in classes]
            return cls(task, 1, True, names, classes=[_plain(c) for c in classes], class_weights=weights)
        # binary, one or several tasks
        classes = [0, 1]
        if one_d:
            labels = pd.Series(cols[:, 0]).dropna()
            found = sorted(labels.unique().tolist())
            if len(found) > 2:
                raise InputError(f"binary classification with labels {found[:5]}: use task='multiclass'")
            if len(found) < 2 and not set(found) <= {0, 1}:
                raise InputError(f"binary classification needs two classes, y has only {found}")
            classes = [_plain(c) for c in found] if len(found) == 2 and set(found) != {0, 1} else classes
        enc = cls(task, n_tasks, one_d, names, classes=classes)
        targets, mask = enc.encode(y)
        if class_weight == "balanced":
            pos = (targets * mask).sum(axis=0)
            neg = mask.sum(axis=0) - pos
            enc.class_weights = (neg / np.maximum(pos, 1)).tolist()
        return enc

    def encode(self, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(float32[n, n_tasks] targets, bool mask)``; missing labels are 0 and masked."""
        arr, _ = as_label_array(y)
        cols = arr.reshape(len(arr), -1)
        if cols.shape[1] != self.n_tasks:
            raise InputError(f"y has {cols.shape[1]} column(s), the model has {self.n_tasks} task(s)")
        _refuse_infinite(cols, self.names)
        if self.task == "regression":
            values = _floats(cols)
            mask = ~np.isnan(values)
            scaled = (values - np.asarray(self.mean)) / np.asarray(self.scale)
            return np.where(mask, scaled, 0.0).astype(np.float32), mask
        assert self.classes is not None
        mask = ~pd.isna(pd.DataFrame(cols)).to_numpy()
        lookup = {c: i for i, c in enumerate(self.classes)}
        codes = np.zeros(cols.shape, dtype=np.float32)
        for i, j in zip(*np.nonzero(mask), strict=True):
            value = _plain(cols[i, j])
            if value not in lookup:
                raise InputError(f"row {i}: label {value!r} is not one of the classes {self.classes}")
            codes[i, j] = lookup[value]
        return codes, mask

    def to_config(self) -> dict[str, Any]:
        return asdict(self)


def check_labels(cols: np.ndarray, names: list[str], task: str) -> None:
    """Refuse labels no model can learn from, before any work: infinities (an ``inf`` label
    trained a network whose every prediction was NaN), a task without a single label, and a
    binary or multiclass task with one class (it trained with only ``auroc nan`` as a sign).
    A one-class task among several binary tasks is only warned about: the others still learn.
    """
    if not len(cols):
        raise InputError("y is empty: there is nothing to train on")
    if task == "regression":
        _refuse_text(cols, names)
    _refuse_infinite(cols, names)
    present = ~pd.isna(pd.DataFrame(cols)).to_numpy()
    for j, name in enumerate(names):
        if not present[:, j].any():
            raise InputError(f"task {name!r} has no labels (every value is missing)")
        if task == "regression":
            continue
        found = pd.unique(cols[present[:, j], j])
        if len(found) < 2:
            message = (
                f"task {name!r} has one class only ({_plain(found[0])!r} in all "
                f"{int(present[:, j].sum())} labelled rows): a classifier needs both classes"
            )
            if cols.shape[1] == 1:
                raise InputError(message)
            logger.warning("%s; its predictions will be meaningless", message)


def _refuse_text(cols: np.ndarray, names: list[str]) -> None:
    """An :class:`InputError` naming the first regression label that is not a number."""
    if cols.dtype.kind in "biuf":
        return
    if cols.dtype.kind == "c":
        raise InputError("regression labels must be real numbers, not complex")
    for (i, j), value in np.ndenumerate(cols):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        try:
            float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"label of row {i} in task {names[j]!r} is {str(value)!r}: regression labels must be numbers "
                "(NaN or an empty cell marks a missing label)"
            ) from None


def _refuse_infinite(cols: np.ndarray, names: list[str]) -> None:
    """An :class:`InputError` naming the first infinite label (NaN is a missing label)."""
    if cols.dtype.kind not in "fc" and cols.dtype != object:
        return
    try:
        values = cols.astype(np.float64)
    except (TypeError, ValueError):
        return  # text labels: classes, checked against the classes where they are encoded
    bad = np.argwhere(np.isinf(values))
    if len(bad):
        i, j = bad[0]
        raise InputError(
            f"label of row {i} in task {names[j]!r} is {values[i, j]}: labels must be finite numbers "
            f"(NaN marks a missing label); {len(bad)} infinite label(s) in all"
        )


def _floats(cols: np.ndarray) -> np.ndarray:
    try:
        return cols.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"regression targets must be numbers (NaN for missing): {exc}") from exc


def _plain(value: Any) -> Any:
    """A label as a JSON-friendly Python value (NumPy scalars unwrapped; 1.0 read as 1)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
