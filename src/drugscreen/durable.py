"""Making writes durable: ``fsync`` of a file's data or of a directory's entries (renames).

Every writer that renames a finished file into place, and then records that it exists (a
checkpoint, a manifest), flushes both first, so that a power cut cannot leave an empty file under
the final name. Standard library only: any layer may use it.
"""

from __future__ import annotations

import os
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
