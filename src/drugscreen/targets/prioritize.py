"""Rank a disease's candidate genes from its seed genes: :func:`prioritize`."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.network.interactome import Interactome
from drugscreen.network.modules import diamond
from drugscreen.network.randomize import degree_bins
from drugscreen.targets.propagation import MATRIX_METHODS, Operators, propagate, seed_matrix
from drugscreen.targets.seeds import read_seed_sets
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

METHODS = (*MATRIX_METHODS, "diamond")

#: Seed sets propagated together: the score matrix of one block is genes × BLOCK floats.
BLOCK = 256


def resolve_sets(net: Interactome, table: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, nodes, weights)`` of each seed set with a gene in the network, in set order.

    Genes not in the network are logged per set; a set with none is skipped with a warning.
    """
    out = []
    for name, rows in table.groupby("set", sort=False):
        index = [net.index.get(g, -1) for g in rows["gene"]]
        keep = np.array([i >= 0 for i in index], dtype=bool)
        lost = int((~keep).sum())
        if lost:
            logger.info("seed set %s: %d of %d genes not in the network", name, lost, len(keep))
        if not keep.any():
            logger.warning("seed set %s: no gene in the network; left out", name)
            continue
        nodes = np.asarray(index, dtype=np.int64)[keep]
        out.append((str(name), nodes, rows["weight"].to_numpy(dtype=np.float64)[keep]))
    return out


def score_columns(
    ops: Operators,
    columns: list[tuple[np.ndarray, np.ndarray]],
    method: str,
    settings: Mapping[str, Any] | None = None,
    *,
    diamond_genes: int = 200,
) -> Iterator[tuple[int, np.ndarray]]:
    """``(first column, genes × block scores)`` for the seed sets ``columns``, block by block."""
    for start in range(0, len(columns), BLOCK):
        part = columns[start : start + BLOCK]
        if method == "diamond":
            yield start, _diamond_scores(ops.net, part, diamond_genes)
        else:
            yield start, propagate(ops, seed_matrix(ops.net.n_genes, part), method, settings)


def _diamond_scores(net: Interactome, part: list[tuple[np.ndarray, np.ndarray]], n_genes: int) -> np.ndarray:
    """DIAMOnD as scores: the i-th added gene scores ``n_genes + 1 - i``, seeds ``n_genes + 1``,
    the rest 0 (DIAMOnD ranks only the genes it adds)."""
    scores = np.zeros((net.n_genes, len(part)))
    for j, (nodes, _) in enumerate(part):
        added = diamond(net, net.genes[nodes], n_genes=n_genes)
        scores[[net.index[g] for g in added["gene"]], j] = n_genes + 1 - added["rank"].to_numpy()
        scores[nodes, j] = n_genes + 1
    return scores


