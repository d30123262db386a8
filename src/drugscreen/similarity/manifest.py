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
import fnmatch
import hashlib
import json
import logging
import os
import shutil
import string
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.chem.spec import FingerprintSpec
from drugscreen.durable import fsync_path
from drugscreen.errors import DatabaseError, DrugscreenError
from drugscreen.similarity.segment import Segment

FORMAT_NAME = "drugscreen-fpdb"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Written by every build since word popcounts were added; databases without it are searched
#: without the bound (same results, reads every fingerprint in the popcount range).
WORD_POP = "word_pop.npy"
BIT_FILES = ("fps.npy", "pop.npy", "rows.npy", WORD_POP, "meta.parquet")
COUNT_FILES = ("indptr.npy", "indices.npy", "values.npy", "pop.npy", "rows.npy", "meta.parquet")
HEX = frozenset(string.hexdigits.lower())

logger = logging.getLogger("drugscreen")


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
    fsync_path(path)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def is_database(path: Path) -> bool:
    try:
        return json.loads((path / MANIFEST).read_text()).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


def _fail(mpath: Path, what: str) -> DatabaseError:
    return DatabaseError(f"{mpath} is malformed: {what}; rebuild the database or restore the manifest")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def required_files(spec: FingerprintSpec) -> tuple[str, ...]:
    """Files every shard of a database of ``spec`` must list (``word_pop.npy`` is optional:
    databases written before it existed are searched without the word bound)."""
    return COUNT_FILES if spec.counts else tuple(f for f in BIT_FILES if f != WORD_POP)


def _check_manifest(manifest: dict[str, Any], mpath: Path) -> None:
    """Every key present with the right type, every required file listed with size and sha256,
    shard row ranges contiguous; else a DatabaseError that names the manifest and the problem."""
    for key, kind, label in (
        ("spec", dict, "an object"),
        ("n_rows", int, "an integer"),
        ("shards", list, "a list"),
        ("batches", list, "a list"),
        ("created", str, "a string"),
    ):
        if key not in manifest:
            raise _fail(mpath, f"'{key}' is missing")
        if not isinstance(manifest[key], kind) or (kind is int and not _is_int(manifest[key])):
            raise _fail(mpath, f"'{key}' must be {label}, got {type(manifest[key]).__name__}")
    try:
        spec = FingerprintSpec.from_dict(manifest["spec"])
    except DrugscreenError as exc:
        raise _fail(mpath, f"bad 'spec' ({exc})") from exc
    expected = 0
    for i, shard in enumerate(manifest["shards"]):
        if not isinstance(shard, dict):
            raise _fail(mpath, f"shard {i} must be an object")
        name = shard.get("name")
        if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name.split("/"):
            raise _fail(mpath, f"shard {i} has no valid 'name' (got {name!r})")
        for key in ("row_start", "n_rows"):
            if not _is_int(shard.get(key)) or shard[key] < 0:
                raise _fail(
                    mpath, f"shard {name}: '{key}' must be a non-negative integer, got {shard.get(key)!r}"
                )
        if shard["row_start"] != expected:
            raise _fail(mpath, f"shard {name} starts at row {shard['row_start']}, expected {expected}")
        files = shard.get("files")
        if not isinstance(files, dict):
            raise _fail(mpath, f"shard {name}: 'files' must be an object of file name -> sha256 and bytes")
        for fname in required_files(spec):
            if fname not in files:
                raise _fail(mpath, f"shard {name} does not list {fname}, which every shard needs")
        for fname, info in files.items():
            if not isinstance(info, dict) or not _is_int(info.get("bytes")) or info["bytes"] < 0:
                raise _fail(mpath, f"shard {name}/{fname}: 'bytes' must be a non-negative integer")
            digest = info.get("sha256")
            if not isinstance(digest, str) or len(digest) != 64 or not all(c in HEX for c in digest):
                raise _fail(mpath, f"shard {name}/{fname}: 'sha256' must be 64 hex digits")
        expected += shard["n_rows"]
    if manifest["n_rows"] != expected:
        raise _fail(mpath, f"'n_rows' is {manifest['n_rows']} but the shards hold {expected} rows")
    for i, batch in enumerate(manifest["batches"]):
        if not isinstance(batch, dict) or not _is_int(batch.get("n_failed", 0)):
            raise _fail(mpath, f"batch {i} must be an object with integer counts")
        if batch.get("rejects") is not None and not isinstance(batch["rejects"], str):
            raise _fail(mpath, f"batch {i}: 'rejects' must be a file name")


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


