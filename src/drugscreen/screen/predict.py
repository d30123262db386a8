"""Predicting a whole library with a property model: streamed in chunks, resumable.

``predict_library(model, "library.smi.gz", "preds.parquet")`` reads the library a chunk at a
time, predicts it (featurising in worker processes) and writes each chunk's table to
``preds.parquet.parts/`` under a temporary name before a checkpoint counts it; memory stays
bounded by the chunk size whatever the library's size. Killed and started again with the same
arguments it resumes after the last counted chunk, and the final file -- written once, by
renaming -- is identical to an uninterrupted run's. The parts directory is removed at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import drugscreen
from drugscreen.chem.io import RawRecord, iter_records
from drugscreen.errors import InputError
from drugscreen.screen.job import MAX_CHUNK, JobDirectory, library_identity
from drugscreen.validate import check_number, check_output_file

logger = logging.getLogger("drugscreen")

OUTPUT_SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class PredictResult:
    """Where the predictions are, and how many records had none."""

    path: Path
    records: int
    failed: int
    seconds: float

    def read(self) -> Any:
        """The predictions as a DataFrame."""
        import pandas as pd

        return pd.read_parquet(self.path) if self.path.suffix == ".parquet" else pd.read_csv(self.path)


def _smiles_of(records: list[RawRecord]) -> tuple[list[str], list[str | None]]:
    """SMILES per record (SDF records are parsed and written as SMILES) and reader errors."""
    smiles: list[str] = []
    errors: list[str | None] = []
    for rec in records:
        if rec.error:
            smiles.append("")
            errors.append(rec.error)
        elif rec.fmt == "smiles":
            smiles.append(rec.text)
            errors.append(None)
        else:
            from rdkit import Chem

            from drugscreen.chem.parse import parse_record

            mol, error = parse_record(rec.text, rec.fmt)
            smiles.append(Chem.MolToSmiles(mol) if mol is not None else "")
            errors.append(error)
    return smiles, errors


def check_prediction_job(
    library: Any, output: str | os.PathLike[str], chunk_size: Any, overwrite: bool, **reader_kwargs: Any
) -> tuple[Path, int]:
    """The checks :func:`predict_library` makes before any work, for callers with costly set-up
    (the ADMET panel's reference): the output file and chunk size, and the library's first
    record read, so an unreadable library (no such column, not gzip, wrong format) is refused
    before a job directory exists. Returns the output path and the chunk size."""
    out = check_output_file(output, what="predictions file")
    if not out.name.endswith(OUTPUT_SUFFIXES):
        raise InputError(f"predictions are written to .parquet or .csv, not {out.name!r}")
    chunk_size = check_number("chunk_size", chunk_size, low=1, high=MAX_CHUNK, integer=True)
    if out.exists() and not overwrite:
        # the old file stays until the new one replaces it in one rename at the end
        raise InputError(f"{out} exists: pass --overwrite (overwrite=True) to replace it")
    next(iter(iter_records(library, **reader_kwargs)), None)
    return out, int(chunk_size)


def predict_library(
    model: Any,
    library: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    chunk_size: int = 100_000,
    overwrite: bool = False,
    progress: bool = True,
    **reader_kwargs: Any,
) -> PredictResult:
    """Predict every molecule of a library file, in checkpointed chunks.

    Parameters
    ----------
    model : fitted model, path or AdmetPanel
        A drugscreen property model, the directory :func:`drugscreen.models.save` wrote, or
        the ADMET panel (``drugscreen.admet.predictor.AdmetPanel``).
    library : path
        ``.smi``, ``.csv``, ``.tsv``, ``.sdf`` (optionally ``.gz``) or ``.parquet``.
    output : path
        ``.parquet`` or ``.csv``: ``row`` (record number), ``id``, ``smiles``, the model's
        columns (``<task>``, ``<task>_std``, ...) and ``error``, one row per record in order.
    chunk_size : int
        Records per checkpointed chunk (memory grows with it).
    overwrite : bool
        Replace an existing output, or an unfinished job with other arguments.
    reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt`` of the library.

    Returns
    -------
    PredictResult
    """
    from drugscreen.models.loading import load
    from drugscreen.models.store import model_digest

    out, chunk_size = check_prediction_job(library, output, chunk_size, overwrite, **reader_kwargs)
    if isinstance(model, str | os.PathLike):
        model = load(model)
    job = {
        "kind": "predict",
        "library": library_identity(library),
        "model": model.job_digest() if hasattr(model, "job_digest") else model_digest(model),
        "chunk_size": chunk_size,
        "reader": reader_kwargs,
        "drugscreen": drugscreen.__version__,
    }
    parts_dir = out.with_name(out.name + ".parts")
    with JobDirectory(parts_dir, job, overwrite=overwrite) as jd:
        state = jd.progress()
        done = int(state["chunks_done"])
        counts = {"records": 0, "failed": 0, "seconds": 0.0} | state["counts"]
        if done:
            logger.info("%s: resuming after %d finished chunks (%d records)", out, done, counts["records"])
        records = iter_records(library, **reader_kwargs)
        records = islice(records, done * chunk_size, None)
        from drugscreen.backends.progress import progress_bar

        bar = progress_bar(unit=" mol", desc="predict", enabled=progress, initial=counts["records"])
        started, before = time.perf_counter(), float(counts["seconds"])
        try:
            index = done
            while batch := list(islice(records, chunk_size)):
                smiles, read_errors = _smiles_of(batch)
                table = model.predict_table(
                    smiles, ids=[r.id if r.id is not None else str(r.row) for r in batch]
                )
                table.insert(0, "row", [r.row for r in batch])
                table.insert(2, "smiles", smiles)
                table["error"] = [r or e for r, e in zip(read_errors, table["error"], strict=True)]
                for column in [c for c in table.columns if table[c].dtype == object]:
                    table[column] = table[column].astype("string")  # a string column even when all missing
                jd.write_part("predictions", index, table)
                counts["records"] += len(batch)
                counts["failed"] += int(table["error"].notna().sum())
                counts["seconds"] = before + time.perf_counter() - started
                index += 1
                jd.checkpoint(index, counts)
                bar.update(len(batch))
        finally:
            bar.close()
        parts = jd.parts("predictions")
        if parts:
            _concat(parts, out)
        # removed while still held, so no second process can hold a lock on a file that is gone
        shutil.rmtree(jd.path)
        Path(jd.path.parent / f".{jd.path.name}.lock").unlink(missing_ok=True)
    if not parts:
        raise InputError(f"{library}: the library holds no records; nothing was written")
    logger.info("%d predictions (%d without) written to %s", counts["records"], counts["failed"], out)
    return PredictResult(out, int(counts["records"]), int(counts["failed"]), float(counts["seconds"]))


def _concat(parts: list[Path], target: Path) -> None:
    """One output file from the parts, a part at a time, under a temporary name."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        schema = pq.read_schema(parts[0])
        if target.suffix == ".parquet":
            with pq.ParquetWriter(tmp, schema) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part).cast(schema))
        else:
            with pcsv.CSVWriter(tmp, schema) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part).cast(schema))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
