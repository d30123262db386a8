"""The five distances of Guney et al. 2016 between many pairs of node sets at once.

Sets are laid out flat (:class:`FlatSets`) for the kernels of ``kernels/graph_cpu.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drugscreen.network.interactome import UNREACHABLE
from drugscreen.network.randomize import DrawnSets

#: The distances of Guney et al. 2016, in the paper's order.
DISTANCES = ("closest", "shortest", "kernel", "centre", "separation")


_IDENTITY = np.arange(256, dtype=np.float64)
_KERNEL = np.exp(-(np.arange(256, dtype=np.float64) + 1.0))
_KERNEL[UNREACHABLE] = 0.0


@dataclass
class FlatSets:
    """Node sets laid out flat for the kernels: set ``q`` is ``members[offsets[q]:offsets[q+1]]``."""

    members: np.ndarray
    offsets: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def of(cls, sets: Sequence[np.ndarray]) -> FlatSets:
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        members = np.concatenate(list(sets)).astype(np.int32) if sets else np.empty(0, np.int32)
        return cls(members, offsets)


def real_sets(side: DrawnSets, start: int = 0, stop: int | None = None) -> FlatSets:
    """The side's own sets ``start..stop-1`` (all by default), empty ones included."""
    return FlatSets.of(side.sets[start:stop])


def drawn_sets(side: DrawnSets, start: int, stop: int) -> FlatSets:
    """Draws ``start..stop-1`` of every profile: instance ``u * (stop - start) + i``."""
    sets = []
    for picked, sizes in side.block(start, stop):
        for i in range(stop - start):
            sets.append(picked[i, : sizes[i]])
    return FlatSets.of(sets)


def set_distances(
    dist: np.ndarray,
    wanted: Sequence[str],
    a: FlatSets,
    b: FlatSets,
    qa: np.ndarray,
    qb: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each wanted distance between set ``qa[q]`` of ``a`` (targets) and ``qb[q]`` of ``b``.

    The ``b`` sets are reduced over their rows of ``dist`` once (a per-node distance vector
    for each set), and each query is a mean of one vector over the ``a`` set's nodes.
    """
    from drugscreen.kernels import graph_cpu as k

    n = dist.shape[0]
    a_start, a_end = a.offsets[qa], a.offsets[qa + 1]
    b_start, b_end = b.offsets[qb], b.offsets[qb + 1]
    out: dict[str, np.ndarray] = {}

    def mean_of(
        values: np.ndarray, rows: np.ndarray, members: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        result = np.empty(len(rows), dtype=np.float64)
        k.mean_over_sets(values, rows, members, lo, hi, result)
        return result

    if "closest" in wanted or "separation" in wanted:
        near_b = np.empty((len(b.sizes), n), dtype=np.uint8)
        k.set_row_min(dist, b.members, b.offsets, near_b)
        a_to_b = mean_of(near_b, qb, a.members, a_start, a_end)
        del near_b
        if "closest" in wanted:
            out["closest"] = a_to_b
        if "separation" in wanted:
            near_a = np.empty((len(a.sizes), n), dtype=np.uint8)
            k.set_row_min(dist, a.members, a.offsets, near_a)
            b_to_a = mean_of(near_a, qa, b.members, b_start, b_end)
            del near_a
            within_a = np.empty(len(a.sizes))
            within_b = np.empty(len(b.sizes))
            k.within_set_closest(dist, a.members, a.offsets, within_a)
            k.within_set_closest(dist, b.members, b.offsets, within_b)
            size_a, size_b = a_end - a_start, b_end - b_start
            between = (a_to_b * size_a + b_to_a * size_b) / (size_a + size_b)
            out["separation"] = between - (within_a[qa] + within_b[qb]) / 2.0
    if "shortest" in wanted:
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, b.members, b.offsets, _IDENTITY, sums)
        sums /= np.maximum(b.sizes, 1)[:, None]
        out["shortest"] = mean_of(sums, qb, a.members, a_start, a_end)
    if "kernel" in wanted:
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, b.members, b.offsets, _KERNEL, sums)
        with np.errstate(divide="ignore"):
            sums = -np.log(sums / np.maximum(b.sizes, 1)[:, None])
        out["kernel"] = mean_of(sums, qb, a.members, a_start, a_end)
    if "centre" in wanted:
        is_centre = np.zeros(len(b.members), dtype=np.bool_)
        k.set_centres(dist, b.members, b.offsets, is_centre)
        owner = np.repeat(np.arange(len(b.sizes)), b.sizes)  # the set each member belongs to
        counts = np.bincount(owner, weights=is_centre, minlength=len(b.sizes)).astype(np.int64)
        centres = FlatSets(b.members[is_centre], np.r_[0, np.cumsum(counts)].astype(np.int64))
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, centres.members, centres.offsets, _IDENTITY, sums)
        sums /= np.maximum(counts, 1)[:, None]
        out["centre"] = mean_of(sums, qb, a.members, a_start, a_end)
    return out
