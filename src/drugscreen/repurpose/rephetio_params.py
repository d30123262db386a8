"""The settings checks of :class:`~drugscreen.repurpose.Rephetio`, one line naming a wrong one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drugscreen.errors import InputError
from drugscreen.network.metagraph import check_lengths
from drugscreen.repurpose.dwpc import check_damping
from drugscreen.validate import check_number


def check_settings(model: Any) -> None:
    """Check every setting of a Rephetio model (an :class:`~drugscreen.InputError` if one is wrong)."""
    check_lengths(model.max_length, model.min_length)
    check_damping(model.damping)
    check_number("l1_ratio", model.l1_ratio, low=0, high=1)
    if model.C is not None:
        check_number("C", model.C, low=0, low_open=True)
    if isinstance(model.Cs, str) or not isinstance(model.Cs, Iterable) or not list(model.Cs):
        raise InputError(f"Cs must be a non-empty list of numbers > 0, got {model.Cs!r}")
    for value in model.Cs:
        check_number("Cs", value, low=0, low_open=True)
    if model.n_negatives is not None:
        check_number("n_negatives", model.n_negatives, low=1, integer=True)
    if model.max_metapaths is not None:
        check_number("max_metapaths", model.max_metapaths, low=1, integer=True)
    if model.feature_folds is not None:
        check_number("feature_folds", model.feature_folds, low=2, integer=True)
    check_number("prior_permutations", model.prior_permutations, low=1, integer=True)
    check_number("path_bonus", model.path_bonus, low=0)
    check_number("max_iter", model.max_iter, low=1, integer=True)
    check_number("tol", model.tol, low=0, low_open=True)
    check_number("random_state", model.random_state, low=0, high=2**32 - 1, integer=True)
    if model.metapaths is not None and not isinstance(model.metapaths, str | Iterable):
        raise InputError(
            f"metapaths must be a list of abbreviations such as 'CbGaD', got {model.metapaths!r}"
        )


def check_top(top: object) -> int | None:
    """``top`` of :meth:`Rephetio.rank`: None or a whole number >= 1 (else an :class:`InputError`)."""
    return None if top is None else int(check_number("top", top, low=1, integer=True))
