"""Interactome loading and hop distances, against a dense NumPy BFS and scipy."""

import gzip

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import shortest_path

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.kernels.reference import hop_distances
from drugscreen.network import compute_distances


def random_graph(n, p, seed):
    rng = np.random.default_rng(seed)
    return [(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < p]


@pytest.mark.parametrize("n,p,seed", [(1, 0.0, 0), (2, 1.0, 0), (30, 0.08, 1), (57, 0.05, 2), (120, 0.02, 3)])
def test_distances_match_reference(n, p, seed):
    edges = random_graph(n, p, seed)
    net = ds.network.Interactome.from_edges(
        [(f"g{a}", f"g{b}") for a, b in edges] or [("g0", "g1")], largest_component=False
    )
    # node ids are sorted strings: map back to the integer labels
    labels = [int(g[1:]) for g in net.genes]
    expect = hop_distances(max(labels) + 1, edges or [(0, 1)])[np.ix_(labels, labels)]
    got = np.asarray(net.distances).astype(np.int64)
    got[got == 255] = -1
    assert np.array_equal(got, expect)


def test_distances_equal_scipy_on_a_larger_graph():
    edges = random_graph(400, 0.01, 7)
    net = ds.network.Interactome.from_edges(edges)
    ref = shortest_path(_adjacency(net), unweighted=True, directed=False)
    assert np.array_equal(np.asarray(net.distances), ref.astype(np.uint8))


def _adjacency(net):
    from scipy.sparse import csr_matrix

    return csr_matrix((np.ones(len(net.indices)), net.indices, net.indptr), shape=(net.n_genes,) * 2)


def test_largest_component_self_loops_duplicates_reported():
    edges = [("A", "B"), ("B", "A"), ("B", "C"), ("C", "C"), ("X", "Y")]
    net = ds.network.Interactome.from_edges(edges)
    assert list(net.genes) == ["A", "B", "C"]
    r = net.report
    assert (r.n_edges_read, r.n_self_loops, r.n_duplicate_edges, r.n_components) == (5, 1, 1, 2)
    assert (r.n_genes_dropped, r.n_edges_dropped) == (2, 1)
    assert list(net.self_loops) == [False, False, True]
    assert list(net.degree_of("networkx")) == [1, 2, 3] and list(net.degree_of()) == [1, 2, 1]
    with pytest.raises(InputError, match="convention"):
        net.degree_of("igraph")
    everything = ds.network.Interactome.from_edges(edges, largest_component=False)
    assert (
        everything.n_genes == 5 and everything.distances[everything.index["A"], everything.index["X"]] == 255
    )


def test_file_formats(tmp_path):
    tsv = tmp_path / "net.tsv.gz"
    with gzip.open(tsv, "wt") as f:
        f.write("# a comment\n# gene_ID_1\tgene_ID_2\tsources\n1\t2\tbinary\n2\t3\tliterature\n3\t3\tx\n")
    net = ds.network.Interactome.from_file(tsv)
    assert list(net.genes) == ["1", "2", "3"] and net.n_edges == 2
    sif = tmp_path / "net.sif"
    sif.write_text("A pp B C\nC pp D\n")
    assert ds.network.Interactome.from_file(sif).n_edges == 3
    csv = tmp_path / "net.csv"
    csv.write_text("score,protein1,protein2\n0.9,A,B\n0.8,B,C\n")
    net = ds.network.Interactome.from_file(csv, columns=("protein1", "protein2"))
    assert net.neighbors("B") == ["A", "C"]
    table = pd.DataFrame({"x": [7157, 7157], "y": ["672", 1]})
    assert list(ds.network.Interactome.from_edges(table).genes) == ["1", "672", "7157"]


def test_a_header_read_as_an_edge_is_warned_about(tmp_path, caplog):
    path = tmp_path / "string.tsv"
    path.write_text("protein1\tprotein2\n1\t2\n2\t3\n3\t4\n")
    with caplog.at_level("WARNING", logger="drugscreen"):
        net = ds.network.Interactome.from_file(path)
    assert "looks like a header" in caplog.text and net.n_genes == 4  # the header pair is its own component
    assert ds.network.Interactome.from_file(path, columns=("protein1", "protein2")).n_genes == 4


def test_bad_input_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ds.network.Interactome.from_file(tmp_path / "none.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\t2\n3\n")
    with pytest.raises(InputError, match="line 2"):
        ds.network.Interactome.from_file(bad)
    with pytest.raises(InputError, match="no column 'p9'"):
        ds.network.Interactome.from_file(bad, columns=("p9", "p2"))
    with pytest.raises(InputError, match="no edges"):
        ds.network.Interactome.from_edges([("A", "A")])
    with pytest.raises(InputError, match="pair"):
        ds.network.Interactome.from_edges([("A", "B", "C")])


def test_distance_cache_is_written_once_and_memory_mapped(tmp_path):
    edges = random_graph(60, 0.08, 4)
    net = ds.network.Interactome.from_edges(edges, cache_dir=tmp_path)
    first = np.array(net.distances)
    files = list(tmp_path.glob("distances-*.npy"))
    assert len(files) == 1 and not list(tmp_path.glob(".*tmp"))
    again = ds.network.Interactome.from_edges(edges, cache_dir=tmp_path)
    assert isinstance(again.distances, np.memmap)
    assert np.array_equal(again.distances, first)
    files[0].write_bytes(b"not a numpy file")  # a corrupted cache is recomputed, not trusted
    third = ds.network.Interactome.from_edges(edges, cache_dir=tmp_path)
    assert np.array_equal(third.distances, first)


def test_too_long_paths_are_refused():
    n = 300
    indptr = np.r_[0, np.cumsum([1] + [2] * (n - 2) + [1])]
    indices = np.concatenate([[1]] + [[i - 1, i + 1] for i in range(1, n - 1)] + [[n - 2]])
    with pytest.raises(InputError, match="254"):
        compute_distances(indptr, indices)


def test_gene_set_files_keep_ids_as_text(tmp_path):
    from drugscreen.network.edgelist import read_gene_sets

    table = pd.DataFrame({"disease": [100100.0, 100100.0, None], "gene": [7157.0, np.nan, 672.0]})
    table.to_parquet(tmp_path / "sets.parquet")
    assert read_gene_sets(tmp_path / "sets.parquet") == {"100100": ["7157"]}
    table.to_csv(tmp_path / "sets.csv", index=False)
    assert read_gene_sets(tmp_path / "sets.csv") == {"100100": ["7157"]}  # pandas wrote "7157.0"


def test_resolve_reports_missing():
    net = ds.network.Interactome.from_edges([("1", "2"), ("2", "3")])
    nodes, missing = net.resolve([3, "1", "99", 99])
    assert [net.genes[i] for i in nodes] == ["1", "3"] and missing == ["99"]
