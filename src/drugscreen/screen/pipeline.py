"""Resumable streaming screening jobs: a library file larger than memory against many queries.

``ds.screen(library, queries, out_dir, threshold=... | k=...)`` (and ``drugscreen screen``)
reads the library in chunks of records, fingerprints each chunk in worker processes, passes it
through the stages (:mod:`drugscreen.screen.stages`; the similarity search last) and writes
the chunk's results before the checkpoint counts it (:mod:`drugscreen.screen.job`). Memory is
bounded by a few chunks whatever the library's size. Killed at any point and started again
with the same arguments, the job carries on after the last finished chunk and its output is
identical to an uninterrupted run's.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import drugscreen
from drugscreen.backends.parallel import resolve_backend
from drugscreen.chem.fingerprints import FingerprintArray, FingerprintChunk, iter_fingerprint_chunks
from drugscreen.chem.io import READ_ERRORS, describe_read_error, detect_format, iter_records, write_table
from drugscreen.chem.prepare import preparation
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError
from drugscreen.screen.job import MAX_CHUNK, JobDirectory, digest, library_identity
from drugscreen.screen.stages import HIT_COLUMNS, ChunkTable, SearchStage, Stage
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.queries import as_fingerprints
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

REJECT_COLUMNS = ["row", "line", "id", "reason", "text"]
#: Rejects of a chunk named in the log (all of them go to rejects.csv).
LOGGED_REJECTS = 3


@dataclass(frozen=True)
class ScreenResult:
    """Where a finished job's results are, and its summary.

    Attributes
    ----------
    out_dir : Path
        The job's directory.
    hits_path, rejects_path : Path
        ``hits.parquet`` (``query, query_index, id, row, score, smiles``) and ``rejects.csv``.
    summary : dict
        Records read, molecules screened, hits, rejects, filtered, seconds, records/s.
    """

    out_dir: Path
    hits_path: Path
    rejects_path: Path
    summary: dict[str, Any]

    def hits(self) -> pd.DataFrame:
        """The hits table (read from ``hits.parquet``)."""
        return pd.read_parquet(self.hits_path)

    def rejects(self) -> pd.DataFrame:
        """Records that could not be read, with row, line and reason."""
        return pd.read_csv(self.rejects_path, dtype={"id": object, "text": object})


def screen(
    library: str | os.PathLike[str],
    queries: Any,
    out_dir: str | os.PathLike[str],
    *,
    threshold: float | None = None,
    k: int | None = None,
    metric: str = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
    fusion: str | None = None,
    spec: FingerprintSpec | None = None,
    query_ids: Sequence[Any] | None = None,
    stages: Sequence[Stage] = (),
    standardize: bool | str | Sequence[str] = False,
    filters: str | Sequence[str] | None = None,
    chunk_size: int = 100_000,
    n_jobs: int | None = -1,
    device: str = "cpu",
    overwrite: bool = False,
    progress: bool = True,
    **reader_kwargs: Any,
) -> ScreenResult:
    """Screen a library file against queries in resumable chunks.

    Parameters
    ----------
    library : path
        ``.smi``, ``.csv``, ``.tsv``, ``.sdf`` (each optionally ``.gz``) or ``.parquet``.
    queries : list of str, list of Mol, or FingerprintArray
        Query molecules (or fingerprints of ``spec``).
    out_dir : path
        The job's directory (``job.json``, ``progress.json``, ``parts/``, then ``hits.parquet``,
        ``rejects.csv``, ``summary.json``); created if missing.
    threshold, k : float, int
        Keep hits scoring at least ``threshold``, the best ``k`` per query over the whole
        library (merged exactly across chunks), or the best ``k`` above the threshold.
    metric, alpha, beta
        As in :meth:`drugscreen.FingerprintDB.search`.
    fusion : {"max", "mean"}, optional
        Group fusion: one score per molecule, the max or mean over all queries (the hits'
        ``query`` is then ``"fused"`` and ``query_index`` 0; ``threshold`` and ``k`` apply to
        the fused score).
    spec : FingerprintSpec, optional
        Default: Morgan radius 2, 2048 bits.
    query_ids : sequence, optional
        Labels of the ``query`` column (default: positions).
    stages : sequence of Stage
        Run on each chunk before the search (see :class:`~drugscreen.screen.Stage`).
    standardize, filters
        Prepare molecules in the fingerprinting workers first, as in
        :meth:`drugscreen.FingerprintDB.build` (filtered molecules are counted, not screened).
    chunk_size : int
        Records per chunk: the unit of checkpointing and of memory.
    n_jobs, device
        Fingerprinting processes and search threads; where the search kernel runs.
    overwrite : bool
        Replace ``out_dir`` when it holds another job's (or anything else's) files.
    progress : bool
        A progress bar with molecules/s and the time left.
    **reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt`` of
        :func:`drugscreen.iter_records`.

    Returns
    -------
    ScreenResult

    Notes
    -----
    Top-k hits are sorted by query, score descending, row. Threshold hits keep the order of
    the chunks (within a chunk by query, score, row), so that a library of any size is written
    without sorting it; ``row`` is the record's number in the library.
    """
    spec = spec or FingerprintSpec()
    params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta, fusion=fusion)
    backend = resolve_backend(device, n_jobs)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 1 <= chunk_size <= MAX_CHUNK:
        raise InputError(
            f"chunk_size must be a positive number of records up to {MAX_CHUNK:,}, got {chunk_size!r}"
        )
    qfps = as_fingerprints(queries, spec)
    if len(qfps) == 0:
        raise InputError("no queries to screen with")
    labels = [str(i) for i in range(len(qfps))] if query_ids is None else [str(x) for x in query_ids]
    if len(labels) != len(qfps):
        raise InputError(f"query_ids has {len(labels)} labels for {len(qfps)} queries")
    if fusion is not None:
        labels = ["fused"]  # one fused score per molecule: query 0 of the search
    search = SearchStage(qfps, labels, params, backend)
    prep = preparation(standardize, filters)
    all_stages: list[Stage] = [*stages, search]
    for stage in all_stages:
        if not isinstance(stage, Stage):
            raise InputError(f"{stage!r} is not a stage: it needs a name, config() and process(table)")
    job = {
        "format": "drugscreen-screen-job",
        "format_version": 1,
        "drugscreen": drugscreen.__version__,
        "rdkit": _rdkit_version(),
        "library": library_identity(library),
        "reader": {key: str(value) for key, value in sorted(reader_kwargs.items()) if value is not None},
        "queries": {"n": len(qfps), "sha256": _fingerprint_digest(qfps), "labels_sha256": digest(labels)},
        "spec": spec.to_dict(),
        "prepare": prep.describe() if prep else None,
        "search": search.config(),
        "stages": [{"name": s.name, "config": s.config()} for s in all_stages[:-1]],
        "chunk_size": chunk_size,
    }
    with JobDirectory(out_dir, job, overwrite=overwrite) as jd:
        if jd.complete:
            try:
                jd.verify_outputs()
            except InputError:
                if not overwrite:
                    raise
                logger.warning("%s: the finished job's outputs are damaged; starting it again", jd.path)
                jd.restart()
            else:
                logger.info("%s: this job is already complete; nothing to do", jd.path)
                return _result(jd)
        return _run(
            jd, library, spec, all_stages, params, chunk_size, backend.n_jobs, prep, progress, reader_kwargs
        )


def _run(
    jd: JobDirectory,
    library: Any,
    spec: FingerprintSpec,
    stages: list[Stage],
    params: SearchParams,
    chunk_size: int,
    n_jobs: int,
    prep: Any,
    progress: bool,
    reader_kwargs: dict[str, Any],
) -> ScreenResult:
    state = jd.progress()
    done = int(state["chunks_done"])
    counts: dict[str, Any] = {
        "records": 0,
        "molecules": 0,
        "filtered": 0,
        "rejects": 0,
        "hits": 0,
        "seconds": 0.0,
    }
    counts |= state["counts"]
    if done:
        logger.info("%s: resuming after %d finished chunks (%d records)", jd.path, done, counts["records"])
    topk = None
    if params.k is not None and done:
        last = jd.part("topk", done - 1)
        if not last.is_file():
            raise InputError(
                f"{jd.path}: the checkpoint counts {done} chunks but {last.name} is missing; "
                "rerun with --overwrite (overwrite=True) to start again"
            )
        topk = pd.read_parquet(last)
    records = islice(iter_records(library, **reader_kwargs), done * chunk_size, None)
    bar = _progress_bar(library, reader_kwargs, counts["records"], progress)
    started = time.perf_counter()
    seconds_before = float(counts["seconds"])
    chunks = iter_fingerprint_chunks(
        records, spec, n_jobs=n_jobs, chunk_size=chunk_size, progress=False, prep=prep
    )
    try:
        for index, chunk in enumerate(chunks, start=done):
            table = _chunk_table(index, chunk, spec)
            for stage in stages:
                table = stage.process(table)
            hits = table.hits if table.hits is not None else pd.DataFrame(columns=HIT_COLUMNS)
            rejects = _rejects(chunk)
            if len(rejects):
                jd.write_part("rejects", index, rejects)
            if params.k is not None:
                topk = _merge_top_k(topk, hits, params.k)
                jd.write_part("topk", index, topk)
            elif len(hits):
                jd.write_part("hits", index, hits)
            n = len(chunk.rows) + len(chunk.errors) + len(chunk.filtered)
            counts["records"] += n
            counts["molecules"] += len(table.molecules)
            counts["filtered"] += len(chunk.filtered) + len(chunk.rows) - len(table.molecules)
            counts["rejects"] += len(chunk.errors)
            counts["hits"] = len(topk) if topk is not None else counts["hits"] + len(hits)
            counts["seconds"] = seconds_before + time.perf_counter() - started
            jd.checkpoint(index + 1, counts)
            if index > 0 and params.k is not None:
                jd.remove_part("topk", index - 1)
            bar.update(n)
    finally:
        if bar.total is not None and bar.n > bar.total - 2:
            bar.total = bar.n  # the count for the time left may include a header line
        bar.close()
    return _finish(jd, counts, params)


def _chunk_table(index: int, chunk: FingerprintChunk, spec: FingerprintSpec) -> ChunkTable:
    ids = [str(i) if i is not None else str(r) for i, r in zip(chunk.ids, chunk.rows.tolist(), strict=True)]
    molecules = pd.DataFrame({"row": chunk.rows.astype(np.int64), "id": ids, "smiles": chunk.smiles})
    return ChunkTable(index, molecules, FingerprintArray(spec, chunk.data))


def _rejects(chunk: FingerprintChunk) -> pd.DataFrame:
    rows = [
        {
            "row": rec.row,
            "line": rec.line,
            "id": rec.id,
            "reason": reason,
            "text": rec.text.split("\n", 1)[0][:200],
        }
        for rec, reason in chunk.errors
    ]
    for rec, reason in chunk.errors[:LOGGED_REJECTS]:
        logger.warning("skipping %s: %s", rec.where, reason)
    return pd.DataFrame(rows, columns=REJECT_COLUMNS)


def _merge_top_k(previous: pd.DataFrame | None, hits: pd.DataFrame, k: int) -> pd.DataFrame:
    """Best ``k`` per query of the hits so far: score descending, then row ascending."""
    both = hits if previous is None else pd.concat([previous, hits], ignore_index=True)
    both = both.astype({"query_index": np.int64, "row": np.int64, "score": np.float64})
    ordered = both.sort_values(["query_index", "score", "row"], ascending=[True, False, True], kind="stable")
    columns = HIT_COLUMNS + [c for c in ordered.columns if c not in HIT_COLUMNS]  # + stages' columns
    return ordered.groupby("query_index", sort=False).head(k).reset_index(drop=True)[columns]


def _finish(jd: JobDirectory, counts: dict[str, Any], params: SearchParams) -> ScreenResult:
    hits_path = jd.path / "hits.parquet"
    if params.k is not None:
        last = jd.parts("topk")
        table = pd.read_parquet(last[-1]) if last else pd.DataFrame(columns=HIT_COLUMNS)
        write_table(table.astype({"query_index": np.int64, "row": np.int64, "score": np.float64}), hits_path)
    else:
        _concat_parquet(jd.parts("hits"), hits_path)
    rejects = [pd.read_parquet(p) for p in jd.parts("rejects")]
    write_table(
        pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS),
        jd.path / "rejects.csv",
    )
    seconds = float(counts["seconds"])
    summary = counts | {"records_per_second": counts["records"] / seconds if seconds > 0 else None}
    jd.finish(summary)
    logger.info(
        "screened %d records: %d molecules, %d hits, %d rejects, %d filtered in %.1f s; results in %s",
        counts["records"],
        counts["molecules"],
        counts["hits"],
        counts["rejects"],
        counts["filtered"],
        seconds,
        jd.path,
    )
    return _result(jd)


def _concat_parquet(parts: list[Path], target: Path) -> None:
    """One Parquet file from the parts, a row group each (never all in memory), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    fields = [
        ("query", pa.string()),
        ("query_index", pa.int64()),
        ("id", pa.string()),
        ("row", pa.int64()),
        ("score", pa.float64()),
        ("smiles", pa.string()),
    ]
    if parts:  # columns earlier stages added (a model's predictions): numbers or text
        names = {name for name, _ in fields}
        fields += [
            (
                f.name,
                pa.float64() if pa.types.is_floating(f.type) or pa.types.is_integer(f.type) else pa.string(),
            )
            for f in pq.read_schema(parts[0])
            if f.name not in names
        ]
    schema = pa.schema(fields)
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            for part in parts:
                writer.write_table(pq.read_table(part).select(schema.names).cast(schema))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _result(jd: JobDirectory) -> ScreenResult:
    return ScreenResult(jd.path, jd.path / "hits.parquet", jd.path / "rejects.csv", jd.summary())


def _fingerprint_digest(fps: FingerprintArray) -> str:
    data = fps.data.toarray() if fps.spec.counts else np.ascontiguousarray(fps.data)
    return hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()


def _progress_bar(library: Any, reader_kwargs: dict[str, Any], initial: int, enabled: bool) -> Any:
    from drugscreen.backends.progress import progress_bar, progress_enabled

    total = count_records(library, reader_kwargs.get("fmt")) if progress_enabled(enabled) else None
    return progress_bar(total=total, initial=initial, unit=" mol", desc="screening", enabled=enabled)


def count_records(path: Any, fmt: str | None = None) -> int | None:
    """Records in a library file, counted quickly for the progress bar's time left (None: unknown)."""
    path = user_path(path)
    kind = fmt or detect_format(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            if kind == "sdf":
                return sum(line.startswith(b"$$$$") for line in handle)
            lines = sum(1 for line in handle if line.strip())
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot be read to the end ({describe_read_error(exc)})") from exc
    return max(0, lines - (1 if kind in ("csv", "tsv") else 0))


def _rdkit_version() -> str:
    from rdkit import __version__

    return str(__version__)
