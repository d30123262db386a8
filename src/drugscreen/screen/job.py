"""The output directory of a screening job: what the job is, how far it got, its parts.

Layout of ``OUT_DIR``::

    job.json                what was asked (library, queries, search, stages, versions)
    progress.json           the checkpoint: chunks finished and the counts so far
    parts/hits-000012.parquet      hits of chunk 12 (threshold searches)
    parts/rejects-000012.parquet   unreadable records of chunk 12 (row, line, id, reason)
    parts/topk-000012.parquet      top-k of chunks 0-12 merged (top-k searches)
    hits.parquet  rejects.csv  summary.json    written once the last chunk is done

A chunk's files are written under temporary names and renamed; only then does
``progress.json`` (also renamed into place) count the chunk. A job killed at any moment
therefore leaves the parts of counted chunks complete and at most some files of the next
chunk, which a rerun deletes before it carries on after the last counted chunk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from drugscreen.errors import InputError
from drugscreen.similarity.manifest import write_json_atomic

logger = logging.getLogger("drugscreen")

JOB = "job.json"
PROGRESS = "progress.json"
SUMMARY = "summary.json"
PARTS = "parts"


def library_identity(library: Any) -> dict[str, Any]:
    """What identifies the library input: path, size and modification time of a file."""
    if isinstance(library, str | os.PathLike):
        path = Path(library).resolve()
        if not path.is_file():
            raise InputError(f"library file not found: {library}")
        stat = path.stat()
        return {"path": str(path), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    raise InputError(
        "a screening job reads a library file (.smi, .csv, .tsv, .sdf, .parquet, optionally .gz)"
    )


def digest(obj: Any) -> str:
    """sha256 of a JSON-serialisable description."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


class JobDirectory:
    """Checkpoints and parts of one job in ``out_dir``."""

    def __init__(self, out_dir: str | os.PathLike[str], job: dict[str, Any], overwrite: bool = False):
        self.path = Path(out_dir)
        self.job = job
        existing = self.path / JOB
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"output {self.path} exists and is not a directory")
        if existing.is_file():
            previous = json.loads(existing.read_text())
            if previous != job:
                if not overwrite:
                    raise InputError(
                        f"{self.path} holds the output of a different screening job "
                        f"({_difference(previous, job)}); pass --overwrite (overwrite=True) to replace "
                        "it, or choose another output directory"
                    )
                self._clear()
        elif self.path.is_dir() and any(self.path.iterdir()):
            if not overwrite:
                raise InputError(
                    f"{self.path} is not empty and is not a screening job's output; "
                    "pass --overwrite (overwrite=True) to replace its contents"
                )
            self._clear()
        (self.path / PARTS).mkdir(parents=True, exist_ok=True)
        if not existing.is_file():
            write_json_atomic(existing, job)

    def _clear(self) -> None:
        logger.warning("overwriting %s", self.path)
        for entry in self.path.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    @property
    def complete(self) -> bool:
        return (self.path / SUMMARY).is_file()

    def progress(self) -> dict[str, Any]:
        """The last checkpoint (nothing done yet: zero chunks); stray files of later chunks go."""
        path = self.path / PROGRESS
        state: dict[str, Any] = {"chunks_done": 0, "counts": {}}
        if path.is_file():
            state = json.loads(path.read_text())
        done = int(state["chunks_done"])
        for part in (self.path / PARTS).iterdir():
            if part.name.startswith(".") or self.chunk_of(part) >= done:
                part.unlink()  # written by a chunk the checkpoint does not count
        return state

    def checkpoint(self, chunks_done: int, counts: dict[str, Any]) -> None:
        write_json_atomic(self.path / PROGRESS, {"chunks_done": chunks_done, "counts": counts})

    def part(self, kind: str, chunk: int) -> Path:
        return self.path / PARTS / f"{kind}-{chunk:06d}.parquet"

    def parts(self, kind: str) -> list[Path]:
        return sorted(self.path.joinpath(PARTS).glob(f"{kind}-*.parquet"))

    @staticmethod
    def chunk_of(part: Path) -> int:
        stem = part.name.split(".")[0]
        return int(stem.rsplit("-", 1)[-1]) if stem.rsplit("-", 1)[-1].isdigit() else -1

    def finish(self, summary: dict[str, Any]) -> None:
        write_json_atomic(self.path / SUMMARY, summary)

    def summary(self) -> dict[str, Any]:
        return json.loads((self.path / SUMMARY).read_text())  # type: ignore[no-any-return]


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "differs in " + ", ".join(keys)
