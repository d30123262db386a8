"""SEA's inputs: ligand sets, queries and parameters checked and turned into plain lists and
fingerprints. :class:`~drugscreen.repurpose.sea.SEA` accepts ligand sets and queries in several
shapes (dicts, Series, tables, lists, a single SMILES); the helpers here parse each into the
lists the scoring works on, fingerprint the SMILES (records that fail are kept with the reason
and reported, never silently dropped), build the ligand → target membership and the
background pool, resolve ``exclude`` into ligand ids per query and check the parameters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray, iter_fingerprint_chunks
from drugscreen.chem.io import RawRecord
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

_LIGAND_ID_COLUMNS = ("ligand", "ligand_id", "id")


def _ligand_table(ligand_sets: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long table ``row, target, ligand, smiles`` of the input (one row per record), and the
    records without a target."""
    if isinstance(ligand_sets, pd.DataFrame):
        for col in ("target", "smiles"):
            if col not in ligand_sets.columns:
                raise InputError(
                    f"ligand table has no column {col!r}; columns are {list(ligand_sets.columns)}"
                )
        id_col = next((c for c in _LIGAND_ID_COLUMNS if c in ligand_sets.columns), None)
        targets = ligand_sets["target"].tolist()
        smiles = ligand_sets["smiles"].tolist()
        ids = ligand_sets[id_col].tolist() if id_col else smiles
    elif isinstance(ligand_sets, Mapping):
        targets, smiles = [], []
        for target, group in ligand_sets.items():
            if isinstance(group, str | bytes) or not isinstance(group, Iterable):
                raise InputError(f"ligand set {target!r}: expected a collection of SMILES, got {group!r:.60}")
            for smi in group:
                targets.append(target)
                smiles.append(smi)
        ids = smiles
    else:
        raise InputError(
            f"ligand_sets must be a dict of SMILES lists or a table, got {type(ligand_sets).__name__}"
        )
    # a record without SMILES (and id) gets an id of its own: it fails, and is reported, alone
    ids = [("missing", i) if _missing(x) else x for i, x in enumerate(ids)]
    smiles = [s if isinstance(s, str) else None for s in smiles]
    table = pd.DataFrame({"row": np.arange(len(smiles)), "target": targets, "ligand": ids, "smiles": smiles})
    no_target = table.target.map(_missing).to_numpy(dtype=bool)
    errors = table[no_target].assign(source="ligands", reason="missing target")
    return table[~no_target], errors


def _ligand_index(
    ligand_sets: Any, spec: FingerprintSpec, n_jobs: int | None, progress: bool
) -> tuple[FingerprintArray, list[Any], list[Any], list[Any], sp.csr_matrix, pd.DataFrame]:
    """Fingerprints and ids of the distinct usable ligands, the targets with a usable ligand
    (in input order) and those without, the ``[n_ligands, n_targets]`` 0/1 membership, and the
    unusable records."""
    table, no_target = _ligand_table(ligand_sets)
    first = table.drop_duplicates("ligand")
    conflicts = table.groupby("ligand", sort=False).smiles.nunique()
    if (conflicts > 1).any():
        logger.warning(
            "SEA: %d ligand ids come with different SMILES; the first is used", int((conflicts > 1).sum())
        )
    fps, ok, reasons = _fingerprints(first.smiles.tolist(), spec, n_jobs, progress)
    ids = first.ligand.tolist()
    usable = {ids[i]: n for n, i in enumerate(ok)}
    bad = {ids[i]: reason for i, reason in reasons.items()}
    keep = table.ligand.map(lambda x: x in usable).to_numpy(dtype=bool)
    errors = pd.concat([no_target, table[~keep].assign(source="ligands", reason=lambda t: t.ligand.map(bad))])
    targets = list(dict.fromkeys(table.target.tolist()))
    kept = table[keep].drop_duplicates(["target", "ligand"])
    col = {t: j for j, t in enumerate(dict.fromkeys(kept.target.tolist()))}
    # no target with a usable ligand means no usable ligand: the membership is then 0 x 0
    rows = np.fromiter((usable[x] for x in kept.ligand), dtype=np.int64, count=len(kept))
    cols = np.fromiter((col[t] for t in kept.target), dtype=np.int64, count=len(kept))
    membership = sp.csr_matrix((np.ones(len(kept)), (rows, cols)), shape=(len(ok), len(col)))
    empty = [t for t in targets if t not in col]
    return fps, [ids[i] for i in ok], list(col), empty, membership, errors


