"""The repurposing evaluation harness: splits, tie-fair metrics, held-out edges never seen."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hetnet_data import planted_hetnet
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score

from drugscreen.errors import InputError
from drugscreen.repurpose import harness
from drugscreen.repurpose.rephetio import Rephetio

FAST = dict(max_length=3, n_negatives=None, prior_permutations=10, C=0.3, progress=False)


def random_labels(seed: int, shape=(30, 12), density=0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = rng.random(shape) < density
    labels[0, :] = True  # every disease treated at least once
    return labels


@given(st.lists(st.integers(0, 3), min_size=1, max_size=7), st.data())
@settings(max_examples=60, deadline=None)
def test_expected_hits_is_the_mean_over_every_order_of_the_ties(scores, data):
    score = np.array(scores, dtype=float)
    truth = np.array(data.draw(st.lists(st.booleans(), min_size=len(score), max_size=len(score))))
    k = data.draw(st.integers(1, len(score) + 1))
    # brute force: every order of the pairs, best score first, ties in that order
    totals = [
        truth[sorted(order, key=lambda i: -score[i])[:k]].sum()
        for order in itertools.permutations(range(len(score)))
    ]
    assert harness.expected_hits(truth, score, k) == pytest.approx(np.mean(totals))


def test_ranking_metrics_against_sklearn_and_a_loop():
    rng = np.random.default_rng(1)
    truth = rng.random(500) < 0.1
    score = rng.integers(0, 20, 500).astype(float)
    score[:5] = np.nan  # ranks last
    groups = rng.integers(0, 7, 500)
    out = harness.ranking_metrics(truth, score, groups, top=50, precision_at=(10,))
    filled = np.where(np.isnan(score), -1.0, score)
    assert out["auroc"] == pytest.approx(roc_auc_score(truth, filled))
    assert out["auprc"] == pytest.approx(average_precision_score(truth, filled))
    assert out["prevalence"] == pytest.approx(truth.mean())
    per_group = [roc_auc_score(truth[groups == g], filled[groups == g]) for g in range(7)]
    assert out["mean_group_auroc"] == pytest.approx(np.mean(per_group))
    assert out["hits_top"] == pytest.approx(harness.expected_hits(truth, filled, 50))
    assert out["precision_at_10"] == pytest.approx(harness.expected_hits(truth, filled, 10) / 10)
    default = harness.ranking_metrics(truth, score)
    assert default["top"] == max(1, round(harness.TOP_SHARE * 500))
    with pytest.raises(InputError, match="one positive and one negative"):
        harness.ranking_metrics(np.zeros(4, bool), np.arange(4.0))
    with pytest.raises(InputError, match="labels but"):
        harness.ranking_metrics(truth, score[:-1])


@pytest.mark.parametrize("n_folds", [2, 3, 5])
def test_disease_splits_hold_each_treated_disease_out_once(n_folds):
    labels = random_labels(n_folds)
    labels[:, 5] = False  # an untreated disease is never evaluated
    splits = harness.disease_splits(labels, n_folds, seed=3)
    held = np.array([s.ranked[0] for s in splits])
    assert (held.sum(axis=0)[labels.any(axis=0)] == 1).all() and not held[:, 5].any()
    sizes = held.sum(axis=1)
    assert sizes.max() - sizes.min() <= 1
    for split in splits:
        assert not (split.train & split.ranked).any()  # no edge of a held-out disease is left
        np.testing.assert_array_equal(split.train | split.positive, labels)
        assert (split.ranked == split.ranked[0][None, :]).all()  # whole columns
    assert sum(s.positive.sum() for s in splits) == labels.sum()
    with pytest.raises(InputError, match="cannot fill"):
        harness.disease_splits(labels[:, :2], 5)


def test_edge_and_external_splits():
    labels = random_labels(7)
    splits = harness.edge_splits(labels, 4, seed=1)
    assert sum(s.positive.sum() for s in splits) == labels.sum()
    for split in splits:
        np.testing.assert_array_equal(split.ranked, ~split.train)
        np.testing.assert_array_equal(split.train | split.positive, labels)
    external = random_labels(8)
    external[:, 3] = False  # a disease the source does not cover is not ranked
    split = harness.external_split(labels, external)
    np.testing.assert_array_equal(split.positive, external & ~labels)
    assert not (split.ranked & labels).any() and not split.ranked[:, 3].any()
    np.testing.assert_array_equal(split.ranked[:, 4], ~labels[:, 4])
    everything = harness.external_split(labels, external, covered=np.ones(labels.shape[1], bool))
    np.testing.assert_array_equal(everything.ranked, ~labels)
    with pytest.raises(InputError, match="already a known pair"):
        harness.external_split(labels, labels)
    with pytest.raises(InputError, match="n_folds"):
        harness.edge_splits(labels, 1)


def test_evaluate_never_shows_a_held_out_edge():
    net = planted_hetnet(0)
    labels = net.adjacency("CtD").toarray().astype(bool)
    splits = harness.disease_splits(labels, 3) + harness.edge_splits(labels, 3)
    seen = []

    def peeking(train_net):
        edges = train_net.adjacency("CtD").toarray().astype(bool)
        seen.append(edges)
        return edges.astype(float)  # only the training edges: no signal on held-out pairs

    def oracle(train_net):
        return labels.astype(float)  # knows the answer: perfect

    results = harness.evaluate({"peek": peeking, "oracle": oracle}, net, splits, progress=False)
    for edges, split in zip(seen, splits, strict=True):
        np.testing.assert_array_equal(edges, split.train)
    peek = results[results["scorer"] == "peek"]
    assert (peek["auroc"] == 0.5).all()
    assert (results.loc[results["scorer"] == "oracle", "auroc"] == 1.0).all()
    summary = harness.summarise(results)
    oracle_hits = summary.set_index(["protocol", "scorer"])["hits_top"]
    assert oracle_hits[("edges", "oracle")] == pytest.approx(
        sum(min(s.positive.sum(), harness.ranking_metrics(s.positive[s.ranked], s.positive[s.ranked])["top"])
            for s in splits if s.protocol == "edges")
    )  # fmt: skip
    with pytest.raises(InputError, match="returned shape"):
        harness.evaluate({"bad": lambda n: np.zeros(3)}, net, splits[:1], progress=False)


def test_baselines_and_the_rephetio_scorer():
    net = planted_hetnet(0)
    labels = net.adjacency("CtD").toarray().astype(bool)
    split = harness.edge_splits(labels, 3, seed=0)[0]
    reduced = net.replace("CtD", split.train.astype(float))
    scorers = harness.baseline_scorers(paths=("CbGaD", "CtDrD"))
    degree = scorers["compound_degree"](reduced)
    np.testing.assert_array_equal(degree[:, 0], split.train.sum(axis=1))
    product = scorers["degree_product"](reduced)
    np.testing.assert_array_equal(product, np.outer(split.train.sum(axis=1), split.train.sum(axis=0)))
    # the scorer shares the DWPC of metapaths without treats edges, and equals a plain fit
    model = Rephetio(**FAST)
    score = harness.rephetio_scorer(model, net)
    plain = clone(model).fit(reduced).predict()["score"].to_numpy().reshape(labels.shape)
    np.testing.assert_allclose(score(reduced), plain, rtol=1e-6)
    assert not hasattr(model, "classifier_")  # never fitted in place
    with pytest.raises(InputError, match="needs a Rephetio"):
        harness.rephetio_scorer(object(), net)


def test_hidden_edge_types_and_split_checks():
    net = planted_hetnet(0)
    labels = net.adjacency("CtD").toarray().astype(bool)
    splits = harness.disease_splits(labels, 3)
    seen = []

    def spy(train_net):
        seen.append(train_net.adjacency("DaG").toarray().astype(bool))  # rows: diseases
        return np.zeros(labels.shape)

    harness.evaluate({"spy": spy}, net, splits, hide=("DaG",), progress=False)
    full = net.adjacency("DaG").toarray().astype(bool)
    for dag, split in zip(seen, splits, strict=True):
        held = split.hidden
        assert not dag[held].any()  # the held-out diseases lost their hidden edges
        np.testing.assert_array_equal(dag[~held], full[~held])  # and only they did
    with pytest.raises(InputError, match="does not join"):
        harness.evaluate({"spy": spy}, net, splits[:1], hide=("GiG",), progress=False)
    # the Rephetio scorer recomputes metapaths through a hidden edge type
    model = Rephetio(**FAST)
    score = harness.rephetio_scorer(model, net)
    reduced = net.replace("CtD", splits[0].train.astype(float))
    reduced = reduced.replace("DaG", np.zeros(net.adjacency("DaG").shape))  # CbGaD must be recomputed
    plain = clone(model).fit(reduced).predict()["score"].to_numpy().reshape(labels.shape)
    np.testing.assert_allclose(score(reduced), plain, rtol=1e-6)
    bad = harness.Split("edges", 0, labels, ~labels, labels)  # positives that are training edges
    with pytest.raises(InputError, match="training edge or is not ranked"):
        harness.evaluate({"x": lambda n: np.zeros(labels.shape)}, net, [bad], progress=False)
    with pytest.raises(InputError, match="only 0/1"):
        harness.edge_splits(np.full(labels.shape, 2), 3)
    with pytest.raises(InputError, match="True/False per disease"):
        harness.external_split(labels, ~labels, covered=np.arange(labels.shape[1]))
    known = np.zeros_like(labels)
    known[1, :] = True
    split = harness.external_split(labels, ~labels, known=known)
    assert not split.ranked[1].any() and not split.positive[1].any()


def test_metric_inputs_are_checked():
    truth = np.array([True, False, False])
    with pytest.raises(InputError, match="2 groups for 3 pairs"):
        harness.ranking_metrics(truth, np.arange(3.0), np.array([0, 1]))
    with pytest.raises(InputError, match="labels but"):
        harness.expected_hits(truth, np.arange(4.0), 2)
    with pytest.raises(InputError, match="k must be"):
        harness.expected_hits(truth, np.arange(3.0), -1)
    assert harness.expected_hits(truth, np.arange(3.0), 0) == 0.0
