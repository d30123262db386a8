"""Degree-matched random gene sets: the null model of network proximity and module scores.

Nodes are grouped into bins of similar degree (:func:`degree_bins`, Guney et al. 2016); a
random copy of a gene set replaces each gene by another gene of its bin. Draws are made by
a numba kernel from per-draw seeds derived (``numpy.random.SeedSequence``) from the user's
seed, a side tag and the set itself, so results do not depend on processing order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from drugscreen.network.interactome import Interactome
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

#: Retries to avoid repeating a node within one random set (as the paper's code does).
RETRIES = 20


#: Most random draws of a z-score: 100,000 pin it to about three decimals; far more is a typo
#: that would try to allocate tens of GB.
MAX_RANDOM_DRAWS = 1_000_000


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
    min_bin_size = check_number("min_bin_size", min_bin_size, low=1, integer=True)
    degree = np.asarray(degree, dtype=np.int64)
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
    """Named gene sets as node ids, and how to draw their degree-matched random copies.

    Draws are made on demand, a block of draw indices at a time (:meth:`block`), from
    per-draw seeds: memory holds one block, and any block is the same whenever it is drawn.
    """

    names: list[str]
    sets: list[np.ndarray]
    missing: list[list[str]]
    profile: np.ndarray  # per entity: index of its profile (the draws it uses), -1 for an empty set
    nodes: list[np.ndarray]  # per profile: the set's nodes in (bin, node) order
    seeds: list[np.ndarray]  # per profile: one uint64 seed per draw
    bins: np.ndarray
    exclude_self: bool

    @property
    def n_profiles(self) -> int:
        return len(self.nodes)

    @cached_property
    def _bin_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nodes sorted by bin, each bin's offsets into them, each node's position: made once."""
        order = np.argsort(self.bins, kind="stable")
        bin_offsets = np.zeros(int(self.bins.max()) + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.bins, minlength=len(bin_offsets) - 1), out=bin_offsets[1:])
        node_pos = np.empty(len(self.bins), dtype=np.int64)
        node_pos[order] = np.arange(len(self.bins))
        return order.astype(np.int32), bin_offsets, node_pos

    def block(self, start: int, stop: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Draws ``start..stop-1`` of every profile: ``(nodes[stop-start, k], sizes)`` each,
        nodes padded with -1 past each draw's size."""
        from drugscreen.kernels.graph_cpu import draw_matched_sets

        members, bin_offsets, node_pos = self._bin_layout
        out = []
        for nodes, seeds in zip(self.nodes, self.seeds, strict=True):
            picked = np.empty((stop - start, len(nodes)), dtype=np.int32)
            sizes = np.empty(stop - start, dtype=np.int64)
            draw_matched_sets(
                nodes,
                self.bins,
                node_pos,
                members,
                bin_offsets,
                self.exclude_self,
                seeds[start:stop],
                RETRIES,
                picked,
                sizes,
            )
            out.append((picked, sizes))
        return out


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
    """Resolve each named set on ``net`` and prepare ``n_random`` degree-matched copies of it.

    Sets with the same key share their draws (the same nodes with ``exclude_self``, else the
    same sorted bins); ``tag`` separates the streams of two sides with equal sets. Genes
    not in the network are logged, as a warning when they are most of a set.
    """
    n_random = check_number("n_random", n_random, low=0, high=MAX_RANDOM_DRAWS, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    names, sets, missing = [], [], []
    profile_index: dict[tuple[int, ...], int] = {}
    nodes_of: list[np.ndarray] = []
    profile = []
    for name, genes in named_sets.items():
        nodes, lost = net.resolve(genes)
        names.append(name)
        sets.append(nodes)
        missing.append(lost)
        if lost:
            level = logging.WARNING if len(lost) > len(nodes) else logging.INFO
            logger.log(
                level,
                "%s %s: %d of %d genes not in the network: %s",
                what,
                name,
                len(lost),
                len(lost) + len(nodes),
                ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""),
            )
        if len(nodes) == 0:
            profile.append(-1)
            continue
        # nodes in (bin, node) order: the draws depend on the seed, the side and this key only
        ordered = sorted((int(bins[v]), int(v)) for v in nodes)
        key = tuple(v for _, v in ordered) if exclude_self else tuple(b for b, _ in ordered)
        if key not in profile_index:
            profile_index[key] = len(profile_index)
            nodes_of.append(np.asarray([v for _, v in ordered], dtype=np.int64))
        profile.append(profile_index[key])
    seeds = [
        np.random.SeedSequence([seed, tag, *key]).generate_state(n_random, np.uint64) for key in profile_index
    ]
    return DrawnSets(
        names,
        sets,
        missing,
        np.asarray(profile, dtype=np.int64),
        nodes_of,
        seeds,
        np.asarray(bins, dtype=np.int64),
        exclude_self,
    )
