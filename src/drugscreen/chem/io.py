"""Molecule readers with per-record error capture (the safe table writer is re-exported from
:mod:`drugscreen.chem.tables`; the record type lives in :mod:`drugscreen.chem.records`).

Every reader yields one record per input record -- including the bad ones -- so that a job
can report exactly which line failed and why, and never silently shrinks.

:func:`iter_records` streams *raw* records (SMILES text or an SDF mol block, plus row, line
and id) without parsing chemistry; parallel jobs send these to worker processes, where the
expensive parse happens (:mod:`drugscreen.chem.parse`: ``parse_record``, ``read_molecules``).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from drugscreen.chem.records import RawRecord, clean_id, escaped, text_error
from drugscreen.chem.tables import write_table as write_table  # re-exported (its old home)
from drugscreen.errors import InputError
from drugscreen.validate import user_path

SMILES_COLUMN_NAMES = ("smiles", "smi", "canonical_smiles", "isomeric_smiles", "mol")
FORMATS = ("smi", "csv", "tsv", "sdf", "parquet")
_CHUNK_ROWS = 50_000
#: ``source`` that means standard input (a pipeline's ``... | drugscreen db build - lib.dsdb``).
STDIN = "-"
#: Longest record read as a molecule, in characters, by record kind. One valid 2-million-atom
#: SMILES line stalled a screening job (> 240 s and 1.1 GB in one worker, on every resume);
#: longer records become rejects with a reason. The largest drug-like and peptide SMILES are a
#: few thousand characters; a mol block takes about 70 characters an atom.
MAX_RECORD_CHARS = {"smiles": 20_000, "molblock": 2_000_000}
#: Environment variable that overrides both limits (a whole number of characters).
MAX_RECORD_ENV = "DRUGSCREEN_MAX_RECORD_CHARS"
READ_ERRORS = (EOFError, OSError, zlib.error, csv.Error)


def detect_format(path: str | os.PathLike[str]) -> str:
    """Input format from a file name (``.gz`` is looked through)."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    mapping = {
        "smi": "smi",
        "smiles": "smi",
        "ism": "smi",
        "txt": "smi",
        "csv": "csv",
        "tsv": "tsv",
        "sdf": "sdf",
        "mol": "sdf",
        "sd": "sdf",
        "parquet": "parquet",
        "pq": "parquet",
    }
    if suffix not in mapping:
        raise InputError(
            f"cannot tell the format of {str(path)!r} from its name; use one of .smi, .csv, .tsv, "
            ".sdf, .sdf.gz or .parquet, or pass fmt= explicitly"
        )
    return mapping[suffix]


@contextlib.contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """Text of a file (``.gz`` decompressed) or of standard input; a binary file is an error."""
    raw: Any
    if str(path) == STDIN:
        raw = sys.stdin.buffer
        if raw.peek(2)[:2] == b"\x1f\x8b":  # gzip magic: `cat lib.smi.gz | drugscreen ... -`
            raw = gzip.GzipFile(fileobj=raw)
    elif str(path).lower().endswith(".gz"):
        raw = gzip.open(path, "rb")
    else:
        raw = open(path, "rb")
    try:
        try:
            head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{path}: cannot be read ({exc})") from exc
        if b"\0" in head:
            name = "standard input" if str(path) == STDIN else str(path)
            raise InputError(f"{name} looks like a binary file (it has NUL bytes), not a molecule text file")
        # utf-8-sig: a byte-order mark (Windows editors write one) is not part of the first record
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace")
        try:
            yield text
        except READ_ERRORS as exc:
            # raised while the reader iterates: a truncated gzip (EOFError), trailing garbage
            # after the gzip data (BadGzipFile), a damaged deflate stream, a disk error
            name = "standard input" if str(path) == STDIN else str(path)
            raise InputError(f"{name}: cannot be read to the end ({describe_read_error(exc)})") from exc
        finally:
            text.detach()  # leave the byte stream (standard input) open; closed below for files
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


