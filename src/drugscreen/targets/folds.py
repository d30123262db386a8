"""Cross-validation folds of a disease's genes that keep protein complexes together.

Genes of one protein complex are linked to each other and usually share a disease: with plain
k-fold, a held-out gene's complex partners are seeds, and any method that looks one step away
finds it — an optimistic figure (Picart-Armada et al. 2019). Complex-aware folds first join a
disease's genes into blocks (connected components of "same complex" links among them) and
deal whole blocks to folds, largest first, each to the fold with the fewest genes.

References
----------
Picart-Armada S, Barrett SJ, Willé DR, Perera-Lluna A, Gutteridge A, Dessailly BH.
Benchmarking network propagation methods for disease gene identification.
PLoS Comput Biol 2019;15:e1007276.
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_id
from drugscreen.network.interactome import Interactome
from drugscreen.validate import check_number, user_path


def complex_links_from_file(
    net: Interactome, path: str | os.PathLike[str], *, keyword: str = "complexes"
) -> sparse.csr_matrix:
    """ "Same complex" links from an edge file whose third column names each edge's sources.

    Menche et al. 2015 Data S1 lists ``gene, gene, sources`` with sources such as
    ``complexes;literature``: the edges with ``keyword`` among them are the complex links.
    """
    path = user_path(path)
    if not path.is_file():
        raise InputError(f"complex file {str(path)!r} does not exist or is not a file")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    pairs = []
    with opener(path, "rt", encoding="utf-8-sig") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and keyword in fields[2].split(";"):
                pairs.append((fields[0], fields[1]))
    if not pairs:
        raise InputError(f"{path}: no edge has the source {keyword!r} in its third column")
    return _links(net, pairs)


def complex_links_from_table(net: Interactome, complexes: pd.DataFrame) -> sparse.csr_matrix:
    """ "Same complex" links from a membership table ``complex, gene`` (e.g. CORUM): every
    two members of one complex are linked."""
    for column in ("complex", "gene"):
        if column not in complexes.columns:
            raise InputError(f"complex table: no column {column!r}; columns are {list(complexes.columns)}")
    pairs = []
    for _, genes in complexes.groupby("complex")["gene"]:
        members = sorted({gene_id(g) for g in genes})
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return _links(net, pairs)


def clique_links(net: Interactome, *, min_overlap: float = 0.5) -> sparse.csr_matrix:
    """Links between adjacent genes whose closed neighbourhoods overlap by at least
    ``min_overlap`` (Jaccard): tight cliques, for a network without complex annotations."""
    min_overlap = check_number("min_overlap", min_overlap, low=0, high=1, low_open=True)
    from drugscreen.network.modules import adjacency_matrix

    adj = adjacency_matrix(net).astype(np.int32).tocsr()
    closed = (adj + sparse.identity(net.n_genes, dtype=np.int32, format="csr")).tocsr()
    upper = sparse.triu(adj, k=1).tocoo()
    shared = np.asarray(closed[upper.row].multiply(closed[upper.col]).sum(axis=1)).ravel()
    size = np.diff(closed.indptr)
    jaccard = shared / (size[upper.row] + size[upper.col] - shared)
    keep = jaccard >= min_overlap
    return _symmetric(upper.row[keep], upper.col[keep], net.n_genes)


def _links(net: Interactome, pairs: list[tuple[str, str]]) -> sparse.csr_matrix:
    a = np.array([net.index.get(gene_id(x), -1) for x, _ in pairs], dtype=np.int64)
    b = np.array([net.index.get(gene_id(y), -1) for _, y in pairs], dtype=np.int64)
    keep = (a >= 0) & (b >= 0) & (a != b)
    return _symmetric(a[keep], b[keep], net.n_genes)


def _symmetric(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_matrix:
    ones = np.ones(2 * len(rows), dtype=np.int8)
    matrix = sparse.coo_matrix((ones, (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n)).tocsr()
    matrix.data[:] = 1
    return matrix


def make_folds(
    nodes: np.ndarray, k: int, rng: np.random.Generator, links: sparse.csr_matrix | None = None
) -> list[np.ndarray]:
    """``k`` folds (sorted node arrays) of ``nodes``; with ``links``, linked nodes share a fold.

    Without ``links`` this is plain shuffled k-fold (fold sizes differ by at most one).
    Blocks are dealt largest first to the fold with the fewest nodes (ties: the lower fold),
    blocks of one size in a random order, so folds stay as even as the blocks allow.
    """
    nodes = np.unique(np.asarray(nodes, dtype=np.int64))
    if len(nodes) < k:
        raise InputError(f"{len(nodes)} genes cannot make {k} folds")
    if links is None:
        return [np.sort(f) for f in np.array_split(rng.permutation(nodes), k)]
    _, label = connected_components(links[nodes][:, nodes], directed=False)
    blocks = [nodes[label == b] for b in rng.permutation(np.unique(label))]
    blocks.sort(key=len, reverse=True)  # stable: equal sizes keep the shuffled order
    folds: list[list[int]] = [[] for _ in range(k)]
    for block in blocks:
        emptiest = min(range(k), key=lambda i: (len(folds[i]), i))
        folds[emptiest].extend(block.tolist())
    return [np.array(sorted(f), dtype=np.int64) for f in folds]
