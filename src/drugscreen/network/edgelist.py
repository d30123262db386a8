"""Reading gene networks and gene sets: edge-list text and tables into string ids."""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")


def gene_id(value: Any) -> str:
    """A gene id as text; whole-number floats lose their ``.0`` (pandas reads an Entrez id
    column with a gap as float, and writes it to CSV so: 7157.0 and "7157.0" are gene
    ``"7157"``)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    text = str(value)
    if text.endswith(".0") and text[:-2].isdigit():  # the same float written to a text file
        return text[:-2]
    return text


def name_pairs(pairs: pd.DataFrame | Iterable[Any], what: str, pair: str) -> list[tuple[str, str]]:
    """``(name, name)`` rows of a table's first two columns or of an iterable of pairs.

    ``what`` names the input in errors ("pairs", "edge") and ``pair`` what one row should be
    ("(drug, disease)").
    """
    if isinstance(pairs, pd.DataFrame):
        if pairs.shape[1] < 2:
            raise InputError(f"{what}: a table needs two columns, {pair}")
        return list(zip(as_ids(pairs.iloc[:, 0]), as_ids(pairs.iloc[:, 1]), strict=True))
    rows = []
    for number, row in enumerate(pairs):
        try:
            a, b = row
        except (TypeError, ValueError) as exc:
            raise InputError(f"{what}, row {number}: expected {pair}, got {row!r}") from exc
        rows.append((gene_id(a), gene_id(b)))
    return rows


def as_ids(column: pd.Series) -> list[str]:
    """A table column of gene ids as strings; empty values are an error."""
    if column.isna().any():
        raise InputError(f"column {column.name!r} has {int(column.isna().sum())} empty values")
    return [gene_id(v) for v in column.tolist()]


def parse_edges(
    text: str, *, sep: str | None, is_sif: bool, columns: tuple[str, str] | None, source: str
) -> list[tuple[str, str]]:
    """``(gene, gene)`` pairs of an edge-list text; comment (``#``) and blank lines skipped."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    pick = (0, 1)
    if columns is not None:
        if not lines:
            raise InputError(f"{source}: no header line")
        header = _split(lines[0][1], sep)
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(f"{source}: no column {missing[0]!r} in the header {header}")
        pick = (header.index(columns[0]), header.index(columns[1]))
        lines = lines[1:]
    pairs: list[tuple[str, str]] = []
    for number, line in lines:
        fields = _split(line, sep)
        if is_sif and columns is None:
            if len(fields) < 3:
                raise InputError(
                    f"{source}, line {number}: a SIF line needs 'gene relation gene', got {line!r}"
                )
            pairs.extend((fields[0], other) for other in fields[2:])
            continue
        if len(fields) <= max(pick):
            raise InputError(f"{source}, line {number}: expected two gene fields, got {line!r}")
        a, b = fields[pick[0]].strip(), fields[pick[1]].strip()
        if not a or not b:
            raise InputError(f"{source}, line {number}: an empty gene id")
        pairs.append((a, b))
    if columns is None and _looks_like_header(pairs):
        logger.warning(
            "%s: the first line (%s, %s) looks like a header among numeric ids; it was read as an "
            "edge (pass columns=(...) / --columns to read a header)",
            source,
            *pairs[0],
        )
    return pairs


def _looks_like_header(pairs: list[tuple[str, str]]) -> bool:
    """A first edge of two non-numeric ids before edges of numeric ids (Entrez ids, say).

    Ids with letters (symbols, STRING's ``9606.ENSP...``) are not checked: a header among
    them cannot be told apart."""
    if len(pairs) < 3 or any(field.isdigit() for field in pairs[0]):
        return False
    sample = pairs[1:101]
    return sum(a.isdigit() and b.isdigit() for a, b in sample) >= 0.9 * len(sample)


def _split(line: str, sep: str | None) -> list[str]:
    if sep == ",":
        return next(csv.reader(io.StringIO(line)))
    return line.split(sep)


def gene_sets(
    data: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    *,
    key: str | None = None,
    gene: str = "gene",
    what: str = "set",
) -> dict[str, list[str]]:
    """Gene sets from a dict of iterables or a long table (``key, gene`` columns).

    Names and genes become strings; order of first appearance is kept.
    """
    if isinstance(data, pd.DataFrame):
        key = key or data.columns[0]
        for col in (key, gene):
            if col not in data.columns:
                raise InputError(f"{what} table has no column {col!r}; columns are {list(data.columns)}")
        table = data[[key, gene]].dropna()
        out: dict[str, list[str]] = {}
        for k, g in zip(table[key].tolist(), table[gene].tolist(), strict=True):
            out.setdefault(gene_id(k), []).append(gene_id(g))
        return out
    if isinstance(data, Mapping):
        result: dict[str, list[str]] = {}
        for k, genes in data.items():
            if isinstance(genes, (str, bytes)) or not isinstance(genes, Iterable):
                raise InputError(f"{what} {k!r}: expected a collection of genes, got {genes!r}")
            result[gene_id(k)] = [gene_id(g) for g in genes]
        return result
    raise InputError(f"{what}s must be a dict of gene collections or a table, got {type(data).__name__}")


def read_table(path: str | os.PathLike[str], what: str, *, text: bool = True) -> pd.DataFrame:
    """A ``.csv``, ``.tsv`` (``.txt``) or ``.parquet`` table, gzip allowed.

    With ``text`` every value is kept as text (ids, SMILES), else pandas' own types (numbers).
    A line of a text table whose *first* character is ``#`` is a comment and skipped; a ``#``
    anywhere else is data (``C#N`` is a SMILES with a triple bond, never ``C`` and a comment).
    A leading ``~`` in ``path`` is the home directory.
    """
    path = user_path(path)
    if not path.is_file():
        raise InputError(f"{what} file {str(path)!r} does not exist or is not a file")
    name = path.name.lower().removesuffix(".gz")
    try:
        if name.endswith(".parquet"):
            if not text:
                return pd.read_parquet(path)
            table = pd.read_parquet(path).astype(object)
            return table.map(lambda v: v if pd.isna(v) else gene_id(v))
        sep = "," if name.endswith(".csv") else "\t"
        source: Any = _without_comment_lines(path)
        if text:
            return pd.read_csv(source, sep=sep, dtype=str, encoding="utf-8-sig")
        return pd.read_csv(source, sep=sep, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"cannot read {what} file {str(path)!r}: {exc}") from exc


def _without_comment_lines(path: Path) -> Path | io.StringIO:
    """``path`` itself when no line starts with ``#``, else its text without those lines.

    pandas' ``comment=`` cuts every field at a ``#``, which turns the SMILES ``C#N`` into ``C``:
    only whole lines are comments here.
    """
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        if not any(line.startswith("#") for line in handle):
            return path
        handle.seek(0)
        return io.StringIO("".join(line for line in handle if not line.startswith("#")))


def read_gene_sets(
    path: str | os.PathLike[str], *, gene_column: str | None = None, what: str = "gene set"
) -> dict[str, list[str]]:
    """Named gene sets from a file: a GMT file (``name, description, gene, gene, ...`` per
    line; gzip allowed) or a long table whose first column names the set and whose ``gene_column`` (by
    default the second column) holds one gene per row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "sets.gmt").write_text("asthma\\tfrom OMIM\\t1234\\t5678\\n")
    >>> read_gene_sets(folder / "sets.gmt")
    {'asthma': ['1234', '5678']}
    """
    path = user_path(path)
    if path.name.lower().removesuffix(".gz").endswith(".gmt"):
        if not path.is_file():
            raise InputError(f"{what} file {str(path)!r} does not exist or is not a file")
        sets: dict[str, list[str]] = {}
        try:
            if path.name.lower().endswith(".gz"):
                with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
                    text = handle.read()
            else:
                text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            raise InputError(f"cannot read {what} file {str(path)!r}: not UTF-8 text ({exc})") from exc
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                raise InputError(f"{path}, line {number}: a GMT line needs a name, a description and genes")
            sets.setdefault(fields[0], []).extend(g for g in fields[2:] if g)
        return sets
    table = read_table(path, what)
    if table.shape[1] < 2:
        raise InputError(f"{what} file {str(path)!r}: needs a name column and a gene column")
    gene = gene_column or table.columns[1]
    return gene_sets(table, key=table.columns[0], gene=gene, what=what)
