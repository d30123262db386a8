"""Checks every entry point runs before it starts work: numbers, paths and outputs.

One place for them so that the API and the command line refuse the same things with the same
one-line messages (the command line only parses; the API validates). Nothing here imports
more than the standard library and :mod:`drugscreen.errors`, so any layer may use it.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any

from drugscreen.errors import InputError

__all__ = [
    "check_n_jobs",
    "check_number",
    "check_output_file",
    "check_output_files",
    "check_table_output",
    "check_table_outputs",
    "user_path",
]


def user_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` with a leading ``~`` expanded to the home directory.

    Every path drugscreen takes goes through this: ``cache_dir="~/.cache/drugscreen"`` must not
    create a directory literally named ``~`` in the working directory.

    >>> user_path("~/x") == Path.home() / "x"
    True
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"expected a file path, got {type(path).__name__} {path!r}")
    return Path(os.path.expanduser(os.fspath(path)))


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> Any:
    """``value`` if it is a finite number in range, else an :class:`InputError` naming ``name``.

    Booleans, strings, NaN and infinities are refused whatever the range. ``low_open`` /
    ``high_open`` make the bounds strict. Returns an ``int`` when ``integer`` and a ``float``
    otherwise.

    >>> check_number("damping", 0.5, low=0, high=1)
    0.5
    >>> check_number("limit", -1, low=1, integer=True)
    Traceback (most recent call last):
    ...
    drugscreen.errors.InputError: limit must be a whole number >= 1, got -1
    """
    kind = "a whole number" if integer else "a number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high:g}")
    wanted = f"{name} must be {kind}" + (" " + " and ".join(bounds) if bounds else "")
    ok_type = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, ok_type):
        if integer and isinstance(value, numbers.Real) and not isinstance(value, bool):
            if math.isfinite(value) and float(value).is_integer():
                value = int(float(value))  # 5.0 from a config file is 5
            else:
                raise InputError(f"{wanted}, got {value!r}")
        else:
            raise InputError(f"{wanted}, got {value!r}")
    if not math.isfinite(value):
        raise InputError(f"{wanted}, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise InputError(f"{wanted}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise InputError(f"{wanted}, got {value!r}")
    return int(value) if integer else float(value)


def check_output_file(path: str | os.PathLike[str], *, what: str = "output") -> Path:
    """``path`` (``~`` expanded) if a file can be written there, else an :class:`InputError`.

    Run before any work so that an hour of computing is not lost to a typo: the path must not
    be an existing directory, and its nearest existing ancestor must be a writable directory
    (missing directories are created by the writer, as every drugscreen output does). An
    existing file is fine: the writer replaces it at the end, atomically.
    """
    target = user_path(path)
    if target.is_dir():
        raise InputError(f"{what} {target} is a directory; give a file name")
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{what} {target}: {ancestor} is a file, not a directory")
    if not os.access(ancestor, os.W_OK):
        raise InputError(f"{what} {target}: directory {ancestor} is not writable")
    return target


def check_output_files(*paths: tuple[str | os.PathLike[str] | None, str]) -> list[Path | None]:
    """:func:`check_output_file` for several ``(path, what)`` pairs (``None`` skipped); two outputs
    naming the same file are refused too, since the second would overwrite the first."""
    checked: list[Path | None] = []
    seen: dict[Path, str] = {}
    for path, what in paths:
        if path is None:
            checked.append(None)
            continue
        target = check_output_file(path, what=what)
        key = target.resolve()
        if key in seen:
            raise InputError(f"{what} and {seen[key]} are the same file {target}; give two names")
        seen[key] = what
        checked.append(target)
    return checked


#: File name endings a table is written to (those :func:`drugscreen.chem.io.write_table` knows).
TABLE_SUFFIXES = ("csv", "tsv", "parquet")


def check_table_output(path: str | os.PathLike[str], *, what: str = "output") -> Path:
    """:func:`check_output_file` for a table: the name must also end in ``.csv``, ``.tsv`` or
    ``.parquet`` (checked before any work, not by the writer at the end)."""
    target = check_output_file(path, what=what)
    _check_table_name(target, what)
    return target


def check_table_outputs(*paths: tuple[str | os.PathLike[str] | None, str]) -> list[Path | None]:
    """:func:`check_output_files` for tables (see :func:`check_table_output`), so that a command
    writing several tables refuses a bad name before any work and before writing the first one."""
    checked = check_output_files(*paths)
    for target, (_, what) in zip(checked, paths, strict=True):
        if target is not None:
            _check_table_name(target, what)
    return checked


def _check_table_name(target: Path, what: str) -> None:
    if target.name.lower().rsplit(".", 1)[-1] not in TABLE_SUFFIXES:
        raise InputError(f"{what} {target}: use a .csv, .tsv or .parquet file name")


def check_n_jobs(n_jobs: Any) -> int | None:
    """``n_jobs`` as joblib takes it: ``None``, ``-1`` (all cores) or another whole number but 0.

    >>> check_n_jobs(0)
    Traceback (most recent call last):
    ...
    drugscreen.errors.InputError: n_jobs=0 is not valid: use a positive count or -1 for all cores
    """
    if n_jobs is None:
        return None
    n = int(check_number("n_jobs", n_jobs, integer=True))
    if n == 0:
        raise InputError("n_jobs=0 is not valid: use a positive count or -1 for all cores")
    return n
