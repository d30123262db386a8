"""Hard rules and the multi-parameter (MPO) score of a campaign's candidates.

Each ranking term maps one column to a desirability in ``[0, 1]``, linear between the value
that is worst (0) and the one that is best (1) and clipped outside, so that ``worst > best``
rewards low values (``herg``: worst 0.7, best 0.1):

    d_i(x) = clip((x - worst_i) / (best_i - worst_i), 0, 1)

and the score combines them with weights ``w_i`` (Derringer and Suich 1980):

    geometric:   S = prod_i d_i ** (w_i / sum w)     (one unacceptable property gives 0)
    arithmetic:  S = sum_i w_i d_i / sum w

A missing value (a molecule the model could not read) has desirability 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from drugscreen.campaign.sections import Rule, Term
from drugscreen.errors import InputError

_OPS = {
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "<": np.less,
    ">": np.greater,
}


def _column(table: pd.DataFrame, name: str, what: str) -> np.ndarray:
    if name not in table.columns:
        known = ", ".join(c for c in table.columns if not c.endswith(("_lo", "_hi")))[:400]
        raise InputError(
            f"{what} names column {name!r}, which the candidates do not have (they have: {known})"
        )
    column = table[name]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
        raise InputError(f"{what} names column {name!r}, which is not numeric ({column.dtype})")
    return np.asarray(pd.to_numeric(column, errors="coerce"), dtype=np.float64)


def rule_failures(table: pd.DataFrame, rules: Sequence[Rule]) -> pd.Series:
    """Per molecule, the rules it fails (``"herg <= 0.3; ..."``) or None; a missing value fails."""
    failed: list[list[str]] = [[] for _ in range(len(table))]
    for rule in rules:
        values = _column(table, rule.column, f"rule {rule}")
        with np.errstate(invalid="ignore"):
            ok = _OPS[rule.op](values, rule.value) & ~np.isnan(values)
        for i in np.flatnonzero(~ok):
            failed[i].append(str(rule))
    return pd.Series(["; ".join(f) if f else None for f in failed], index=table.index, dtype=object)


def desirability(values: np.ndarray, term: Term) -> np.ndarray:
    """``clip((x - worst) / (best - worst), 0, 1)``; NaN gives 0."""
    d = (np.asarray(values, dtype=np.float64) - term.worst) / (term.best - term.worst)
    return np.nan_to_num(np.clip(d, 0.0, 1.0), nan=0.0)


def mpo_score(table: pd.DataFrame, terms: Sequence[Term], combine: str = "geometric") -> pd.DataFrame:
    """The desirability of every term (``d_<column>``) and the combined ``score``.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [0.0, 0.5, 1.0], "b": [1.0, 1.0, 0.0]})
    >>> mpo_score(t, [Term("a", 0, 1), Term("b", 0, 1)], "arithmetic")["score"].tolist()
    [0.5, 0.75, 0.5]
    """
    out = pd.DataFrame(index=table.index)
    weights = np.array([t.weight for t in terms], dtype=np.float64)
    if not len(terms) or weights.sum() <= 0:
        raise InputError("the ranking needs at least one term with a positive weight (rank.terms)")
    ds = np.column_stack([desirability(_column(table, t.column, "rank.terms"), t) for t in terms])
    for j, t in enumerate(terms):
        out[f"d_{t.column}"] = ds[:, j]
    w = weights / weights.sum()
    if combine == "geometric":
        with np.errstate(divide="ignore"):  # log(0) = -inf gives a score of 0, as it should
            score = np.exp(np.sum(w * np.log(np.where(w > 0, ds, 1.0)), axis=1))
    elif combine == "arithmetic":
        score = ds @ w
    else:
        raise InputError(f"rank.combine must be 'geometric' or 'arithmetic', not {combine!r}")
    out["score"] = score
    return out


def default_terms(columns: Sequence[str]) -> list[Term]:
    """The ranking when ``[rank]`` gives no terms: what the campaign computed, weighted as a
    medicinal chemist would start (activity evidence first, then drug-likeness)."""
    terms = []
    if "activity" in columns:
        terms.append(Term("activity", 0.2, 0.9, 2.0))
    if "similarity" in columns:
        terms.append(Term("similarity", 0.2, 0.7, 2.0))
    if "qed" in columns:
        terms.append(Term("qed", 0.2, 0.8, 1.0))
    if "herg" in columns:
        terms.append(Term("herg", 0.8, 0.2, 1.0))
    if not terms:
        raise InputError(
            "nothing to rank by: give [actives] or keep the ADMET panel, or name columns in rank.terms"
        )
    return terms