def random_columns(
    columns: list[tuple[np.ndarray, np.ndarray]], bins: np.ndarray, n_random: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_random`` degree-matched copies of each seed set: every seed is replaced by a
    different gene of its degree bin (the same weight), without repeats within a copy."""
    members = {int(b): np.flatnonzero(bins == b) for b in np.unique(bins)}
    out = []
    for nodes, weights in columns:
        for _ in range(n_random):
            picked = np.empty(len(nodes), dtype=np.int64)
            for b in np.unique(bins[nodes]):
                where = np.flatnonzero(bins[nodes] == b)
                picked[where] = rng.choice(members[int(b)], size=len(where), replace=False)
            out.append((picked, weights))
    return out


def prioritize(
    net: Interactome,
    seeds: Any,
    method: str = "rwr",
    *,
    settings: Mapping[str, Any] | None = None,
    n_permutations: int = 0,
    min_bin_size: int = 100,
    random_state: int = 0,
    top: int | None = None,
    diamond_genes: int = 200,
) -> pd.DataFrame:
    """Rank every gene for each seed set by network propagation from the seeds.

    Parameters
    ----------
    net : Interactome
        The gene network (:meth:`~drugscreen.network.Interactome.from_file`).
    seeds : list of genes, mapping, DataFrame, or path
        One seed set (a list of gene ids), or many: ``{name: genes}``,
        ``{name: {gene: weight}}``, a table ``set, gene[, weight]`` or a GMT / Menche 2015
        file (see :func:`~drugscreen.targets.read_seed_sets`).
    method : {"rwr", "heat", "neighbours", "degree", "diamond"}
        Random walk with restart (personalised PageRank), heat diffusion, direct-neighbour
        count, degree only, or DIAMOnD (:func:`drugscreen.network.diamond`; seed weights and
        permutations do not apply to it). See ``drugscreen.targets.propagation``.
    settings : mapping, optional
        The method's settings: ``rwr`` ``restart`` (0.3), ``tol`` (1e-10), ``max_iter``;
        ``heat`` ``time`` (3.0).
    n_permutations : int
        Degree-matched random seed sets per set (every seed replaced by a gene of its degree
        bin, bins of at least ``min_bin_size`` genes): each gene's score is also given as
        ``z`` (against the random sets' mean and sd) and an empirical ``p``
        ``(1 + #random >= observed) / (1 + n)``. 0 (the default) skips them.
    min_bin_size : int
        Smallest degree bin of the permutations.
    random_state : int
        Seed of the permutations.
    top : int, optional
        Keep only each set's ``top`` best-ranked non-seed genes (seeds are always kept).
    diamond_genes : int
        Genes DIAMOnD adds (the rest score 0).

    Returns
    -------
    DataFrame
        One row per set and gene: ``set, gene, is_seed, rank`` (1 = best non-seed gene; seeds
        have no rank), ``score``, ``z`` and ``p`` (NaN without permutations), ``degree`` and
        ``degree_rank`` (the degree-only baseline's rank), sorted by set then rank.

    Examples
    --------
    >>> import drugscreen as ds
    >>> net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C"), ("C", "D"), ("B", "E")])
    >>> ds.targets.prioritize(net, ["A"], method="rwr").head(2)[["gene", "rank"]].to_numpy().tolist()
    [['B', 1], ['C', 2]]
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    n_permutations = check_number("n_permutations", n_permutations, low=0, high=100_000, integer=True)
    random_state = check_number("random_state", random_state, low=0, integer=True)
    diamond_genes = check_number("diamond_genes", diamond_genes, low=1, integer=True)
    if top is not None:
        top = check_number("top", top, low=1, integer=True)
    if method == "diamond" and n_permutations:
        raise InputError("n_permutations: DIAMOnD has no permutation score; use 0")
    table = read_seed_sets(_as_sets(seeds))
    sets = resolve_sets(net, table)
    if not sets:
        raise InputError("prioritize: no seed set has a gene in the network")
    ops = Operators(net)
    columns = [(nodes, weights) for _, nodes, weights in sets]
    rng = np.random.default_rng(random_state)
    bins = degree_bins(net.degree, min_bin_size) if n_permutations else None
    frames = []
    for start, scores in score_columns(ops, columns, method, settings, diamond_genes=diamond_genes):
        for j in range(scores.shape[1]):
            name, nodes, weights = sets[start + j]
            z = p = None
            if bins is not None:
                z, p = _permutation_scores(
                    ops, (nodes, weights), scores[:, j], method, settings, bins, n_permutations, rng
                )
            frames.append(_ranked(net, name, nodes, scores[:, j], z, p, top))
    return pd.concat(frames, ignore_index=True)


def _as_sets(seeds: Any) -> Any:
    """A bare list of genes is one set named ``seeds``."""
    if isinstance(seeds, (str, os.PathLike, pd.DataFrame, Mapping)):
        return seeds
    return {"seeds": list(seeds)}


def _permutation_scores(
    ops: Operators,
    column: tuple[np.ndarray, np.ndarray],
    observed: np.ndarray,
    method: str,
    settings: Mapping[str, Any] | None,
    bins: np.ndarray,
    n_random: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    randoms = random_columns([column], bins, n_random, rng)
    # sums of (random - observed): shifted so the variance does not cancel catastrophically
    shift = np.zeros(len(observed))
    shift_sq = np.zeros(len(observed))
    at_least = np.zeros(len(observed))
    for _, block in score_columns(ops, randoms, method, settings):
        diff = block - observed[:, None]
        shift += diff.sum(axis=1)
        shift_sq += (diff**2).sum(axis=1)
        at_least += (diff >= -1e-12 * np.abs(observed[:, None])).sum(axis=1)
    mean_diff = shift / n_random
    sd = np.sqrt(np.maximum(shift_sq / n_random - mean_diff**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, -mean_diff / sd, np.nan)
    return z, (1.0 + at_least) / (1.0 + n_random)


def _ranked(
    net: Interactome,
    name: str,
    nodes: np.ndarray,
    score: np.ndarray,
    z: np.ndarray | None,
    p: np.ndarray | None,
    top: int | None,
) -> pd.DataFrame:
    n = net.n_genes
    is_seed = np.zeros(n, dtype=bool)
    is_seed[nodes] = True
    degree = net.degree
    rank = np.full(n, -1, dtype=np.int64)
    degree_rank = np.full(n, -1, dtype=np.int64)
    others = np.flatnonzero(~is_seed)
    # ties: the higher score first, then the lower degree (a hub is the usual false positive),
    # then the gene id, so the order never depends on the input order
    order = others[np.lexsort((net.genes[others], degree[others], -score[others]))]
    rank[order] = np.arange(1, len(order) + 1)
    by_degree = others[np.lexsort((net.genes[others], -degree[others]))]
    degree_rank[by_degree] = np.arange(1, len(by_degree) + 1)
    keep = np.r_[nodes, order if top is None else order[:top]]
    frame = pd.DataFrame(
        {
            "set": name,
            "gene": net.genes[keep],
            "is_seed": is_seed[keep],
            "rank": pd.array(np.where(rank[keep] > 0, rank[keep], 0), dtype="Int64"),
            "score": score[keep],
            "z": np.nan if z is None else z[keep],
            "p": np.nan if p is None else p[keep],
            "degree": degree[keep],
            "degree_rank": pd.array(degree_rank[keep], dtype="Int64"),
        }
    )
    frame.loc[frame["is_seed"], ["rank", "degree_rank"]] = pd.NA
    return frame.sort_values(["is_seed", "rank"], kind="stable").reset_index(drop=True)
