"""Cross-validation folds, metrics and the seed-set readers."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.metrics import roc_auc_score

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.targets.folds import (
    clique_links,
    complex_links_from_file,
    complex_links_from_table,
    make_folds,
)
from drugscreen.targets.validation import column_metrics


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 60), k=st.integers(2, 6), n_links=st.integers(0, 40), seed=st.integers(0, 10**6))
def test_folds_partition_and_keep_blocks_together(n: int, k: int, n_links: int, seed: int) -> None:
    if n < k:
        return
    rng = np.random.default_rng(seed)
    nodes = rng.choice(500, size=n, replace=False)
    a, b = rng.choice(nodes, n_links), rng.choice(nodes, n_links)
    links = sparse.coo_matrix((np.ones(2 * n_links), (np.r_[a, b], np.r_[b, a])), shape=(500, 500)).tocsr()
    folds = make_folds(nodes, k, np.random.default_rng(seed), links)
    assert len(folds) == k
    together = np.concatenate(folds)
    assert np.array_equal(np.sort(together), np.sort(nodes))  # a partition: each gene once
    fold_of = {int(v): i for i, f in enumerate(folds) for v in f}
    for x, y in zip(a, b, strict=True):
        assert fold_of[int(x)] == fold_of[int(y)]
    plain = make_folds(nodes, k, np.random.default_rng(seed))
    assert max(map(len, plain)) - min(map(len, plain)) <= 1


def test_column_metrics_match_sklearn_and_hand_counts() -> None:
    net = ds.network.Interactome.from_edges([(f"g{i}", f"g{i + 1}") for i in range(30)])
    rng = np.random.default_rng(0)
    score = rng.integers(0, 5, size=net.n_genes).astype(float)  # many ties
    seeds, positives = np.array([0, 1]), np.array([5, 7, 20])
    auroc, r20, r100 = column_metrics(net, score, seeds, positives)
    rest = np.setdiff1d(np.arange(net.n_genes), seeds)
    assert auroc == pytest.approx(roc_auc_score(np.isin(rest, positives), score[rest]))
    order = rest[np.lexsort((net.genes[rest], net.degree[rest], -score[rest]))]
    assert r20 == np.isin(order[:20], positives).sum() / 3 and r100 == 1.0


def test_cross_validate_and_transfer_on_a_planted_module() -> None:
    rng = np.random.default_rng(1)
    edges = [(f"g{i}", f"g{j}") for i in range(200) for j in range(i + 1, 200) if rng.random() < 0.02]
    module = [f"g{i}" for i in range(25)]
    edges += [(a, b) for i, a in enumerate(module) for b in module[i + 1 :] if rng.random() < 0.4]
    net = ds.network.Interactome.from_edges(edges)
    genes = pd.DataFrame({"set": "planted", "gene": module, "source": ["OMIM"] * 12 + ["GWAS"] * 13})
    cv = ds.targets.cross_validate(net, genes, ("rwr", "heat", "degree"), blocks=None)
    summary = cv.summary.set_index("method")
    assert summary.loc["rwr", "auroc"] > 0.9 and summary.loc["heat", "auroc"] > 0.9
    assert summary.loc["degree", "auroc"] < summary.loc["rwr", "auroc"]
    assert len(cv.per_test) == 15 and set(cv.per_test["n_positives"]) == {5}
    moved = ds.targets.cross_validate(net, genes, ("rwr",), blocks="cliques")
    assert moved.per_test["n_positives"].sum() == 25
    tr = ds.targets.transfer(net, genes, ("rwr",))
    assert tr.per_test["n_seeds"].tolist() == [12] and tr.per_test["n_positives"].tolist() == [13]
    with pytest.raises(InputError, match="no disease has 30 genes"):
        ds.targets.cross_validate(net, genes, min_genes=30)
    with pytest.raises(InputError, match="needs complexes="):
        ds.targets.cross_validate(net, genes, blocks="complexes")


def test_complex_links(tmp_path) -> None:
    net = ds.network.Interactome.from_edges([("1", "2"), ("2", "3"), ("3", "4"), ("1", "3")])
    path = tmp_path / "edges.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("# comment\n1\t2\tcomplexes;literature\n2\t3\tliterature\n3\t4\tcomplexes\n")
    links = complex_links_from_file(net, path)
    pairs = {(net.genes[i], net.genes[j]) for i, j in zip(*links.nonzero(), strict=True) if i < j}
    assert pairs == {("1", "2"), ("3", "4")}
    table = complex_links_from_table(net, pd.DataFrame({"complex": ["c", "c", "c"], "gene": [1, 2.0, "4"]}))
    assert table.nnz == 6
    cliques = clique_links(net, min_overlap=0.5)
    assert cliques.nnz > 0 and (cliques != cliques.T).nnz == 0


def test_read_seed_sets_formats(tmp_path) -> None:
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("d1\tdesc\t7157\t672\n\nd2\t\t675\n")
    assert ds.targets.read_seed_sets(gmt).groupby("set").size().to_dict() == {"d1": 2, "d2": 1}
    menche = tmp_path / "DataS2.tsv"
    menche.write_text(
        "# x\n# disease\tn\tn\tn\tOMIM_genes\tGWAS_genes\nasthma\t3\t1\t2\t1;2\t2;3\nflu\t1\t1\t0\t4\n"
    )
    table = ds.targets.read_seed_sets(menche)
    assert table[table["set"] == "asthma"][["gene", "source"]].values.tolist() == [
        ["1", "OMIM"],
        ["2", "OMIM"],
        ["3", "GWAS"],
    ]
    frame = pd.DataFrame({"disease": ["a", "a"], "gene": [7157.0, 7157], "w": [1.0, 2.0]})
    read = ds.targets.read_seed_sets(frame, weight_column="w")
    assert read[["gene", "weight"]].values.tolist() == [["7157", 2.0]]
    with pytest.raises(InputError, match="no column 'w2'"):
        ds.targets.read_seed_sets(frame, weight_column="w2")
    with pytest.raises(InputError, match="does not exist"):
        ds.targets.read_seed_sets(tmp_path / "nope.gmt")
