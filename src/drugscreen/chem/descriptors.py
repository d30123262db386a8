"""RDKit 2D descriptors as a table, computed in worker processes.

The descriptors are RDKit's own list, ``rdkit.Chem.Descriptors._descList`` (217 in RDKit
2026.09), each called as RDKit calls it in ``Descriptors.CalcMolDescriptors``: the function of
that list on the molecule as parsed, hydrogens implicit. None is left out by default: every one
is a 2D (topological) descriptor -- the 3D ones live in ``Descriptors3D`` and need conformers,
so they are not in the list -- and none is slow enough to matter: all 217 together take about
10 ms for a drug-sized molecule (``qed`` is the slowest, about 2 ms; ``BCUT2D_*``, ``BertzCT``
and the EState indices about 0.5 ms each).

The values are those of ``Descriptors.CalcMolDescriptors`` computed with BLAS on one thread
(see ``_descriptor_chunk`` for why that matters for ``Ipc`` and ``AvgIpc``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.batches import Text, log_failures, map_batches, parse_texts
from drugscreen.chem.io import iter_records
from drugscreen.errors import InputError


def descriptor_names() -> list[str]:
    """Names of every descriptor :func:`descriptors` computes by default, in RDKit's order."""
    from rdkit.Chem import Descriptors

    return [name for name, _ in Descriptors._descList]


def _resolve_names(names: str | Sequence[str] | None) -> tuple[str, ...]:
    known = descriptor_names()
    if names is None:
        return tuple(known)
    wanted = [names] if isinstance(names, str) else list(names)
    valid = set(known)
    bad = [n for n in wanted if n not in valid]
    if bad:
        raise InputError(
            f"unknown descriptor(s) {bad}: the names are those of RDKit's Descriptors._descList "
            "(ds.chem.descriptors.descriptor_names() lists them)"
        )
    if not wanted:
        raise InputError("no descriptor named: pass names=None for all of them")
    return tuple(dict.fromkeys(wanted))


def _functions(names: tuple[str, ...]) -> list[Any]:
    from rdkit.Chem import Descriptors

    table = dict(Descriptors._descList)
    return [table[name] for name in names]


def _value(function: Any, mol: Any) -> float:
    """One descriptor as float, NaN where RDKit raises (as ``CalcMolDescriptors`` does)."""
    try:
        return float(function(mol))
    except Exception:  # RDKit descriptors raise assorted types on odd molecules
        return math.nan


def _descriptor_chunk(items: list[Text], names: tuple[str, ...]) -> tuple[np.ndarray, list[str | None]]:
    """Worker task: ``float64[len(items), len(names)]`` (NaN rows for failures) and errors.

    BLAS runs on one thread here: ``Ipc`` and ``AvgIpc`` multiply matrices with NumPy, and
    the last digits of a large molecule's value depend on the BLAS thread count -- which joblib
    sets to one in its workers. One thread everywhere makes the values independent of
    ``n_jobs`` and of whether a chunk runs in a worker or in this process.
    """
    from rdkit import rdBase
    from threadpoolctl import threadpool_limits

    functions = _functions(names)
    out = np.full((len(items), len(names)), np.nan, dtype=np.float64)
    errors: list[str | None] = []
    with threadpool_limits(limits=1, user_api="blas"):
        for i, (mol, error) in enumerate(parse_texts(items)):
            errors.append(error)
            if mol is not None:
                with rdBase.BlockLogs():
                    out[i] = [_value(f, mol) for f in functions]
    return out, errors


def descriptors(
    molecules: Any,
    names: str | Sequence[str] | None = None,
    *,
    n_jobs: int | None = -1,
    progress: bool = True,
    chunk_size: int | None = None,
    **reader_kwargs: Any,
) -> pd.DataFrame:
    """RDKit 2D descriptors of every molecule.

    Parameters
    ----------
    molecules : path, iterable of str or pandas.DataFrame
        As for :func:`drugscreen.standardize` (e.g. its output, whose ``smiles`` column is then
        what is described).
    names : str or sequence of str, optional
        Descriptor names from ``rdkit.Chem.Descriptors._descList`` (e.g. ``"MolWt"``,
        ``"TPSA"``), in the order wanted; default all of them.
    n_jobs : int
        Worker processes (-1 = all cores); input within one chunk runs in this process.
    progress : bool
        Show a progress bar (only when the input spans more than one chunk).
    chunk_size : int, optional
        Records per worker task (default 2,000).
    reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt``.

    Returns
    -------
    pandas.DataFrame
        ``row, id, error``, then one ``float64`` column per descriptor, one row per input
        record in input order. A record that cannot be parsed has NaN everywhere and the
        reason in ``error``; a single descriptor RDKit cannot compute for a molecule is NaN.

    Raises
    ------
    InputError
        For an unknown descriptor name, or input that cannot be read at all.

    Examples
    --------
    >>> descriptors(["CCO", "c1ccccc1", "bad"], ["MolWt", "RingCount"]).round(2).values.tolist()
    [[0, None, None, 46.07, 0.0], [1, None, None, 78.11, 1.0], [2, None, 'unparseable SMILES', nan, nan]]
    """
    chosen = _resolve_names(names)
    rows: list[int] = []
    ids: list[str | None] = []
    errors: list[str | None] = []
    blocks: list[np.ndarray] = []
    for batch, (block, errs) in map_batches(
        _descriptor_chunk,
        iter_records(molecules, **reader_kwargs),
        (chosen,),
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        desc="descriptors",
    ):
        rows += [r.row for r in batch]
        ids += [r.id for r in batch]
        errors += errs
        blocks.append(block)
    data = np.concatenate(blocks) if blocks else np.zeros((0, len(chosen)), dtype=np.float64)
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "row": pd.Series(rows, dtype="int64"),
                    "id": pd.Series(ids, dtype=object),
                    "error": pd.Series(errors, dtype=object),
                }
            ),
            pd.DataFrame(data, columns=list(chosen)),
        ],
        axis=1,
    )
    log_failures(table, "described")
    return table
