"""The one writer lock that builds, overwrites and appends of a database share."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from drugscreen.errors import DatabaseError

#: Lock file inside the directory that drugscreen 0.1's appends took; taken too, never deleted.
LEGACY_LOCK = ".lock"


def lock_path(path: Path) -> Path:
    """The lock file of the database at ``path``: beside it, so that it exists before a new
    database does (``path`` must be resolved: ``.`` or a symlink would name another file)."""
    return path.parent / f".{path.name}.lock"


def take_lock_file(lock: Path, busy: str, error: type[Exception] = DatabaseError) -> int:
    """Open ``lock`` and take it without waiting; returns the descriptor (close it to release).

    A lock another process holds raises ``error(busy)``.
    """
    try:
        # read-only is enough for flock, so a lock file another user left is still usable
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o666)
    except OSError as exc:
        raise error(f"cannot create the lock file {lock}: {exc.strerror}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise error(busy) from None
    return fd


def _flock(lock: Path, path: Path) -> int:
    busy = f"another build or append is writing {path} right now (lock {lock}); wait for it to finish, then run this again"
    return take_lock_file(lock, busy)


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold the one lock that builds, overwrites and appends of ``path`` share.

    A second writer fails at once with a clear error instead of waiting for hours or, as
    before the lock, deleting the first one's files. The kernel releases the lock when the
    holder dies, so a killed job never leaves the database locked. An existing database's
    ``.lock`` (what drugscreen 0.1's appends locked) is taken too.
    """
    path = path.resolve()
    lock = lock_path(path)
    while True:
        fd = _flock(lock, path)
        # the holder before us may have removed the file between our open and our flock: then
        # we hold a lock nobody else can see, and must take the new file's lock instead
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    legacy = None
    try:
        if path.is_dir():
            legacy = _flock(path / LEGACY_LOCK, path)
        yield
    finally:
        if legacy is not None:
            os.close(legacy)
        # removed while still held, so the next writer never finds a stale file to trip on
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)