def _background_pool(
    background: Any,
    ligands: FingerprintArray,
    errors: pd.DataFrame,
    spec: FingerprintSpec,
    n_jobs: int | None,
    progress: bool,
) -> tuple[FingerprintArray, pd.DataFrame]:
    """Fingerprints of the background library (the ligands without one), and ``errors`` with
    its unusable molecules added."""
    pool = ligands
    if background is not None:
        texts = [background] if isinstance(background, str) else list(background)
        pool, _, pool_bad = _fingerprints(texts, spec, n_jobs, progress)
        rows_bad = list(pool_bad)
        frame = pd.DataFrame({"row": rows_bad, "smiles": [texts[i] for i in rows_bad]})
        errors = pd.concat([errors, frame.assign(source="background", reason=list(pool_bad.values()))])
    return pool, errors


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _fingerprints(
    texts: list[Any], spec: FingerprintSpec, n_jobs: int | None, progress: bool
) -> tuple[FingerprintArray, np.ndarray, dict[int, str]]:
    """Fingerprints of the usable texts, their positions, and ``{position: reason}`` of the rest."""
    records = [
        RawRecord(i, None, None, t.strip(), error=None if t.strip() else "empty SMILES")
        if isinstance(t, str)
        else RawRecord(i, None, None, "", error="missing SMILES")
        for i, t in enumerate(texts)
    ]
    big = len(records) >= 20_000
    chunks = list(
        iter_fingerprint_chunks(records, spec, n_jobs=n_jobs if big else 1, progress=progress and big)
    )
    reasons = {rec.row: reason for c in chunks for rec, reason in c.errors}
    ok = np.concatenate([c.rows for c in chunks]) if chunks else np.zeros(0, dtype=np.int64)
    if spec.counts:
        data: Any = sp.vstack([c.data for c in chunks]) if chunks else sp.csr_matrix((0, spec.nbits))
    else:
        data = np.concatenate([c.data for c in chunks]) if chunks else np.zeros((0, spec.words), np.uint64)
    return FingerprintArray(spec, data), ok.astype(np.int64), reasons


def _report(errors: pd.DataFrame, empty: list[Any]) -> None:
    if len(errors):
        shown = "; ".join(
            f"{r.source} row {r.row}{'' if _missing(r.target) else f' (target {r.target!r})'}: {r.reason} ({r.smiles!r:.50})"
            for r in errors.head(5).itertuples()
        )
        logger.warning(
            "SEA: %d record(s) unusable: %s%s", len(errors), shown, " ..." if len(errors) > 5 else ""
        )
    if empty:
        logger.warning(
            "SEA: %d target(s) have no usable ligand and are not scored: %s", len(empty), empty[:10]
        )


def _queries(queries: Any, sets: bool) -> tuple[list[Any], list[list[Any]], list[list[Any]]]:
    """Query names, member SMILES per query and the members' own ids (for ``exclude="self"``)."""
    what = "query sets" if sets else "queries"
    if isinstance(queries, pd.DataFrame):
        need = ["set", "smiles"] if sets else ["smiles"]
        if any(c not in queries.columns for c in need):
            raise InputError(f"{what} table needs columns {need}; it has {list(queries.columns)}")
        if not sets:
            ids = queries["id"].tolist() if "id" in queries.columns else queries.index.tolist()
            return ids, [[s] for s in queries["smiles"]], [[x] for x in ids]
        own = "id" if "id" in queries.columns else "smiles"
        groups = [g for _, g in queries.groupby("set", sort=False)]
        return (
            [g["set"].iloc[0] for g in groups],
            [list(g.smiles) for g in groups],
            [list(g[own]) for g in groups],
        )
    if isinstance(queries, str) and not sets:
        queries = [queries]
    if isinstance(queries, pd.Series | Mapping):
        if isinstance(queries, pd.Series):
            names, values = queries.index.tolist(), queries.tolist()
        else:
            names, values = list(queries.keys()), list(queries.values())
        if sets:
            if any(isinstance(v, str | bytes) or not isinstance(v, Iterable) for v in values):
                raise InputError(
                    "query sets: each must be a collection of SMILES (single molecules: predict)"
                )
            return names, [list(v) for v in values], [list(v) for v in values]
        if any(not isinstance(v, str) and not _missing(v) for v in values):
            raise InputError("predict takes one SMILES per query; score sets of molecules with predict_sets")
        return names, [[v] for v in values], [[x] for x in names]
    if sets or not isinstance(queries, Iterable):
        raise InputError(
            f"{what} must be SMILES in a list, Series, dict or table, got {type(queries).__name__}"
        )
    smiles = list(queries)
    return list(range(len(smiles))), [[s] for s in smiles], [[s] for s in smiles]


