"""Checks of single configuration values, shared by every campaign kind's parser.

Each returns the value (or its default) or raises a one-line :class:`InputError` naming the key
(``config: select.n must be a whole number >= 1, not 0``).
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

from drugscreen.errors import InputError


def check_unknown(raw: dict[str, Any], known: list[str], where: str) -> None:
    """Raise for the first key of ``raw`` not in ``known`` (naming the section and the known keys)."""
    bad = sorted(set(raw) - set(known))
    if bad:
        prefix = "" if where == "config" else "config: "
        raise InputError(f"{prefix}{where}: unknown key {bad[0]!r} (known: {', '.join(known)})")


def get_text(raw: dict[str, Any], key: str, where: str, default: Any = None, *, choices: Any = None) -> Any:
    """A non-empty string (a path-like becomes its text), one of ``choices`` when given."""
    if key not in raw:
        return default
    value = raw[key]
    if isinstance(value, os.PathLike):  # a dict built in Python may hold Path objects
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"config: {where}.{key} must be a non-empty string, not {value!r}")
    if choices is not None and value not in choices:
        raise InputError(f"config: {where}.{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def get_flag(raw: dict[str, Any], key: str, where: str, default: bool) -> bool:
    """``true`` or ``false``."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"config: {where}.{key} must be true or false, not {value!r}")
    return value


def get_whole(
    raw: dict[str, Any], key: str, where: str, default: int, low: int, high: int | None = None
) -> int:
    """A whole number in ``[low, high]`` (NumPy integers accepted, booleans not)."""
    value = raw.get(key, default)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)  # NumPy integers from a dict built in Python
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        span = f">= {low}" if high is None else f"from {low} to {high:,}"
        raise InputError(f"config: {where}.{key} must be a whole number {span}, not {value!r}")
    return value


def get_real(
    raw: Any,
    key: str,
    where: str,
    default: float | None = None,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """A finite number in ``[low, high]`` (``raw`` a section dict, or the value itself)."""
    value = raw.get(key, default) if isinstance(raw, dict) else raw
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"config: {where}.{key} must be a finite number, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        span = (
            f"lie in [{low}, {high}]"
            if low is not None and high is not None
            else (f"be >= {low}" if low is not None else f"be <= {high}")
        )
        raise InputError(f"config: {where}.{key} must {span}, not {value!r}")
    return float(value)


def get_names(raw: dict[str, Any], key: str, where: str) -> list[str] | None:
    """A non-empty list of names (a comma-separated string is split); None when absent."""
    if key not in raw:
        return None
    value = raw[key]
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"config: {where}.{key} must be a list of names, not {raw[key]!r}")
    return list(value)
