"""Substructure flags: which molecules contain a SMARTS pattern."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from drugscreen.chem.batches import Text, map_batches, parse_texts
from drugscreen.chem.io import iter_records
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")


def _pattern(smarts: str) -> Any:
    from rdkit import Chem

    pattern = Chem.MolFromSmarts(smarts) if isinstance(smarts, str) else None
    if pattern is None:
        raise InputError(f"not a valid SMARTS pattern: {smarts!r}")
    return pattern


def _match_chunk(items: list[Text], smarts: str) -> list[bool | None]:
    """Worker task: True/False per record, None where the record does not parse."""
    pattern = _pattern(smarts)
    return [None if mol is None else bool(mol.HasSubstructMatch(pattern)) for mol, _ in parse_texts(items)]


def has_substructure(
    molecules: Any, smarts: str, *, n_jobs: int | None = -1, **reader_kwargs: Any
) -> npt.NDArray[np.bool_]:
    """Whether each molecule contains ``smarts`` (RDKit ``HasSubstructMatch``).

    Parameters
    ----------
    molecules : path, iterable of str or pandas.DataFrame
        As for :func:`drugscreen.iter_records`.
    smarts : str
        The pattern.
    n_jobs : int
        Worker processes (-1 = all cores); small inputs run in this process.

    Returns
    -------
    ndarray of bool
        One value per record; False for records that do not parse (their count is logged
        as a warning).

    Examples
    --------
    >>> has_substructure(["CS(N)(=O)=O", "CCO", "not smiles"], "S(=O)(=O)N").tolist()
    [True, False, False]
    """
    _pattern(smarts)  # a bad pattern fails here, before any worker starts
    flags: list[bool | None] = []
    for _, result in map_batches(
        _match_chunk, iter_records(molecules, **reader_kwargs), (smarts,), n_jobs=n_jobs, progress=False
    ):
        flags.extend(result)
    unparsed = sum(f is None for f in flags)
    if unparsed:
        logger.warning(
            "%d of %d records could not be parsed; they count as not matching %s",
            unparsed,
            len(flags),
            smarts,
        )
    return np.array([bool(f) for f in flags], dtype=np.bool_)
