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
import re
import shutil
from pathlib import Path
from typing import Any

from drugscreen.chem.tables import write_table
from drugscreen.errors import InputError
from drugscreen.similarity.lock import take_lock_file
from drugscreen.similarity.manifest import sha256_file, write_json_atomic
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

JOB = "job.json"
PROGRESS = "progress.json"
SUMMARY = "summary.json"
PARTS = "parts"


def library_identity(library: Any) -> dict[str, Any]:
    """What identifies the library input: path, size, modification time and the sha256 of a file.

    The content digest matters: a library corrected in place with the same size and a kept
    modification time was resumed silently and mixed old and new records. Hashing runs at
    disk speed, far faster than the job parses the same bytes.
    """
    if isinstance(library, str | os.PathLike):
        path = user_path(library).resolve()
        if not path.is_file():
            raise InputError(f"library file not found: {library}")
        stat = path.stat()
        return {
            "path": str(path),
            "bytes": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": sha256_file(path),
        }
    raise InputError(
        "a screening job reads a library file (.smi, .csv, .tsv, .sdf, .parquet, optionally .gz)"
    )


def digest(obj: Any) -> str:
    """sha256 of a JSON-serialisable description."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


#: Largest chunk a job takes (records held in memory at once; a typo such as 1e20 must fail
#: before the job directory is made, not inside itertools).
MAX_CHUNK = 100_000_000
#: The final outputs of a finished job.
FINAL = ("hits.parquet", "rejects.csv")
#: The files a job writes: the only ones ``overwrite`` ever deletes.
JOB_FILES = (JOB, PROGRESS, SUMMARY, *FINAL, PARTS)


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
        self.path = user_path(out_dir).resolve()
        self._parts: dict[str, int] = {}  # counted parts and their sizes, as progress.json has them
        self._overwrite = overwrite
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
        parts = self.path / PARTS
        if parts.is_symlink() or (parts.exists() and not parts.is_dir()):
            # resuming deleted files in whatever directory a symbolic link pointed to
            raise InputError(
                f"{parts} is {'a symbolic link' if parts.is_symlink() else 'not a directory'}; a job's "
                "parts directory must be its own: choose a new output directory"
            )
        if self.path.is_dir():
            for entry in self.path.iterdir():
                if _OWN_TEMPORARY.fullmatch(entry.name) and entry.is_file() and not entry.is_symlink():
                    entry.unlink()  # a temporary file of ours that a kill left behind
            others = sorted(e.name for e in self.path.iterdir() if e.name not in JOB_FILES)
            if others:
                # never deleted, even with overwrite (they may be the job's own inputs); checked
                # before anything is cleared, so a refused overwrite loses nothing
                raise InputError(
                    f"{self.path} holds files that are not a screening job's ({', '.join(others[:3])}"
                    f"{', ...' if len(others) > 3 else ''}); choose a new or empty output directory"
                )
        if existing.is_file():
            previous = read_json(existing, "the job description", overwrite_hint=True, missing_ok=True)
            if previous is None and not overwrite:
                raise InputError(
                    f"{existing} is empty or damaged; pass --overwrite (overwrite=True) to start the job again"
                )
            if previous != job:
                if not overwrite:
                    raise InputError(
                        f"{self.path} holds the output of a different screening job "
                        f"({_difference(previous, job)}); pass --overwrite (overwrite=True) to replace "
                        "it, or choose another output directory"
                    )
                self._clear()
        self.path.mkdir(parents=True, exist_ok=True)
        if not existing.is_file():
            write_json_atomic(existing, job)
        parts.mkdir(exist_ok=True)

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
            if entry.is_symlink():
                entry.unlink()  # the link only: never what it points to
            elif entry.is_dir():
                shutil.rmtree(entry)
            elif entry.exists():
                entry.unlink()

    @property
    def complete(self) -> bool:
        return (self.path / SUMMARY).is_file()

    def progress(self) -> dict[str, Any]:
        """The last checkpoint (nothing done yet: zero chunks), its parts verified; stray files
        of later chunks go (only names the job writes: nothing else in ``parts/`` is touched).

        A damaged checkpoint or part is an error naming the file, unless the job was opened with
        ``overwrite``: then the job starts again.
        """
        try:
            return self._progress()
        except InputError as exc:
            if not self._overwrite:
                raise
            logger.warning("%s; starting the job again (overwrite)", str(exc).split(";")[0])
            self.restart()
            return self._progress()

    def restart(self) -> None:
        """Delete the job's own files and start it again from its description."""
        self._clear()
        write_json_atomic(self.path / JOB, self.job)
        (self.path / PARTS).mkdir()
        self._parts = {}

    def _progress(self) -> dict[str, Any]:
        path = self.path / PROGRESS
        state: dict[str, Any] = {"chunks_done": 0, "counts": {}, "parts": {}}
        if path.exists():
            state = read_json(path, "the checkpoint", overwrite_hint=True)
            if not isinstance(state, dict) or not isinstance(state.get("chunks_done"), int):
                raise InputError(
                    f"{path} is not a checkpoint; pass --overwrite (overwrite=True) to start the job again"
                )
        done = int(state["chunks_done"])

        def superseded(match: re.Match[str]) -> bool:  # top-k parts before the last are merged in it
            return match["kind"] == "topk" and int(match["chunk"]) < done - 1

        legacy = "parts" not in state  # written before checkpoints listed their parts
        counted = {
            name: int(size)
            for name, size in state.get("parts", {}).items()
            if (m := _PART_NAME.fullmatch(name)) and not superseded(m)
        }
        for part in (self.path / PARTS).iterdir():
            match = _PART_NAME.fullmatch(part.name)
            if match is None or part.is_dir() or part.is_symlink():
                continue  # not the job's: never deleted
            uncounted = int(match["chunk"]) >= done or not (legacy or part.name in counted)
            if match["tmp"] or uncounted or superseded(match):
                part.unlink()  # written by a chunk the checkpoint does not count, or superseded
        for name, size in counted.items():
            self._verify_part(self.path / PARTS / name, size)
        self._parts = dict(counted)
        return state

    def _verify_part(self, part: Path, size: int, counted_by: str = "the job's checkpoint") -> None:
        """A counted part must be there, of the size it had and readable (a power cut can leave an
        empty file behind a rename that reached the disk before the data)."""
        import pyarrow.parquet as pq

        problem = None
        if not part.is_file():
            problem = "is missing"
        elif part.stat().st_size != size:
            problem = f"has {part.stat().st_size} bytes, {size} were written"
        else:
            try:
                if part.suffix == ".parquet":
                    pq.read_metadata(part)
            except Exception as exc:  # pyarrow raises several types for a damaged file
                problem = f"is not readable Parquet ({type(exc).__name__})"
        if problem:
            raise InputError(
                f"{part} {problem}: {counted_by} counts it; rerun with --overwrite "
                "(overwrite=True) to start the job again"
            )

    def write_part(self, kind: str, chunk: int, table: Any) -> Path:
        """Write one part durably (fsynced before the checkpoint that counts it)."""
        path = write_table(table, self.part(kind, chunk), durable=True)
        self._parts[path.name] = path.stat().st_size
        return path

    def remove_part(self, kind: str, chunk: int) -> None:
        part = self.part(kind, chunk)
        self._parts.pop(part.name, None)
        part.unlink(missing_ok=True)

    def checkpoint(self, chunks_done: int, counts: dict[str, Any]) -> None:
        write_json_atomic(
            self.path / PROGRESS, {"chunks_done": chunks_done, "counts": counts, "parts": self._parts}
        )

    def part(self, kind: str, chunk: int) -> Path:
        return self.path / PARTS / f"{kind}-{chunk:06d}.parquet"

    def parts(self, kind: str) -> list[Path]:
        found = self.path.joinpath(PARTS).glob(f"{kind}-*.parquet")
        # only names the job writes (not temporaries, not a user's look-alikes)
        return sorted(p for p in found if (m := _PART_NAME.fullmatch(p.name)) and not m["tmp"])

    @staticmethod
    def chunk_of(part: Path) -> int:
        stem = part.name.split(".")[0]
        return int(stem.rsplit("-", 1)[-1]) if stem.rsplit("-", 1)[-1].isdigit() else -1

    def finish(self, summary: dict[str, Any]) -> None:
        """Mark the job complete; the summary records the size of every final output."""
        outputs = {name: (self.path / name).stat().st_size for name in FINAL if (self.path / name).is_file()}
        write_json_atomic(self.path / SUMMARY, {**summary, "outputs": outputs})

    def verify_outputs(self) -> None:
        """A complete job's outputs must be there, of the size they had and readable (a rerun said
        "already complete" over a deleted or damaged ``hits.parquet``)."""
        recorded = self.summary().get("outputs")
        if recorded is None:
            return  # a job finished by an older drugscreen
        for name, size in recorded.items():
            self._verify_part(self.path / name, int(size), counted_by="the job's summary")

    def summary(self) -> dict[str, Any]:
        return read_json(self.path / SUMMARY, "the summary")  # type: ignore[no-any-return]


