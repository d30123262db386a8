"""Clustering kernels (numba): Taylor-Butina over sparse neighbour lists.

The neighbour lists are CSR (``indptr int64[n+1]``, ``indices int64[nnz]``, each row's
neighbours ascending, the point itself not listed). The kernel reproduces
``rdkit.ML.Cluster.Butina.ClusterData`` step by step: candidates are taken by (number of
neighbours including itself, index) descending; a cluster is its centroid followed by its
still-unassigned neighbours in ascending order; with ``reordering`` the neighbour counts of the
unassigned points next to a new cluster are recounted before the next pick. An indexed max-heap
replaces RDKit's re-sort of the whole candidate list after every cluster (same order, O(log n)).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always", cache=True)
def _above(count, a, b):  # type: ignore[no-untyped-def]
    # (count, index) of a ranks before that of b: the larger count, then the larger index
    return count[a] > count[b] or (count[a] == count[b] and a > b)


@njit(cache=True)
def _sift_up(heap, pos, count, i):  # type: ignore[no-untyped-def]
    while i > 0:
        parent = (i - 1) // 2
        if _above(count, heap[i], heap[parent]):
            heap[i], heap[parent] = heap[parent], heap[i]
            pos[heap[i]] = i
            pos[heap[parent]] = parent
            i = parent
        else:
            return


@njit(cache=True)
def _sift_down(heap, pos, count, size, i):  # type: ignore[no-untyped-def]
    while True:
        best = i
        left = 2 * i + 1
        right = left + 1
        if left < size and _above(count, heap[left], heap[best]):
            best = left
        if right < size and _above(count, heap[right], heap[best]):
            best = right
        if best == i:
            return
        heap[i], heap[best] = heap[best], heap[i]
        pos[heap[i]] = i
        pos[heap[best]] = best
        i = best


@njit(cache=True)
def _remove(heap, pos, count, size, point):  # type: ignore[no-untyped-def]
    """Remove ``point`` from the heap of ``size`` entries; returns the new size."""
    i = pos[point]
    last = size - 1
    pos[point] = -1
    if i != last:
        heap[i] = heap[last]
        pos[heap[i]] = i
        _sift_down(heap, pos, count, last, i)
        _sift_up(heap, pos, count, i)
    return last


@njit(cache=True)
def butina(indptr, indices, reordering, cluster, is_centroid, member_order):  # type: ignore[no-untyped-def]
    """Fill ``cluster[i]`` (cluster number in RDKit's order), ``is_centroid[i]`` and
    ``member_order`` (all points, cluster by cluster, centroid first); returns the cluster count."""
    n = indptr.shape[0] - 1
    count = np.empty(n, dtype=np.int64)
    for i in range(n):
        count[i] = indptr[i + 1] - indptr[i] + 1  # RDKit's lists include the point itself
    heap = np.arange(n)
    pos = np.arange(n)
    # heapify
    for i in range(n // 2 - 1, -1, -1):
        _sift_down(heap, pos, count, n, i)
    size = n
    seen = np.zeros(n, dtype=np.bool_)
    touched = np.zeros(n, dtype=np.bool_)
    affected = np.empty(n, dtype=np.int64)
    n_clusters = 0
    written = 0
    while size > 0:
        centre = heap[0]
        size = _remove(heap, pos, count, size, centre)
        seen[centre] = True
        cluster[centre] = n_clusters
        is_centroid[centre] = True
        first = written
        member_order[written] = centre
        written += 1
        for k in range(indptr[centre], indptr[centre + 1]):
            j = indices[k]
            if not seen[j]:
                seen[j] = True
                cluster[j] = n_clusters
                member_order[written] = j
                written += 1
                size = _remove(heap, pos, count, size, j)
        if reordering:
            n_aff = 0
            for m in range(first, written):
                p = member_order[m]
                for k in range(indptr[p], indptr[p + 1]):
                    j = indices[k]
                    if not seen[j] and not touched[j]:
                        touched[j] = True
                        affected[n_aff] = j
                        n_aff += 1
            for t in range(n_aff):
                a = affected[t]
                touched[a] = False
                fresh = 1
                for k in range(indptr[a], indptr[a + 1]):
                    if not seen[indices[k]]:
                        fresh += 1
                if fresh != count[a]:  # counts only fall: the entry moves down
                    count[a] = fresh
                    _sift_down(heap, pos, count, size, pos[a])
        n_clusters += 1
    return n_clusters
