"""Seed gene sets in: a GMT file, a table, the Menche 2015 disease-gene file, or a mapping.

Every reader returns one long table with the columns ``set, gene, weight, source``: one row
per (set, gene), genes as text ids (``7157.0`` read from a CSV is gene ``"7157"``), weight 1
unless given, ``source`` the evidence type when the input has one (Menche's ``OMIM`` /
``GWAS``), else empty.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_id, read_gene_sets, read_table
from drugscreen.validate import user_path

COLUMNS = ["set", "gene", "weight", "source"]

#: Evidence columns of Menche et al. 2015 Data S2 and the source name each one gets.
MENCHE_SOURCES = {"OMIM_genes": "OMIM", "GWAS_genes": "GWAS"}


def read_seed_sets(
    seeds: str | os.PathLike[str] | pd.DataFrame | Mapping[str, Any],
    *,
    set_column: str | None = None,
    gene_column: str = "gene",
    weight_column: str | None = None,
) -> pd.DataFrame:
    """Seed sets as one long table ``set, gene, weight, source``.

    Parameters
    ----------
    seeds : path, DataFrame or mapping
        * a ``.gmt`` file: ``name<TAB>description<TAB>gene<TAB>gene...`` per line;
        * the Menche et al. 2015 disease-gene file (``DataS2_disease_genes.tsv``: columns
          ``disease``, ``OMIM_genes``, ``GWAS_genes``, semicolon-separated Entrez ids);
        * a table (CSV/TSV/Parquet, or a DataFrame) with a set column (``set_column``;
          by default the first of ``set``, ``disease``, ``name``), a gene column and an
          optional weight column (also ``source`` when present);
        * a mapping ``{name: genes}`` or ``{name: {gene: weight}}``.
    set_column, gene_column, weight_column : str, optional
        Column names of a table.

    Returns
    -------
    DataFrame
        ``set, gene, weight, source``; a gene repeated within a set keeps its largest weight.

    Raises
    ------
    InputError
        A missing file or column, or a weight that is not a finite number > 0 (naming the set
        and gene).
    """
    if isinstance(seeds, Mapping):
        table = _from_mapping(seeds)
    elif isinstance(seeds, pd.DataFrame):
        table = _from_table(seeds, "seed table", set_column, gene_column, weight_column)
    else:
        path = user_path(seeds)
        if not path.is_file():
            raise InputError(f"seed file {str(path)!r} does not exist or is not a file")
        name = path.name.lower().removesuffix(".gz")
        if name.endswith(".gmt"):
            table = _from_gmt(path)
        elif _is_menche(path):
            table = _from_menche(path)
        else:
            frame = read_table(path, "seed")
            table = _from_table(frame, str(path), set_column, gene_column, weight_column)
    return _finish(table)


def _from_mapping(seeds: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for name, genes in seeds.items():
        if isinstance(genes, Mapping):
            rows += [(str(name), gene_id(g), w, "") for g, w in genes.items()]
        elif isinstance(genes, (str, bytes)) or not isinstance(genes, Iterable):
            raise InputError(f"seed set {name!r}: genes must be a list or a {{gene: weight}} mapping")
        else:
            rows += [(str(name), gene_id(g), 1.0, "") for g in genes]
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_gmt(path: Path) -> pd.DataFrame:
    sets = read_gene_sets(path, what="seed")
    rows = [(name, gene_id(g.strip()), 1.0, "") for name, genes in sets.items() for g in genes if g.strip()]
    return pd.DataFrame(rows, columns=COLUMNS)


def _is_menche(path: Path) -> bool:
    """A file of Menche et al.'s layout: ``#`` comment lines, then ``disease`` rows of 6 fields."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
        for line in handle:
            if line.startswith("#"):
                if "OMIM_genes" in line and "GWAS_genes" in line:
                    return True
                continue
            return False
    return False


def _from_menche(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", comment="#", header=None, names=range(6), dtype=str)
    if frame.shape[1] != 6:
        raise InputError(f"{path}: a Menche 2015 disease-gene file has 6 columns, not {frame.shape[1]}")
    rows = []
    for disease, omim, gwas in zip(frame[0], frame[4], frame[5], strict=True):
        for source, genes in (("OMIM", omim), ("GWAS", gwas)):
            if isinstance(genes, str):
                rows += [(disease, gene_id(g), 1.0, source) for g in genes.split(";") if g.strip()]
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_table(
    frame: pd.DataFrame, where: str, set_column: str | None, gene_column: str, weight_column: str | None
) -> pd.DataFrame:
    if set_column is None:
        set_column = next((c for c in ("set", "disease", "name") if c in frame.columns), "set")
    for column in (set_column, gene_column, weight_column):
        if column is not None and column not in frame.columns:
            raise InputError(f"{where}: no column {column!r}; columns are {list(frame.columns)}")
    weights: Any = 1.0
    if weight_column is not None:
        weights = pd.to_numeric(frame[weight_column], errors="coerce")
    source = frame["source"].astype(str) if "source" in frame.columns else ""
    return pd.DataFrame(
        {
            "set": frame[set_column].astype(str).to_numpy(),
            "gene": [gene_id(g) for g in frame[gene_column]],
            "weight": weights,
            "source": source,
        }
    )


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype({"set": str, "gene": str, "source": str})
    table["weight"] = pd.to_numeric(table["weight"], errors="coerce").astype(float)
    bad = ~table["weight"].map(lambda w: math.isfinite(w) and w > 0)
    if bad.any():
        row = table[bad].iloc[0]
        raise InputError(
            f"seed set {row['set']!r}, gene {row['gene']!r}: weight must be a finite number > 0, "
            f"got {row['weight']!r}"
        )
    blank = table["gene"].str.strip().isin(["", "nan", "None"])
    table = table[~blank]
    table = table.sort_values("weight", ascending=False, kind="stable")
    table = table.drop_duplicates(["set", "gene", "source"]).drop_duplicates(["set", "gene"])
    return table.sort_values(["set", "gene"], kind="stable").reset_index(drop=True)[COLUMNS]
