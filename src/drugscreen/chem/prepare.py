"""Library preparation as one job, and as a per-molecule step of a database build.

:func:`prepare_library` chains the public functions -- :func:`~drugscreen.standardize`,
:func:`~drugscreen.dedup`, :func:`~drugscreen.filter_molecules`,
:func:`~drugscreen.descriptors` -- into the table ``drugscreen prepare`` writes.
:class:`MolPreparation` applies the same standardisation and filters to one molecule inside the
fingerprinting workers of :meth:`FingerprintDB.build <drugscreen.FingerprintDB.build>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.descriptors import descriptors as compute_descriptors
from drugscreen.chem.filters import QED_THRESHOLD, filter_failures, filter_molecules, resolve_filters
from drugscreen.chem.standardize import apply_steps, dedup, resolve_steps, standardize


@dataclass(frozen=True)
class MolPreparation:
    """Standardisation steps and filters for one molecule at a time (picklable, for workers).

    Attributes
    ----------
    steps : tuple of str
        Standardisation steps, as :func:`~drugscreen.chem.standardize.resolve_steps` returns.
    filters : tuple of str
        Filters a molecule must pass (:func:`drugscreen.filter_molecules` names).
    qed_threshold : float
        Of the ``qed`` filter.
    """

    steps: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    qed_threshold: float = QED_THRESHOLD

    def apply(self, mol: Any) -> tuple[Any, str | None, str | None]:
        """``(mol, None, None)`` for a molecule to keep (standardised), ``(None, reason, None)``
        when standardisation fails, ``(mol, None, failures)`` when it fails a filter."""
        if self.steps:
            mol, error = apply_steps(mol, self.steps)
            if mol is None:
                return None, error, None
        if self.filters:
            from rdkit import rdBase

            with rdBase.BlockLogs():
                try:
                    failed = filter_failures(mol, self.filters, self.qed_threshold)
                except Exception as exc:  # one molecule RDKit cannot score is a reject
                    return None, f"filters failed: {exc}", None
            if failed:
                return mol, None, failed
        return mol, None, None

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the preparation of a batch."""
        return {
            "standardize": list(self.steps),
            "filters": list(self.filters),
            "qed_threshold": self.qed_threshold,
        }


def preparation(
    standardize: bool | str | Sequence[str] | None = False,
    filters: str | Sequence[str] | None = None,
    *,
    qed_threshold: float = QED_THRESHOLD,
) -> MolPreparation | None:
    """The :class:`MolPreparation` of a build's ``standardize=`` and ``filters=``, or None.

    Raises
    ------
    InputError
        For an unknown recipe, step or filter name.
    """
    steps = resolve_steps(standardize)
    names = resolve_filters(filters) if filters else ()
    if not steps and not names:
        return None
    return MolPreparation(steps, names, float(qed_threshold))


@dataclass
class PrepareSummary:
    """Counts of a :func:`prepare_library` run (for its one-line log)."""

    n_records: int = 0
    n_failed: int = 0
    n_duplicates: int = 0
    n_failing_filters: int = 0
    n_dropped: int = 0
    n_out: int = 0


