"""Graph kernels (numba): all-pairs hop distances and reductions over node sets.

Graphs arrive as CSR arrays (``indptr`` int64, ``indices`` int32) of an undirected network;
distance matrices are ``uint8[n, n]`` with ``UNREACHABLE`` (255) for pairs in different
components. Node sets are passed flat: ``members[offsets[q]:offsets[q + 1]]`` are the nodes of
set ``q``. Every kernel takes its output preallocated and runs in parallel over rows or sets.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Distance stored for pairs of nodes that no path joins.
UNREACHABLE = 255


@njit(cache=True, parallel=True)
def bfs_all_pairs(indptr, indices, sources, out):  # type: ignore[no-untyped-def]
    """Hop distances from each node of ``sources`` to every node: ``out[i, v]`` (uint8).

    One breadth-first search per source, sources in parallel. Returns the largest finite
    distance found; a caller must treat 255 or more as overflow (the matrix cannot hold it).
    """
    n = indptr.shape[0] - 1
    longest = np.zeros(sources.shape[0], dtype=np.int64)
    for i in prange(sources.shape[0]):
        row = out[i]
        row[:] = UNREACHABLE
        queue = np.empty(n, dtype=np.int32)
        src = sources[i]
        row[src] = 0
        queue[0] = src
        head = 0
        tail = 1
        depth = 0
        while head < tail:
            u = queue[head]
            head += 1
            nxt = np.int64(row[u]) + 1
            overflow = False
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if row[v] == UNREACHABLE:
                    if nxt >= UNREACHABLE:
                        # deeper than a uint8 holds: report and stop this row (the caller raises)
                        overflow = True
                        break
                    row[v] = nxt
                    queue[tail] = v
                    tail += 1
                    if nxt > depth:
                        depth = nxt
            if overflow:
                depth = nxt
                break
        longest[i] = depth
    return longest.max() if sources.shape[0] > 0 else 0


@njit(cache=True, parallel=True)
def set_row_min(dist, members, offsets, out):  # type: ignore[no-untyped-def]
    """``out[q, v] = min over s in set q of dist[s, v]`` (uint8; 255 for an empty set)."""
    for q in prange(offsets.shape[0] - 1):
        acc = out[q]
        acc[:] = UNREACHABLE
        for m in range(offsets[q], offsets[q + 1]):
            row = dist[members[m]]
            for v in range(acc.shape[0]):
                if row[v] < acc[v]:
                    acc[v] = row[v]


@njit(cache=True, parallel=True)
def set_row_sum(dist, members, offsets, weights, out):  # type: ignore[no-untyped-def]
    """``out[q, v] = sum over s in set q of weights[dist[s, v]]`` (float64).

    ``weights`` is a 256-entry table: the identity gives summed distances, ``exp(-(d + 1))``
    the kernel distance's sums.
    """
    for q in prange(offsets.shape[0] - 1):
        acc = out[q]
        acc[:] = 0.0
        for m in range(offsets[q], offsets[q + 1]):
            row = dist[members[m]]
            for v in range(acc.shape[0]):
                acc[v] += weights[row[v]]


@njit(cache=True, parallel=True)
def within_set_closest(dist, members, offsets, out):  # type: ignore[no-untyped-def]
    """Mean over each set of every member's distance to the nearest other member.

    ``out[q]`` is 0 for sets of one node (Menche et al. 2015, d_AA) and NaN for empty sets.
    """
    for q in prange(offsets.shape[0] - 1):
        lo = offsets[q]
        hi = offsets[q + 1]
        size = hi - lo
        if size == 0:
            out[q] = np.nan
            continue
        if size == 1:
            out[q] = 0.0
            continue
        total = 0.0
        for a in range(lo, hi):
            row = dist[members[a]]
            best = np.int64(UNREACHABLE)
            for b in range(lo, hi):
                if b != a and row[members[b]] < best:
                    best = row[members[b]]
            total += best
        out[q] = total / size


@njit(cache=True, parallel=True)
def set_centres(dist, members, offsets, is_centre):  # type: ignore[no-untyped-def]
    """Mark each set's topological centres: the members with the smallest summed distance
    to the set (all of them when several tie)."""
    for q in prange(offsets.shape[0] - 1):
        lo = offsets[q]
        hi = offsets[q + 1]
        sums = np.zeros(hi - lo, dtype=np.int64)
        for a in range(lo, hi):
            row = dist[members[a]]
            for b in range(lo, hi):
                sums[a - lo] += row[members[b]]
        if hi > lo:
            best = sums.min()
            for a in range(lo, hi):
                is_centre[a] = sums[a - lo] == best


@njit(cache=True, parallel=True)
def mean_over_sets(values, value_rows, members, starts, ends, out):  # type: ignore[no-untyped-def]
    """``out[q] = mean over m in members[starts[q]:ends[q]] of values[value_rows[q], m]``.

    NaN for an empty range. Queries are independent, so one flat ``members`` array serves
    many queries that read the same set against different value rows.
    """
    for q in prange(starts.shape[0]):
        lo = starts[q]
        hi = ends[q]
        if hi == lo:
            out[q] = np.nan
            continue
        row = values[value_rows[q]]
        total = 0.0
        for m in range(lo, hi):
            total += row[members[m]]
        out[q] = total / (hi - lo)


@njit(cache=True)
def _splitmix64(state):  # type: ignore[no-untyped-def]
    # one step of SplitMix64 (Steele et al. 2014): small, fast, and good enough to pick nodes
    state = (state + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = state
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True)
def draw_matched_sets(
    nodes, node_bin, node_pos, bin_members, bin_offsets, exclude_self, seeds, retries, out, sizes
):  # type: ignore[no-untyped-def]
    """Degree-matched random node sets: for draw ``i``, each node of ``nodes`` is replaced
    by a node drawn uniformly from its degree bin (``bin_members[bin_offsets[b]:...]``).

    With ``exclude_self`` a node is never replaced by itself (as in the code of Guney et al.
    2016; a bin of one node keeps it). ``node_pos[v]`` is the position of ``v`` in
    ``bin_members``. A draw that repeats a node already in the set is retried up to
    ``retries`` times; one still repeated is dropped, so ``sizes[i]`` can be smaller than
    ``len(nodes)``. ``out[i, :sizes[i]]`` holds the nodes; ``seeds[i]`` seeds draw ``i``.

    Serial on purpose: it is called once per set and block of draws (tens of thousands of
    calls for a drug library) with little work each, and a parallel region per call cost more
    than the draws, 60x more when another process kept the cores busy (95 s instead of 1.5 s
    for 1,390 drugs x 1,000 draws).
    """
    k = nodes.shape[0]
    for i in prange(seeds.shape[0]):
        state = seeds[i]
        count = 0
        for j in range(k):
            node = nodes[j]
            b = node_bin[node]
            lo = bin_offsets[b]
            width = bin_offsets[b + 1] - lo
            skip = exclude_self and width > 1
            span = width - 1 if skip else width
            chosen = -1
            for _attempt in range(retries + 1):
                state, x = _splitmix64(state)
                # 53 random bits scaled to the bin: bias below 2**-40 for any real bin size
                at = lo + np.int64((x >> np.uint64(11)) * (span / 9007199254740992.0))
                if skip and at >= node_pos[node]:
                    at += 1
                pick = bin_members[at]
                seen = False
                for c in range(count):
                    if out[i, c] == pick:
                        seen = True
                        break
                if not seen:
                    chosen = pick
                    break
            if chosen >= 0:
                out[i, count] = chosen
                count += 1
        sizes[i] = count
        for c in range(count, k):
            out[i, c] = -1


@njit(cache=True)
def _slot(table, key, mask):  # type: ignore[no-untyped-def]
    # open addressing, linear probing; returns the slot holding `key` or the first empty one
    h = (np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)
    at = np.int64(h & np.uint64(mask))
    while table[at] != -1 and table[at] != key:
        at = (at + 1) & mask
    return at


@njit(cache=True)
def _remove(table, key, mask):  # type: ignore[no-untyped-def]
    # backward-shift deletion keeps every probe sequence intact without tombstones
    at = _slot(table, key, mask)
    table[at] = -1
    nxt = (at + 1) & mask
    while table[nxt] != -1:
        moved = table[nxt]
        table[nxt] = -1
        table[_slot(table, moved, mask)] = moved
        nxt = (nxt + 1) & mask


@njit(cache=True)
def xswap(sources, targets, n_targets, symmetric, same_kind, attempts, seed):  # type: ignore[no-untyped-def]
    """Degree-preserving edge swaps in place (XSwap, Hanhijärvi et al. 2009).

    Picks two edges ``(a, b)``, ``(c, d)`` at random and rewires them to ``(a, d)``,
    ``(c, b)`` unless that makes an edge that exists or, within one node kind
    (``same_kind``), a self-loop; then each of ``a, b, c, d`` keeps its degree. For a
    ``symmetric`` type (undirected, within one kind) one edge is also flipped at random first
    so both rewirings occur, edges are keyed as ``(min, max)``, and existing self-loops are
    never swapped (one would count twice in the degree of the node it moved to). Returns the
    number of swaps made.
    """
    m = sources.shape[0]
    if m < 2:
        return 0
    size = 1
    while size < 4 * m:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, dtype=np.int64)
    for e in range(m):
        u, v = sources[e], targets[e]
        if symmetric and v < u:
            u, v = v, u
        key = np.int64(u) * n_targets + v
        table[_slot(table, key, mask)] = key
    state = np.uint64(seed)
    done = 0
    for _ in range(attempts):
        state, x = _splitmix64(state)
        i = np.int64((x >> np.uint64(11)) * (m / 9007199254740992.0))
        state, x = _splitmix64(state)
        j = np.int64((x >> np.uint64(11)) * (m / 9007199254740992.0))
        if i == j:
            continue
        a, b, c, d = sources[i], targets[i], sources[j], targets[j]
        if symmetric and (a == b or c == d):
            continue
        if symmetric and (x & np.uint64(1)) == 1:
            c, d = d, c
        if a == c or b == d:
            continue
        if same_kind and (a == d or c == b):
            continue
        lo1, hi1 = (a, d) if not symmetric or a <= d else (d, a)
        lo2, hi2 = (c, b) if not symmetric or c <= b else (b, c)
        new1 = np.int64(lo1) * n_targets + hi1
        new2 = np.int64(lo2) * n_targets + hi2
        if new1 == new2 or table[_slot(table, new1, mask)] != -1 or table[_slot(table, new2, mask)] != -1:
            continue
        old1u, old1v = (
            (sources[i], targets[i])
            if not symmetric or sources[i] <= targets[i]
            else (targets[i], sources[i])
        )
        old2u, old2v = (
            (sources[j], targets[j])
            if not symmetric or sources[j] <= targets[j]
            else (targets[j], sources[j])
        )
        _remove(table, np.int64(old1u) * n_targets + old1v, mask)
        _remove(table, np.int64(old2u) * n_targets + old2v, mask)
        table[_slot(table, new1, mask)] = new1
        table[_slot(table, new2, mask)] = new2
        sources[i], targets[i] = a, d
        sources[j], targets[j] = c, b
        done += 1
    return done
