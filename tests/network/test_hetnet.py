"""Heterogeneous network: loading, adjacency per metaedge, metagraph and metapaths."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hetnet_data import random_hetnet

from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.network.metagraph import Metagraph

HETIONET = Path(__file__).resolve().parents[3] / "shared" / "data" / "hetionet"


def _toy() -> Hetnet:
    nodes = pd.DataFrame(
        {
            "id": ["c1", "c2", "g1", "g2", "g3", "d1"],
            "name": ["aspirin", "ibuprofen", "PTGS1", "PTGS2", "TP53", "pain"],
            "kind": ["Compound", "Compound", "Gene", "Gene", "Gene", "Disease"],
        }
    )
    edges = pd.DataFrame(
        [
            ("c1", "CbG", "g1"),
            ("c1", "CbG", "g2"),
            ("c2", "CbG", "g2"),
            ("g1", "GiG", "g2"),
            ("g2", "GiG", "g1"),  # the same undirected edge again
            ("g1", "Gr>G", "g3"),
            ("d1", "DaG", "g3"),
            ("c1", "CtD", "d1"),
        ],
        columns=["source", "metaedge", "target"],
    )
    return Hetnet.from_tables(nodes, edges)


def test_adjacency_per_metaedge_in_node_table_order():
    net = _toy()
    assert list(net.node_ids("Compound")) == ["c1", "c2"]
    np.testing.assert_array_equal(net.adjacency("CbG").toarray(), [[1, 1, 0], [0, 1, 0]])
    gig = net.adjacency("GiG").toarray()
    np.testing.assert_array_equal(gig, gig.T)  # undirected within a kind: symmetric
    assert net.n_edges("GiG") == 1 and net.report.n_duplicates == 1
    grg = net.adjacency("Gr>G").toarray()
    assert grg[0, 2] == 1 and grg[2, 0] == 0  # directed: source in rows only
    assert net.metagraph.metaedges["Gr>G"].directed
    assert net.degree("CbG").to_dict() == {"c1": 2, "c2": 1}
    assert net.degree("CbG", "Gene").to_dict() == {"g1": 1, "g2": 2, "g3": 0}
    assert net.edges("GiG").to_dict("list") == {"source": ["g1"], "target": ["g2"]}


def test_steps_walked_backwards_are_transposes():
    net = _toy()
    path = net.parse("CbG<rGaD")
    assert path.kinds == ("Compound", "Gene", "Gene", "Disease")
    assert [s.forward for s in path.steps] == [True, False, False]
    np.testing.assert_array_equal(net.adjacency(path.steps[1]).toarray(), net.adjacency("Gr>G").toarray().T)
    assert str(net.parse("CbGr>GaD")) == "CbGr>GaD"


def test_bad_records_are_dropped_and_reported(caplog):
    nodes = pd.DataFrame({"id": ["c1", "g1", "d1"], "kind": ["Compound", "Gene", "Disease"]})
    edges = pd.DataFrame(
        [("c1", "CbG", "g1"), ("c9", "CbG", "g1"), ("d1", "CbG", "g1")],
        columns=["source", "metaedge", "target"],
    )
    with caplog.at_level("WARNING", logger="drugscreen"):
        net = Hetnet.from_tables(nodes, edges)
    assert net.report.n_unknown_nodes == 1 and net.report.n_wrong_kind == 1
    assert net.n_edges("CbG") == 1
    assert "c9" in caplog.text and "unknown node id" in caplog.text


def test_relation_names_are_abbreviated():
    nodes = pd.DataFrame(
        {"id": ["c1", "g1", "g2", "p1"], "kind": ["Compound", "Gene", "Gene", "Biological Process"]}
    )
    edges = pd.DataFrame(
        [
            ("c1", "binds", "g1"),
            ("g2", "binds", "c1"),
            ("g1", "regulates", "g2"),
            ("g1", "participates", "p1"),
        ],
        columns=["source", "relation", "target"],
    )
    net = Hetnet.from_tables(nodes, edges, directed=["regulates"])
    assert sorted(net.metagraph.metaedges) == ["CbG", "GpBP", "Gr>G"]
    assert net.n_edges("CbG") == 2  # the reversed record is the same undirected metaedge
    with pytest.raises(InputError, match="abbreviated"):
        Hetnet.from_tables(
            nodes,
            pd.DataFrame(
                [("c1", "binds", "g1"), ("c1", "blocks", "g2")], columns=["source", "relation", "target"]
            ),
        )


def test_from_files_reads_tsv_and_gzip(tmp_path):
    nodes = tmp_path / "nodes.tsv"
    nodes.write_text("id\tname\tkind\nCompound::1\ta\tCompound\nGene::7\tb\tGene\n")
    edges = tmp_path / "edges.sif.gz"
    with gzip.open(edges, "wt") as fh:
        fh.write("source\tmetaedge\ttarget\nCompound::1\tCbG\tGene::7\n")
    net = Hetnet.from_files(nodes, edges)
    assert net.n_edges("CbG") == 1
    with pytest.raises(InputError, match="no such file"):
        Hetnet.from_files(tmp_path / "missing.tsv", edges)
    bad = tmp_path / "bad.tsv"
    bad.write_text("source\ttarget\nx\ty\n")
    with pytest.raises(InputError, match="metaedge"):
        Hetnet.from_files(nodes, bad)
    # several edge files: their union, an edge in both counted once
    extra = tmp_path / "extra.sif"
    extra.write_text("source\tmetaedge\ttarget\nCompound::1\tCbG\tGene::7\nGene::7\tGiG\tGene::7\n")
    both = Hetnet.from_files(nodes, [edges, extra])
    assert both.n_edges("CbG") == 1 and both.n_edges("GiG") == 1
    with pytest.raises(InputError, match="no edge file"):
        Hetnet.from_files(nodes, [])


def test_without_edges_and_replace_leave_the_original_alone():
    net = _toy()
    held_out = net.without_edges("GiG", [("g2", "g1")])
    assert held_out.n_edges("GiG") == 0 and net.n_edges("GiG") == 1
    assert held_out.adjacency("CbG") is net.adjacency("CbG")
    with pytest.raises(InputError, match="shape"):
        net.replace("CbG", net.adjacency("GiG"))


def test_metapath_parse_errors_name_the_problem():
    net = _toy()
    with pytest.raises(InputError, match="no metaedge"):
        net.parse("CaGbD")
    with pytest.raises(InputError, match="unknown node kind"):
        net.parse("CbXaD")
    with pytest.raises(InputError, match="not a metapath"):
        net.parse("cbgad")


def test_metapaths_enumerated_in_both_directions():
    net = random_hetnet(0)
    paths = [str(p) for p in net.metapaths("Compound", "Disease", max_length=2)]
    assert paths[0] == "CtD"
    assert {"CbGaD", "CrCtD", "CtDrD"} <= set(paths)
    three = {str(p) for p in net.metapaths("C", "D", max_length=3, min_length=3)}
    assert {"CbGr>GaD", "CbG<rGaD", "CbGiGaD"} <= three
    assert all(len(p) == 3 for p in net.metapaths("C", "D", max_length=3, min_length=3))


@pytest.mark.skipif(not HETIONET.exists(), reason="shared/data/hetionet not present")
def test_hetionet_metagraph_gives_rephetios_1206_metapaths():
    metaedges = pd.read_csv(HETIONET / "hetionet-v1.0-metaedges.tsv", sep="\t")
    metanodes = pd.read_csv(HETIONET / "hetionet-v1.0-metanodes.tsv", sep="\t")
    graph = Metagraph(
        dict(zip(metanodes.metanode, metanodes.abbreviation, strict=True)), metaedges.abbreviation
    )
    ours = [str(p) for p in graph.metapaths("Compound", "Disease", max_length=4, min_length=2)]
    published = pd.read_csv(HETIONET / "rephetio" / "metapaths.tsv", sep="\t")
    assert len(ours) == len(set(ours)) == 1206
    assert set(ours) == set(published.metapath)


def test_a_backwards_first_record_is_outvoted_not_trusted(caplog):
    nodes = pd.DataFrame(
        {"id": ["c1", "c2", "g1", "g2", "d1"], "kind": ["Compound"] * 2 + ["Gene"] * 2 + ["Disease"]}
    )
    edges = pd.DataFrame(
        [("g1", "CbG", "c1"), ("c1", "CbG", "g1"), ("c2", "CbG", "g2"), ("d1", "DaG", "g1")],
        columns=["source", "metaedge", "target"],
    )
    net = Hetnet.from_tables(nodes, edges)
    assert net.metagraph.kinds["Compound"] == "C" and net.metagraph.kinds["Gene"] == "G"
    assert net.n_edges("CbG") == 2 and net.n_edges("DaG") == 1 and net.report.n_wrong_kind == 1


def test_an_undirected_metaedge_written_both_ways_is_one():
    nodes = pd.DataFrame({"id": ["c1", "c2", "d1", "d2"], "kind": ["Compound"] * 2 + ["Disease"] * 2})
    by_name = pd.DataFrame(
        [("d1", "DtC", "c1"), ("c1", "CtD", "d2"), ("c2", "CtD", "d1")],
        columns=["source", "metaedge", "target"],
    )
    net = Hetnet.from_tables(nodes, by_name)
    assert list(net.metagraph.metaedges) == ["CtD"] and net.n_edges("CtD") == 3
    assert [str(p) for p in net.metapaths("Compound", "Disease", 1)] == ["CtD"]
    by_relation = pd.DataFrame(
        [("d1", "treats", "c1"), ("c1", "treats", "d2"), ("c2", "treats", "d1")],
        columns=["source", "relation", "target"],
    )
    assert list(Hetnet.from_tables(nodes, by_relation).metagraph.metaedges) == ["CtD"]  # majority orientation
    with pytest.raises(InputError, match="directed="):
        Hetnet.from_tables(nodes, by_relation, directed=["regulates"])


def test_replace_binarises_a_copy_and_checks_symmetry():
    net = _toy()
    matrix = net.adjacency("CbG").copy()
    matrix.data[0] = 0.0  # an edge removed by a zero stays removed
    replaced = net.replace("CbG", matrix)
    assert replaced.n_edges("CbG") == net.n_edges("CbG") - 1
    assert matrix.data[0] == 0.0  # the caller's matrix is not touched
    weighted = net.adjacency("CbG") * 5.0
    assert net.replace("CbG", weighted).adjacency("CbG").max() == 1.0
    lower = net.adjacency("GiG").toarray()
    lower[0, 1] = 0
    with pytest.raises(InputError, match="symmetric"):
        net.replace("GiG", lower)
    with pytest.raises(InputError, match="no metaedge 'XyZ'"):
        net.edges("XyZ")


def test_self_loops_are_kept_and_counted_once():
    nodes = pd.DataFrame({"id": ["g1", "g2"], "kind": ["Gene", "Gene"]})
    edges = pd.DataFrame([("g1", "GiG", "g1"), ("g1", "GiG", "g2")], columns=["source", "metaedge", "target"])
    net = Hetnet.from_tables(nodes, edges)
    assert net.report.n_self_loops == 1 and net.n_edges("GiG") == 2
    assert net.degree("GiG").to_dict() == {"g1": 2, "g2": 1}
