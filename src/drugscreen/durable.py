"""Making writes durable: ``fsync`` of a file's data or of a directory's entries (renames).

Every writer that renames a finished file into place, and then records that it exists (a
checkpoint, a manifest), flushes both first, so that a power cut cannot leave an empty file under
the final name. Standard library only: any layer may use it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def fsync_path(path: Path, *, best_effort: bool = False) -> None:
    """Flush ``path`` (a file's data, or a directory's entries) to the disk.

    With ``best_effort`` an ``OSError`` (some file systems refuse to fsync a directory) is ignored.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if best_effort:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not best_effort:
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` (data flushed) when the
    block ends without error, deleted otherwise, so that ``path`` is never half-written."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(path.parent, best_effort=True)
    finally:
        if tmp.exists():
            tmp.unlink()
