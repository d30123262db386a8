"""The campaign's first two steps: the screen of the library and its best candidates.

Also the readers of labelled molecule files and the streamed access to the screen's table that
later steps and the report share (:func:`training_set`, :func:`library_scores`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import Context, StepOutput
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")


# ---------------------------------------------------------------------------------------------
# inputs


def read_labelled(path: Path, smiles_column: str | None, id_column: str | None,
                  label_column: str | None, what: str) -> pd.DataFrame:  # fmt: skip
    """``smiles``, ``id`` (and ``label``) of a file of molecules; records that do not parse are
    dropped with a warning naming them, and a file where none parses is an error."""
    from rdkit import Chem, rdBase

    from drugscreen.chem.io import iter_records

    records = list(iter_records(path, smiles_column=smiles_column, id_column=id_column))
    labels = None
    if label_column is not None:
        labels = read_labels(path, label_column, len(records), what)
    rows = []
    with rdBase.BlockLogs():
        for i, rec in enumerate(records):
            mol = Chem.MolFromSmiles(rec.text) if rec.text and not rec.error else None
            if mol is None:
                logger.warning("%s: skipping %s: not a readable molecule", what, rec.where)
                continue
            rows.append(
                {
                    "smiles": Chem.MolToSmiles(mol),
                    "id": str(rec.id) if rec.id is not None else f"{path.stem}:{rec.row}",
                    **({"label": labels[i]} if labels is not None else {}),
                }
            )
    if not rows:
        raise InputError(f"{what}: {path}: none of its {len(records)} records is a readable molecule")
    return pd.DataFrame(rows)


def read_labels(path: Path, column: str, n: int | None, what: str) -> np.ndarray:
    """A 0/1 column of a CSV/TSV/Parquet file, in record order (``n``: the records expected)."""
    from drugscreen.models.workflow import read_training_table

    table = read_training_table(path, column, [])  # checks the column is there
    raw = table[column]
    if n is not None and len(raw) != n:
        raise InputError(f"{what}: {path}: {len(raw)} values of {column!r} for {n} records")
    text = raw.astype(str).str.strip().str.lower()
    mapping = {"1": 1, "1.0": 1, "true": 1, "active": 1, "0": 0, "0.0": 0, "false": 0, "inactive": 0}
    values = text.map(mapping)
    if values.isna().any():
        bad = raw[values.isna()].iloc[0]
        raise InputError(
            f"{what}: {path}: column {column!r} must hold 1/0 (true/false, active/inactive); "
            f"record {int(np.flatnonzero(values.isna())[0])} has {bad!r}"
        )
    return values.to_numpy(np.int64)


def training_set(ctx: Context) -> pd.DataFrame:
    """The actives (and inactives) with labels, or only the actives (``label`` 1)."""
    a = ctx.config.actives
    assert a is not None
    table = read_labelled(
        ctx.config.resolve(a.path), a.smiles_column, a.id_column, a.activity_column, "actives"
    )
    if "label" not in table:
        table["label"] = 1
    if a.inactives:
        neg = read_labelled(ctx.config.resolve(a.inactives), a.smiles_column, a.id_column, None, "inactives")
        table = pd.concat([table, neg.assign(label=0)], ignore_index=True)
    return table


# ---------------------------------------------------------------------------------------------
# the steps, and the screen's table read in batches


def run_screen(ctx: Context) -> StepOutput:
    """The library, read and prepared in chunks; with actives, every molecule's fused similarity."""
    cfg = ctx.config
    lib = cfg.library
    drop = [name for name, action in lib.filters.items() if action == "drop"]
    reader = {"smiles_column": lib.smiles_column, "id_column": lib.id_column}
    path = cfg.resolve(lib.path)
    if cfg.actives is None:
        return _prepare_only(ctx, path, drop, reader)
    import drugscreen as ds

    train = training_set(ctx)
    queries = train.loc[train["label"] == 1]
    if queries.empty:
        raise InputError(f"actives: {cfg.resolve(cfg.actives.path)}: no molecule is labelled active (1)")
    a = cfg.actives
    if cfg.library_is_database():
        return _search_database(ctx, path, queries["smiles"].tolist())
    result = ds.screen(
        path,
        queries["smiles"].tolist(),
        ctx.directory / "steps" / "screen-job",
        threshold=a.threshold,
        metric=a.metric,
        fusion=a.fusion,
        spec=ctx.spec(),
        standardize=lib.standardize,
        filters=drop or None,
        chunk_size=lib.chunk_size,
        n_jobs=cfg.run.n_jobs,
        device=cfg.run.device,
        overwrite=True,  # the directory is the campaign's own; a changed key means a new screen
        progress=ctx.progress,
        **reader,
    )
    s = result.summary
    counts = {
        "records": int(s["records"]),
        "unreadable": int(s["rejects"]),
        "filtered": int(s["filtered"]),
        "screened": int(s["molecules"]),
        "scored": int(s["hits"]),
    }
    info = {"actives": len(queries), "inactives": int((train["label"] == 0).sum())}
    return StepOutput(None, result.hits_path, counts=counts, info=info)


