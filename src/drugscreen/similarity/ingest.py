"""Writing molecules into a database directory: fingerprint, sort into shards, record rejects.

Used by :meth:`FingerprintDB.build <drugscreen.FingerprintDB.build>` (into a hidden working
directory) and :meth:`FingerprintDB.append <drugscreen.FingerprintDB.append>` (into the live
directory, new shard names only); neither touches the manifest on disk -- the caller publishes
the updated manifest once everything is durable.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray, FingerprintChunk, iter_fingerprint_chunks
from drugscreen.chem.io import RawRecord, iter_records
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DatabaseError, InputError
from drugscreen.similarity.manifest import (
    BIT_FILES,
    COUNT_FILES,
    WORD_POP,
    fsync_dir,
    fsync_file,
    sha256_file,
    utc_now,
)
from drugscreen.similarity.segment import Segment

if TYPE_CHECKING:
    from drugscreen.chem.prepare import MolPreparation

logger = logging.getLogger("drugscreen")

REJECT_COLUMNS = ["row", "line", "id", "reason", "text"]
FILTERED_COLUMNS = ["row", "line", "id", "failed", "text"]
#: Bad records logged one by one; all of them always go to the rejects file.
LOGGED_REJECTS = 20


@dataclass
class BuildReport:
    """What a build or append did.

    Attributes
    ----------
    n_records : int
        Input records read (good and bad).
    n_added : int
        Molecules added to the database.
    rejects : pandas.DataFrame
        One row per record that could not be used: ``row``, ``line``, ``id``, ``reason``, ``text``
        (with ``standardize=``, a failed standardisation is such a reason).
    seconds : float
        Wall-clock time.
    filtered : pandas.DataFrame
        One row per molecule left out because it failed a filter of ``filters=``: ``row``,
        ``line``, ``id``, ``failed`` (the filters and why, e.g. ``pains (catechol_A(92))``),
        ``text``.
    """

    n_records: int = 0
    n_added: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    seconds: float = 0.0
    filtered: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FILTERED_COLUMNS))

    @property
    def n_failed(self) -> int:
        """Records that could not be used (the rows of ``rejects``)."""
        return len(self.rejects)

    @property
    def n_filtered(self) -> int:
        """Molecules the filters left out (the rows of ``filtered``)."""
        return len(self.filtered)


class ShardWriter:
    """Collects fingerprint chunks and writes popcount-sorted shards of ``shard_size`` rows."""

    def __init__(self, root: Path, spec: FingerprintSpec, first_shard: int, first_row: int, shard_size: int):
        self.root = root
        self.spec = spec
        self.next_index = first_shard
        self.next_row = first_row
        self.shard_size = shard_size
        self.chunks: list[FingerprintChunk] = []
        self.buffered = 0
        self.entries: list[dict[str, Any]] = []

    def add(self, chunk: FingerprintChunk) -> None:
        offset = 0
        n = len(chunk.rows)
        while offset < n:
            take = min(n - offset, self.shard_size - self.buffered)
            part = FingerprintChunk(
                chunk.rows[offset : offset + take],
                chunk.ids[offset : offset + take],
                chunk.smiles[offset : offset + take],
                chunk.data[offset : offset + take],
            )
            self.chunks.append(part)
            self.buffered += take
            offset += take
            if self.buffered == self.shard_size:
                self.flush()

    def flush(self) -> None:
        if not self.buffered:
            return
        name = f"shard-{self.next_index:05d}"
        final = self.root / name
        if final.exists():  # the writer removed every unlisted shard first: this one is listed
            raise DatabaseError(f"{final} already exists and the manifest lists it; the manifest was edited")
        tmp = self.root / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        counts = self.spec.counts
        data: Any = (
            sp.vstack([c.data for c in self.chunks]).tocsr()
            if counts
            else np.concatenate([c.data for c in self.chunks])
        )
        fps = FingerprintArray(self.spec, data)
        n = len(fps)
        seg = Segment.from_array(fps, row_offset=self.next_row)
        arrays: dict[str, Any] = (
            {
                "indptr.npy": seg.data.indptr.astype(np.int64),
                "indices.npy": seg.data.indices.astype(np.int32),
                "values.npy": seg.data.data.astype(np.uint32),
            }
            if counts
            else {"fps.npy": seg.data, WORD_POP: seg.word_pop}
        )
        arrays |= {"pop.npy": seg.pop, "rows.npy": seg.rows}
        ids = [i for c in self.chunks for i in c.ids]
        rows = np.arange(self.next_row, self.next_row + n, dtype=np.int64)
        meta = pd.DataFrame(
            {
                "row": rows,
                "id": [str(r) if i is None else str(i) for i, r in zip(ids, rows, strict=True)],
                "smiles": [s for c in self.chunks for s in c.smiles],
                "source_row": np.concatenate([c.rows for c in self.chunks]),
            }
        )
        for fname, array in arrays.items():
            with write_errors(tmp / fname):
                np.save(tmp / fname, array)
        with write_errors(tmp / "meta.parquet"):
            meta.to_parquet(tmp / "meta.parquet", index=False)
        names = COUNT_FILES if counts else BIT_FILES
        with write_errors(tmp):
            for fname in names:
                fsync_file(tmp / fname)
            fsync_dir(tmp)
        files = {f: {"sha256": sha256_file(tmp / f), "bytes": (tmp / f).stat().st_size} for f in names}
        os.rename(tmp, final)
        self.entries.append({"name": name, "row_start": self.next_row, "n_rows": n, "files": files})
        self.next_index += 1
        self.next_row += n
        self.chunks = []
        self.buffered = 0


@contextlib.contextmanager
def write_errors(target: Path) -> Iterator[None]:
    """Turn a failed write into one line naming the file, the cause and the free space.

    numpy reports a full disk as "160000 requested and 159616 written", without the file.
    """
    try:
        yield
    except OSError as exc:
        try:
            free = f"{shutil.disk_usage(target.parent).free / 2**20:.0f} MiB free"
        except OSError:
            free = "free space unknown"
        cause = exc.strerror or str(exc)
        raise DatabaseError(
            f"writing {target} failed: {cause} ({free} on that file system); nothing was added -- "
            "free some space and run again"
        ) from exc


def _hashed(records: Iterable[RawRecord], digest: Any) -> Iterator[RawRecord]:
    """Pass records through, feeding their text and id into ``digest`` (the batch's identity)."""
    for rec in records:
        digest.update(f"{rec.id}\0{rec.text}\n".encode())
        yield rec


def _with_ids(records: Iterable[RawRecord], ids: Any) -> Iterator[RawRecord]:
    if ids is None:
        yield from records
        return
    ids = list(ids)  # by position: a pandas Series' own index must not decide which id is which
    for rec in records:
        if rec.row >= len(ids):
            raise InputError(f"ids has {len(ids)} entries but the input has more records")
        yield RawRecord(rec.row, rec.line, str(ids[rec.row]), rec.text, rec.fmt)


def ingest(
    root: Path,
    manifest: dict[str, Any],
    spec: FingerprintSpec,
    source: Any,
    ids: list[Any] | None,
    n_jobs: int | None,
    shard_size: int,
    chunk_size: int,
    progress: bool,
    reader_kwargs: dict[str, Any],
    prep: MolPreparation | None = None,
    client: Any = None,
) -> BuildReport:
    """Fingerprint ``source`` into new shards under ``root`` and record them in ``manifest``.

    With ``prep``, molecules are standardised and filtered (in the fingerprinting workers)
    first: failures become rejects, molecules failing a filter are counted and left out.
    With a Dask ``client``, the workers fingerprint and this process writes the shards.
    """
    start = time.perf_counter()
    writer = ShardWriter(root, spec, len(manifest["shards"]), manifest["n_rows"], shard_size)
    digest = hashlib.sha256()
    records = _hashed(_with_ids(iter_records(source, **reader_kwargs), ids), digest)
    n_records = 0
    rejects: list[dict[str, Any]] = []
    filtered: list[dict[str, Any]] = []
    chunks: Iterable[FingerprintChunk]
    if client is None:
        chunks = iter_fingerprint_chunks(
            records, spec, n_jobs=n_jobs, chunk_size=chunk_size, progress=progress, prep=prep
        )
    else:
        from drugscreen.similarity.distributed import fingerprint_chunks_distributed

        chunks = fingerprint_chunks_distributed(records, spec, client, chunk_size, prep, progress=progress)
    for chunk in chunks:
        n_records += len(chunk.rows) + len(chunk.errors) + len(chunk.filtered)
        filtered += [
            {"row": rec.row, "line": rec.line, "id": rec.id, "failed": failed, "text": _first_line(rec)}
            for rec, failed in chunk.filtered
        ]
        for rec, reason in chunk.errors:
            if len(rejects) < LOGGED_REJECTS:
                logger.warning("skipping %s: %s", rec.where, reason)
            rejects.append(
                {
                    "row": rec.row,
                    "line": rec.line,
                    "id": rec.id,
                    "reason": reason,
                    "text": _first_line(rec),
                }
            )
        writer.add(chunk)
    if ids is not None and len(ids) != n_records:
        raise InputError(f"ids has {len(ids)} entries but the input has {n_records} records")
    writer.flush()
    batch_no = len(manifest["batches"])
    rejects_df = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    rejects_name = None
    if rejects:
        rejects_name = f"rejects-{batch_no:05d}.csv"
        tmp = root / f".{rejects_name}.tmp"
        with write_errors(tmp):
            rejects_df.to_csv(tmp, index=False)
            os.replace(tmp, root / rejects_name)
    n_added = writer.next_row - manifest["n_rows"]
    manifest["shards"].extend(writer.entries)
    manifest["n_rows"] = writer.next_row
    manifest["batches"].append(
        {
            "source": str(source)
            if isinstance(source, str | os.PathLike)
            else f"<{len(ids or []) or n_records} in-memory records>",
            "n_records": n_records,
            "n_added": n_added,
            "n_failed": len(rejects),
            "n_duplicate_ids": _count_duplicate_ids(root, writer.entries),
            "rejects": rejects_name,
            "records_sha256": digest.hexdigest(),
            "created": utc_now(),
        }
    )
    if prep is not None:  # only then: the batches of plain builds keep their old keys
        manifest["batches"][-1] |= {"prepare": prep.describe(), "n_filtered": len(filtered)}
    if rejects:
        logger.warning(
            "%d of %d records could not be parsed%s; see %s in the database directory",
            len(rejects),
            n_records,
            " or standardised" if prep is not None and prep.steps else "",
            rejects_name,
        )
    if filtered:
        logger.info("%d of %d molecules failed the filters and were left out", len(filtered), n_records)
    filtered_df = pd.DataFrame(filtered, columns=FILTERED_COLUMNS)
    return BuildReport(n_records, n_added, rejects_df, time.perf_counter() - start, filtered_df)


def _first_line(rec: RawRecord) -> str:
    """A record's text for a report: the SMILES, or a mol block's title line."""
    return rec.text if rec.fmt == "smiles" else (rec.text.splitlines() or [""])[0]


def _count_duplicate_ids(root: Path, entries: list[dict[str, Any]]) -> int:
    """Ids of this batch that appear more than once (warned about, with an example)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not entries:
        return 0
    ids = pa.chunked_array(
        [pq.read_table(root / e["name"] / "meta.parquet", columns=["id"]).column("id") for e in entries]
    )
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    n_dup = int(pc.sum(repeated.field("counts")).as_py() or 0) - len(repeated)
    if n_dup:
        example = repeated[0].as_py()
        logger.warning(
            "%d rows have an id that another row of this batch has too (e.g. %r appears %d times); "
            "each row keeps its own row number, but searches will show the same id more than once",
            n_dup,
            example["values"],
            example["counts"],
        )
    return n_dup
