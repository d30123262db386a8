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
from drugscreen.similarity.lock import take_lock_file
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


#: The files a job writes: the only ones ``overwrite`` ever deletes.
JOB_FILES = (JOB, PROGRESS, SUMMARY, "hits.parquet", "rejects.csv", PARTS)


def normalised(job: dict[str, Any]) -> dict[str, Any]:
    """``job`` as it reads back from ``job.json`` (tuples become lists, NumPy scalars numbers), so
    that a rerun compares equal to what was written."""

    def plain(value: Any) -> Any:
        if hasattr(value, "item"):  # a NumPy scalar
            return value.item()
        raise TypeError(f"cannot describe {value!r} in job.json")

    try:
        return json.loads(json.dumps(job, default=plain))  # type: ignore[no-any-return]
    except TypeError as exc:
        raise InputError(f"a stage's config() must be JSON-serialisable: {exc}") from exc


class JobDirectory:
    """Checkpoints and parts of one job in ``out_dir``, held under an exclusive lock.

    The lock (``.<out_dir>.lock`` beside the directory) is taken for the object's life: a second
    process started on the same job is refused instead of deleting the first one's parts.
    Call :meth:`close` (or use it as a context manager) when the job ends.
    """

    def __init__(self, out_dir: str | os.PathLike[str], job: dict[str, Any], overwrite: bool = False):
        self.path = Path(out_dir).resolve()
        self.job = job = normalised(job)
        self._lock: int | None = _take_lock(self.path)
        try:
            self._open(job, overwrite)
        except BaseException:
            self.close()
            raise

    def _open(self, job: dict[str, Any], overwrite: bool) -> None:
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
        others = (
            sorted(e.name for e in self.path.iterdir() if e.name not in JOB_FILES)
            if self.path.is_dir()
            else []
        )
        if others:
            # never deleted, even with overwrite: they may be the job's own inputs
            raise InputError(
                f"{self.path} holds files that are not a screening job's ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}); choose a new or empty output directory"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        if not existing.is_file():
            write_json_atomic(existing, job)
        (self.path / PARTS).mkdir(exist_ok=True)

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> JobDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clear(self) -> None:
        logger.warning("overwriting the screening job in %s", self.path)
        for name in JOB_FILES:
            entry = self.path / name
            if entry.is_dir():
                shutil.rmtree(entry)
            elif entry.exists():
                entry.unlink()

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
            stale_topk = part.name.startswith("topk-") and self.chunk_of(part) < done - 1
            if part.name.startswith(".") or self.chunk_of(part) >= done or stale_topk:
                part.unlink()  # written by a chunk the checkpoint does not count, or superseded
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


def _take_lock(path: Path) -> int:
    lock = path.parent / f".{path.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    busy = (
        f"another process is running the screening job in {path} right now (lock {lock}); "
        "wait for it to finish, or stop it, then run this again"
    )
    return take_lock_file(lock, busy, InputError)
