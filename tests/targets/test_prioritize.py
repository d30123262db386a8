"""Propagation and prioritisation against plain references (networkx PageRank, scipy expm)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.targets.prioritize import random_columns
from drugscreen.targets.propagation import Operators, propagate, seed_matrix


def random_network(n: int, p: float, seed: int) -> tuple[ds.network.Interactome, nx.Graph]:
    graph = nx.gnp_random_graph(n, p, seed=seed)
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    graph = nx.relabel_nodes(graph, {v: f"g{v}" for v in graph})
    net = ds.network.Interactome.from_edges(list(graph.edges()))
    return net, graph


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("restart", [0.1, 0.3, 0.7])
def test_rwr_equals_networkx_personalised_pagerank(seed: int, restart: float) -> None:
    net, graph = random_network(60, 0.08, seed)
    rng = np.random.default_rng(seed)
    seeds = rng.choice(net.genes, size=5, replace=False)
    weights = rng.uniform(0.5, 3.0, size=5)
    table = ds.targets.prioritize(
        net, {"d": dict(zip(seeds, weights, strict=True))}, "rwr", settings={"restart": restart}
    )
    ours = dict(zip(table["gene"], table["score"], strict=True))
    expected = nx.pagerank(
        graph,
        alpha=1 - restart,
        personalization=dict(zip(seeds, weights, strict=True)),
        tol=1e-15,
        max_iter=10_000,
    )
    assert max(abs(ours[g] - expected[g]) for g in expected) < 1e-9


def test_many_sets_in_one_matrix_equal_one_at_a_time() -> None:
    net, _ = random_network(80, 0.06, 3)
    rng = np.random.default_rng(0)
    sets = {f"s{i}": list(rng.choice(net.genes, size=1 + i % 6, replace=False)) for i in range(9)}
    together = ds.targets.prioritize(net, sets, "heat")
    for name, genes in sets.items():
        alone = ds.targets.prioritize(net, genes, "heat").assign(set=name)
        pd.testing.assert_frame_equal(together[together["set"] == name].reset_index(drop=True), alone)


def test_heat_equals_dense_matrix_exponential() -> None:
    net, graph = random_network(40, 0.1, 4)
    ops = Operators(net)
    seeds = seed_matrix(
        net.n_genes, [(np.array([0, 3]), np.array([1.0, 2.0])), (np.array([5]), np.array([1.0]))]
    )
    adj = nx.to_numpy_array(graph, nodelist=list(net.genes))
    half = np.diag(1 / np.sqrt(adj.sum(1)))
    laplacian = np.eye(len(adj)) - half @ adj @ half
    expected = expm(-2.5 * laplacian) @ seeds
    np.testing.assert_allclose(propagate(ops, seeds, "heat", {"time": 2.5}), expected, atol=1e-12)


def test_neighbours_and_degree() -> None:
    net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D")])
    table = ds.targets.prioritize(net, ["A", "B"], "neighbours")
    score = dict(zip(table["gene"], table["score"], strict=True))
    assert score["C"] == 1.0 and score["D"] == 0.0  # seed weights 1/2 each; C touches both
    assert table.loc[~table["is_seed"], "gene"].tolist() == ["C", "D"]
    degree = ds.targets.prioritize(net, ["A"], "degree")
    assert (
        degree.loc[~degree["is_seed"], "degree_rank"].tolist()
        == degree.loc[~degree["is_seed"], "rank"].tolist()
    )


def test_ties_go_to_lower_degree_then_gene_id() -> None:
    # star: leaves X, Y, Z all one step from the seed hub H; W hangs on X
    net = ds.network.Interactome.from_edges([("H", "Z"), ("H", "Y"), ("H", "X"), ("X", "W")])
    table = ds.targets.prioritize(net, ["H"], "neighbours")
    assert table["gene"].tolist()[:3] == ["Y", "Z", "X"]  # equal score: degree 1 before 2


def test_permutation_z_and_p_match_a_plain_loop() -> None:
    net, _ = random_network(70, 0.07, 5)
    genes = list(net.genes[[1, 4, 9]])
    table = ds.targets.prioritize(net, genes, "rwr", n_permutations=30, min_bin_size=5, random_state=7)
    ops = Operators(net)
    nodes = np.array([net.index[g] for g in genes])
    observed = propagate(ops, seed_matrix(net.n_genes, [(nodes, np.ones(3))]), "rwr")[:, 0]
    bins = ds.network.degree_bins(net.degree, 5)
    draws = random_columns([(nodes, np.ones(3))], bins, 30, np.random.default_rng(7))
    randoms = np.column_stack([propagate(ops, seed_matrix(net.n_genes, [d]), "rwr")[:, 0] for d in draws])
    for picked, _ in draws:
        assert np.array_equal(np.sort(bins[picked]), np.sort(bins[nodes])) and len(set(picked)) == 3
    z = (observed - randoms.mean(1)) / randoms.std(1)
    p = (1 + (randoms >= observed[:, None] - 1e-12 * observed[:, None]).sum(1)) / 31
    got = table.set_index("gene").loc[list(net.genes)]
    np.testing.assert_allclose(got["z"], z, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["p"], p)


def test_diamond_method_follows_network_diamond() -> None:
    net, _ = random_network(60, 0.08, 6)
    seeds = list(net.genes[:4])
    table = ds.targets.prioritize(net, seeds, "diamond", diamond_genes=10)
    added = ds.network.diamond(net, seeds, n_genes=10)
    assert table.loc[~table["is_seed"], "gene"].tolist()[:10] == added["gene"].tolist()


def test_top_keeps_seeds_and_best_genes() -> None:
    net, _ = random_network(60, 0.08, 8)
    table = ds.targets.prioritize(net, list(net.genes[:3]), "rwr", top=5)
    assert table["is_seed"].sum() == 3 and (~table["is_seed"]).sum() == 5
    assert table.loc[~table["is_seed"], "rank"].tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "pagerank"}, "method must be one of"),
        ({"settings": {"restart": 0}}, "restart must be"),
        ({"settings": {"alpha": 0.5}}, "unknown setting 'alpha'"),
        ({"settings": {"restart": 1e-9, "max_iter": 3}}, "no convergence"),
        ({"n_permutations": -1}, "n_permutations"),
        ({"method": "diamond", "n_permutations": 10}, "DIAMOnD has no permutation"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C")])
    with pytest.raises(InputError, match=message):
        ds.targets.prioritize(net, ["A"], **kwargs)


def test_seeds_outside_the_network() -> None:
    net = ds.network.Interactome.from_edges([("A", "B"), ("B", "C")])
    with pytest.raises(InputError, match="no seed set has a gene"):
        ds.targets.prioritize(net, ["X", "Y"])
    table = ds.targets.prioritize(net, {"ok": ["A"], "lost": ["X"]})
    assert set(table["set"]) == {"ok"}
    with pytest.raises(InputError, match="weight must be a finite number > 0"):
        ds.targets.prioritize(net, {"d": {"A": float("nan")}})
