"""Graph kernels against plain NumPy on small random inputs and edge cases."""

import numpy as np
import pytest

from drugscreen.kernels import graph_cpu as k
from drugscreen.kernels.reference import hop_distances


def flat(sets):
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    members = np.concatenate([np.asarray(s, dtype=np.int32) for s in sets]) if sets else np.empty(0, np.int32)
    return members.astype(np.int32), offsets


def random_dist(n, seed):
    rng = np.random.default_rng(seed)
    edges = [(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.15]
    edges += [(i, i + 1) for i in range(n - 1)]  # connected
    return hop_distances(n, edges).astype(np.uint8)


@pytest.mark.parametrize("seed", range(3))
def test_set_reductions_equal_numpy(seed):
    dist = random_dist(37, seed)
    rng = np.random.default_rng(seed)
    sets = [list(rng.choice(37, size=rng.integers(1, 9), replace=False)) for _ in range(6)] + [[]]
    members, offsets = flat(sets)
    mins = np.empty((len(sets), 37), dtype=np.uint8)
    k.set_row_min(dist, members, offsets, mins)
    sums = np.empty((len(sets), 37))
    table = np.exp(-(np.arange(256) + 1.0))
    k.set_row_sum(dist, members, offsets, table, sums)
    within = np.empty(len(sets))
    k.within_set_closest(dist, members, offsets, within)
    centre = np.zeros(len(members), dtype=bool)
    k.set_centres(dist, members, offsets, centre)
    for q, s in enumerate(sets):
        if not s:
            assert (mins[q] == 255).all() and (sums[q] == 0).all() and np.isnan(within[q])
            continue
        block = dist[s].astype(np.int64)
        assert np.array_equal(mins[q], block.min(axis=0))
        assert np.allclose(sums[q], np.exp(-(block + 1.0)).sum(axis=0), rtol=1e-14)
        inner = dist[np.ix_(s, s)].astype(float)
        np.fill_diagonal(inner, np.inf)
        assert within[q] == (0.0 if len(s) == 1 else inner.min(axis=1).mean())
        totals = dist[np.ix_(s, s)].astype(int).sum(axis=1)
        assert list(centre[offsets[q] : offsets[q + 1]]) == list(totals == totals.min())  # all ties


def test_mean_over_sets_and_empty_ranges():
    values = np.arange(12, dtype=float).reshape(3, 4)
    members = np.array([0, 3, 1], dtype=np.int32)
    out = np.empty(3)
    k.mean_over_sets(values, np.array([2, 0, 1]), members, np.array([0, 2, 1]), np.array([2, 3, 1]), out)
    assert out[0] == (8 + 11) / 2 and out[1] == 1.0 and np.isnan(out[2])  # row 0, member 1; empty


def test_draws_stay_in_their_bin_and_avoid_the_node_itself():
    bins = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
    order = np.argsort(bins, kind="stable")
    offsets = np.r_[0, np.cumsum(np.bincount(bins))].astype(np.int64)
    pos = np.empty(len(bins), dtype=np.int64)
    pos[order] = np.arange(len(bins))
    nodes = np.array([0, 3, 5, 6, 9], dtype=np.int64)
    seeds = np.random.SeedSequence(1).generate_state(500, np.uint64)
    out = np.empty((500, 5), dtype=np.int32)
    sizes = np.empty(500, dtype=np.int64)
    k.draw_matched_sets(nodes, bins, pos, order.astype(np.int32), offsets, True, seeds, 20, out, sizes)
    for i in range(500):
        got = out[i, : sizes[i]]
        assert len(set(got)) == len(got) and (out[i, sizes[i] :] == -1).all()
        assert got[0] != 0 and bins[got[0]] == 0
        assert 9 in got  # bin 3 holds one node: it keeps itself
    # node 3 must become 4 (the only other node of bin 1): always, every draw
    assert all(4 in out[i, : sizes[i]] for i in range(500))
    again = np.empty_like(out)
    k.draw_matched_sets(
        nodes, bins, pos, order.astype(np.int32), offsets, True, seeds, 20, again, sizes.copy()
    )
    assert np.array_equal(out, again)  # seeded per draw
    # without exclusion the node itself is drawn too, at about its share of the bin
    k.draw_matched_sets(nodes, bins, pos, order.astype(np.int32), offsets, False, seeds, 20, out, sizes)
    assert 0.2 < np.mean(out[:, 0] == 0) < 0.47


def test_bfs_limits():
    n = 256  # a path of 255 hops does not fit; 254 does
    for length, ok in ((255, True), (256, False)):
        indptr = np.r_[0, np.cumsum([1] + [2] * (length - 2) + [1])].astype(np.int64)
        indices = np.concatenate([[1]] + [[i - 1, i + 1] for i in range(1, length - 1)] + [[length - 2]])
        out = np.empty((1, length), dtype=np.uint8)
        longest = k.bfs_all_pairs(indptr, indices.astype(np.int32), np.array([0], dtype=np.int32), out)
        assert (longest < 255) == ok
        if ok:
            assert list(out[0]) == list(range(length))
    assert n == 256
