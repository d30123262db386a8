"""Bemis-Murcko scaffolds of molecules, and groups of molecules that share one.

The scaffold is RDKit's ``MurckoScaffold.GetScaffoldForMol`` (ring systems and the linkers
between them, side chains removed), written as canonical SMILES; the *generic* scaffold also
turns every atom into carbon and every bond into a single bond (``MakeScaffoldGeneric``).
Acyclic molecules have the empty scaffold ``""``. Bad records get ``None`` and the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pandas as pd

from drugscreen.backends.parallel import resolve_n_jobs
from drugscreen.chem.io import RawRecord, iter_records
from drugscreen.chem.parse import parse_record

#: Records per task sent to a worker process.
CHUNK = 5_000


def _scaffold(mol: Any, generic: bool) -> str:
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    core = MurckoScaffold.GetScaffoldForMol(mol)
    if generic:
        core = MurckoScaffold.MakeScaffoldGeneric(core)
    return str(Chem.MolToSmiles(core))


def _chunk(texts: list[tuple[str, str, str | None]], generic: bool) -> list[tuple[str | None, str | None]]:
    """Worker task: (scaffold, error) of each (text, fmt, reader error)."""
    out: list[tuple[str | None, str | None]] = []
    for text, fmt, error in texts:
        if error:
            out.append((None, error))
            continue
        mol, error = parse_record(text, fmt)
        out.append((None, error) if mol is None else (_scaffold(mol, generic), None))
    return out


def scaffolds(
    source: str | os.PathLike[str] | Iterable[str],
    *,
    generic: bool = False,
    n_jobs: int | None = 1,
    **reader_kwargs: Any,
) -> pd.DataFrame:
    """Bemis-Murcko scaffold of every molecule.

    Parameters
    ----------
    source : path or iterable of str
        Molecules, as for :func:`drugscreen.iter_records` (file, ``"-"`` or SMILES strings).
    generic : bool
        Generic scaffolds (all atoms carbon, all bonds single).
    n_jobs : int
        Worker processes (-1 = all cores); inputs below one chunk run in this process.
    reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt``.

    Returns
    -------
    pandas.DataFrame
        ``row, id, scaffold, error``, one row per input record in input order; ``scaffold`` is
        canonical SMILES (``""`` for acyclic molecules), ``None`` with the reason in ``error``
        when the record cannot be parsed.

    Examples
    --------
    >>> scaffolds(["c1ccccc1CCO", "CCO", "O=C(O)C1CCCCC1", "not smiles"])[["scaffold", "error"]].values.tolist()
    [['c1ccccc1', None], ['', None], ['C1CCCCC1', None], [None, 'unparseable SMILES']]
    >>> scaffolds(["c1ccncc1CC1CC1"], generic=True)["scaffold"].tolist()
    ['C1CCC(CC2CC2)CC1']
    """
    records: list[RawRecord] = list(iter_records(source, **reader_kwargs))
    texts = [(r.text, r.fmt, r.error) for r in records]
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    workers = resolve_n_jobs(n_jobs)
    if workers == 1 or len(chunks) <= 1:
        results = [_chunk(c, generic) for c in chunks]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=workers)(delayed(_chunk)(c, generic) for c in chunks)
    flat = [item for part in results for item in part]
    return pd.DataFrame(
        {
            "row": [r.row for r in records],
            # object columns: a missing scaffold or error stays None (pandas would make it NaN)
            "id": pd.Series([r.id for r in records], dtype=object),
            "scaffold": pd.Series([s for s, _ in flat], dtype=object),
            "error": pd.Series([e for _, e in flat], dtype=object),
        }
    )


def group_by_scaffold(table: pd.DataFrame) -> pd.DataFrame:
    """Molecules grouped by scaffold, largest group first.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`scaffolds` (rows without a scaffold are left out).

    Returns
    -------
    pandas.DataFrame
        ``scaffold, n, rows`` (the input rows of the group, ascending), sorted by ``n``
        descending, then by the first row of the group -- the order scaffold splits use.

    Examples
    --------
    >>> group_by_scaffold(scaffolds(["c1ccccc1C", "c1ccccc1O", "CCO"])).values.tolist()
    [['c1ccccc1', 2, [0, 1]], ['', 1, [2]]]
    """
    ok = table[table["scaffold"].notna()]
    groups = ok.groupby("scaffold", sort=False)["row"].apply(lambda r: sorted(r.tolist()))
    out = pd.DataFrame({"scaffold": groups.index, "n": groups.map(len).to_numpy(), "rows": groups.to_numpy()})
    first = out["rows"].map(lambda r: r[0])
    order = sorted(range(len(out)), key=lambda i: (-int(out["n"].iloc[i]), int(first.iloc[i])))
    return out.iloc[order].reset_index(drop=True)
