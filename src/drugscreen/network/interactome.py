"""The interactome: string gene ids, a CSR adjacency and all-pairs hop distances.

An :class:`Interactome` is an undirected, unweighted protein–protein interaction network.
Gene ids are strings (Entrez ids, symbols, anything), sorted, mapped to dense int ids.
All-pairs shortest-path lengths are computed once by a parallel breadth-first search into a
``uint8[n, n]`` matrix (13 k genes: 170 MiB) that every network score reads; with a
``cache_dir`` it is written once and memory-mapped on every later use (the cache file and
its checks: :mod:`drugscreen.network.distance_cache`).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from drugscreen.errors import InputError
from drugscreen.network.distance_cache import read_distance_cache, write_distance_cache
from drugscreen.network.edgelist import as_ids, gene_id, name_pairs, parse_edges
from drugscreen.validate import check_number, user_path

logger = logging.getLogger("drugscreen")

#: Distance stored for pairs of genes in different components.
UNREACHABLE = 255


@dataclass(frozen=True)
class LoadReport:
    """What building an interactome kept and dropped.

    Attributes
    ----------
    n_edges_read : int
        Edge records read (comment and blank lines excluded).
    n_self_loops : int
        Records joining a gene to itself (dropped: they change no distance).
    n_duplicate_edges : int
        Records repeating an edge already read, in either direction.
    n_components : int
        Connected components before any was dropped.
    n_genes_dropped, n_edges_dropped : int
        Genes and edges outside the largest component, when only that one was kept.
    """

    n_edges_read: int
    n_self_loops: int
    n_duplicate_edges: int
    n_components: int
    n_genes_dropped: int
    n_edges_dropped: int


class Interactome:
    """An undirected gene network with its hop-distance matrix.

    Build one with :meth:`from_file` or :meth:`from_edges`; the constructor takes arrays that
    are already clean.

    Parameters
    ----------
    genes : array of str
        Gene ids, one per node, in node order.
    indptr, indices : arrays
        CSR adjacency (symmetric, no self-loops, no repeated edges).
    report : LoadReport, optional
        What loading kept and dropped.
    cache_dir : str or Path, optional
        Where the distance matrix is written once and memory-mapped on reuse (``~`` is the
        home directory). A cache is used only when its checksums match this network.
    self_loops : array of bool, optional
        Genes that had a self-loop in the input (dropped from the adjacency; kept to offer
        networkx's degree, see :meth:`degree_of`).

    Examples
    --------
    >>> import drugscreen as ds
    >>> net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C"), ("C", "D")])
    >>> net.n_genes, net.n_edges
    (4, 3)
    >>> int(net.distances[net.index["A"], net.index["D"]])
    3
    """

    def __init__(
        self,
        genes: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        report: LoadReport | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        self_loops: np.ndarray | None = None,
    ) -> None:
        self.genes = np.asarray(genes, dtype=object)
        self.self_loops = (
            np.zeros(len(self.genes), dtype=bool)
            if self_loops is None
            else np.asarray(self_loops, dtype=bool)
        )
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.report = report
        self.cache_dir = None if cache_dir is None else user_path(cache_dir)
        self.index: dict[str, int] = {g: i for i, g in enumerate(self.genes)}
        self._distances: np.ndarray | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        columns: tuple[str, str] | None = None,
        sep: str | None = None,
        largest_component: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Interactome:
        """Read an edge list: TSV, CSV or SIF, gzipped or not.

        Lines starting with ``#`` are comments. Without ``columns`` the file has no header
        and each line's first two fields are the genes (SIF: ``A rel B [C ...]``, the first
        field joined to every field after the relation). With ``columns`` the first line is a
        header and those two columns are read. Further fields (sources, scores) are ignored.

        Parameters
        ----------
        path : str or Path
            The edge file (``.tsv``, ``.csv``, ``.sif``, ``.txt``, optionally ``.gz``).
        columns : (str, str), optional
            Header names of the two gene columns.
        sep : str, optional
            Field separator; by default ``,`` for ``.csv``, whitespace for ``.sif``, else tab.
        largest_component : bool
            Keep only the largest connected component (Menche 2015, Guney 2016); what was
            dropped is logged and kept in ``report`` (a :class:`LoadReport`).
        cache_dir : str or Path, optional
            See :class:`Interactome`.
        """
        path = user_path(path)
        if not path.is_file():
            raise InputError(f"interactome file {str(path)!r} does not exist or is not a file")
        name = path.name.lower().removesuffix(".gz")
        is_sif = name.endswith(".sif")
        if sep is None:
            sep = "," if name.endswith(".csv") else (None if is_sif else "\t")
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # a BOM is no gene
                text = handle.read()
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            raise InputError(f"cannot read interactome file {str(path)!r}: {exc}") from exc
        pairs = parse_edges(text, sep=sep, is_sif=is_sif, columns=columns, source=str(path))
        return cls._from_pairs(pairs, largest_component=largest_component, cache_dir=cache_dir)

    @classmethod
    def from_edges(
        cls,
        edges: pd.DataFrame | Iterable[tuple[Any, Any]],
        *,
        source: str | None = None,
        target: str | None = None,
        largest_component: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Interactome:
        """Build from a table or an iterable of ``(gene, gene)`` pairs.

        Parameters
        ----------
        edges : DataFrame or iterable of pairs
            A table's ``source`` and ``target`` columns (default: its first two) hold genes;
            ids are used as strings (``7157`` and ``"7157"`` are one gene).
        source, target : str, optional
            Column names, for a table.
        largest_component, cache_dir
            See :meth:`from_file`.
        """
        if isinstance(edges, pd.DataFrame):
            if edges.shape[1] < 2 and (source is None or target is None):
                raise InputError("an edge table needs two gene columns")
            cols = [source or edges.columns[0], target or edges.columns[1]]
            missing = [c for c in cols if c not in edges.columns]
            if missing:
                raise InputError(
                    f"edge table has no column {missing[0]!r}; columns are {list(edges.columns)}"
                )
            pairs = list(zip(as_ids(edges[cols[0]]), as_ids(edges[cols[1]]), strict=True))
        else:
            pairs = name_pairs(edges, "edges", "a (gene, gene) pair")
        return cls._from_pairs(pairs, largest_component=largest_component, cache_dir=cache_dir)

    @classmethod
    def _from_pairs(
        cls,
        pairs: list[tuple[str, str]],
        *,
        largest_component: bool,
        cache_dir: str | os.PathLike[str] | None,
    ) -> Interactome:
        n_read = len(pairs)
        looped = {a for a, b in pairs if a == b}
        pairs = [(a, b) for a, b in pairs if a != b]
        n_self = n_read - len(pairs)
        if not pairs:
            raise InputError("the interactome has no edges between two different genes")
        left = np.array([a for a, _ in pairs], dtype=object)
        right = np.array([b for _, b in pairs], dtype=object)
        genes, inverse = np.unique(np.concatenate([left, right]).astype(str), return_inverse=True)
        a = inverse[: len(pairs)]
        b = inverse[len(pairs) :]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = np.unique(lo.astype(np.int64) * len(genes) + hi)
        n_dup = len(pairs) - len(keys)
        lo, hi = keys // len(genes), keys % len(genes)
        n = len(genes)
        adj = coo_matrix(
            (np.ones(2 * len(lo), dtype=np.int8), (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)
        ).tocsr()
        n_comp, labels = connected_components(adj, directed=False)
        dropped_genes = dropped_edges = 0
        if largest_component and n_comp > 1:
            big = np.argmax(np.bincount(labels))
            keep = labels == big
            dropped_genes = int(n - keep.sum())
            dropped_edges = int(len(lo) - np.count_nonzero(keep[lo]))
            adj = adj[keep][:, keep].tocsr()
            genes = genes[keep]
            logger.info(
                "interactome: kept the largest of %d components (%d genes, %d edges); "
                "dropped %d genes and %d edges outside it",
                n_comp,
                keep.sum(),
                adj.nnz // 2,
                dropped_genes,
                dropped_edges,
            )
        adj.sort_indices()
        report = LoadReport(
            n_edges_read=n_read,
            n_self_loops=n_self,
            n_duplicate_edges=int(n_dup),
            n_components=int(n_comp),
            n_genes_dropped=dropped_genes,
            n_edges_dropped=dropped_edges,
        )
        loops = np.fromiter((g in looped for g in genes), dtype=bool, count=len(genes))
        return cls(
            genes.astype(object),
            adj.indptr,
            adj.indices,
            report=report,
            cache_dir=cache_dir,
            self_loops=loops,
        )

    # ------------------------------------------------------------------ properties
    @property
    def n_genes(self) -> int:
        """Number of genes (nodes)."""
        return len(self.genes)

    @property
    def n_edges(self) -> int:
        """Number of distinct undirected edges."""
        return int(self.indptr[-1] // 2)

    @property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each gene, in node order."""
        return np.diff(self.indptr)

    def degree_of(self, convention: str = "neighbours") -> np.ndarray:
        """Degrees under a convention: ``"neighbours"`` (distinct other genes, :attr:`degree`)
        or ``"networkx"`` (a self-loop adds 2, as ``networkx.Graph.degree`` counts it; the
        degree the code of Guney et al. 2016 binned genes by)."""
        if convention == "neighbours":
            return self.degree
        if convention == "networkx":
            return self.degree + 2 * self.self_loops.astype(np.int64)
        raise InputError(f"degree convention must be 'neighbours' or 'networkx', got {convention!r}")

    def neighbors(self, gene: str) -> list[str]:
        """The genes linked to ``gene``."""
        i = self.index[str(gene)]
        return [self.genes[j] for j in self.indices[self.indptr[i] : self.indptr[i + 1]]]

    def __repr__(self) -> str:
        return f"Interactome({self.n_genes} genes, {self.n_edges} edges)"

    # ------------------------------------------------------------------ gene sets
    def resolve(self, genes: Iterable[Any]) -> tuple[np.ndarray, list[str]]:
        """Node ids of the genes present (sorted, unique) and the genes that are not.

        Ids are compared as strings, so ``7157``, ``7157.0`` and ``"7157"`` match one gene.
        """
        found: set[int] = set()
        missing: list[str] = []
        for g in genes:
            key = gene_id(g)
            i = self.index.get(key)
            if i is None:
                if key not in missing:
                    missing.append(key)
            else:
                found.add(i)
        return np.array(sorted(found), dtype=np.int32), missing

    # ------------------------------------------------------------------ distances
    @property
    def distances(self) -> np.ndarray:
        """All-pairs hop distances, ``uint8[n, n]`` (255 = unreachable); computed on first use."""
        if self._distances is None:
            self._distances = self._load_or_compute_distances()
        return self._distances

    def fingerprint(self) -> str:
        """sha256 of the gene ids and adjacency: the key of the cached distance matrix."""
        h = hashlib.sha256()
        h.update("\n".join(self.genes).encode())
        h.update(self.indptr.tobytes())
        h.update(self.indices.tobytes())
        return h.hexdigest()

    def _load_or_compute_distances(self) -> np.ndarray:
        if self.cache_dir is None:
            return compute_distances(self.indptr, self.indices)
        digest = self.fingerprint()
        path = self.cache_dir / f"distances-{digest[:24]}.npy"
        matrix = read_distance_cache(path, digest, self.n_genes)
        if matrix is not None:
            logger.info("interactome: distances memory-mapped from %s", path)
            return matrix
        matrix = compute_distances(self.indptr, self.indices)
        written = write_distance_cache(path, matrix, digest)
        return matrix if written is None else written