def describe_read_error(exc: BaseException) -> str:
    """Why a file could not be read, in words (a truncated gzip raises a bare EOFError)."""
    if isinstance(exc, EOFError):
        return "the compressed file ends early: truncated or still being written"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def record_limit(fmt: str, max_chars: int | None = None) -> int:
    """The longest ``fmt`` record (``"smiles"`` or ``"molblock"``) read as a molecule:
    ``max_chars``, else the environment variable ``DRUGSCREEN_MAX_RECORD_CHARS``, else
    :data:`MAX_RECORD_CHARS`."""
    from drugscreen.validate import check_number

    if max_chars is None:
        env = os.environ.get(MAX_RECORD_ENV)
        if not env:
            return MAX_RECORD_CHARS[fmt]
        try:
            max_chars = int(env)
        except ValueError:
            raise InputError(f"{MAX_RECORD_ENV} must be a whole number of characters, got {env!r}") from None
        return int(check_number(MAX_RECORD_ENV, max_chars, low=1, integer=True))
    return int(check_number("max_record_chars", max_chars, low=1, integer=True))


def _limited(records: Iterator[RawRecord], max_chars: int | None) -> Iterator[RawRecord]:
    """Records longer than the limit become rejects with a reason (their text cut to 80)."""
    limits = {fmt: record_limit(fmt, max_chars) for fmt in MAX_RECORD_CHARS}
    for record in records:
        limit = limits.get(record.fmt)
        if limit is not None and len(record.text) > limit and record.error is None:
            error = (
                f"record too long: {len(record.text):,} characters (limit {limit:,}; raise it with "
                f"max_record_chars= or {MAX_RECORD_ENV})"
            )
            yield RawRecord(record.row, record.line, record.id, escaped(record.text), record.fmt, error)
        else:
            yield record


def _pick_smiles_column(columns: list[str], smiles_column: str | None, where: str) -> str:
    if smiles_column is not None:
        if smiles_column not in columns:
            raise InputError(f"{where}: no column {smiles_column!r}; columns are {columns}")
        return smiles_column
    lowered = {c.lower(): c for c in columns}
    for name in SMILES_COLUMN_NAMES:
        if name in lowered:
            return lowered[name]
    raise InputError(f"{where}: no SMILES column found among {columns}; pass smiles_column=")


def _iter_smi(path: Path) -> Iterator[RawRecord]:
    row = 0
    with _open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            parts = stripped.split(None, 1)
            if lineno == 1 and parts[0].lower() in ("smiles", "smi"):
                continue  # header line
            ident = clean_id(parts[1].strip()) if len(parts) > 1 else None
            error = text_error(parts[0])
            if error:  # keep binary junk out of the database's SMILES column
                yield RawRecord(row, lineno, ident, escaped(parts[0]), error=error)
            else:
                yield RawRecord(row, lineno, ident, parts[0])
            row += 1


def _iter_table(
    path: Path, sep: str, smiles_column: str | None, id_column: str | None
) -> Iterator[RawRecord]:
    # The csv module (C-accelerated) streams rows with their true line numbers, and lets a
    # malformed row become one bad record instead of an exception that stops the job.
    # records longer than the limit are rejected one by one (:func:`_limited`), not by the csv
    # module's own field limit of 131,072 characters, which raises and ends the whole file
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    with _open_text(path) as handle:
        reader = csv.reader(handle, delimiter=sep)
        header = next(reader, None)
        if not header:
            raise InputError(f"{path}: file is empty")
        smi_idx = header.index(_pick_smiles_column(header, smiles_column, str(path)))
        if id_column is not None and id_column not in header:
            raise InputError(f"{path}: no id column {id_column!r}; columns are {header}")
        id_idx = header.index(id_column) if id_column is not None else None
        row = 0
        start = reader.line_num + 1
        for fields in reader:
            if not fields:  # blank line
                start = reader.line_num + 1
                continue
            ident = clean_id(fields[id_idx]) if id_idx is not None and id_idx < len(fields) else None
            smiles_error = text_error(fields[smi_idx]) if smi_idx < len(fields) else None
            if smiles_error:
                yield RawRecord(row, start, ident, escaped(fields[smi_idx]), error=smiles_error)
            elif len(fields) != len(header):
                error = f"malformed row: {len(fields)} fields, the header has {len(header)}"
                yield RawRecord(row, start, ident, sep.join(fields), error=error)
            else:
                yield RawRecord(row, start, ident, fields[smi_idx].strip())
            row += 1
            start = reader.line_num + 1


