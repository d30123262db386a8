"""Fingerprint files: Parquet tables of ids, SMILES and packed fingerprints plus their spec.

Binary fingerprints are stored as a fixed-size binary column ``fp`` holding the little-endian
``uint64`` words (RDKit bit order); count fingerprints as ``fp_indices`` / ``fp_counts`` list
columns. The :class:`~drugscreen.chem.spec.FingerprintSpec` is kept in the schema metadata under
``drugscreen.spec``, so a file can never be compared against fingerprints of another spec.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray, FingerprintChunk
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError
from drugscreen.validate import user_path

SPEC_KEY = b"drugscreen.spec"


def _table(chunk: FingerprintChunk, spec: FingerprintSpec) -> Any:
    import pyarrow as pa

    columns: dict[str, Any] = {
        "source_row": pa.array(chunk.rows, pa.int64()),
        "id": pa.array([None if i is None else str(i) for i in chunk.ids], pa.string()),
        "smiles": pa.array(chunk.smiles, pa.string()),
    }
    if spec.counts:
        csr = sp.csr_matrix(chunk.data)
        offsets = pa.array(csr.indptr.astype(np.int32))
        columns["fp_indices"] = pa.ListArray.from_arrays(offsets, pa.array(csr.indices.astype(np.int32)))
        columns["fp_counts"] = pa.ListArray.from_arrays(offsets, pa.array(csr.data.astype(np.uint32)))
    else:
        data = np.ascontiguousarray(chunk.data, dtype="<u8")
        width = spec.words * 8
        columns["fp"] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(width), len(data), [None, pa.py_buffer(data.tobytes())]
        )
    table = pa.table(columns)
    return table.replace_schema_metadata({SPEC_KEY: json.dumps(spec.to_dict()).encode()})


def write_fingerprints(
    path: str | os.PathLike[str], chunks: Iterable[FingerprintChunk], spec: FingerprintSpec
) -> int:
    """Stream fingerprint chunks into a Parquet file (atomically); returns the rows written."""
    import pyarrow.parquet as pq

    path = user_path(path)
    if not path.name.endswith(".parquet"):
        raise InputError(f"fingerprint files are Parquet: {str(path)!r} should end in .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)  # as write_table does for search -o
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    writer = None
    n = 0
    try:
        for chunk in chunks:
            table = _table(chunk, spec)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
            n += table.num_rows
        if writer is None:  # no molecule at all: still write a valid, empty file
            empty = FingerprintChunk(np.zeros(0, np.int64), [], [], _empty_data(spec))
            pq.write_table(_table(empty, spec), tmp)
        else:
            writer.close()
            writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    return n


def _empty_data(spec: FingerprintSpec) -> Any:
    if spec.counts:
        return sp.csr_matrix((0, spec.nbits), dtype=np.uint32)
    return np.zeros((0, spec.words), dtype=np.uint64)


def read_fingerprints(path: str | os.PathLike[str]) -> tuple[FingerprintArray, Any]:
    """Read a file written by :func:`write_fingerprints`: ``(FingerprintArray, metadata DataFrame)``."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"{path}: not a readable fingerprint Parquet file ({exc})") from exc
    meta = table.schema.metadata or {}
    if SPEC_KEY not in meta:
        raise InputError(f"{path}: no drugscreen fingerprint spec in the file's metadata")
    spec = FingerprintSpec.from_dict(json.loads(meta[SPEC_KEY]))
    n = table.num_rows
    if spec.counts:
        idx = table.column("fp_indices").combine_chunks()
        cnt = table.column("fp_counts").combine_chunks()
        indptr = np.asarray(idx.offsets, dtype=np.int64)
        data: Any = sp.csr_matrix(
            (np.asarray(cnt.values, dtype=np.uint32), np.asarray(idx.values, dtype=np.int32), indptr),
            shape=(n, spec.nbits),
        )
    else:
        col = table.column("fp").combine_chunks()
        raw = np.frombuffer(
            col.buffers()[1], dtype="<u8", count=n * spec.words, offset=col.offset * spec.words * 8
        )
        data = raw.reshape(n, spec.words).astype(np.uint64)
    return FingerprintArray(spec, data), table.select(["source_row", "id", "smiles"]).to_pandas()
