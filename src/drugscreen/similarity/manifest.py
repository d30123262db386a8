"""The on-disk format of a fingerprint database: manifest, shard files, checksums, durable writes.

Layout of ``library.dsdb/``::

    manifest.json          format version, spec, row count, shards (files + sha256), batches
    shard-00000/
        fps.npy            uint64[n, words] in popcount order  (counts: indptr/indices/values.npy)
        pop.npy            int64[n] popcounts, ascending
        rows.npy           int64[n] database row of each position
        word_pop.npy       uint8[n, words] popcount of each 64-bit word (bits; search bounds)
        meta.parquet       row, id, smiles, source_row -- in row order
    rejects-00000.csv      records of batch 0 that could not be parsed (line and reason)

A database is visible only through its manifest; see :mod:`drugscreen.similarity.db` for the
atomicity rules of build and append.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DatabaseError
from drugscreen.similarity.segment import Segment

FORMAT_NAME = "drugscreen-fpdb"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Written by every build since word popcounts were added; databases without it are searched
#: without the bound (same results, reads every fingerprint in the popcount range).
WORD_POP = "word_pop.npy"
BIT_FILES = ("fps.npy", "pop.npy", "rows.npy", WORD_POP, "meta.parquet")
COUNT_FILES = ("indptr.npy", "indices.npy", "values.npy", "pop.npy", "rows.npy", "meta.parquet")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    with open(tmp, "w") as handle:
        json.dump(obj, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make renames and new files in ``path`` durable (so a power cut cannot lose them)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def is_database(path: Path) -> bool:
    try:
        return json.loads((path / MANIFEST).read_text()).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


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


def read_manifest(path: Path) -> dict[str, Any]:
    """The validated manifest of the database at ``path``; a DatabaseError says what is wrong."""
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
    return manifest


def check_files(path: Path, manifest: dict[str, Any], verify: bool) -> None:
    """Every listed shard file present with its recorded size, and (``verify``) its sha256."""
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
            if verify and sha256_file(fpath) != info["sha256"]:
                raise DatabaseError(f"{fpath} is corrupted: its sha256 does not match the manifest")


def load_segment(path: Path, shard: dict[str, Any], spec: FingerprintSpec) -> Segment:
    """One shard as a memory-mapped :class:`~drugscreen.similarity.segment.Segment`."""
    d = path / shard["name"]
    if spec.counts:
        data: Any = sp.csr_matrix(
            (
                np.load(d / "values.npy", mmap_mode="r"),
                np.load(d / "indices.npy", mmap_mode="r"),
                np.load(d / "indptr.npy", mmap_mode="r"),
            ),
            shape=(shard["n_rows"], spec.nbits),
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
        raise DatabaseError(f"{d}: arrays hold {len(seg)} rows, the manifest says {shard['n_rows']}")
    return seg
