"""A train / validation / test split as row indices, read from and written to chemprop's
splits-file format: a JSON list holding one ``{"train": [...], "val": [...], "test": [...]}``.

Files are written under a temporary name and renamed; what is read is checked (integers,
unique, disjoint, in range) and every problem is an :class:`~drugscreen.InputError` naming the
file.
"""

from __future__ import annotations

import json
import numbers
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from drugscreen.errors import InputError
from drugscreen.validate import user_path

SETS = ("train", "val", "test")
Index = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Split:
    """Row indices of a train / validation / test split.

    Attributes
    ----------
    train, val, test : ndarray of int64
        Sorted, unique, mutually disjoint row indices (read-only arrays).
    kind : str
        How the split was made (``"random"``, ``"scaffold"``, ... or ``"custom"``).
    seed : int or None
        The seed that made it (None for deterministic splits and files).

    Examples
    --------
    >>> s = Split([3, 0, 1], [2], [4], kind="custom")
    >>> s.train.tolist(), s.sizes
    ([0, 1, 3], (3, 1, 1))
    """

    train: Index
    val: Index
    test: Index
    kind: str = "custom"
    seed: int | None = None

    def __post_init__(self) -> None:
        checked = _check_sets({name: getattr(self, name) for name in SETS}, None, "Split")
        for name, arr in checked.items():
            object.__setattr__(self, name, arr)

    @property
    def sizes(self) -> tuple[int, int, int]:
        """Rows in train, val and test."""
        return len(self.train), len(self.val), len(self.test)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Split):
            return NotImplemented
        same = all(np.array_equal(getattr(self, s), getattr(other, s)) for s in SETS)
        return same and (self.kind, self.seed) == (other.kind, other.seed)

    def __repr__(self) -> str:
        return f"Split(kind={self.kind!r}, seed={self.seed!r}, sizes={self.sizes})"

    def to_json(self, path: str | os.PathLike[str]) -> Path:
        """Write the split as a chemprop v2 splits file (``chemprop train --splits-file``).

        The file is a JSON list holding one ``{"train": [...], "val": [...], "test": [...]}``
        dict of plain integers. It is written to a temporary name in the same directory and
        renamed into place, so a reader never sees a half-written file.
        """
        path = user_path(path)
        text = json.dumps([{name: getattr(self, name).tolist() for name in SETS}])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def from_json(cls, path: str | os.PathLike[str], n_rows: int | None = None) -> Split:
        """Read a chemprop splits file: a list with one dict, or a bare dict.

        Values are lists of row indices or chemprop's range strings (``"0-2,4"``, ends
        included). Indices must be non-negative integers, unique, disjoint across the sets and,
        when ``n_rows`` is given, below it; otherwise :class:`~drugscreen.InputError` names the file and
        the problem.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "splits.json"
        >>> _ = p.write_text('[{"train": "0-3", "val": [4], "test": [5]}]')
        >>> Split.from_json(p, n_rows=6).sizes
        (4, 1, 1)
        """
        where = f"splits file {str(path)!r}"
        try:
            data = json.loads(user_path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read {where}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{where} is not valid JSON: {exc}") from exc
        if isinstance(data, list):
            if len(data) != 1:
                raise InputError(f"{where} holds {len(data)} splits; Split.from_json reads files with one")
            data = data[0]
        if not isinstance(data, dict):
            raise InputError(
                f"{where} must hold a dict with keys train, val, test; got {type(data).__name__}"
            )
        unknown = sorted(set(data) - set(SETS))
        missing = [name for name in SETS if name not in data]
        if unknown or missing:
            raise InputError(
                f"{where} must have the keys train, val, test (missing {missing}, unknown {unknown})"
            )
        sets = {name: _parse_indices(data[name], f"{where}, {name!r}") for name in SETS}
        checked = _check_sets(sets, n_rows, where)
        return cls(checked["train"], checked["val"], checked["test"], kind="custom", seed=None)


def _parse_indices(value: Any, where: str) -> Any:
    """chemprop's range strings (``"0-2,4"``) as a list of ints; anything else unchanged."""
    if not isinstance(value, str):
        return value
    out: list[int] = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        lo, sep, hi = part.partition("-")
        try:
            start, stop = int(lo), int(hi if sep else lo)
        except ValueError:
            raise InputError(f"{where}: {part!r} is not an index or a range 'a-b'") from None
        if stop < start:
            raise InputError(f"{where}: range {part!r} runs backwards")
        out.extend(range(start, stop + 1))
    return out


def _check_sets(sets: dict[str, Any], n_rows: int | None, where: str) -> dict[str, Index]:
    """The three index sets as sorted read-only int64 arrays, or InputError saying what is wrong."""
    out: dict[str, Index] = {}
    for name, values in sets.items():
        if isinstance(values, (list, tuple)) and not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
        ):
            bad = next(v for v in values if not isinstance(v, numbers.Integral) or isinstance(v, bool))
            raise InputError(f"{where}: {name} indices must be integers, found {bad!r}")
        arr = np.asarray(values)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise InputError(f"{where}: {name} must be a flat list of integer row indices")
        arr = np.sort(arr.astype(np.int64))
        if arr.size and arr[0] < 0:
            raise InputError(f"{where}: {name} has a negative index ({arr[0]})")
        if arr.size > 1 and (dup := arr[1:][arr[1:] == arr[:-1]]).size:
            raise InputError(f"{where}: {name} lists row {dup[0]} more than once")
        if n_rows is not None and arr.size and arr[-1] >= n_rows:
            raise InputError(f"{where}: {name} has index {arr[-1]}, out of range for {n_rows} rows")
        arr.setflags(write=False)
        out[name] = arr
    for i, a in enumerate(SETS):
        for b in SETS[i + 1 :]:
            if (shared := np.intersect1d(out[a], out[b])).size:
                raise InputError(f"{where}: row {shared[0]} is in both {a} and {b} ({shared.size} shared)")
    return out
