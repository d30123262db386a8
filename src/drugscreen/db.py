"""On-disk fingerprint database: build once, append, open memory-mapped, search.

Layout of ``library.dsdb/``::

    manifest.json          format version, spec, row count, shards (files + sha256), batches
    shard-00000/
        fps.npy            uint64[n, words] in popcount order  (counts: indptr/indices/values.npy)
        pop.npy            int64[n] popcounts, ascending
        rows.npy           int64[n] database row of each position
        word_pop.npy       uint8[n, words] popcount of each 64-bit word (bits; search bounds)
        meta.parquet       row, id, smiles, source_row -- in row order
    rejects-00000.csv      records of batch 0 that could not be parsed (line and reason)

A database is visible only through its manifest. ``build`` writes everything into a hidden
sibling directory and renames it into place at the end; ``append`` writes new shard
directories first and then replaces the manifest atomically (``os.replace``). An
interrupted build or append therefore leaves the previous state intact, and can be rerun.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from drugscreen.errors import DatabaseError, InputError
from drugscreen.fingerprints import FingerprintArray, FingerprintChunk, iter_fingerprint_chunks
from drugscreen.io import RawRecord, iter_records
from drugscreen.parallel import check_device
from drugscreen.similarity import SearchParams, Segment, as_fingerprints, search_segments
from drugscreen.spec import FingerprintSpec

logger = logging.getLogger("drugscreen")

FORMAT_NAME = "drugscreen-fpdb"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Written by every build since word popcounts were added; databases without it are searched
#: without the bound (same results, reads every fingerprint in the popcount range).
WORD_POP = "word_pop.npy"
BIT_FILES = ("fps.npy", "pop.npy", "rows.npy", WORD_POP, "meta.parquet")
COUNT_FILES = ("indptr.npy", "indices.npy", "values.npy", "pop.npy", "rows.npy", "meta.parquet")

_REJECT_COLUMNS = ["row", "line", "id", "reason", "text"]
#: Bad records logged one by one; all of them always go to the rejects file.
_LOGGED_REJECTS = 20


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
        One row per record that could not be used: ``row``, ``line``, ``id``, ``reason``, ``text``.
    seconds : float
        Wall-clock time.
    """

    n_records: int = 0
    n_added: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REJECT_COLUMNS))
    seconds: float = 0.0

    @property
    def n_failed(self) -> int:
        return len(self.rejects)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    with open(tmp, "w") as handle:
        json.dump(obj, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    """Make renames and new files in ``path`` durable (so a power cut cannot lose them)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _is_database(path: Path) -> bool:
    try:
        return json.loads((path / MANIFEST).read_text()).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


class _ShardWriter:
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
        if final.exists():  # left over by an interrupted append: never listed in the manifest
            shutil.rmtree(final)
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
        if counts:
            np.save(tmp / "indptr.npy", seg.data.indptr.astype(np.int64))
            np.save(tmp / "indices.npy", seg.data.indices.astype(np.int32))
            np.save(tmp / "values.npy", seg.data.data.astype(np.uint32))
        else:
            np.save(tmp / "fps.npy", seg.data)
            assert seg.word_pop is not None  # from_array computes them for bits
            np.save(tmp / WORD_POP, seg.word_pop)
        np.save(tmp / "pop.npy", seg.pop)
        np.save(tmp / "rows.npy", seg.rows)
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
        meta.to_parquet(tmp / "meta.parquet", index=False)
        names = COUNT_FILES if counts else BIT_FILES
        for fname in names:
            _fsync_file(tmp / fname)
        _fsync_dir(tmp)
        files = {f: {"sha256": _sha256(tmp / f), "bytes": (tmp / f).stat().st_size} for f in names}
        os.rename(tmp, final)
        self.entries.append({"name": name, "row_start": self.next_row, "n_rows": n, "files": files})
        self.next_index += 1
        self.next_row += n
        self.chunks = []
        self.buffered = 0


def _with_ids(records: Iterable[RawRecord], ids: list[Any] | None) -> Iterator[RawRecord]:
    if ids is None:
        yield from records
        return
    for rec in records:
        if rec.row >= len(ids):
            raise InputError(f"ids has {len(ids)} entries but the input has more records")
        yield RawRecord(rec.row, rec.line, str(ids[rec.row]), rec.text, rec.fmt)


def _check_manifest(manifest: dict[str, Any], mpath: Path) -> None:
    """Keys present and shard row ranges contiguous, else a DatabaseError naming the manifest."""
    try:
        FingerprintSpec.from_dict(manifest["spec"])
        expected = 0
        for shard in manifest["shards"]:
            if shard["row_start"] != expected or shard["n_rows"] < 0 or not isinstance(shard["files"], dict):
                raise DatabaseError(f"{mpath}: shard {shard['name']} does not start at row {expected}")
            expected += shard["n_rows"]
        if manifest["n_rows"] != expected:
            raise DatabaseError(
                f"{mpath}: n_rows is {manifest['n_rows']} but the shards hold {expected} rows"
            )
        manifest["batches"], manifest["created"]  # noqa: B018 - presence check
    except (KeyError, TypeError) as exc:
        raise DatabaseError(f"{mpath} is incomplete or malformed (missing or bad {exc})") from exc


class FingerprintDB:
    """A fingerprint database directory (see the module docstring for the layout).

    Create one with :meth:`build`, open an existing one with :meth:`open`.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> db = FingerprintDB.build(os.path.join(d, "lib.dsdb"), ["CCO", "CCCO", "c1ccccc1"],
    ...                          ids=["ethanol", "propanol", "benzene"], progress=False)
    >>> db.search(["CCO"], k=2)[["query", "id", "score"]].round(3)
       query        id  score
    0      0   ethanol  1.000
    1      0  propanol  0.556
    """

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.manifest = manifest
        self.spec = FingerprintSpec.from_dict(manifest["spec"])
        self._segments: list[Segment] | None = None
        self._meta: dict[int, Any] = {}
        self.last_report: BuildReport | None = None

    # ------------------------------------------------------------------ creation
    @classmethod
    def build(
        cls,
        path: str | os.PathLike[str],
        source: Any,
        spec: FingerprintSpec | None = None,
        *,
        ids: list[Any] | None = None,
        n_jobs: int | None = -1,
        shard_size: int = 250_000,
        chunk_size: int = 10_000,
        overwrite: bool = False,
        progress: bool = True,
        **reader_kwargs: Any,
    ) -> FingerprintDB:
        """Build a database from molecules.

        Parameters
        ----------
        path : path
            Directory to create (conventionally ``*.dsdb``).
        source : path or list of str
            Molecules: a ``.smi/.csv/.tsv/.sdf(.gz)/.parquet`` file or SMILES strings.
        spec : FingerprintSpec, optional
            Defaults to Morgan radius 2, 2048 bits.
        ids : list, optional
            Identifiers, one per input record (default: from the file, else the row number).
        n_jobs : int
            Worker processes for parsing and fingerprinting (-1 = all cores).
        shard_size : int
            Rows per shard; a shard is the unit of memory use while building and of
            distribution when searching on a cluster.
        overwrite : bool
            Replace an existing database at ``path`` (only once the new one is complete).
        reader_kwargs
            ``smiles_column``, ``id_column``, ``id_property``, ``fmt`` (see
            :func:`drugscreen.io.iter_records`).

        Returns
        -------
        FingerprintDB
            The open database; ``db.last_report`` says how many records failed and why.
        """
        from rdkit import __version__ as rdkit_version

        path = Path(path)
        if path.exists() and not overwrite:
            raise DatabaseError(f"{path} already exists; pass overwrite=True to replace it")
        if path.exists() and not _is_database(path):
            raise DatabaseError(f"{path} exists and is not a drugscreen database: refusing to overwrite it")
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.tmp-*"):
            logger.info("removing %s left by an interrupted build", stale)
            shutil.rmtree(stale, ignore_errors=True)
        spec = spec or FingerprintSpec()
        if spec.rdkit_version is None:
            spec = FingerprintSpec.from_dict({**spec.to_dict(), "rdkit_version": rdkit_version})
        tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            manifest: dict[str, Any] = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "spec": spec.to_dict(),
                "n_rows": 0,
                "shard_size": shard_size,
                "shards": [],
                "batches": [],
                "created": _now(),
            }
            report = _ingest(
                tmp, manifest, spec, source, ids, n_jobs, shard_size, chunk_size, progress, reader_kwargs
            )
            _write_json_atomic(tmp / MANIFEST, manifest)
            if path.exists():
                trash = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
                os.rename(path, trash)
                try:
                    os.rename(tmp, path)
                except BaseException:
                    os.rename(trash, path)  # put the old database back
                    raise
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.rename(tmp, path)
            _fsync_dir(path.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        db = cls.open(path, verify=False)
        db.last_report = report
        return db

    def append(
        self,
        source: Any,
        *,
        ids: list[Any] | None = None,
        n_jobs: int | None = -1,
        shard_size: int | None = None,
        chunk_size: int = 10_000,
        progress: bool = True,
        **reader_kwargs: Any,
    ) -> BuildReport:
        """Add molecules as new shards; visible only once the manifest is replaced at the end.

        Takes the arguments of :meth:`build` (the spec is the database's own).
        """
        with self._lock():
            manifest = json.loads((self.path / MANIFEST).read_text())
            size = shard_size or int(manifest.get("shard_size", 250_000))
            report = _ingest(
                self.path, manifest, self.spec, source, ids, n_jobs, size, chunk_size, progress, reader_kwargs
            )
            _write_json_atomic(self.path / MANIFEST, manifest)
        self.manifest = manifest
        self._segments = None
        self._meta = {}
        self.last_report = report
        return report

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.path / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str], verify: bool = True) -> FingerprintDB:
        """Open a database, checking its manifest and (``verify=True``) every file's sha256.

        Raises
        ------
        DatabaseError
            Naming the missing, truncated or corrupted file.
        """
        path = Path(path)
        mpath = path / MANIFEST
        if not mpath.is_file():
            raise DatabaseError(f"{path} is not a drugscreen database: {MANIFEST} is missing")
        try:
            manifest = json.loads(mpath.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DatabaseError(f"{mpath} is corrupted: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise DatabaseError(f"{mpath} is not a {FORMAT_NAME} manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise DatabaseError(
                f"{mpath}: format version {manifest.get('format_version')} is not supported "
                f"(this drugscreen reads version {FORMAT_VERSION})"
            )
        _check_manifest(manifest, mpath)
        for shard in manifest["shards"]:
            for name, info in shard["files"].items():
                fpath = path / shard["name"] / name
                if not fpath.is_file():
                    raise DatabaseError(f"{fpath} is missing (listed in {MANIFEST})")
                if fpath.stat().st_size != info["bytes"]:
                    raise DatabaseError(
                        f"{fpath} has {fpath.stat().st_size} bytes, the manifest says {info['bytes']}: "
                        "the file is truncated or was modified"
                    )
                if verify and _sha256(fpath) != info["sha256"]:
                    raise DatabaseError(f"{fpath} is corrupted: its sha256 does not match the manifest")
        return cls(path, manifest)

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return int(self.manifest["n_rows"])

    def __repr__(self) -> str:
        return f"FingerprintDB({str(self.path)!r}, {len(self)} rows, {self.spec.label})"

    def info(self) -> dict[str, Any]:
        """Summary: path, rows, spec, shards, bytes on disk, failed records, creation time."""
        return {
            "path": str(self.path),
            "n_rows": len(self),
            "spec": self.spec.to_dict(),
            "spec_label": self.spec.label,
            "n_shards": len(self.manifest["shards"]),
            "bytes": sum(f["bytes"] for s in self.manifest["shards"] for f in s["files"].values()),
            "n_batches": len(self.manifest["batches"]),
            "n_rejected": sum(b["n_failed"] for b in self.manifest["batches"]),
            "created": self.manifest["created"],
            "format_version": self.manifest["format_version"],
        }

    def segments(self) -> list[Segment]:
        """The shards as memory-mapped :class:`~drugscreen.similarity.Segment` objects."""
        if self._segments is None:
            segs = []
            for shard in self.manifest["shards"]:
                d = self.path / shard["name"]
                if self.spec.counts:
                    data: Any = sp.csr_matrix(
                        (
                            np.load(d / "values.npy", mmap_mode="r"),
                            np.load(d / "indices.npy", mmap_mode="r"),
                            np.load(d / "indptr.npy", mmap_mode="r"),
                        ),
                        shape=(shard["n_rows"], self.spec.nbits),
                        copy=False,
                    )
                else:
                    data = np.load(d / "fps.npy", mmap_mode="r")
                word_pop = np.load(d / WORD_POP, mmap_mode="r") if WORD_POP in shard["files"] else None
                seg = Segment(data, np.load(d / "pop.npy"), np.load(d / "rows.npy", mmap_mode="r"), word_pop)
                if (
                    len(seg) != shard["n_rows"]
                    or data.shape[0] != shard["n_rows"]
                    or (word_pop is not None and word_pop.shape != data.shape)
                ):
                    raise DatabaseError(
                        f"{d}: arrays hold {len(seg)} rows, the manifest says {shard['n_rows']}"
                    )
                segs.append(seg)
            self._segments = segs
        return self._segments

    def metadata(self, rows: npt.ArrayLike) -> pd.DataFrame:
        """``row``, ``id``, ``smiles`` of database rows (in the order given)."""
        rows = np.asarray(rows, dtype=np.int64)
        ids, smiles = self._lookup(rows)
        return pd.DataFrame({"row": rows, "id": ids, "smiles": smiles})

    def _lookup(self, rows: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.empty(len(rows), dtype=object)
        smiles = np.empty(len(rows), dtype=object)
        if len(rows) == 0:
            return ids, smiles
        starts = np.array([s["row_start"] for s in self.manifest["shards"]], dtype=np.int64)
        which = np.searchsorted(starts, rows, side="right") - 1
        for s in np.unique(which):
            meta = self._shard_meta(int(s))
            sel = which == s
            local = rows[sel] - starts[s]
            # take() touches only the requested rows of the Arrow columns; converting a whole
            # column to Python strings would cost ~100 ms per million rows on every search
            ids[sel] = meta.column("id").take(local).to_pylist()
            smiles[sel] = meta.column("smiles").take(local).to_pylist()
        return ids, smiles

    def _shard_meta(self, index: int) -> Any:
        """The shard's ``id`` and ``smiles`` columns as a pyarrow Table (read once, then cached)."""
        import pyarrow.parquet as pq

        if index not in self._meta:
            shard = self.manifest["shards"][index]
            self._meta[index] = pq.read_table(
                self.path / shard["name"] / "meta.parquet", columns=["id", "smiles"]
            )
        return self._meta[index]

    def fingerprints(self) -> FingerprintArray:
        """All fingerprints in row order, loaded into memory."""
        parts = []
        order = []
        for seg in self.segments():
            parts.append(seg.data)
            order.append(np.asarray(seg.rows))
        rows = np.concatenate(order) if order else np.zeros(0, np.int64)
        inverse = np.empty_like(rows)
        inverse[rows] = np.arange(len(rows))
        if self.spec.counts:
            data: Any = sp.vstack(parts).tocsr() if parts else sp.csr_matrix((0, self.spec.nbits))
        else:
            data = np.concatenate(parts) if parts else np.zeros((0, self.spec.words), np.uint64)
        return FingerprintArray(self.spec, data[inverse])

    # ------------------------------------------------------------------ search
    def search(
        self,
        queries: Any,
        threshold: float | None = None,
        k: int | None = None,
        metric: str = "tanimoto",
        *,
        alpha: float = 0.5,
        beta: float = 0.5,
        fusion: str | None = None,
        query_ids: list[Any] | None = None,
        with_smiles: bool = False,
        n_jobs: int | None = -1,
        device: str = "cpu",
        progress: bool = False,
    ) -> pd.DataFrame:
        """Search the database with one or many queries.

        Parameters
        ----------
        queries : list of str, list of Mol, FingerprintArray or ndarray
            SMILES, RDKit molecules, or fingerprints of the database's spec (a different spec
            is an error).
        threshold : float, optional
            Keep hits scoring at least this.
        k : int, optional
            Keep the best ``k`` hits per query (with ``threshold``: the best ``k`` above it).
        metric : {"tanimoto", "dice", "cosine", "tversky"}
            Count databases support tanimoto and dice.
        alpha, beta : float
            Tversky weights of the query and database fingerprint.
        fusion : {"max", "mean"}, optional
            Group fusion: score every row once by the max or mean over all queries; the
            result then has one "query" (label ``"fused"``).
        query_ids : list, optional
            Labels for the ``query`` column (default: the query's position).
        with_smiles : bool
            Add the hit's ``smiles`` column.
        n_jobs : int
            Threads (-1 = all cores).
        device : {"cpu", "auto"}
            Where to run; ``"cuda"`` is not available in this release.
        progress : bool
            Show a progress bar over blocks of 128 queries (useful for thousands of queries).

        Returns
        -------
        pandas.DataFrame
            ``query``, ``id``, ``row``, ``score`` sorted by query, score descending, row.
        """
        check_device(device)
        params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta, fusion=fusion)
        qfps = as_fingerprints(queries, self.spec)
        if query_ids is not None and len(query_ids) != len(qfps):
            raise InputError(f"query_ids has {len(query_ids)} labels for {len(qfps)} queries")
        q, rows, scores = search_segments(qfps, self.segments(), params, n_jobs=n_jobs, progress=progress)
        ids, smiles = self._lookup(rows)
        if fusion is not None:
            labels: Any = np.full(len(q), "fused", dtype=object)
        elif query_ids is not None:
            labels = np.asarray(query_ids, dtype=object)[q]
        else:
            labels = q
        columns = {"query": labels, "id": ids, "row": rows, "score": scores}
        if with_smiles:
            columns["smiles"] = smiles
        return pd.DataFrame(columns)


def _ingest(
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
) -> BuildReport:
    """Fingerprint ``source`` into new shards under ``root`` and record them in ``manifest``."""
    start = time.perf_counter()
    writer = _ShardWriter(root, spec, len(manifest["shards"]), manifest["n_rows"], shard_size)
    records = _with_ids(iter_records(source, **reader_kwargs), ids)
    n_records = 0
    rejects: list[dict[str, Any]] = []
    for chunk in iter_fingerprint_chunks(
        records, spec, n_jobs=n_jobs, chunk_size=chunk_size, progress=progress
    ):
        n_records += len(chunk.rows) + len(chunk.errors)
        for rec, reason in chunk.errors:
            if len(rejects) < _LOGGED_REJECTS:
                logger.warning("skipping %s: %s", rec.where, reason)
            rejects.append(
                {
                    "row": rec.row,
                    "line": rec.line,
                    "id": rec.id,
                    "reason": reason,
                    "text": rec.text if rec.fmt == "smiles" else (rec.text.splitlines() or [""])[0],
                }
            )
        writer.add(chunk)
    if ids is not None and len(ids) != n_records:
        raise InputError(f"ids has {len(ids)} entries but the input has {n_records} records")
    writer.flush()
    batch_no = len(manifest["batches"])
    rejects_df = pd.DataFrame(rejects, columns=_REJECT_COLUMNS)
    rejects_name = None
    if rejects:
        rejects_name = f"rejects-{batch_no:05d}.csv"
        tmp = root / f".{rejects_name}.tmp"
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
            "rejects": rejects_name,
            "created": _now(),
        }
    )
    if rejects:
        logger.warning(
            "%d of %d records could not be parsed; see %s in the database directory",
            len(rejects),
            n_records,
            rejects_name,
        )
    return BuildReport(n_records, n_added, rejects_df, time.perf_counter() - start)
