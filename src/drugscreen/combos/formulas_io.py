"""Multi-ingredient formulas as a long table, and their ingredients' drug-likeness.

* :func:`~drugscreen.combos.read_formulas`: a ``formula, ingredient, gene`` table (optional ``herb``, ``smiles``
  and any user columns such as TCMSP's ``ob``/``dl``), checked, ids as text.
* :func:`~drugscreen.combos.druglikeness`: Lipinski and Veber descriptors, QED and pass flags of ingredients'
  SMILES, computed by the functions of ``drugscreen.chem.filters``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.filters import RULES, rule_violations
from drugscreen.chem.parse import parse_record
from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_id, read_table
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

#: Columns read_formulas knows (matched without regard to case or surrounding spaces).
KNOWN_COLUMNS = ("formula", "ingredient", "herb", "gene", "smiles")
#: Descriptor columns of ``druglikeness``: ours on the left, filters.py's names on the right.
DESCRIPTORS = {
    "MolWt": "MolWt",
    "MolLogP": "MolLogP",
    "HBD": "NHOHCount",
    "HBA": "NOCount",
    "TPSA": "TPSA",
    "NumRotatableBonds": "NumRotatableBonds",
}


def read_formulas(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """A long table of formulas, their ingredients and the ingredients' target genes.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``, ``.tsv`` (``.txt``) or ``.parquet`` file (gzip allowed; lines starting
        with ``#`` are comments) or a table with columns ``formula, ingredient, gene`` (one
        target gene per row) and optionally ``herb`` (the herb an ingredient comes from),
        ``smiles`` (the ingredient's structure) and any other columns (e.g. TCMSP's ``ob`` and
        ``dl``), which are kept. Without an ``ingredient`` column, ``formula, gene`` lists a
        formula's targets directly and each formula is its own single ingredient. Known column
        names are matched without regard to case.

    Returns
    -------
    DataFrame
        ``formula, ingredient, [herb,] gene, [smiles,] ...``: ids and genes as text (``7157``,
        ``7157.0`` and ``"7157"`` are one gene; surrounding spaces stripped), exact duplicate
        rows dropped, other columns as given (in a text file, a column whose every value is a
        number becomes numeric).

    Raises
    ------
    InputError
        When a required column is missing (naming the file and the column), an id is empty
        (naming the row, counted from 0 after the header), an ingredient is given two
        different SMILES, or there is no row.

    Examples
    --------
    >>> read_formulas(pd.DataFrame({"formula": ["F1", "F1"], "gene": [7157, 672]}))
      formula ingredient  gene
    0      F1         F1  7157
    1      F1         F1   672
    """
    if isinstance(source, pd.DataFrame):
        where = "formulas table"
        table = source.copy()
        from_text = False
    elif isinstance(source, str | os.PathLike):
        where = f"formulas file {str(user_path(source))!r}"
        table = read_table(source, "formulas", text=True)
        from_text = True
    else:
        raise InputError(f"formulas must be a file path or a DataFrame, got {type(source).__name__}")
    table = _known_names(table, where)
    for column in ("formula", "gene"):
        if column not in table.columns:
            raise InputError(f"{where} has no column {column!r}; columns are {list(table.columns)}")
    if "ingredient" not in table.columns:
        table.insert(1, "ingredient", table["formula"])
    table = table.reset_index(drop=True)
    for column in ("formula", "ingredient", "gene"):
        table[column] = _ids(table[column], where)
    for column in ("herb", "smiles"):
        if column in table.columns:
            table[column] = [None if _empty(v) else str(v).strip() for v in table[column]]
    others = [c for c in table.columns if c not in KNOWN_COLUMNS]
    if from_text:
        for column in others:
            table[column] = _maybe_numeric(table[column])
    order = [c for c in KNOWN_COLUMNS if c in table.columns] + others
    table = table[order].drop_duplicates(ignore_index=True)
    if table.empty:
        raise InputError(f"{where} has no rows")
    if "smiles" in table.columns:
        _check_one_structure(table, where)
    return table


def _known_names(table: pd.DataFrame, where: str) -> pd.DataFrame:
    renamed = {c: str(c).strip().lower() for c in table.columns if str(c).strip().lower() in KNOWN_COLUMNS}
    table = table.rename(columns=renamed)
    seen = [c for c in table.columns if c in KNOWN_COLUMNS]
    twice = sorted({c for c in seen if seen.count(c) > 1})
    if twice:
        raise InputError(f"{where} has more than one column named {twice[0]!r} (names ignore case)")
    return table


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _ids(column: pd.Series, where: str) -> list[str]:
    out = []
    for row, value in enumerate(column.tolist()):
        if value is pd.NA or _empty(value):
            raise InputError(f"{where}, row {row}: empty {column.name!r}")
        out.append(gene_id(value.strip() if isinstance(value, str) else value))
    return out


def _maybe_numeric(column: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers if numbers.notna().sum() == column.notna().sum() else column


def _check_one_structure(table: pd.DataFrame, where: str) -> None:
    given = table[table.smiles.notna()]
    counts = given.groupby("ingredient", sort=False).smiles.nunique()
    if (counts > 1).any():
        name = counts.index[int(np.argmax(counts.to_numpy() > 1))]
        rows = given.index[given.ingredient == name].tolist()
        raise InputError(f"{where}: ingredient {name!r} has different SMILES in rows {rows[:5]}")


def druglikeness(smiles: pd.Series | Iterable[Any]) -> pd.DataFrame:
    """Lipinski and Veber descriptors, QED and pass flags of each ingredient.

    The descriptors and rules are those of :func:`drugscreen.filter_molecules` (the module
    ``drugscreen.chem.filters`` has the references): ``MolWt`` (average mass), ``MolLogP``
    (Wildman-Crippen), ``HBD`` and ``HBA`` (Lipinski's counts: N-H plus O-H, and N plus O
    atoms; RDKit's ``NHOHCount``/``NOCount``), ``TPSA`` (Ertl, N and O only),
    ``NumRotatableBonds`` (RDKit's strict definition) and ``QED`` (RDKit's ``QED.qed``).

    Parameters
    ----------
    smiles : Series or iterable of str
        SMILES; a Series' index names the ingredients (in logs and in the output's index),
        else they are numbered from 0. None/NaN means no structure.

    Returns
    -------
    DataFrame
        Indexed like the input: ``smiles, MolWt, MolLogP, HBD, HBA, TPSA,
        NumRotatableBonds, QED, lipinski, veber, error``. ``lipinski`` is True with at most
        one violation of MolWt <= 500, MolLogP <= 5, HBD <= 5, HBA <= 10 (Lipinski's rule);
        ``veber`` is True when NumRotatableBonds <= 10 and TPSA <= 140 (both). A missing or
        unparsable SMILES gives NaN descriptors, ``<NA>`` flags and the reason in ``error``;
        an unparsable one is also logged as a warning naming the ingredient.

    Examples
    --------
    >>> t = druglikeness(pd.Series(["CC(=O)Oc1ccccc1C(=O)O"], index=["aspirin"]))
    >>> t.loc["aspirin", ["MolWt", "HBD", "HBA"]].round(2).tolist(), bool(t.loc["aspirin", "lipinski"])
    ([180.16, 1.0, 4.0], True)
    """
    from rdkit.Chem import QED

    series = smiles if isinstance(smiles, pd.Series) else pd.Series(list(smiles), dtype=object)
    values = np.full((len(series), len(DESCRIPTORS) + 1), np.nan)
    flags: list[list[Any]] = []
    errors: list[str | None] = []
    done: dict[str, tuple[np.ndarray, list[Any], str | None]] = {}
    error: str | None
    for i, (name, text) in enumerate(series.items()):
        if text is pd.NA or _empty(text):
            values_i, flags_i, error = np.full(values.shape[1], np.nan), [pd.NA, pd.NA], "no SMILES"
        else:
            clean = str(text).strip()
            if clean not in done:
                done[clean] = _describe(clean, QED)
            values_i, flags_i, error = done[clean]
            if error is not None:
                logger.warning("druglikeness: ingredient %s: SMILES %r not parsed (%s)", name, clean, error)
        values[i] = values_i
        flags.append(flags_i)
        errors.append(error)
    table = pd.DataFrame(values, columns=[*DESCRIPTORS, "QED"], index=series.index)
    table.insert(0, "smiles", series.astype(object).where(series.notna(), None))
    for j, column in enumerate(("lipinski", "veber")):
        table[column] = pd.array([f[j] for f in flags], dtype="boolean")
    table["error"] = pd.Series(errors, index=series.index, dtype=object)
    return table


def _describe(text: str, qed: Any) -> tuple[np.ndarray, list[Any], str | None]:
    nan_row = np.full(len(DESCRIPTORS) + 1, np.nan)
    mol, error = parse_record(text, "smiles")
    if mol is None:
        return nan_row, [pd.NA, pd.NA], error or "unparseable SMILES"
    try:
        cache: dict[str, float] = {}
        ro5 = rule_violations(mol, RULES["ro5"], cache)
        veber = rule_violations(mol, RULES["veber"], cache)
        row = np.array([cache[name] for name in DESCRIPTORS.values()] + [float(qed.qed(mol))])
    except Exception as exc:  # a molecule RDKit cannot describe is one bad record, not a crash
        return nan_row, [pd.NA, pd.NA], f"descriptors failed: {exc}"
    passes = [len(ro5) <= RULES["ro5"].max_violations, len(veber) <= RULES["veber"].max_violations]
    return row, passes, None
