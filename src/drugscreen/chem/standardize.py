"""Standardisation of molecules with RDKit's ``rdMolStandardize``, and de-duplication.

The steps, always applied in this order (the order they are named in does not matter):

1. ``cleanup`` -- ``rdMolStandardize.Cleanup``: removes explicit hydrogens, disconnects metals
   from organic atoms, normalises functional groups (e.g. charge-separated nitro and N-oxides,
   sulfoxides) and reionises acids so that the strongest acid carries the negative charge.
2. ``fragment`` -- ``rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose``: keeps
   the largest organic fragment, which strips counter-ions, salts and solvents.
3. ``uncharge`` -- ``rdMolStandardize.Uncharger().uncharge``: neutralises by adding or removing
   hydrogens where that is possible (a quaternary ammonium stays charged; zwitterions whose
   charges cannot both be neutralised stay as they are).
4. ``tautomer`` -- ``rdMolStandardize.TautomerEnumerator().Canonicalize``: RDKit's canonical
   tautomer. Optional (``tautomer=True``): 10-30 ms per drug-sized molecule, 20-50 times the
   cost of the other steps together.

Why this order: metals must be disconnected before fragments are chosen, or a metal salt is one
"fragment"; the counter-ions must be gone before neutralising, or the Uncharger keeps the parent
charged to balance them (``[Na+].CC(=O)[O-]`` stays a salt); tautomers are enumerated from the
neutral parent.

The default recipe (``DEFAULT_RECIPE``, name ``"default"``) is steps 1-3: the usual "parent
compound" of a registration system. Standardised molecules are written as RDKit canonical
isomeric SMILES with their standard InChIKey.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from drugscreen.chem.batches import Text, log_failures, map_batches, parse_texts
from drugscreen.chem.io import iter_records
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")

#: The default recipe: cleanup, keep the largest organic fragment, neutralise.
DEFAULT_RECIPE: tuple[str, ...] = ("cleanup", "fragment", "uncharge")

#: Named recipes; ``"none"`` only writes canonical SMILES and InChIKey of the molecule as read.
RECIPES: dict[str, tuple[str, ...]] = {
    "default": DEFAULT_RECIPE,
    "default+tautomer": (*DEFAULT_RECIPE, "tautomer"),
    "cleanup": ("cleanup",),
    "none": (),
}

COLUMNS = ["row", "id", "input_smiles", "smiles", "inchikey", "error"]


@functools.lru_cache(maxsize=1)
def _fragment_chooser() -> Any:
    # RDKit standardiser objects are not free to construct: one per (worker) process
    from rdkit.Chem.MolStandardize import rdMolStandardize

    return rdMolStandardize.LargestFragmentChooser(preferOrganic=True)


@functools.lru_cache(maxsize=1)
def _uncharger() -> Any:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    return rdMolStandardize.Uncharger()


@functools.lru_cache(maxsize=1)
def _tautomer_enumerator() -> Any:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    return rdMolStandardize.TautomerEnumerator()


def cleanup(mol: Any) -> Any:
    """Step ``cleanup``: ``rdMolStandardize.Cleanup(mol)`` (a new molecule)."""
    from rdkit.Chem.MolStandardize import rdMolStandardize

    return rdMolStandardize.Cleanup(mol)


def largest_fragment(mol: Any) -> Any:
    """Step ``fragment``: ``LargestFragmentChooser(preferOrganic=True).choose(mol)``."""
    return _fragment_chooser().choose(mol)


def uncharge(mol: Any) -> Any:
    """Step ``uncharge``: ``Uncharger().uncharge(mol)``."""
    return _uncharger().uncharge(mol)


def canonical_tautomer(mol: Any) -> Any:
    """Step ``tautomer``: ``TautomerEnumerator().Canonicalize(mol)``."""
    return _tautomer_enumerator().Canonicalize(mol)


#: Step names and their functions, in the order they are applied.
STEPS: dict[str, Callable[[Any], Any]] = {
    "cleanup": cleanup,
    "fragment": largest_fragment,
    "uncharge": uncharge,
    "tautomer": canonical_tautomer,
}


def resolve_steps(steps: bool | str | Sequence[str] | None, tautomer: bool = False) -> tuple[str, ...]:
    """The steps a ``steps=`` argument means, in the order they are applied.

    Parameters
    ----------
    steps : bool, str, sequence of str or None
        ``True`` the default recipe, ``False``/``None`` no step, a recipe name
        (:data:`RECIPES`), a single step name, or step names (:data:`STEPS`).
    tautomer : bool
        Add the ``tautomer`` step.

    Returns
    -------
    tuple of str

    Raises
    ------
    InputError
        For an unknown recipe or step name.

    Examples
    --------
    >>> resolve_steps("default", tautomer=True)
    ('cleanup', 'fragment', 'uncharge', 'tautomer')
    >>> resolve_steps(["uncharge", "fragment"])
    ('fragment', 'uncharge')
    """
    if steps is True:
        names: Iterable[str] = DEFAULT_RECIPE
    elif steps is None or steps is False:
        names = ()
    elif isinstance(steps, str):
        if steps in RECIPES:
            names = RECIPES[steps]
        elif steps in STEPS:
            names = (steps,)
        else:
            raise InputError(
                f"unknown standardisation recipe {steps!r}: use one of {', '.join(map(repr, RECIPES))} "
                f"or a list of steps from {', '.join(map(repr, STEPS))}"
            )
    else:
        names = list(steps)
        bad = [s for s in names if not isinstance(s, str) or s not in STEPS]
        if bad:
            raise InputError(
                f"unknown standardisation step(s) {bad}: the steps are {', '.join(map(repr, STEPS))}"
            )
    wanted = set(names) | ({"tautomer"} if tautomer else set())
    return tuple(s for s in STEPS if s in wanted)


def apply_steps(mol: Any, steps: Sequence[str]) -> tuple[Any, str | None]:
    """``(standardised mol, None)``, or ``(None, reason)`` when a step fails.

    ``steps`` must come from :func:`resolve_steps` (names, in order). RDKit's log messages are
    silenced for the call; failures are returned, not logged.
    """
    from rdkit import rdBase

    with rdBase.BlockLogs():
        for step in steps:
            try:
                mol = STEPS[step](mol)
            except Exception as exc:  # RDKit raises several types (sanitisation, value errors)
                return None, f"standardisation failed at step {step!r}: {exc}"
            if mol is None:
                return None, f"standardisation failed at step {step!r}: RDKit returned no molecule"
    if mol.GetNumAtoms() == 0:
        return None, "no atoms left after standardisation"
    return mol, None


def inchikey(mol: Any) -> str | None:
    """Standard InChIKey of ``mol``, or None where InChI cannot represent it (e.g. ``*`` atoms)."""
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        try:
            key = Chem.MolToInchiKey(mol)
        except Exception:  # an InChI failure only means "no key"; the molecule itself is fine
            return None
    return key or None


def _standardize_chunk(
    items: list[Text], steps: tuple[str, ...]
) -> list[tuple[str | None, str | None, str | None, str | None]]:
    """Worker task: ``(input_smiles, smiles, inchikey, error)`` per record."""
    from rdkit import Chem

    out: list[tuple[str | None, str | None, str | None, str | None]] = []
    for (text, fmt, _), (mol, error) in zip(items, parse_texts(items), strict=True):
        given = text if fmt == "smiles" else None
        if mol is None:
            out.append((given, None, None, error))
            continue
        if given is None:  # a mol block: its SMILES as read, before standardisation
            given = Chem.MolToSmiles(mol)
        std, error = apply_steps(mol, steps)
        if std is None:
            out.append((given, None, None, error))
            continue
        out.append((given, Chem.MolToSmiles(std), inchikey(std), None))
    return out


def standardize(
    molecules: Any,
    *,
    steps: str | Sequence[str] = DEFAULT_RECIPE,
    tautomer: bool = False,
    n_jobs: int | None = -1,
    progress: bool = True,
    chunk_size: int | None = None,
    **reader_kwargs: Any,
) -> pd.DataFrame:
    """Standardise molecules with RDKit's ``rdMolStandardize`` (see the module docstring).

    Parameters
    ----------
    molecules : path, iterable of str or pandas.DataFrame
        A molecule file or SMILES strings (as for :func:`drugscreen.iter_records`), or a
        DataFrame with a SMILES column (and optionally an ``id`` column).
    steps : str or sequence of str
        A recipe name (``"default"``, ``"default+tautomer"``, ``"cleanup"``, ``"none"``) or
        step names from ``"cleanup"``, ``"fragment"``, ``"uncharge"``, ``"tautomer"``; steps
        always run in that order. Default: cleanup, fragment, uncharge.
    tautomer : bool
        Also canonicalise the tautomer (slow: 10-30 ms per molecule).
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
        ``row, id, input_smiles, smiles, inchikey, error``: one row per input record, in input
        order. ``smiles`` is RDKit's canonical SMILES of the standardised molecule and
        ``inchikey`` its standard InChIKey; both are None, with the reason in ``error``, when
        the record cannot be parsed or a step fails. ``inchikey`` alone is None when InChI
        cannot represent the molecule (e.g. dummy atoms ``*``). For mol blocks
        ``input_smiles`` is the SMILES of the molecule as read.

    Raises
    ------
    InputError
        For an unknown recipe or step, or input that cannot be read at all (missing file or
        SMILES column). One bad molecule never raises: it is counted, logged and reported.

    Examples
    --------
    >>> table = standardize(["CC(=O)[O-].[Na+]", "C[NH3+].[Cl-]", "not smiles"])
    >>> table[["smiles", "error"]].values.tolist()
    [['CC(=O)O', None], ['CN', None], [None, 'unparseable SMILES']]
    >>> standardize(["Oc1ccccn1"], tautomer=True)["smiles"].tolist()
    ['O=c1cccc[nH]1']
    """
    chosen = resolve_steps(steps, tautomer)
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    records = iter_records(molecules, **reader_kwargs)
    for batch, result in map_batches(
        _standardize_chunk,
        records,
        (chosen,),
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        desc="standardising",
    ):
        for rec, values in zip(batch, result, strict=True):
            columns["row"].append(rec.row)
            columns["id"].append(rec.id)
            for name, value in zip(COLUMNS[2:], values, strict=True):
                columns[name].append(value)
    table = _frame(columns)
    log_failures(table, "standardised")
    return table


def _frame(columns: dict[str, list[Any]]) -> pd.DataFrame:
    # object columns: a missing value stays None (pandas would make it NaN)
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype="int64" if name == "row" else object)
            for name, values in columns.items()
        }
    )


def dedup(table: pd.DataFrame, key: str = "inchikey") -> pd.DataFrame:
    """Keep the first record of each molecule, with the ids of the records merged into it.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`standardize` (any table with ``row`` and the ``key`` column; an
        ``id`` column is used when present).
    key : {"inchikey", "smiles"}
        What makes two records the same molecule: the standard InChIKey, or the canonical
        SMILES (stricter: InChI treats mobile-hydrogen tautomers as one molecule).

    Returns
    -------
    pandas.DataFrame
        The rows of ``table`` that are the first of their molecule, in input order, plus
        ``merged_rows`` (list of the ``row`` values of every record of that molecule, the kept
        one first), ``merged_ids`` (their ids; the row number as text where a record has no
        id, as in a database) and ``n_merged`` (how many). Records without a key (failed
        ones, or no InChIKey) are kept, each on its own: nothing disappears silently.

    Raises
    ------
    InputError
        For an unknown ``key`` or a table without the columns.

    Examples
    --------
    >>> table = standardize(["CCO", "OCC", "CCO.[Na+].[Cl-]", "CCN"])
    >>> dedup(table)[["smiles", "merged_rows", "n_merged"]].values.tolist()
    [['CCO', [0, 1, 2], 3], ['CCN', [3], 1]]
    """
    if key not in ("inchikey", "smiles"):
        raise InputError(f"dedup key must be 'inchikey' or 'smiles', got {key!r}")
    missing = [c for c in ("row", key) if c not in table.columns]
    if missing:
        raise InputError(
            f"cannot de-duplicate: the table has no {' or '.join(map(repr, missing))} column; "
            "pass the output of ds.standardize()"
        )
    rows = table["row"].astype("int64").tolist()
    ids = table["id"].tolist() if "id" in table.columns else [None] * len(rows)
    labels = [str(r) if i is None or i != i else str(i) for i, r in zip(ids, rows, strict=True)]
    first_of: dict[str, int] = {}
    merged_rows: list[list[int]] = []
    merged_ids: list[list[str]] = []
    kept: list[int] = []
    for pos, value in enumerate(table[key].tolist()):
        has_key = isinstance(value, str) and value != ""
        if has_key and value in first_of:
            target = first_of[value]
            merged_rows[target].append(rows[pos])
            merged_ids[target].append(labels[pos])
            continue
        if has_key:
            first_of[value] = len(kept)
        kept.append(pos)
        merged_rows.append([rows[pos]])
        merged_ids.append([labels[pos]])
    out = table.iloc[kept].reset_index(drop=True)
    out["merged_rows"] = pd.Series(merged_rows, dtype=object)
    out["merged_ids"] = pd.Series(merged_ids, dtype=object)
    out["n_merged"] = pd.Series([len(m) for m in merged_rows], dtype="int64")
    logger.info(
        "de-duplicated by %s: %d records, %d unique (%d duplicates merged)",
        key,
        len(table),
        len(out),
        len(table) - len(out),
    )
    return out
