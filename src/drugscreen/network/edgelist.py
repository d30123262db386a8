"""Reading gene networks and gene sets: edge-list text and tables into string ids."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from drugscreen.errors import InputError


def as_ids(column: pd.Series) -> list[str]:
    """A table column of gene ids as strings; empty values are an error."""
    if column.isna().any():
        raise InputError(f"edge column {column.name!r} has {int(column.isna().sum())} empty values")
    return [str(v) for v in column.tolist()]


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
    return pairs


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
            out.setdefault(str(k), []).append(str(g))
        return out
    if isinstance(data, Mapping):
        result: dict[str, list[str]] = {}
        for k, genes in data.items():
            if isinstance(genes, (str, bytes)) or not isinstance(genes, Iterable):
                raise InputError(f"{what} {k!r}: expected a collection of genes, got {genes!r}")
            result[str(k)] = [str(g) for g in genes]
        return result
    raise InputError(f"{what}s must be a dict of gene collections or a table, got {type(data).__name__}")
