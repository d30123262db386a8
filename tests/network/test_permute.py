"""Degree-preserving permutation (XSwap)."""

from __future__ import annotations

import numpy as np
import pytest
from hetnet_data import random_hetnet
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.network.permute import permute_edges, permute_hetnet


def _random_matrix(seed, shape, density, symmetric=False):
    rng = np.random.default_rng(seed)
    dense = rng.random(shape) < density
    if symmetric:
        dense = np.triu(dense, 1)
        dense = dense | dense.T
    return sparse.csr_array(dense.astype(float))


@pytest.mark.parametrize("symmetric", [False, True])
def test_degrees_kept_no_duplicates_no_self_loops(symmetric):
    original = _random_matrix(0, (60, 60) if symmetric else (40, 70), 0.1, symmetric)
    permuted, swaps = permute_edges(original, symmetric=symmetric, multiplier=10, seed=3)
    assert swaps > original.nnz  # well mixed
    np.testing.assert_array_equal(permuted.sum(axis=0), original.sum(axis=0))
    np.testing.assert_array_equal(permuted.sum(axis=1), original.sum(axis=1))
    assert permuted.nnz == original.nnz and permuted.max() == 1  # no edge made twice
    if symmetric:
        assert (permuted != permuted.T).nnz == 0 and not permuted.diagonal().any()
    assert original.multiply(permuted).sum() < 0.5 * original.nnz  # most edges moved


def test_same_seed_same_result_and_directed_types_stay_directed():
    net = random_hetnet(1, density=0.4)
    a, stats = permute_hetnet(net, seed=5)
    b, _ = permute_hetnet(net, seed=5)
    c, _ = permute_hetnet(net, seed=6)
    for name in net.metagraph.metaedges:
        np.testing.assert_array_equal(a.adjacency(name).toarray(), b.adjacency(name).toarray())
    assert any((a.adjacency(m) != c.adjacency(m)).nnz for m in net.metagraph.metaedges)
    grg = a.adjacency("Gr>G")
    np.testing.assert_array_equal(grg.sum(axis=1), net.adjacency("Gr>G").sum(axis=1))  # out-degrees
    np.testing.assert_array_equal(grg.sum(axis=0), net.adjacency("Gr>G").sum(axis=0))  # in-degrees
    assert set(stats.columns) == {"metaedge", "edges", "attempts", "swaps", "unchanged"}
    assert (stats["unchanged"] <= 1).all()
    with pytest.raises(InputError, match="no metaedge"):
        permute_hetnet(net, metaedges=["XyZ"])


def test_a_complete_graph_cannot_change():
    full = sparse.csr_array(np.ones((4, 5)))
    permuted, swaps = permute_edges(full, symmetric=False, seed=1)
    assert swaps == 0 and (permuted != full).nnz == 0


def test_self_loops_stay_and_same_kind_types_get_none():
    loops = _random_matrix(4, (30, 30), 0.15, symmetric=True).tolil()
    for i in range(5):
        loops[i, i] = 1
    loops = sparse.csr_array(loops)
    permuted, _ = permute_edges(loops, symmetric=True, seed=2)
    np.testing.assert_array_equal(permuted.sum(axis=1), loops.sum(axis=1))
    np.testing.assert_array_equal(permuted.diagonal(), loops.diagonal())
    directed = _random_matrix(5, (30, 30), 0.15)
    directed.setdiag(0)
    directed.eliminate_zeros()
    permuted, _ = permute_edges(directed, symmetric=False, same_kind=True, seed=3)
    assert not permuted.diagonal().any()


def test_each_metaedge_permutation_depends_on_its_name_only():
    net = random_hetnet(2, density=0.4)
    alone, stats = permute_hetnet(net, seed=9, metaedges=["CbG"])
    together, _ = permute_hetnet(net, seed=9, metaedges=["GiG", "CbG"])
    assert (alone.adjacency("CbG") != together.adjacency("CbG")).nnz == 0
    assert list(stats["metaedge"]) == ["CbG"]
    unchanged, empty = permute_hetnet(net, metaedges=[])
    assert empty.empty and unchanged is net