def compute_distances(indptr: np.ndarray, indices: np.ndarray, *, block: int | None = None) -> np.ndarray:
    """All-pairs hop distances of a CSR graph as ``uint8[n, n]`` (255 = unreachable).

    The breadth-first searches run in blocks of ``block`` sources (by default sized to take
    about ``BLOCK_SECONDS`` each), so that Ctrl-C or SIGTERM is honoured between two
    blocks within about a second however large the network; every row is computed on its
    own, so the matrix is the same for any block size.

    Raises :class:`~drugscreen.errors.InputError` when a distance does not fit (255 hops or
    more: not an interaction network).
    """
    from drugscreen.kernels.graph_cpu import bfs_all_pairs

    if block is not None:
        block = check_number("block", block, low=1, integer=True)
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int32)
    n = len(indptr) - 1
    out = np.empty((n, n), dtype=np.uint8)
    sources = np.arange(n, dtype=np.int32)
    # adaptive: start small, then aim each block at BLOCK_SECONDS from the rate seen so far
    width = block or min(n, _FIRST_BLOCK)
    start = 0
    while start < n:
        stop = min(n, start + width)
        began = time.perf_counter()
        longest = bfs_all_pairs(indptr, indices, sources[start:stop], out[start:stop])
        if longest >= UNREACHABLE:
            raise InputError(f"the network has paths of {longest} hops or more; distances stop at 254")
        if block is None:
            seconds = max(time.perf_counter() - began, 1e-6)
            width = int(min(4 * width, max(1, width * BLOCK_SECONDS / seconds)))
        start = stop
    return out


#: Seconds one block of breadth-first searches aims at (the latency of Ctrl-C / SIGTERM).
BLOCK_SECONDS = 0.25
_FIRST_BLOCK = 64
