"""Degree-matched random gene sets: the null model of network proximity and module scores.

Nodes are grouped into bins of similar degree (:func:`degree_bins`, Guney et al. 2016); a
random copy of a gene set replaces each gene by another gene of its bin. Draws are made by
a numba kernel from per-draw seeds derived (``numpy.random.SeedSequence``) from the user's
seed, a side tag and the set itself, so results do not depend on processing order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from drugscreen.errors import InputError
from drugscreen.network.interactome import Interactome

logger = logging.getLogger("drugscreen")

#: Retries to avoid repeating a node within one random set (as the paper's code does).
RETRIES = 20


def degree_bins(degree: np.ndarray, min_bin_size: int = 100) -> np.ndarray:
    """Degree bin of every node (Guney et al. 2016).

    Nodes are sorted by degree; consecutive degrees are pooled until a bin holds at least
    ``min_bin_size`` nodes; a last bin smaller than that joins the one before it.

    Parameters
    ----------
    degree : array of int
        Degree of each node.
    min_bin_size : int
        Smallest number of nodes in a bin.

    Returns
    -------
    ndarray of int64
        Bin index of each node; bins are numbered by increasing degree.

    Examples
    --------
    >>> degree_bins([1, 1, 2, 3, 3, 3, 9], min_bin_size=2).tolist()
    [0, 0, 1, 1, 1, 1, 1]
    """
    degree = np.asarray(degree, dtype=np.int64)
    if isinstance(min_bin_size, bool) or not isinstance(min_bin_size, int) or min_bin_size < 1:
        raise InputError(f"min_bin_size must be a positive whole number, got {min_bin_size!r}")
    values, counts = np.unique(degree, return_counts=True)
    bin_of_value = np.empty(len(values), dtype=np.int64)
    current, filled = 0, 0
    for i, count in enumerate(counts):
        bin_of_value[i] = current
        filled += count
        if filled >= min_bin_size:
            current += 1
            filled = 0
    if filled and current > 0:  # a short last bin joins the previous one
        bin_of_value[bin_of_value == current] = current - 1
    return bin_of_value[np.searchsorted(values, degree)]


@dataclass
class DrawnSets:
    """Named gene sets as node ids, with their degree-matched random draws."""

    names: list[str]
    sets: list[np.ndarray]
    missing: list[list[str]]
    profile: np.ndarray  # per entity: index of its degree profile, -1 for an empty set
    draws: list[np.ndarray]  # per profile: (n_random, k) nodes, -1 padded
    draw_sizes: list[np.ndarray]  # per profile: (n_random,) set sizes

    @property
    def n_profiles(self) -> int:
        return len(self.draws)


def draw_sets(
    net: Interactome,
    named_sets: dict[str, list[str]],
    bins: np.ndarray,
    n_random: int,
    seed: int,
    tag: int,
    what: str,
    exclude_self: bool,
) -> DrawnSets:
    """Resolve each named set on ``net`` and draw ``n_random`` degree-matched copies of it.

    Sets with the same key share one draw (the same nodes with ``exclude_self``, else the
    same sorted bins); ``tag`` separates the streams of two sides with equal sets.
    """
    from drugscreen.kernels.graph_cpu import draw_matched_sets

    order = np.argsort(bins, kind="stable")
    bin_offsets = np.zeros(int(bins.max()) + 2, dtype=np.int64)
    np.cumsum(np.bincount(bins, minlength=len(bin_offsets) - 1), out=bin_offsets[1:])
    bin_members = order.astype(np.int32)
    node_pos = np.empty(len(bins), dtype=np.int64)
    node_pos[order] = np.arange(len(bins))
    names, sets, missing = [], [], []
    profile_index: dict[tuple[int, ...], int] = {}
    representative: dict[tuple[int, ...], np.ndarray] = {}
    profile = []
    for name, genes in named_sets.items():
        nodes, lost = net.resolve(genes)
        names.append(name)
        sets.append(nodes)
        missing.append(lost)
        if lost:
            logger.info(
                "%s %s: %d of %d genes not in the network: %s",
                what,
                name,
                len(lost),
                len(set(genes)),
                ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""),
            )
        if len(nodes) == 0:
            profile.append(-1)
            continue
        # nodes in (bin, node) order: the draws depend on the seed, the side and this key only
        ordered = sorted((int(bins[v]), int(v)) for v in nodes)
        key = tuple(v for _, v in ordered) if exclude_self else tuple(b for b, _ in ordered)
        profile.append(profile_index.setdefault(key, len(profile_index)))
        representative.setdefault(key, np.asarray([v for _, v in ordered], dtype=np.int64))
    draws, sizes = [], []
    for key in profile_index:  # dicts keep insertion order: profile u is the u-th key
        seeds = np.random.SeedSequence([seed, tag, *key]).generate_state(n_random, np.uint64)
        out = np.empty((n_random, len(key)), dtype=np.int32)
        size = np.empty(n_random, dtype=np.int64)
        draw_matched_sets(
            representative[key],
            bins,
            node_pos,
            bin_members,
            bin_offsets,
            exclude_self,
            seeds,
            RETRIES,
            out,
            size,
        )
        draws.append(out)
        sizes.append(size)
    return DrawnSets(names, sets, missing, np.asarray(profile, dtype=np.int64), draws, sizes)
