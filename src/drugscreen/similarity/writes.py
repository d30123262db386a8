"""Writing a fingerprint database under its writer lock: a new one (built in a working
directory and published by one rename) or new shards appended to an existing one (visible
only once the manifest is replaced). :class:`~drugscreen.similarity.db.FingerprintDB` checks
its arguments and calls these; they return the manifest written and the ingest report."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DatabaseError
from drugscreen.similarity.ingest import BuildReport, ingest
from drugscreen.similarity.lock import writer_lock
from drugscreen.similarity.manifest import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST,
    check_files,
    fsync_dir,
    is_database,
    read_manifest,
    remove_unlisted,
    utc_now,
    write_json_atomic,
)
from drugscreen.similarity.publish import (
    check_sizes,
    input_sha256,
    publish_generation,
    refuse_known_input,
    remove_stale_siblings,
)


def write_new(
    path: Path,
    spec: FingerprintSpec,
    source: Any,
    ids: list[Any] | None,
    n_jobs: int | None,
    sizes: tuple[int, int],
    progress: bool,
    reader_kwargs: dict[str, Any],
    prep: Any,
    client: Any,
    overwrite: bool,
) -> BuildReport:
    """Build the database at ``path`` (replacing one only with ``overwrite``)."""
    with writer_lock(path):
        if path.exists() and not overwrite:
            raise DatabaseError(f"{path} already exists; pass overwrite=True to replace it")
        if path.exists() and not is_database(path):
            raise DatabaseError(f"{path} exists and is not a drugscreen database: refusing to overwrite it")
        remove_stale_siblings(path)
        input_sha = input_sha256(source)
        tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            manifest: dict[str, Any] = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "spec": spec.to_dict(),
                "n_rows": 0,
                "shard_size": sizes[0],
                "shards": [],
                "batches": [],
                "created": utc_now(),
            }
            report = ingest(
                tmp, manifest, spec, source, ids, n_jobs, *sizes, progress, reader_kwargs, prep, client
            )
            manifest["batches"][-1]["input_sha256"] = input_sha
            if path.exists():
                publish_generation(path, tmp, manifest)
            else:
                write_json_atomic(tmp / MANIFEST, manifest)
                os.rename(tmp, path)
                fsync_dir(path.parent)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return report


def write_append(
    path: Path,
    source: Any,
    ids: list[Any] | None,
    n_jobs: int | None,
    shard_size: int | None,
    chunk_size: int,
    progress: bool,
    reader_kwargs: dict[str, Any],
    prep: Any,
    client: Any,
    allow_duplicate_input: bool,
) -> tuple[dict[str, Any], FingerprintSpec, BuildReport]:
    """Append ``source`` to the database at ``path`` after verifying it in full."""
    with writer_lock(path):
        # re-read: another process may have appended to or replaced the database since open
        manifest = read_manifest(path)
        check_files(path, manifest, verify=True)
        remove_unlisted(path, manifest)
        spec = FingerprintSpec.from_dict(manifest["spec"])
        sizes = check_sizes(shard_size or int(manifest.get("shard_size", 250_000)), chunk_size)
        input_sha = input_sha256(source)
        if not allow_duplicate_input:
            refuse_known_input(manifest, "input_sha256", input_sha, source)
        try:
            report = ingest(
                path,
                manifest,
                spec,
                source,
                ids,
                n_jobs,
                *sizes,
                progress,
                reader_kwargs,
                prep,
                client,
            )
            batch = manifest["batches"][-1]
            batch["input_sha256"] = input_sha
            if not allow_duplicate_input:
                refuse_known_input(
                    {"batches": manifest["batches"][:-1]},
                    "records_sha256",
                    batch["records_sha256"],
                    source,
                )
            write_json_atomic(path / MANIFEST, manifest)
        except BaseException:
            # shards this append wrote are listed nowhere: remove them now, not at the next write
            remove_unlisted(path, read_manifest(path))
            raise
    return manifest, spec, report
