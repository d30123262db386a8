"""Making a write visible, and the checks a writer runs first (all under the writer lock).

An overwrite becomes visible as a new generation behind one manifest rename; builds that died
leave working directories the next writer removes; every batch records the sha256 of its input
so that a rerun of a finished append is recognised.
"""

from __future__ import annotations

import logging
import numbers
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from drugscreen.chem.io import STDIN
from drugscreen.errors import DatabaseError, InputError
from drugscreen.similarity.manifest import (
    MANIFEST,
    fsync_dir,
    listed_entries,
    read_manifest,
    remove_unlisted,
    sha256_file,
    write_json_atomic,
)

logger = logging.getLogger("drugscreen")


def check_sizes(shard_size: Any, chunk_size: Any) -> tuple[int, int]:
    """Positive whole numbers, else an error (0 or -1 used to loop forever)."""
    for name, value in (("shard_size", shard_size), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InputError(f"{name} must be a positive number of rows, got {value!r}")
    return int(shard_size), int(chunk_size)


def input_sha256(source: Any) -> str | None:
    """sha256 of an input file's bytes (None for in-memory input and standard input)."""
    if isinstance(source, str | os.PathLike) and str(source) != STDIN and Path(source).is_file():
        return sha256_file(Path(source))
    return None


def refuse_known_input(manifest: dict[str, Any], key: str, digest: str | None, source: Any) -> None:
    """A DatabaseError if a batch with records already came from the same input."""
    for number, batch in enumerate(manifest["batches"]):
        # empty inputs (an empty pipe) all look alike and add nothing: never "already there"
        if digest is not None and batch.get(key) == digest and batch.get("n_records", 0) > 0:
            raise DatabaseError(
                f"{source} is already in the database (batch {number}, added {batch.get('created')} "
                f"from {batch.get('source')}); pass allow_duplicate_input=True (CLI: --allow-duplicate) "
                "to add its molecules again"
            )


def remove_stale_siblings(path: Path) -> None:
    """Working directories of builds that died (only called under the writer lock)."""
    prefix = f".{path.name}."
    for stale in sorted(path.parent.iterdir()):
        name = stale.name
        if not name.startswith(prefix) or not stale.is_dir():
            continue
        kind = name[len(prefix) :].split("-", 1)[0]
        if kind == "old" and not path.exists():
            # drugscreen 0.1 overwrote by two renames; killed between them, this is the only
            # copy of the previous database: never delete it
            raise DatabaseError(
                f"{stale} holds the database an interrupted overwrite moved aside and {path} is missing; "
                f"rename it back to {path.name} (or delete it) before building"
            )
        if kind in ("tmp", "old"):
            logger.warning("removing %s, left by an interrupted build", stale)
            shutil.rmtree(stale, ignore_errors=True)
    if path.exists():
        try:
            manifest = read_manifest(path)
        except DatabaseError as exc:  # a broken database being overwritten: replaced whole below
            logger.warning("not cleaning %s before the overwrite: %s", path, exc)
            return
        remove_unlisted(path, manifest)


def publish_generation(path: Path, tmp: Path, manifest: dict[str, Any]) -> None:
    """Replace the database at ``path`` by the one built in ``tmp`` in one atomic step.

    The new shards move into ``path`` as a generation directory first (invisible: no
    manifest lists it), then the manifest that lists them replaces the old one with
    ``os.replace`` -- the only step readers can see. A crash anywhere leaves a complete old or
    new database. The replaced generation stays on disk until the next write, so a reader that
    opened the old database before the switch can finish its searches; the next writer
    removes it (and anything else no manifest lists).
    """
    mpath = path / MANIFEST
    old_bytes = mpath.read_bytes() if mpath.is_file() else b""
    try:
        replaced = listed_entries(read_manifest(path))
    except DatabaseError:  # overwriting a broken database: nothing of it is worth keeping
        replaced = set()
    generation = f"gen-{uuid.uuid4().hex[:8]}"
    fsync_dir(tmp)  # the shard renames inside tmp are durable before tmp becomes visible
    os.rename(tmp, path / generation)
    try:
        fsync_dir(path)
        for shard in manifest["shards"]:
            shard["name"] = f"{generation}/{shard['name']}"
        for batch in manifest["batches"]:
            if batch.get("rejects"):
                batch["rejects"] = f"{generation}/{batch['rejects']}"
        write_json_atomic(path / MANIFEST, manifest)
    except BaseException:
        if (mpath.read_bytes() if mpath.is_file() else b"") == old_bytes:  # not switched
            shutil.rmtree(path / generation, ignore_errors=True)
        raise
    remove_unlisted(path, manifest, keep=replaced)