def _iter_sdf(path: Path, id_property: str | None) -> Iterator[RawRecord]:
    row = 0
    block: list[str] = []
    start_line = 1
    with _open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            if not block:
                start_line = lineno
            if line.startswith("$$$$"):
                yield _sdf_record(row, start_line, block, id_property)
                row += 1
                block = []
                continue
            block.append(line)
    if any(part.strip() for part in block):  # last record without a terminating $$$$
        yield _sdf_record(row, start_line, block, id_property)


def _sdf_record(row: int, line: int, block: list[str], id_property: str | None) -> RawRecord:
    ident: str | None = block[0].strip() if block else None
    if id_property is not None:
        ident = None
        tag = f"<{id_property}>"
        for i, text in enumerate(block[:-1]):
            if text.startswith(">") and tag in text:
                ident = block[i + 1].strip()
                break
    return RawRecord(row, line, ident or None, "".join(block), "molblock")


def _iter_parquet(path: Path, smiles_column: str | None, id_column: str | None) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    columns = parquet.schema_arrow.names
    smi_col = _pick_smiles_column(columns, smiles_column, str(path))
    wanted = [smi_col]
    if id_column is not None:
        if id_column not in columns:
            raise InputError(f"{path}: no id column {id_column!r}; columns are {columns}")
        wanted.append(id_column)
    row = 0
    batches = parquet.iter_batches(batch_size=_CHUNK_ROWS, columns=wanted)
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:  # a damaged row group part way through the file
            raise InputError(f"{path}: cannot be read to the end ({type(exc).__name__}: {exc})") from exc
        if batch is None:
            break
        smiles = batch.column(0).to_pylist()
        ids = batch.column(1).to_pylist() if id_column is not None else [None] * len(smiles)
        for smi, ident in zip(smiles, ids, strict=True):
            ident = None if ident is None else str(ident)
            if smi is None or isinstance(smi, str):
                yield RawRecord(row, None, ident, (smi or "").strip())
            else:  # a column of numbers, say: every record says so, and the file goes on
                yield RawRecord(row, None, ident, "", error=f"not a SMILES string: {type(smi).__name__}")
            row += 1


def _is_dataframe(source: Any) -> bool:
    # pandas is not imported to find out: if it was never imported, source is no DataFrame
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(source, pandas.DataFrame)


def _missing(value: Any) -> bool:
    """None, NaN, NA or NaT: an empty cell of a DataFrame."""
    try:
        return bool(sys.modules["pandas"].isna(value))
    except (TypeError, ValueError):  # list-like cells: isna is elementwise
        return False


def _iter_frame(frame: Any, smiles_column: str | None, id_column: str | None) -> Iterator[RawRecord]:
    """Records of a DataFrame's SMILES column, by position (the frame's index plays no part)."""
    names = {str(c): c for c in frame.columns}
    columns = list(names)
    smi_col = _pick_smiles_column(columns, smiles_column, "DataFrame")
    if id_column is not None and id_column not in names:
        raise InputError(f"DataFrame: no id column {id_column!r}; columns are {columns}")
    if id_column is None and "id" in names:
        id_column = "id"  # e.g. the output of ds.standardize, passed on to ds.filter_molecules
    smiles = frame[names[smi_col]].tolist()
    ids = frame[names[id_column]].tolist() if id_column is not None else [None] * len(smiles)
    for row, (smi, ident) in enumerate(zip(smiles, ids, strict=True)):
        ident = None if _missing(ident) else clean_id(str(ident))
        if isinstance(smi, str):
            yield RawRecord(row, None, ident, smi.strip())
        elif _missing(smi):
            yield RawRecord(row, None, ident, "", error="no SMILES (missing value)")
        else:
            yield RawRecord(row, None, ident, str(smi), error=f"not a SMILES string: {type(smi).__name__}")


