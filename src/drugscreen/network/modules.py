"""Disease modules on the interactome, for target discovery.

* :func:`module_significance`: the size of the largest connected component (LCC) a gene set
  forms on the network, against degree-matched random sets (Menche et al. 2015: disease
  genes agglomerate in one neighbourhood when the LCC is larger than chance).
* :func:`diamond`: DIAMOnD module expansion (Ghiassian, Menche & Barabási 2015): add, one at
  a time, the gene whose links into the module are the least likely by chance
  (hypergeometric p-value), and repeat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import gammaln
from scipy.stats import norm

from drugscreen.errors import InputError
from drugscreen.network.interactome import Interactome
from drugscreen.network.randomize import MAX_RANDOM_DRAWS, degree_bins, draw_sets
from drugscreen.validate import check_number


def largest_component(net: Interactome, nodes: np.ndarray, adjacency: csr_matrix | None = None) -> np.ndarray:
    """Nodes of the largest connected component of the subgraph ``nodes`` induce (sorted).

    Ties between components of equal size go to the one holding the smallest node id.
    ``adjacency`` (:func:`~drugscreen.network.adjacency_matrix`) saves rebuilding it over
    many calls.
    """
    nodes = np.unique(np.asarray(nodes, dtype=np.int64))
    if len(nodes) == 0:
        return nodes
    sub = (adjacency_matrix(net) if adjacency is None else adjacency)[nodes][:, nodes]
    _, labels = connected_components(sub, directed=False)
    sizes = np.bincount(labels)
    return nodes[labels == np.argmax(sizes)]


def adjacency_matrix(net: Interactome) -> csr_matrix:
    """The network as a scipy CSR matrix of ones."""
    ones = np.ones(len(net.indices), dtype=np.int8)
    return csr_matrix((ones, net.indices, net.indptr), shape=(net.n_genes, net.n_genes))


@dataclass(frozen=True)
class ModuleSignificance:
    """Largest-component size of a gene set against degree-matched random sets.

    Attributes
    ----------
    lcc_size : int
        Genes in the set's largest connected component.
    lcc_genes : list of str
        Those genes.
    n_genes : int
        Genes of the set found in the network.
    missing : list of str
        Genes of the set not in the network.
    mean_random, sd_random : float
        LCC size over the random sets.
    z, p : float
        ``(lcc_size - mean) / sd`` and the one-sided ``1 - Phi(z)`` (large is significant).
    """

    lcc_size: int
    lcc_genes: list[str]
    n_genes: int
    missing: list[str]
    mean_random: float
    sd_random: float
    z: float
    p: float


def module_significance(
    net: Interactome,
    genes: Iterable[Any],
    *,
    n_random: int = 1000,
    min_bin_size: int = 100,
    seed: int = 0,
    degree: str = "neighbours",
) -> ModuleSignificance:
    """Is a gene set's largest connected component bigger than chance (Menche et al. 2015)?

    Parameters
    ----------
    net : Interactome
        The network.
    genes : iterable
        The gene set (ids as strings or numbers).
    n_random : int
        Degree-matched random sets (genes replaced within their degree bin).
    min_bin_size : int
        Smallest degree bin, as for proximity.
    seed : int
        Seed of the random sets.
    degree : str
        Degree convention of the bins (see :meth:`~drugscreen.network.Interactome.degree_of`).

    Examples
    --------
    >>> import drugscreen as ds
    >>> net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C"), ("C", "D"), ("D", "E")])
    >>> ds.network.module_significance(net, ["A", "B", "E"], n_random=50, min_bin_size=1).lcc_size
    2
    """
    n_random = check_number("n_random", n_random, low=1, high=MAX_RANDOM_DRAWS, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    drawn = draw_sets(
        net, {"module": list(genes)}, degree_bins(net.degree, min_bin_size), n_random, seed, 3, "module", True
    )
    nodes = drawn.sets[0]
    if len(nodes) == 0:
        raise InputError("module_significance: no gene of the set is in the network")
    adjacency = adjacency_matrix(net)
    lcc = largest_component(net, nodes, adjacency)
    draws, sizes = drawn.block(0, n_random)[0]
    random = np.array([len(largest_component(net, draws[i, : sizes[i]], adjacency)) for i in range(n_random)])
    mean, sd = float(random.mean()), float(random.std())
    z = (len(lcc) - mean) / sd if sd > 0 else 0.0
    return ModuleSignificance(
        lcc_size=len(lcc),
        lcc_genes=[net.genes[i] for i in lcc],
        n_genes=len(nodes),
        missing=drawn.missing[0],
        mean_random=mean,
        sd_random=sd,
        z=float(z),
        p=float(norm.sf(z)),
    )


def hypergeom_log_tail(
    x: np.ndarray, total: int, marked: int, drawn: np.ndarray, log_factorial: np.ndarray | None = None
) -> np.ndarray:
    """``log P(X >= x)`` for ``X ~ Hypergeom(total, marked, drawn)``, vectorised over ``x`` and
    ``drawn`` (scipy's ``hypergeom.logsf`` sums each tail in a Python-level loop: 90 % of
    DIAMOnD's time). The tail's terms ``j = x .. min(drawn, marked)`` are summed as one
    log-sum-exp per row; rows with ``x > min(drawn, marked)`` get ``-inf``. ``log_factorial``
    (``gammaln(arange(total + 1) + 1)``) saves recomputing it over many calls.
    """
    if log_factorial is None:
        log_factorial = gammaln(np.arange(total + 1, dtype=np.float64) + 1)
    x = np.asarray(x, dtype=np.int64)
    drawn = np.asarray(drawn, dtype=np.int64)
    top = np.minimum(drawn, marked)
    width = int(max((top - x).max(initial=-1) + 1, 1))
    j = x[:, None] + np.arange(width)[None, :]
    d = drawn[:, None]
    valid = (j <= top[:, None]) & (d - j <= total - marked)
    jj = np.where(valid, j, 0)
    dj = np.where(valid, d - jj, 0)
    lf = log_factorial
    log_pmf = (lf[marked] - lf[jj] - lf[marked - jj] + lf[total - marked] - lf[dj] - lf[total - marked - dj]
               - lf[total] + lf[d] + lf[total - d])  # fmt: skip
    log_pmf = np.where(valid, log_pmf, -np.inf)
    peak = log_pmf.max(axis=1)
    finite = np.isfinite(peak)
    safe = np.where(finite, peak, 0.0)
    with np.errstate(divide="ignore"):
        tail = safe + np.log(np.exp(log_pmf - safe[:, None]).sum(axis=1))
    return np.where(finite, tail, -np.inf)


def diamond(net: Interactome, seeds: Iterable[Any], n_genes: int = 200) -> pd.DataFrame:
    """DIAMOnD disease-module expansion (Ghiassian et al. 2015, PLoS Comput Biol 11:e1004120).

    At each step every gene outside the module with ``ks`` of its ``k`` links into the
    module (of ``s`` genes, in a network of ``N``) gets the hypergeometric p-value
    ``P(X >= ks)``, ``X ~ Hypergeom(N, s, k)``; the gene with the smallest p-value joins.
    Ties go to the gene with more links into the module, then to the smaller degree, then to
    the first gene id. (The paper's seed weight ``alpha`` is not offered: this is
    ``alpha = 1``.)

    Parameters
    ----------
    net : Interactome
        The network.
    seeds : iterable
        Known disease genes; those not in the network are left out.
    n_genes : int
        How many genes to add.

    Returns
    -------
    DataFrame
        ``rank, gene, p_value, links_to_module, degree`` for the added genes, in order.
    """
    n_genes = check_number("n_genes", n_genes, low=0, integer=True)
    seed_nodes, _ = net.resolve(seeds)
    if len(seed_nodes) == 0:
        raise InputError("diamond: no seed gene is in the network")
    n = net.n_genes
    degree = net.degree.astype(np.int64)
    in_module = np.zeros(n, dtype=bool)
    in_module[seed_nodes] = True
    links = np.zeros(n, dtype=np.int64)  # links into the module
    for v in seed_nodes:
        links[net.indices[net.indptr[v] : net.indptr[v + 1]]] += 1
    size = len(seed_nodes)
    log_factorial = gammaln(np.arange(n + 1, dtype=np.float64) + 1)
    rows = []
    for rank in range(1, n_genes + 1):
        candidates = np.flatnonzero(~in_module & (links > 0))
        if len(candidates) == 0:
            break
        ks, k = links[candidates], degree[candidates]
        # one p-value per distinct (links, degree) pair: thousands of candidates share a few
        # hundred pairs, and the hypergeometric tail is the loop's cost
        pairs, where = np.unique(ks * (int(degree.max()) + 1) + k, return_inverse=True)
        ks_u, k_u = np.divmod(pairs, int(degree.max()) + 1)
        log_p = hypergeom_log_tail(ks_u, n, size, k_u, log_factorial)[
            where
        ]  # log: p-values reach 1e-300 and below
        order = np.lexsort((candidates, k, -ks, log_p))
        best = candidates[order[0]]
        rows.append(
            (rank, net.genes[best], float(np.exp(log_p[order[0]])), int(links[best]), int(degree[best]))
        )
        in_module[best] = True
        size += 1
        links[net.indices[net.indptr[best] : net.indptr[best + 1]]] += 1
    return pd.DataFrame(rows, columns=["rank", "gene", "p_value", "links_to_module", "degree"])