def _exclusions(exclude: Any, names: list[Any], self_ids: list[list[Any]]) -> list[list[Hashable]]:
    def ids(x: Any) -> list[Hashable]:
        if _missing(x):
            return []
        if isinstance(x, list | tuple | set | frozenset | np.ndarray | pd.Series):
            return [y for y in x if not _missing(y)]
        return [x]

    if exclude is None:
        return [[] for _ in names]
    if isinstance(exclude, str):
        if exclude != "self":
            raise InputError(f"exclude must be None, 'self', a dict or a sequence of ids, got {exclude!r}")
        return [ids(list(x)) for x in self_ids]
    if isinstance(exclude, Mapping):
        return [ids(exclude.get(name)) for name in names]
    seq = list(exclude)
    if len(seq) != len(names):
        raise InputError(f"exclude has {len(seq)} entries for {len(names)} queries")
    return [ids(x) for x in seq]


def _check_params(
    threshold: Any, n_background: Any, block_bytes: Any, seed: Any, spec: Any, query_sizes: Any
) -> None:
    """Check :class:`~drugscreen.repurpose.sea.SEA`'s parameters (:class:`InputError` if wrong)."""
    check_threshold(threshold)
    check_number("n_background", n_background, low=1, integer=True)
    check_number("block_bytes", block_bytes, low=1, integer=True)
    check_number("seed", seed, low=0, integer=True)
    if spec is not None and not isinstance(spec, FingerprintSpec):
        raise InputError(f"spec must be a FingerprintSpec, got {type(spec).__name__}")
    if query_sizes is not None:
        if isinstance(query_sizes, str) or not isinstance(query_sizes, Iterable):
            raise InputError(f"query_sizes must be a list of set sizes, got {query_sizes!r}")
        if len(list(query_sizes)) == 0:
            raise InputError("query_sizes must name at least one set size")
        for size in query_sizes:
            check_number("query_sizes", size, low=1, integer=True)


def check_threshold(threshold: Any) -> float:
    """SEA's Tanimoto threshold: a number in (0, 1] (else an :class:`InputError`)."""
    return float(check_number("threshold", threshold, low=0, high=1, low_open=True))


def check_filters(max_e_value: Any, top_k: Any) -> tuple[float | None, int | None]:
    """``max_e_value`` (None or a number >= 0) and ``top_k`` (None or a whole number >= 1) of
    :meth:`~drugscreen.repurpose.sea.SEA.predict`, checked."""
    e = None if max_e_value is None else float(check_number("max_e_value", max_e_value, low=0))
    k = None if top_k is None else int(check_number("top_k", top_k, low=1, integer=True))
    return e, k


def _set_notes(
    members: list[list[Any]], set_of: np.ndarray, reasons: dict[int, str], sets: bool
) -> list[str]:
    notes = [""] * len(members)
    bad_by_set: dict[int, list[int]] = {}
    for pos in reasons:
        bad_by_set.setdefault(int(set_of[pos]), []).append(pos)
    for s, positions in bad_by_set.items():
        first = reasons[positions[0]]
        if len(positions) == len(members[s]):
            notes[s] = first if not sets else f"no usable molecule ({first})"
        else:
            notes[s] = f"{len(positions)} of {len(members[s])} molecules unusable ({first})"
    if reasons:
        logger.warning("SEA: %d query molecule(s) unusable (see the note column)", len(reasons))
    return notes