def iter_records(
    source: str | os.PathLike[str] | Iterable[str],
    *,
    fmt: str | None = None,
    smiles_column: str | None = None,
    id_column: str | None = None,
    id_property: str | None = None,
    max_record_chars: int | None = None,
) -> Iterator[RawRecord]:
    """Stream raw records from a file or an in-memory list of SMILES.

    Parameters
    ----------
    source : path or iterable of str
        A ``.smi``, ``.csv``, ``.tsv``, ``.sdf`` (each optionally ``.gz``) or ``.parquet`` file,
        ``"-"`` for standard input (SMILES lines unless ``fmt`` says otherwise), SMILES
        strings (list, tuple, NumPy array, pandas Series), or a pandas DataFrame with a SMILES
        column.
    fmt : str, optional
        Override the format detected from the file name (``smi``, ``csv``, ``tsv``, ``sdf``,
        ``parquet``).
    smiles_column, id_column : str, optional
        Columns of CSV/TSV/Parquet input or of a DataFrame. The SMILES column defaults to the
        first one named like ``smiles``; without ``id_column`` records have no id, except that
        a DataFrame's column named ``id``, if it has one, is used.
    id_property : str, optional
        SDF property holding the id (default: the record's title line).
    max_record_chars : int, optional
        Longer records are yielded with an ``error`` instead of their text, so that one huge
        record cannot stall a job (default: 20,000 characters for SMILES, 2,000,000 for a mol
        block, or the environment variable ``DRUGSCREEN_MAX_RECORD_CHARS``).

    Yields
    ------
    RawRecord

    Raises
    ------
    InputError
        If the file is missing, of unknown format, lacks the requested columns, or cannot be
        read to its end (a truncated ``.gz``, say); the message names the file.
    """
    record_limit("smiles", max_record_chars)  # a bad limit fails here, before any reading
    return _limited(_iter_source(source, fmt, smiles_column, id_column, id_property), max_record_chars)


def _iter_source(
    source: Any, fmt: str | None, smiles_column: str | None, id_column: str | None, id_property: str | None
) -> Iterator[RawRecord]:
    if source is None:
        raise InputError("no molecules given (source is None): pass a file path, '-' or a list of SMILES")
    if isinstance(source, str | os.PathLike):
        path = Path(source) if str(source) == STDIN else user_path(source)
        if str(source) == STDIN:
            kind = fmt or "smi"
            if kind == "parquet":
                raise InputError("Parquet cannot be read from standard input; give the file's path")
        elif path.is_dir():
            raise InputError(f"input {str(path)!r} is a directory, not a molecule file")
        elif not path.is_file():
            raise InputError(f"input file {str(path)!r} does not exist")
        else:
            kind = fmt or detect_format(path)
        if kind == "smi":
            yield from _iter_smi(path)
        elif kind in ("csv", "tsv"):
            yield from _iter_table(path, "\t" if kind == "tsv" else ",", smiles_column, id_column)
        elif kind == "sdf":
            yield from _iter_sdf(path, id_property)
        elif kind == "parquet":
            yield from _iter_parquet(path, smiles_column, id_column)
        else:
            raise InputError(f"unknown input format {kind!r}; choose one of {', '.join(FORMATS)}")
        return
    if _is_dataframe(source):
        yield from _iter_frame(source, smiles_column, id_column)
        return
    if not isinstance(source, Iterable):
        raise InputError(
            f"molecules must be a file path, '-' or a list of SMILES, got {type(source).__name__}"
        )
    for row, smi in enumerate(source):
        if not isinstance(smi, str):
            raise InputError(f"in-memory input must be SMILES strings; row {row} is {type(smi).__name__}")
        yield RawRecord(row, None, None, smi.strip())
