"""The fingerprint database: build once, append, open memory-mapped, search.

A database is a directory (format in :mod:`drugscreen.similarity.manifest`) visible only through
its manifest. A new ``build`` writes everything into a hidden sibling directory and renames it
into place at the end; an overwrite moves the new shards in as a generation directory and then
replaces the manifest (:mod:`drugscreen.similarity.publish`); ``append`` writes new shard
directories first and then replaces the manifest atomically (``os.replace``). All three hold one
writer lock. An interrupted build or append therefore leaves the previous state intact, and can
be rerun. Searching is delegated to :mod:`drugscreen.similarity.engine`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from drugscreen.backends.parallel import resolve_backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.prepare import preparation
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DatabaseError, InputError
from drugscreen.similarity.dispatch import run_search
from drugscreen.similarity.ingest import BuildReport
from drugscreen.similarity.manifest import (
    check_files,
    load_segment,
    read_manifest,
)
from drugscreen.similarity.metadata import MetadataIndex
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.publish import (
    check_sizes,
)
from drugscreen.similarity.queries import as_fingerprints
from drugscreen.similarity.segment import Segment
from drugscreen.similarity.writes import write_append, write_new
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

__all__ = ["BuildReport", "FingerprintDB"]


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
        self._meta: MetadataIndex | None = None
        self._resident: Any = None  # DeviceDatabase while kept on the GPU (to_device)
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
        standardize: bool | str | Sequence[str] = False,
        filters: str | Sequence[str] | None = None,
        client: Any = None,
        **reader_kwargs: Any,
    ) -> FingerprintDB:
        """Build a database from molecules.

        Parameters
        ----------
        path : path
            Directory to create (conventionally ``*.dsdb``).
        source : path or list of str
            Molecules: a ``.smi/.csv/.tsv/.sdf(.gz)/.parquet`` file, ``"-"`` for standard
            input, or SMILES strings.
        spec : FingerprintSpec, optional
            Defaults to Morgan radius 2, 2048 bits.
        ids : list, optional
            Identifiers, one per input record (default: from the file, else the row number).
        n_jobs : int
            Worker processes for parsing and fingerprinting (-1 = all cores).
        shard_size : int
            Rows per shard; a shard is the unit of memory use while building and of
            distribution when searching on a cluster.
        chunk_size : int
            Records per task sent to a worker process.
        overwrite : bool
            Replace an existing database at ``path``; the switch to the new one is a single
            atomic rename of the manifest, so readers see the old or the new database, never
            a mixture or nothing.
        progress : bool
            Show a progress bar.
        standardize : bool, str or sequence of str
            Standardise every molecule before it is fingerprinted: ``True`` for the default
            recipe, or a recipe or step names as for :func:`drugscreen.standardize`. The
            database then stores the standardised SMILES; a molecule whose standardisation
            fails is a reject, like an unparseable record.
        filters : str or sequence of str, optional
            Leave out molecules that fail any of these filters (names as for
            :func:`drugscreen.filter_molecules`; applied after ``standardize``); they are
            counted in the report (``n_filtered``, ``filtered``), not stored.
        client : dask.distributed.Client, optional
            Parse and fingerprint the chunks on a Dask cluster's workers (``n_jobs`` is then
            not used); this process reads the input and writes the shards and the manifest as
            usual, so the database is identical to a local build.
        reader_kwargs
            ``smiles_column``, ``id_column``, ``id_property``, ``fmt`` (see
            :func:`drugscreen.iter_records`).

        Returns
        -------
        FingerprintDB
            The open database; ``db.last_report`` says how many records failed and why.

        Raises
        ------
        DatabaseError
            If ``path`` exists (without ``overwrite``) or is not a database, or another build
            or append of ``path`` is running, or writing fails (the message names the file).
        """
        from rdkit import __version__ as rdkit_version

        # resolved: "." or a symlink must lock, clean and rename the real directory
        path = user_path(path).resolve()
        sizes = check_sizes(shard_size, chunk_size)
        prep = preparation(standardize, filters)
        client = resolve_backend(n_jobs=n_jobs, client=client).client  # a bad client fails here
        spec = spec or FingerprintSpec()
        if not isinstance(spec, FingerprintSpec):
            raise InputError(f"spec must be a FingerprintSpec, got {type(spec).__name__}")
        if spec.rdkit_version is None:
            spec = FingerprintSpec.from_dict({**spec.to_dict(), "rdkit_version": rdkit_version})
        path.parent.mkdir(parents=True, exist_ok=True)
        report = write_new(
            path, spec, source, ids, n_jobs, sizes, progress, reader_kwargs, prep, client, overwrite
        )
        db = cls.open(path)
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
        allow_duplicate_input: bool = False,
        standardize: bool | str | Sequence[str] = False,
        filters: str | Sequence[str] | None = None,
        client: Any = None,
        **reader_kwargs: Any,
    ) -> BuildReport:
        """Add molecules as new shards; visible only once the manifest is replaced at the end.

        Takes the arguments of :meth:`build` (the spec is the database's own; ``standardize``
        and ``filters`` are not remembered from the build: pass them again to prepare the new
        molecules the same way). Before writing, the database is verified in full (sha256 of
        every file) and whatever no manifest lists (left by an interrupted write) is removed.

        Parameters
        ----------
        allow_duplicate_input : bool
            The manifest records a sha256 of every batch's input; appending an input that is
            already in the database (a rerun of an append that had finished) is an error
            unless this is True.
        client : dask.distributed.Client, optional
            Fingerprint on a Dask cluster's workers, as in :meth:`build`.

        Raises
        ------
        DatabaseError
            If the same input was appended before, another writer holds the database, the
            database fails verification, or writing fails (the message names the file).
        """
        prep = preparation(standardize, filters)
        client = resolve_backend(n_jobs=n_jobs, client=client).client  # a bad client fails here
        manifest, spec, report = write_append(
            self.path, source, ids, n_jobs, shard_size, chunk_size, progress, reader_kwargs, prep, client,
            allow_duplicate_input,
        )  # fmt: skip
        self.manifest = manifest
        self.spec = spec
        self._segments = None
        self.release_device()  # a GPU copy would miss the new rows
        self._meta = None
        self.last_report = report
        return report

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str], verify: bool = False) -> FingerprintDB:
        """Open a database, checking its structure and (``verify=True``) every file's sha256.

        The structural checks always run and cost a few hundred bytes of reading per file:
        every file a shard needs is listed, present and of the recorded size, ``.npy`` headers
        match the spec's width and the row counts, Parquet row counts match. The full sha256
        reads every byte (seconds per 10 M rows), so it runs on build and append, on request
        here, and in :meth:`verify` / ``drugscreen db verify``.

        Raises
        ------
        DatabaseError
            Naming the missing, truncated, inconsistent or corrupted file.
        """
        path = user_path(path).resolve()
        manifest = read_manifest(path)
        try:
            check_files(path, manifest, verify)
        except DatabaseError:
            # an overwrite or append may have switched the manifest between our two reads
            fresh = read_manifest(path)
            if fresh == manifest:
                raise
            manifest = fresh
            check_files(path, manifest, verify)
        return cls(path, manifest)

    def verify(self) -> None:
        """Check the sha256 of every file against the manifest (reads the whole database).

        Raises
        ------
        DatabaseError
            Naming the first corrupted file.
        """
        check_files(self.path, self.manifest, verify=True)

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
        """The shards as memory-mapped ``Segment`` objects (``drugscreen.similarity.segment``)."""
        if self._segments is None:
            self._segments = [load_segment(self.path, shard, self.spec) for shard in self.manifest["shards"]]
        return self._segments

    def metadata(self, rows: npt.ArrayLike) -> pd.DataFrame:
        """``row``, ``id``, ``smiles`` of database rows (in the order given)."""
        rows = np.asarray(rows, dtype=np.int64)
        ids, smiles = self._lookup(rows)
        return pd.DataFrame({"row": rows, "id": ids, "smiles": smiles})

    def _lookup(self, rows: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
        if self._meta is None:
            self._meta = MetadataIndex(self.path, self.manifest["shards"])
        return self._meta.lookup(rows)

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

    # ------------------------------------------------------------------ GPU residency
    def to_device(self) -> Any:
        """Copy the database to GPU memory once, so that ``search(device="cuda")`` reuses it.

        Returns
        -------
        drugscreen.similarity.engine_cuda.DeviceDatabase
            The resident copy; its ``nbytes`` and ``memory_report()`` say what it holds.
            :meth:`release_device` frees it. A database larger than the GPU's memory is
            not copied (an error): searches then stream its shards through the GPU.
        """
        from drugscreen.similarity.engine_cuda import DeviceDatabase

        resolve_backend("cuda")
        if self._resident is None:
            self._resident = DeviceDatabase(self.segments())
            logger.info("%s kept on the GPU: %s", self.path.name, self._resident.memory_report())
        return self._resident

    def release_device(self) -> None:
        """Free the GPU copy made by :meth:`to_device` (nothing happens without one)."""
        if self._resident is not None:
            self._resident.release()
            self._resident = None

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
        client: Any = None,
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
        device : {"cpu", "cuda", "auto"}
            Where the kernels run: CPU threads, a CUDA GPU (results identical to the CPU's), or
            the GPU when one is found. A database kept on the GPU by :meth:`to_device` is
            searched there without copying it again.
        client : dask.distributed.Client, optional
            Search the shards on a Dask cluster's workers (each runs the ``device`` kernel on
            its shards with ``n_jobs`` threads); the merged result equals the local one.
        progress : bool
            Show a progress bar over blocks of 128 queries (useful for thousands of queries).

        Returns
        -------
        pandas.DataFrame
            ``query``, ``id``, ``row``, ``score`` sorted by query, score descending, row.
        """
        backend = resolve_backend(device, n_jobs, client)
        params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta, fusion=fusion)
        qfps = as_fingerprints(queries, self.spec)
        if query_ids is not None and len(query_ids) != len(qfps):
            raise InputError(f"query_ids has {len(query_ids)} labels for {len(qfps)} queries")
        if backend.client is not None:
            from drugscreen.similarity.distributed import search_shards

            q, rows, scores = search_shards(self, qfps, params, backend.client, device=device, n_jobs=n_jobs)
        else:
            resident = self._resident if backend.device == "cuda" else None
            q, rows, scores = run_search(
                qfps, resident or self.segments(), params, backend, progress=progress
            )
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