#: Temporary names of the job's own files (``write_json_atomic``, ``write_table``), which a kill
#: can leave in the job directory: removed on the next open.
_OWN_TEMPORARY = re.compile(
    rf"\.({'|'.join(re.escape(name) for name in (JOB, PROGRESS, SUMMARY, *FINAL))})\.tmp-[0-9a-f]+"
)

#: The names a job writes in ``parts/``: ``KIND-CHUNK.parquet`` and its temporary twin.
PART_KINDS = ("hits", "rejects", "topk", "predictions")
_PART_NAME = re.compile(
    rf"(?P<tmp>\.)?(?P<kind>{'|'.join(PART_KINDS)})-(?P<chunk>\d{{6}})\.parquet(?(tmp)\.tmp-\d+)"
)


def read_json(path: Path, what: str, *, overwrite_hint: bool = False, missing_ok: bool = False) -> Any:
    """The JSON in ``path``, or an :class:`InputError` naming the file and the way out (an empty
    ``progress.json``, as a power cut leaves, gave a bare JSON error). With ``missing_ok`` an
    empty or damaged file reads as None instead."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        if missing_ok:
            return None
        hint = "; pass --overwrite (overwrite=True) to start the job again" if overwrite_hint else ""
        raise InputError(f"{path}: {what} is empty or damaged ({type(exc).__name__}){hint}") from exc


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
