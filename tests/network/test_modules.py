"""Disease modules: LCC significance and DIAMOnD, against direct computations."""

import networkx as nx
import numpy as np
import pytest
from scipy.stats import hypergeom

import drugscreen as ds
from drugscreen.errors import InputError


def random_net(n, p, seed):
    rng = np.random.default_rng(seed)
    edges = [(f"g{a:03d}", f"g{b:03d}") for a in range(n) for b in range(a + 1, n) if rng.random() < p]
    return ds.network.Interactome.from_edges(edges), edges


@pytest.mark.parametrize("seed", range(5))
def test_largest_component_equals_networkx(seed):
    net, edges = random_net(60, 0.04, seed)
    graph = nx.Graph(edges)
    rng = np.random.default_rng(seed)
    genes = list(rng.choice(net.genes, 25, replace=False))
    sub = graph.subgraph(genes)
    expect = max(len(c) for c in nx.connected_components(sub))
    got = ds.network.largest_component(net, net.resolve(genes)[0])
    assert len(got) == expect
    assert nx.is_connected(graph.subgraph([net.genes[i] for i in got]))


def test_module_significance_detects_a_clustered_set():
    net, _ = random_net(300, 0.015, 1)
    dist = np.asarray(net.distances)
    centre = int(np.argmax(net.degree))
    clustered = list(net.genes[np.flatnonzero(dist[centre] <= 1)][:20])
    result = ds.network.module_significance(net, [*clustered, "not-a-gene"], n_random=200, min_bin_size=20)
    assert len(clustered) > 8
    assert result.lcc_size == len(clustered) and result.missing == ["not-a-gene"]
    assert result.z > 3 and result.p < 1e-3
    again = ds.network.module_significance(net, clustered, n_random=200, min_bin_size=20)
    assert again.mean_random == result.mean_random  # seeded
    spread = ds.network.module_significance(
        net, list(net.genes[::15][: len(clustered)]), n_random=200, min_bin_size=20
    )
    assert spread.z < result.z
    with pytest.raises(InputError, match="no gene"):
        ds.network.module_significance(net, ["x"])


def direct_diamond(graph, seeds, steps):
    """DIAMOnD written from the paper, one hypergeometric p-value at a time."""
    module = set(seeds)
    n = graph.number_of_nodes()
    added = []
    for _ in range(steps):
        best = None
        for v in sorted(graph.nodes):
            if v in module:
                continue
            ks = sum(1 for u in graph[v] if u in module)
            if ks == 0:
                continue
            k = graph.degree[v]
            p = hypergeom.sf(ks - 1, n, len(module), k)
            key = (p, -ks, k, v)
            if best is None or key < best[0]:
                best = (key, v, p)
        if best is None:
            break
        added.append((best[1], best[2]))
        module.add(best[1])
    return added


@pytest.mark.parametrize("seed", range(4))
def test_diamond_equals_a_direct_computation(seed):
    net, edges = random_net(80, 0.07, seed)
    graph = nx.Graph(edges)
    rng = np.random.default_rng(seed)
    seeds = list(rng.choice(net.genes, 6, replace=False))
    got = ds.network.diamond(net, seeds, n_genes=15)
    expect = direct_diamond(graph, seeds, 15)
    assert list(got.gene) == [g for g, _ in expect]
    assert np.allclose(got.p_value, [p for _, p in expect], rtol=1e-9)
    assert list(got["rank"]) == list(range(1, len(expect) + 1))


def test_diamond_stops_when_nothing_is_linked():
    net = ds.network.Interactome.from_edges([("a", "b")])
    assert list(ds.network.diamond(net, ["a"], n_genes=5).gene) == ["b"]
    with pytest.raises(InputError, match="no seed"):
        ds.network.diamond(net, ["z"])


def test_hypergeom_log_tail_equals_scipy() -> None:
    """DIAMOnD's vectorised tail against scipy's hypergeom.logsf, edges included (x = 0, x past
    the support, nothing marked, everything drawn)."""
    from scipy.stats import hypergeom

    from drugscreen.network.modules import hypergeom_log_tail

    rng = np.random.default_rng(0)
    for _ in range(200):
        total = int(rng.integers(1, 20_000))
        marked = int(rng.integers(0, min(total, 500) + 1))
        drawn = rng.integers(0, min(total, 1500) + 1, size=40)
        x = rng.integers(0, 40, size=40)
        ours = hypergeom_log_tail(x, total, marked, drawn)
        ref = hypergeom.logsf(x - 1, total, marked, drawn)
        assert np.array_equal(np.isfinite(ours), np.isfinite(ref))
        finite = np.isfinite(ref)
        np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-9, atol=1e-9)
