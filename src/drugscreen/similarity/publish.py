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
    for number, batch in enumerate(manifest["batches"]):
        if digest is not None and batch.get(key) == digest:
            raise DatabaseError(
                f"{source} is already in the database (batch {number}, added {batch.get('created')} "
                f"from {batch.get('source')}); pass allow_duplicate_input=True (CLI: --allow-duplicate) "
                "to add its molecules again"
            )


def remove_stale_siblings(path: Path) -> None:
    """Working directories of builds that died (only called under the writer lock)."""
    for pattern in (f".{path.name}.tmp-*", f".{path.name}.old-*"):
        for stale in path.parent.glob(pattern):
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
    ``os.replace`` -- the only step readers can see. The old generation is removed last; a
    crash anywhere leaves a complete old or new database, and the next writer removes the rest.
    """
    generation = f"gen-{uuid.uuid4().hex[:8]}"
    os.rename(tmp, path / generation)
    fsync_dir(path)
    for shard in manifest["shards"]:
        shard["name"] = f"{generation}/{shard['name']}"
    for batch in manifest["batches"]:
        if batch.get("rejects"):
            batch["rejects"] = f"{generation}/{batch['rejects']}"
    write_json_atomic(path / MANIFEST, manifest)
    remove_unlisted(path, manifest)
