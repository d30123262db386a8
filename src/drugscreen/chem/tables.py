"""Writing a table (CSV, TSV, Parquet) without ever leaving a partial file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from drugscreen.durable import fsync_path
from drugscreen.errors import InputError
from drugscreen.validate import TABLE_SUFFIXES, user_path


def write_table(df: Any, path: str | os.PathLike[str], *, durable: bool = False) -> Path:
    """Write a DataFrame to ``.csv``, ``.tsv`` or ``.parquet`` without ever leaving a partial file.

    The table goes to a temporary name in the same directory and is renamed into place, so
    readers see either the old file or the complete new one. With ``durable`` the data and the
    rename are also flushed to the disk before returning (a checkpoint that counts the file
    follows), so that a power cut cannot leave an empty file under the final name.
    """
    path = user_path(path)
    suffix = path.name.lower().rsplit(".", 1)[-1]
    if suffix not in TABLE_SUFFIXES:
        raise InputError(f"cannot write {str(path)!r}: use a .csv, .tsv or .parquet file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if suffix == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, sep="\t" if suffix == "tsv" else ",")
        if durable:
            fsync_path(tmp)
        os.replace(tmp, path)
        if durable:
            fsync_path(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
