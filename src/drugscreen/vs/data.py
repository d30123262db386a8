"""Benchmark data for retrospective virtual screens: one table of ``target, id, smiles, active``.

Two layouts are read: a table (DataFrame, CSV/TSV/Parquet file) with a target, a SMILES and an
activity column, and a folder with one sub-folder per target holding ``actives*`` and
``decoys*`` (or ``inactives*``) molecule files, as DUD-E and LIT-PCBA ship them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

COLUMNS = ["target", "id", "smiles", "active"]
_ACTIVE_PREFIXES = ("actives",)
_INACTIVE_PREFIXES = ("decoys", "inactives")


def load_benchmark(
    source: Any,
    *,
    target_column: str | None = None,
    smiles_column: str = "smiles",
    active_column: str = "active",
    id_column: str | None = None,
) -> pd.DataFrame:
    """Read virtual-screening benchmark data into ``target, id, smiles, active``.

    Parameters
    ----------
    source : DataFrame, path to a table, or path to a folder
        A table needs a SMILES and an activity column, and a target column unless it holds
        one target (then called ``"all"``). A folder holds one sub-folder per target with
        files named ``actives*`` and ``decoys*`` or ``inactives*``; the SMILES-type files among
        them (``.smi``, ``.ism``, ``.csv``, ``.tsv``, ``.parquet``, gzipped or not) are read and
        others (DUD-E's ``.sdf.gz`` and ``.mol2.gz`` copies of the same molecules) skipped.
    target_column : str, optional
        Column of target names; default ``"target"`` when the table has one. A column named
        here must exist.
    smiles_column, active_column, id_column : str
        Column names in a table; ``active`` values must be 0/1 or booleans. Ids come from
        ``id_column``, else from an ``id`` column, else they are the row numbers.

    Returns
    -------
    pandas.DataFrame
        ``target`` (str), ``id`` (str), ``smiles`` (str), ``active`` (bool), then the table's
        other columns.

    Examples
    --------
    >>> table = pd.DataFrame({"smiles": ["CCO", "CCN", "c1ccccc1"], "active": [1, 0, 0]})
    >>> load_benchmark(table)["target"].tolist()
    ['all', 'all', 'all']
    """
    if isinstance(source, pd.DataFrame):
        return _from_table(source, target_column, smiles_column, active_column, id_column, "the table")
    path = user_path(source)
    if path.is_dir():
        return _from_folder(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    suffixes = "".join(path.suffixes[-2:]).lower()
    if ".parquet" in suffixes:
        table = pd.read_parquet(path)
    else:
        table = pd.read_csv(
            path, sep="\t" if ".tsv" in suffixes else ",", dtype={id_column: str} if id_column else None
        )
    return _from_table(table, target_column, smiles_column, active_column, id_column, str(path))


def _from_table(
    table: pd.DataFrame,
    target_column: str | None,
    smiles_column: str,
    active_column: str,
    id_column: str | None,
    where: str,
) -> pd.DataFrame:
    needed = [smiles_column, active_column] + ([id_column] if id_column else [])
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(f"{where} has no column {missing[0]!r}; its columns are {list(table.columns)}")
    active = table[active_column]
    if active.isna().any():
        raise InputError(f"{where}: {int(active.isna().sum())} rows have no value in {active_column!r}")
    if active.dtype != bool and not active.isin([0, 1]).all():
        bad = active[~active.isin([0, 1])].iloc[0]
        raise InputError(f"{where}: {active_column!r} must be 0/1 or True/False, found {bad!r}")
    if target_column is not None and target_column not in table.columns:
        raise InputError(
            f"{where} has no target column {target_column!r}; its columns are {list(table.columns)}"
        )
    target_column = target_column or ("target" if "target" in table.columns else None)
    if target_column is not None:
        target = table[target_column].astype(str).to_numpy(dtype=object)
    else:
        target = np.full(len(table), "all", dtype=object)
    id_column = id_column or ("id" if "id" in table.columns else None)
    ids = (
        table[id_column].astype(str).to_numpy(dtype=object)
        if id_column
        else np.arange(len(table)).astype(str)
    )
    out = pd.DataFrame(
        {
            "target": target,
            "id": np.asarray(ids, dtype=object),
            "smiles": table[smiles_column].astype(str).to_numpy(dtype=object),
            "active": active.astype(bool).to_numpy(),
        }
    )
    # other columns (a model's scores, properties a scorer uses) come along under their names
    used = {target_column, smiles_column, active_column, id_column, *COLUMNS}
    for column in table.columns:
        if column not in used:
            out[column] = table[column].to_numpy()
    return out


def _smiles_type(path: Path) -> bool:
    """Whether ``path`` is a SMILES-type file (DUD-E also ships SDF and MOL2 copies: skipped)."""
    from drugscreen.chem.io import detect_format

    try:
        return detect_format(path) in ("smi", "csv", "tsv", "parquet")
    except InputError:
        logger.debug("%s: not a SMILES file; skipped", path)
        return False


def _from_folder(folder: Path) -> pd.DataFrame:
    from drugscreen.chem.io import iter_records

    frames = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(p for p in sub.iterdir() if p.is_file())
        actives = [p for p in files if p.name.lower().startswith(_ACTIVE_PREFIXES)]
        inactives = [p for p in files if p.name.lower().startswith(_INACTIVE_PREFIXES)]
        if not actives or not inactives:
            logger.warning("%s: no actives* and decoys*/inactives* files; skipped", sub)
            continue
        for paths, label in ((actives, True), (inactives, False)):
            readable = [p for p in paths if _smiles_type(p)]
            if not readable:
                names = ", ".join(p.name for p in paths)
                raise InputError(f"{sub}: no SMILES file (.smi, .ism, .csv, .tsv, .parquet) among {names}")
            for path in readable:
                records = list(iter_records(path))
                frames.append(
                    pd.DataFrame(
                        {
                            "target": sub.name,
                            "id": [
                                rec.id if rec.id is not None else f"{path.name}:{rec.row}" for rec in records
                            ],
                            "smiles": [rec.text for rec in records],
                            "active": label,
                        }
                    )
                )
    if not frames:
        raise InputError(f"{folder}: no target folders with actives* and decoys*/inactives* files")
    table = pd.concat(frames, ignore_index=True)
    table["id"] = table["id"].astype(object)
    return table[COLUMNS]