def prepare_library(
    molecules: Any,
    *,
    standardize_steps: bool | str | Sequence[str] = False,
    tautomer: bool = False,
    filters: str | Sequence[str] | None = None,
    qed_threshold: float = QED_THRESHOLD,
    dedup_key: str | None = None,
    drop_failing: bool = False,
    descriptor_names: bool | Sequence[str] = False,
    n_jobs: int | None = -1,
    progress: bool = True,
    **reader_kwargs: Any,
) -> tuple[pd.DataFrame, PrepareSummary]:
    """Standardise, de-duplicate, filter and describe a library: ``drugscreen prepare``.

    The steps run in that order, each on the output of the previous one: filters and
    descriptors see the standardised molecule. Without ``standardize_steps`` the molecules are
    only written as canonical SMILES with their InChIKey (recipe ``"none"``).

    Parameters
    ----------
    molecules : path, iterable of str or pandas.DataFrame
        As for :func:`drugscreen.standardize`.
    standardize_steps : bool, str or sequence of str
        ``True`` for the default recipe, or a recipe or step names.
    tautomer : bool
        Add the canonical-tautomer step.
    filters : str or sequence of str, optional
        Filters to compute (:func:`drugscreen.filter_molecules`).
    qed_threshold : float
        Of the ``qed`` filter.
    dedup_key : {"inchikey", "smiles"}, optional
        De-duplicate by this key (:func:`drugscreen.dedup`).
    drop_failing : bool
        Leave out records that failed (``error``) and, with ``filters``, those failing any.
    descriptor_names : bool or sequence of str
        ``True`` for all RDKit 2D descriptors, or their names (:func:`drugscreen.descriptors`);
        a descriptor whose column the filters already wrote (``qed``) is not repeated.
    n_jobs, progress, reader_kwargs
        As for :func:`drugscreen.standardize`.

    Returns
    -------
    (pandas.DataFrame, PrepareSummary)
        The columns of :func:`drugscreen.standardize`, then those of :func:`drugscreen.dedup`,
        the filters and the descriptors that were asked for.
    """
    steps = resolve_steps(standardize_steps, tautomer)
    names = resolve_filters(filters) if filters else ()
    table = standardize(molecules, steps=steps, n_jobs=n_jobs, progress=progress, **reader_kwargs)
    summary = PrepareSummary(n_records=len(table), n_failed=int(table["error"].notna().sum()))
    if dedup_key is not None:
        before = len(table)
        table = dedup(table, dedup_key)
        summary.n_duplicates = before - len(table)
    if names:
        ok = _usable(table)
        found = filter_molecules(
            table.loc[ok, "smiles"].tolist(),
            names,
            qed_threshold=qed_threshold,
            n_jobs=n_jobs,
            progress=progress,
        )
        table = _join(table, _place(found.drop(columns=["row", "id", "smiles", "error"]), ok))
        _keep_errors(table, ok, found["error"])
        summary.n_failing_filters = int((ok & ~table["pass_all"]).sum())
    if drop_failing:
        keep = table["error"].isna()
        if names:
            keep &= table["pass_all"]
        summary.n_dropped = int((~keep).sum())
        table = table[keep].reset_index(drop=True)
    if descriptor_names is not False:
        ok = _usable(table)
        chosen = None if descriptor_names is True else list(descriptor_names)
        values = compute_descriptors(
            table.loc[ok, "smiles"].tolist(), chosen, n_jobs=n_jobs, progress=progress
        )
        values = values.drop(columns=["row", "id", "error"])
        values = values.drop(columns=[c for c in values.columns if c in table.columns])
        table = _join(table, _place(values, ok))
    summary.n_out = len(table)
    return table, summary


def _keep_errors(table: pd.DataFrame, ok: np.ndarray, errors: pd.Series) -> None:
    """Copy a later step's per-record errors into ``table["error"]`` (rows ``ok`` were its input)."""
    failed = errors.notna().to_numpy()
    if failed.any():
        values = table["error"].to_numpy(dtype=object).copy()
        values[np.flatnonzero(ok)[failed]] = errors.to_numpy(dtype=object)[failed]
        table["error"] = pd.Series(values, index=table.index, dtype=object)


def _usable(table: pd.DataFrame) -> np.ndarray:
    """Rows that have a (standardised) molecule: only these are filtered and described, so a
    failed record keeps its first reason and is not reported again by every later step."""
    return (table["error"].isna() & table["smiles"].notna()).to_numpy()


def _place(part: pd.DataFrame, ok: np.ndarray) -> pd.DataFrame:
    """``part`` (computed for the ``ok`` rows) at its rows of the full table; the values of a
    record that was not computed elsewhere: False for ``pass_*``, NaN for numbers, else None."""
    columns: dict[str, Any] = {}
    for col in part.columns:
        if col.startswith("pass_"):
            full: np.ndarray = np.zeros(len(ok), dtype=bool)
        elif part[col].dtype == np.float64:
            full = np.full(len(ok), np.nan)
        else:
            full = np.full(len(ok), None, dtype=object)
        full[ok] = part[col].to_numpy()
        # object stays object: pandas would infer a string dtype and turn None into NaN
        columns[col] = pd.Series(full, dtype=full.dtype)
    return pd.DataFrame(columns)


def _join(table: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([table, extra.set_axis(table.index)], axis=1)