def _npy_header(fpath: Path) -> tuple[tuple[int, ...], np.dtype[Any], int]:
    """Shape, dtype and data offset from a ``.npy`` header, without reading the data."""
    try:
        with open(fpath, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            reader = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }
            shape, fortran, dtype = reader[version](handle)  # type: ignore[operator]
            offset = handle.tell()
    except (ValueError, KeyError, OSError) as exc:
        raise DatabaseError(f"{fpath} is not a valid .npy file ({exc}): the file is corrupted") from exc
    if fortran:
        raise DatabaseError(
            f"{fpath} is stored in Fortran order; drugscreen writes C order: the file was replaced"
        )
    return shape, dtype, offset


def _expected_arrays(spec: FingerprintSpec, n: int) -> dict[str, tuple[Any, tuple[int, ...] | None]]:
    """dtype and shape (None: checked otherwise) of each ``.npy`` file of a shard of ``n`` rows."""
    arrays: dict[str, tuple[Any, tuple[int, ...] | None]] = {
        "pop.npy": (np.int64, (n,)),
        "rows.npy": (np.int64, (n,)),
    }
    if spec.counts:
        arrays |= {
            "indptr.npy": (np.int64, (n + 1,)),
            "indices.npy": (np.int32, None),
            "values.npy": (np.uint32, None),
        }
    else:
        arrays |= {"fps.npy": (np.uint64, (n, spec.words)), WORD_POP: (np.uint8, (n, spec.words))}
    return arrays


def check_files(path: Path, manifest: dict[str, Any], verify: bool) -> None:
    """Structural checks of every listed shard file, always; the full sha256 when ``verify``.

    Structural: present, the recorded size, a valid ``.npy`` header whose dtype and shape match
    the spec and the shard's row count (a bits manifest whose ``nbits`` was edited fails here;
    for counts, whose width is in the values, only ``verify`` reads the indices), and the
    Parquet metadata's row count. These read a few hundred bytes per file, so opening a
    100 M-row database stays instant; the sha256 reads every byte.
    """
    import pyarrow.parquet as pq

    spec = FingerprintSpec.from_dict(manifest["spec"])
    for shard in manifest["shards"]:
        n = shard["n_rows"]
        expected = _expected_arrays(spec, n)
        nnz = None
        for name, info in shard["files"].items():
            fpath = path / shard["name"] / name
            if not fpath.is_file():
                raise DatabaseError(f"{fpath} is missing (listed in {MANIFEST})")
            size = fpath.stat().st_size
            if size != info["bytes"]:
                raise DatabaseError(
                    f"{fpath} has {size} bytes, the manifest says {info['bytes']}: "
                    "the file is truncated or was modified"
                )
            if name in expected:
                shape, dtype, offset = _npy_header(fpath)
                want_dtype, want_shape = expected[name]
                if dtype != np.dtype(want_dtype) or (want_shape is not None and shape != want_shape):
                    raise DatabaseError(
                        f"{fpath} holds {dtype}{list(shape)}, but the manifest ({spec.label}, {n} rows) "
                        f"needs {np.dtype(want_dtype)}{list(want_shape or ['nnz'])}: the manifest or the file was edited"
                    )
                if name in ("indices.npy", "values.npy"):
                    if len(shape) != 1:
                        raise DatabaseError(f"{fpath} holds a {len(shape)}-D array; count arrays are 1-D")
                    if nnz is not None and shape != nnz:
                        raise DatabaseError(
                            f"{fpath}: {shape[0]} entries, the other count array has {nnz[0]}"
                        )
                    nnz = shape
                if size != offset + int(np.prod(shape)) * dtype.itemsize:
                    raise DatabaseError(f"{fpath} is truncated: its header promises {list(shape)} {dtype}")
            elif name == "meta.parquet":
                try:
                    rows = pq.ParquetFile(fpath).metadata.num_rows
                except Exception as exc:  # pyarrow raises several types for corrupt files
                    raise DatabaseError(f"{fpath} is not a readable Parquet file: {exc}") from exc
                if rows != n:
                    raise DatabaseError(f"{fpath} has {rows} rows, the manifest says {n}")
            if verify and sha256_file(fpath) != info["sha256"]:
                raise DatabaseError(f"{fpath} is corrupted: its sha256 does not match the manifest")
        if verify and spec.counts and n:
            indices = np.load(path / shard["name"] / "indices.npy", mmap_mode="r")
            indptr = np.load(path / shard["name"] / "indptr.npy", mmap_mode="r")
            if len(indices) and (int(indices.max()) >= spec.nbits or int(indices.min()) < 0):
                raise DatabaseError(
                    f"{path / shard['name']}: count indices exceed the spec's {spec.nbits} bits"
                )
            if int(indptr[-1]) != len(indices) or int(indptr[0]) != 0:
                raise DatabaseError(f"{path / shard['name']}/indptr.npy does not match indices.npy")