def _search_database(ctx: Context, path: Path, queries: list[str]) -> StepOutput:
    """Every molecule of an existing database scored by group fusion (on a Dask cluster when the
    campaign has a client): the same table a library file's screen gives."""
    from drugscreen.similarity.db import FingerprintDB

    cfg = ctx.config
    a = cfg.actives
    assert a is not None
    db = FingerprintDB.open(path)
    wanted = ctx.spec()
    for key in ("kind", "radius", "nbits"):
        if getattr(db.spec, key) != getattr(wanted, key) and not (
            key == "radius" and db.spec.kind != "morgan"
        ):
            name = "fingerprint" if key == "kind" else key
            raise InputError(
                f"config: actives.{name}: the database {path} holds {db.spec.label} fingerprints; "
                f"set actives.{name} = {getattr(db.spec, key)!r} (the screen compares like with like)"
            )
    hits = db.search(
        queries,
        threshold=a.threshold,
        metric=a.metric,
        fusion=a.fusion,
        with_smiles=True,
        n_jobs=cfg.run.n_jobs,
        device=cfg.run.device,
        client=ctx.client,
    )
    table = hits[["row", "id", "smiles", "score"]].rename(columns={"score": "similarity"})
    table["id"] = table["id"].astype(str)
    n = len(db)
    counts = {"records": n, "unreadable": 0, "filtered": 0, "screened": n, "scored": len(table)}
    return StepOutput(table.reset_index(drop=True), counts=counts, info={"database": str(path)})


def _prepare_only(ctx: Context, path: Path, drop: list[str], reader: dict[str, Any]) -> StepOutput:
    from drugscreen.chem.prepare import prepare_library

    lib = ctx.config.library
    table, summary = prepare_library(
        path,
        standardize_steps=lib.standardize,
        filters=drop or None,
        drop_failing=True,
        n_jobs=ctx.config.run.n_jobs,
        progress=ctx.progress,
        **reader,
    )
    out = pd.DataFrame(
        {"row": table["row"].astype(np.int64), "id": table["id"].astype(str), "smiles": table["smiles"]}
    )
    out["similarity"] = np.nan
    failing = summary.n_failing_filters
    counts = {
        "records": summary.n_records,
        "unreadable": summary.n_failed,
        "filtered": failing,
        "screened": summary.n_records - summary.n_failed - failing,
        "scored": len(out),
    }
    return StepOutput(out, counts=counts)


def library_scores(ctx: Context, columns: list[str], batch_size: int = 200_000) -> Any:
    """Batches (DataFrames) of the screen step's table: ``row, id, smiles, similarity``."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(ctx.files["screen"])
    renamed = {"score": "similarity"}
    wanted = [c for c in source.schema_arrow.names if renamed.get(c, c) in columns]
    for batch in source.iter_batches(batch_size=batch_size, columns=wanted):
        yield batch.to_pandas().rename(columns=renamed)


def top_by_similarity(ctx: Context, n: int, batch_size: int = 200_000) -> pd.DataFrame:
    """The best ``n`` library molecules by similarity (row ascending on ties), streamed."""
    best = None
    for batch in library_scores(ctx, ["row", "id", "smiles", "similarity"], batch_size):
        both = batch if best is None else pd.concat([best, batch], ignore_index=True)
        order = np.lexsort((both["row"].to_numpy(), -both["similarity"].to_numpy()))
        best = both.iloc[order[:n]].reset_index(drop=True)
    return best if best is not None else pd.DataFrame(columns=["row", "id", "smiles", "similarity"])


def run_candidates(ctx: Context) -> StepOutput:
    """The best ``top_n`` by similarity (row ascending on ties), duplicates merged, flags added."""
    from rdkit import Chem, rdBase

    from drugscreen.chem.filters import filter_failures

    cfg = ctx.config
    if cfg.actives is not None:
        top = top_by_similarity(ctx, cfg.actives.top_n)
    else:
        top = ctx.table("screen").reset_index(drop=True)
    if top.empty:
        raise InputError(
            "no molecule of the library reached the candidates "
            "(every record was unreadable or filtered, or none reached actives.threshold)"
        )
    flags = [name for name, action in cfg.library.filters.items() if action == "flag"]
    keys, flagged = [], []
    with rdBase.BlockLogs():
        for smi in top["smiles"]:
            mol = Chem.MolFromSmiles(smi)
            keys.append(Chem.MolToInchiKey(mol) if mol is not None else smi)
            flagged.append(filter_failures(mol, flags) if flags and mol is not None else None)
    top["inchikey"] = keys
    top["flags"] = pd.Series(flagged, dtype=object)
    duplicates = 0
    if cfg.library.dedup:
        first = ~top["inchikey"].duplicated(keep="first")  # the best-scored record of each structure
        duplicates = int((~first).sum())
        top = top[first.to_numpy()].reset_index(drop=True)
    return StepOutput(
        top,
        counts={"candidates": len(top), "duplicates": duplicates, "flagged": int(top["flags"].notna().sum())},
    )
