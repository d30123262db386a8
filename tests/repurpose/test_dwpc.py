"""DWPC and path counts: exact exclusion of revisits, against a brute-force path enumerator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hetnet_data import random_hetnet
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.kernels.reference import metapath_paths
from drugscreen.network.hetnet import Hetnet
from drugscreen.repurpose.dwpc import dwpc, dwpc_features, explain, path_counts
from drugscreen.repurpose.walks import revisit_patterns, set_partitions


def _brute(net, metapath, damping):
    path = net.parse(metapath)
    return metapath_paths([net.adjacency(s).toarray() for s in path.steps], list(path.kinds), damping)


@pytest.mark.parametrize(
    ("seed", "source", "target", "max_length"), [(0, "C", "D", 4), (1, "C", "C", 4), (2, "G", "G", 3)]
)
def test_every_metapath_equals_enumerating_the_paths(seed, source, target, max_length):
    net = random_hetnet(seed)
    paths = net.metapaths(source, target, max_length=max_length)
    assert len(paths) >= 15
    for path in paths:
        for damping in (0.0, 0.4):
            np.testing.assert_allclose(
                dwpc(net, path, damping),
                _brute(net, path, damping),
                rtol=1e-10,
                atol=1e-13,
                err_msg=str(path),
            )


def test_revisits_are_excluded_exactly_where_kinds_repeat():
    # a triangle of genes g0, g1, g2; the compound binds g0, the disease is associated with g0 and g2
    nodes = pd.DataFrame(
        {"id": ["c", "g0", "g1", "g2", "d"], "kind": ["Compound"] + ["Gene"] * 3 + ["Disease"]}
    )
    edges = pd.DataFrame(
        [("c", "CbG", "g0"), ("g0", "GiG", "g1"), ("g1", "GiG", "g2"), ("g0", "GiG", "g2")]
        + [("d", "DaG", "g0"), ("d", "DaG", "g2")],
        columns=["source", "metaedge", "target"],
    )
    net = Hetnet.from_tables(nodes, edges)
    steps = [net.adjacency(s) for s in net.parse("CbGiGiGaD").steps]
    walks = (steps[0] @ steps[1] @ steps[2] @ steps[3]).toarray()
    assert walks[0, 0] == 3  # g0-g1-g0, g0-g2-g0 and g0-g1-g2
    assert path_counts(net, "CbGiGiGaD")[0, 0] == 1  # only g0-g1-g2 visits no gene twice
    assert path_counts(net, "CbGiGaD")[0, 0] == 1


def test_moebius_coefficients():
    assert [sum(1 for _ in set_partitions(list(range(n)))) for n in range(6)] == [1, 1, 2, 5, 15, 52]
    # Σ μ over all partitions of n ≥ 2 items is 0 (the all-distinct count of a constant walk)
    for n in range(2, 6):
        assert sum(mu for mu, _ in revisit_patterns(["G"] * n)) == 0
    patterns = revisit_patterns(["C", "G", "G", "D"])
    assert patterns[0] == (1, (0, 1, 2, 3)) and len(patterns) == 2
    assert patterns[1] == (-1, (0, 1, 1, 2))
    assert sorted(mu for mu, _ in revisit_patterns(["C"] * 3)) == [-1, -1, -1, 1, 2]


def test_rows_and_columns_follow_the_node_table():
    net = random_hetnet(3)
    nodes = net.nodes.sample(frac=1.0, random_state=1)
    edges = pd.concat([net.edges(m).assign(metaedge=m) for m in net.metagraph.metaedges])
    shuffled = Hetnet.from_tables(nodes, edges)
    a, b = dwpc(net, "CbGaD"), dwpc(shuffled, "CbGaD")
    rows = shuffled.positions("Compound", net.node_ids("Compound"))
    cols = shuffled.positions("Disease", net.node_ids("Disease"))
    np.testing.assert_allclose(a, b[np.ix_(rows, cols)], rtol=1e-12)


def test_dtype_sparse_output_and_features():
    net = random_hetnet(4)
    ref = dwpc(net, "CbGiGaD")
    np.testing.assert_allclose(dwpc(net, "CbGiGaD", dtype=np.float32), ref, rtol=1e-5)
    assert dwpc(net, "CbGiGaD", dtype=np.float32).dtype == np.float32
    as_sparse = dwpc(net, "CbGiGaD", sparse=True)
    assert sparse.issparse(as_sparse)
    np.testing.assert_array_equal(as_sparse.toarray(), ref)
    features, names = dwpc_features(net, ["CbGaD", "CbGiGaD", "CrCtD"], progress=False)
    assert names == ["CbGaD", "CbGiGaD", "CrCtD"] and features.shape == (*ref.shape, 3)
    np.testing.assert_array_equal(features[:, :, 1], ref)
    with pytest.raises(InputError, match="different node kinds"):
        dwpc_features(net, ["CbGaD", "CbGiG"])
    with pytest.raises(InputError, match="damping"):
        dwpc(net, "CbGaD", -0.1)


def test_an_empty_metaedge_gives_zeros():
    net = random_hetnet(5)
    empty = net.replace("GiG", sparse.csr_array(net.adjacency("GiG").shape))
    assert not dwpc(empty, "CbGiGaD").any()


def test_explain_lists_each_path_and_its_share():
    net = random_hetnet(6, density=0.5)
    values = dwpc(net, "CbGiGiGaD")
    i, j = np.unravel_index(np.argmax(values), values.shape)
    compound, disease = net.node_ids("Compound")[i], net.node_ids("Disease")[j]
    table = explain(net, "CbGiGiGaD", compound, disease, limit=None)
    assert table["pdp"].sum() == pytest.approx(values[i, j], rel=1e-12)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["pdp"].is_monotonic_decreasing
    genes = table[["node_1", "node_2", "node_3"]].to_numpy()
    assert all(len(set(row)) == 3 for row in genes)
    assert len(table) == path_counts(net, "CbGiGiGaD")[i, j]
    assert (table["node_0"] == compound).all() and (table["node_4"] == disease).all()
    assert table["path"][0].startswith(net.nodes.set_index("id").loc[compound, "name"] + " b ")
    assert len(explain(net, "CbGiGiGaD", compound, disease, limit=2)) == 2
    with pytest.raises(InputError, match="partial paths"):
        explain(net, "CbGiGiGaD", compound, disease, max_paths=1)


def _hetnetpy_graph(net):  # type: ignore[no-untyped-def]
    """The same network as a ``hetnetpy.hetnet.Graph`` (hetmatpy's input), Hetionet-style abbreviations."""
    import hetnetpy.hetnet

    kinds = net.metagraph.kinds
    abbreviations = dict(kinds)
    tuples = {}
    for name, edge in net.metagraph.metaedges.items():
        relation = f"rel-{edge.relation}"
        abbreviations[relation] = edge.relation
        tuples[name] = (edge.source, edge.target, relation, "forward" if edge.directed else "both")
    metagraph = hetnetpy.hetnet.MetaGraph.from_edge_tuples(list(tuples.values()), abbreviations)
    graph = hetnetpy.hetnet.Graph(metagraph)
    for identifier, name, kind in net.nodes[["id", "name", "kind"]].itertuples(index=False):
        graph.add_node(kind, identifier, name)
    for name, (source, target, relation, direction) in tuples.items():
        for a, b in net.edges(name).itertuples(index=False):
            graph.add_edge((source, a), (target, b), relation, direction)
    return graph


def test_equals_hetmatpy_where_hetmatpy_is_exact():
    """hetmatpy (the Rephetio authors' matrix DWPC) as a second oracle, on every category it solves.

    hetmatpy 0.1.0 approximates its 'other' category and gets 'four_repeat' wrong
    (``benchmarks/bench_dwpc.py`` adjudicates both against path enumeration); those are
    checked against the brute-force enumerator above instead.
    """
    degree_weight = pytest.importorskip("hetmatpy.degree_weight")
    net = random_hetnet(7)
    graph = _hetnetpy_graph(net)
    checked = set()
    for path in net.metapaths("Compound", "Disease", max_length=4, min_length=2):
        metapath = graph.metagraph.metapath_from_abbrev(str(path))
        category = degree_weight.categorize(metapath)
        if category in ("other", "four_repeat", "long_repeat"):
            continue
        rows, cols, matrix = degree_weight.dwpc(graph, metapath, damping=0.4, dense_threshold=1.0)
        theirs = np.zeros((len(net.node_ids("Compound")), len(net.node_ids("Disease"))))
        values = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)
        theirs[np.ix_(net.positions("Compound", rows), net.positions("Disease", cols))] = values
        np.testing.assert_allclose(
            dwpc(net, path), theirs, rtol=1e-9, atol=1e-12, err_msg=f"{path} ({category})"
        )
        checked.add(category)
    assert {"no_repeats", "short_repeat", "BABA", "BAAB", "disjoint"} <= checked


def test_self_loops_never_make_a_path():
    net = random_hetnet(8)
    gig = net.adjacency("GiG").tolil()
    for i in range(3):
        gig[i, i] = 1
    looped = net.replace("GiG", sparse.csr_array(gig))
    for path in ("CbGiGaD", "CbGiGiGaD", "CbGiGbCtD"):
        np.testing.assert_allclose(dwpc(looped, path), _brute(looped, path, 0.4), rtol=1e-10, atol=1e-13)


def test_the_sparse_branch_gives_the_same_values(monkeypatch):
    from drugscreen.repurpose import walks

    net = random_hetnet(9)
    paths = net.metapaths("Compound", "Compound", max_length=4, min_length=2)[::3]
    expected = [dwpc(net, p) for p in paths]
    monkeypatch.setattr(walks, "DENSE_LIMIT", 4)
    for path, values in zip(paths, expected, strict=True):
        got = dwpc(net, path, sparse=True)
        assert sparse.issparse(got)
        np.testing.assert_allclose(got.toarray(), values, rtol=1e-10, atol=1e-13, err_msg=str(path))