def listed_entries(manifest: dict[str, Any]) -> set[str]:
    """Top-level names in the database directory that ``manifest`` needs."""
    names = {MANIFEST}
    names.update(shard["name"].split("/")[0] for shard in manifest["shards"])
    names.update(str(b["rejects"]).split("/")[0] for b in manifest["batches"] if b.get("rejects"))
    return names


#: Names drugscreen itself creates in a database directory. Cleanup touches only these, so a
#: README, ``.git`` or ``lost+found`` a user keeps there is never deleted.
OWN_NAMES = (
    "gen-*",
    "shard-*",
    ".shard-*.tmp-*",
    "rejects-*.csv",
    ".rejects-*.tmp",
    f".{MANIFEST}.tmp-*",
)


#: What a shard or generation directory holds: arrays, metadata, a manifest, their temporaries.
_SHARD_CONTENT = ("*.npy", "meta.parquet", MANIFEST, ".*.tmp*", "*.tmp")


def _only_ours(directory: Path) -> bool:
    """Whether everything below ``directory`` is a file or directory drugscreen writes there."""
    for entry in directory.iterdir():
        if entry.is_symlink():
            return False
        if entry.is_dir():
            if not (any(fnmatch.fnmatchcase(entry.name, p) for p in OWN_NAMES) and _only_ours(entry)):
                return False
        elif not any(fnmatch.fnmatchcase(entry.name, p) for p in _SHARD_CONTENT):
            return False
    return True


def remove_unlisted(
    path: Path, manifest: dict[str, Any], keep: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Delete drugscreen's own files that ``manifest`` does not list: shards of interrupted or
    failed appends, hidden working files, generations older than the one before ``manifest``.

    Only a writer holding the lock may call this. Entries in ``keep`` stay (the generation an
    overwrite just replaced, for readers that opened it before). Failures are logged, not
    raised: what is left is removed by the next writer.
    """
    keep = listed_entries(manifest) | set(keep)
    removed = []
    for entry in sorted(path.iterdir()):
        if entry.name in keep or not any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in OWN_NAMES):
            continue
        if entry.is_dir() and not entry.is_symlink() and not _only_ours(entry):
            # a user's file inside a shard-like directory: never deleted (a shard-00007 of one's
            # own notes was removed with its contents)
            logger.warning("keeping %s: it holds files drugscreen does not write", entry)
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError as exc:
            logger.warning("could not remove %s (%s); the next writer will try again", entry, exc.strerror)
            continue
        removed.append(entry.name)
    if removed:
        logger.warning(
            "removed %d entr%s of %s that no manifest lists (left by an interrupted or failed write, "
            "or replaced by an overwrite): %s",
            len(removed),
            "y" if len(removed) == 1 else "ies",
            path,
            ", ".join(removed[:10]) + (" ..." if len(removed) > 10 else ""),
        )
    return removed


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
