"""Knowledge-graph embeddings: learning, filtered rank arithmetic, typed negatives, the hetnet scorer, PyKEEN."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pandas as pd
import pytest
import torch
from hetnet_data import planted_hetnet, random_hetnet
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import drugscreen as ds
from drugscreen.errors import DrugscreenError, InputError
from drugscreen.repurpose.kge import KGEmbedding, hetnet_triples, kge_scorer
from drugscreen.repurpose.kge_metrics import filtered_ranks, rank_summary
from drugscreen.repurpose.kge_models import MODELS, Pools, corrupt


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def chain_kg(seed: int = 0, n_clusters: int = 6, size: int = 10, per: int = 5, test_share: float = 0.15):
    """Clusters of entities in a ring: relation ``c`` joins cluster c to c + 1, relation
    ``n + c`` cluster c to c + 2, each entity to ``per`` random members of the target cluster.
    Every model can express it; a held-out triple's tail is one of the target cluster's members."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_clusters):
        for step, relation in ((1, c), (2, n_clusters + c)):
            target = (c + step) % n_clusters
            for i in range(size):
                rows += [
                    (c * size + i, relation, target * size + j) for j in rng.choice(size, per, replace=False)
                ]
    triples = rng.permutation(np.array(rows))
    n_test = int(len(triples) * test_share)
    return triples[n_test:], triples[:n_test], n_clusters * size, 2 * n_clusters


def random_mrr(test: np.ndarray, known: np.ndarray, n_entities: int) -> float:
    """Expected filtered MRR of scores in random order: E[1/rank] = H_n / n over n candidates."""
    known_set = {tuple(t) for t in np.concatenate([test, known]).tolist()}
    values = []
    for h, r, t in test.tolist():
        for side in (0, 2):
            n = sum(
                1
                for e in range(n_entities)
                if (e == (h, r, t)[side]) or ((e, r, t) if side == 0 else (h, r, e)) not in known_set
            )
            values.append(sum(1.0 / k for k in range(1, n + 1)) / n)
    return float(np.mean(values))


# -- learning ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_each_model_learns_a_planted_pattern(model):
    train, test, n_entities, n_relations = chain_kg()
    est = KGEmbedding(
        model, dim=16, epochs=100, batch_size=128, learning_rate=0.02, num_negatives=4, progress=False
    )
    est.fit(train, n_entities=n_entities, n_relations=n_relations)
    metrics = est.rank_metrics(test, train)
    baseline = random_mrr(test, train, n_entities)
    assert baseline < 0.11
    assert metrics["mrr"] > max(0.25, 2.5 * baseline), (model, metrics, baseline)
    assert metrics["hits_at_10"] > 0.6
    assert est.loss_history_[-1] < est.loss_history_[0]


def test_same_seed_same_embeddings_and_other_seed_differs():
    train, _, n_entities, n_relations = chain_kg()
    kw = dict(dim=8, epochs=3, num_negatives=2, progress=False)
    a = KGEmbedding("RotatE", random_state=3, **kw).fit(train, n_entities=n_entities, n_relations=n_relations)
    b = KGEmbedding("RotatE", random_state=3, **kw).fit(train, n_entities=n_entities, n_relations=n_relations)
    c = KGEmbedding("RotatE", random_state=4, **kw).fit(train, n_entities=n_entities, n_relations=n_relations)
    np.testing.assert_array_equal(a.entity_embeddings_, b.entity_embeddings_)
    np.testing.assert_array_equal(a.relation_embeddings_, b.relation_embeddings_)
    assert a.loss_history_ == b.loss_history_
    assert not np.array_equal(a.entity_embeddings_, c.entity_embeddings_)


@pytest.mark.parametrize("model", MODELS)
def test_scores_agree_across_the_three_scoring_methods(model):
    train, test, n_entities, n_relations = chain_kg()
    est = KGEmbedding(model, dim=6, epochs=2, progress=False).fit(
        train, n_entities=n_entities, n_relations=n_relations
    )
    h, r, t = test[:20].T
    direct = est.score_hrt(h, r, t)
    tails = est.score_tails(h, r)
    heads = est.score_heads(r, t)
    assert tails.shape == heads.shape == (20, n_entities)
    np.testing.assert_allclose(tails[np.arange(20), t], direct, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(heads[np.arange(20), h], direct, rtol=1e-4, atol=1e-4)
    complex_model = model in ("ComplEx", "RotatE")
    assert np.iscomplexobj(est.entity_embeddings_) == complex_model
    assert est.entity_embeddings_.shape == (n_entities, 6)
    if model == "RotatE":
        np.testing.assert_allclose(np.abs(est.relation_embeddings_), 1.0, rtol=1e-5)
    if model in ("TransE", "DistMult"):
        np.testing.assert_allclose(np.linalg.norm(est.entity_embeddings_, axis=1), 1.0, rtol=1e-5)


def test_string_labels_kinds_and_isolated_entities():
    triples = pd.DataFrame(
        {"head": ["c1", "c2", "c1", "g1"], "relation": ["binds", "binds", "treats", "assoc"],
         "tail": ["g1", "g2", "d1", "d1"]}
    )  # fmt: skip
    kinds = {"c1": "C", "c2": "C", "c3": "C", "g1": "G", "g2": "G", "d1": "D", "d2": "D"}
    est = KGEmbedding("DistMult", dim=4, epochs=2, progress=False).fit(triples, entity_kinds=kinds)
    assert list(est.entities_) == list(kinds)  # c3 and d2 are in no triple and still embedded
    assert est.entity_kinds_["d2"] == "D"
    assert est.score_tails(["c3"], ["treats"]).shape == (1, 7)
    metrics = est.rank_metrics(triples.iloc[:2])
    assert set(metrics) == {"mrr", "hits_at_1", "hits_at_3", "hits_at_10", "mean_rank", "n"}
    assert metrics["n"] == 4
    assert clone(est).get_params() == est.get_params()
    assert ds.repurpose.KGEmbedding is KGEmbedding


# -- filtered ranks against a brute-force oracle --------------------------------------------------


def brute_force_ranks(
    table: np.ndarray, test: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One triple, one side, one candidate at a time: the realistic filtered rank."""
    known_set = {tuple(t) for t in np.concatenate([test, known]).tolist()}
    n = table.shape[0]
    out = {0: [], 2: []}
    for h, r, t in test.tolist():
        for side in (0, 2):
            true_score = table[h, r, t]
            higher = at_least = 0
            for e in range(n):
                candidate = (e, r, t) if side == 0 else (h, r, e)
                if candidate != (h, r, t) and candidate in known_set:
                    continue
                higher += table[candidate] > true_score
                at_least += table[candidate] >= true_score
            out[side].append(((higher + 1) + at_least) / 2)
    return np.array(out[0], dtype=float), np.array(out[2], dtype=float)


def table_scorers(table: np.ndarray):
    return (lambda r, t: table[:, r, t].T), (lambda h, r: table[h, r, :])


@pytest.mark.parametrize("seed", range(6))
def test_filtered_ranks_match_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    n_entities, n_relations = int(rng.integers(2, 15)), int(rng.integers(1, 4))
    table = rng.integers(0, 3 + seed, size=(n_entities, n_relations, n_entities)).astype(float)  # many ties
    all_triples = np.array(list(itertools.product(range(n_entities), range(n_relations), range(n_entities))))
    test = all_triples[rng.choice(len(all_triples), int(rng.integers(1, 30)))]  # repeats allowed
    known = all_triples[rng.random(len(all_triples)) < rng.random()]
    heads, tails = filtered_ranks(*table_scorers(table), test, known, n_entities, n_relations, batch_size=7)
    want_heads, want_tails = brute_force_ranks(table, test, known)
    np.testing.assert_array_equal(heads, want_heads)
    np.testing.assert_array_equal(tails, want_tails)
    summary = rank_summary(heads, tails)
    pooled = np.concatenate([want_heads, want_tails])
    assert summary["mrr"] == pytest.approx(np.mean(1 / pooled))
    for k in (1, 3, 10):
        assert summary[f"hits_at_{k}"] == pytest.approx(np.mean(pooled <= k))
    assert summary["n"] == 2 * len(test)
    assert rank_summary(heads, tails, side="head")["mrr"] == pytest.approx(np.mean(1 / want_heads))


def test_rank_edge_cases():
    n = 9
    tied = np.zeros((n, 1, n))
    scorers = table_scorers(tied)
    one = np.array([[2, 0, 5]])
    # one test triple, every candidate tied: the middle of n places
    heads, tails = filtered_ranks(*scorers, one, None, n, 1)
    assert heads.tolist() == tails.tolist() == [(1 + n) / 2]
    # the filter removes every other candidate: rank 1 however the scores tie
    everything = np.array([(h, 0, t) for h in range(n) for t in range(n)])
    heads, tails = filtered_ranks(*scorers, one, everything, n, 1)
    assert heads.tolist() == tails.tolist() == [1.0]
    # the test triple itself in the filter is never removed; a strictly best score ranks 1
    table = np.arange(n * n, dtype=float).reshape(n, 1, n)
    heads, tails = filtered_ranks(*table_scorers(table), np.array([[n - 1, 0, n - 1]]), one, n, 1)
    assert heads.tolist() == tails.tolist() == [1.0]
    # a realistic 1.5 is no hit at 1
    assert rank_summary(np.array([1.5]), np.array([1.0]))["hits_at_1"] == 0.5


def test_rank_inputs_are_checked():
    scorers = table_scorers(np.zeros((3, 1, 3)))
    with pytest.raises(InputError, match="triples"):
        filtered_ranks(*scorers, np.array([[0, 0, 3]]), None, 3, 1)
    with pytest.raises(InputError, match="filter_triples"):
        filtered_ranks(*scorers, np.array([[0, 0, 1]]), np.array([[0, 1, 1]]), 3, 1)
    with pytest.raises(InputError, match="side"):
        rank_summary(np.ones(2), np.ones(2), side="left")
    nan = np.full((3, 1, 3), np.nan)
    with pytest.raises(DrugscreenError, match="non-finite"):
        filtered_ranks(*table_scorers(nan), np.array([[0, 0, 1]]), None, 3, 1)


# -- type-constrained negatives ------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.integers(0, 3), min_size=2, max_size=25),
    data=st.data(),
    k=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_negatives_keep_the_kind_of_the_entity_they_replace(kinds, data, k, seed):
    kind = np.unique(kinds, return_inverse=True)[1]  # codes 0..m-1, as fit makes them
    n = len(kind)
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=20)
    )
    positive = torch.tensor([(h, 0, t) for h, t in pairs], dtype=torch.int64)
    negative = corrupt(positive, Pools.from_kinds(kind), k, torch.Generator().manual_seed(seed))
    assert negative.shape == (len(positive), k, 3)
    size = np.bincount(kind)
    for (h, r, t), negs in zip(positive.tolist(), negative.tolist(), strict=True):
        for nh, nr, nt in negs:
            assert nr == r
            if size[kind[h]] == 1 and size[kind[t]] == 1:
                assert (nh, nt) == (h, t)  # nothing of either kind to swap in
                continue
            assert (nh != h) + (nt != t) == 1  # exactly one side replaced, never by itself
            if nh != h:
                assert kind[nh] == kind[h]
            else:
                assert kind[nt] == kind[t]


def test_negatives_are_uniform_over_the_other_entities_of_the_kind():
    kind = np.array([0, 1, 0, 0, 1, 0, 1, 0])  # kind 0: 0, 2, 3, 5, 7
    positive = torch.tensor([[2, 0, 4]] * 20000)
    negative = corrupt(positive, Pools.from_kinds(kind), 1, torch.Generator().manual_seed(0))[:, 0]
    heads = negative[negative[:, 0] != 2][:, 0].numpy()
    tails = negative[negative[:, 2] != 4][:, 2].numpy()
    assert 0.48 < len(heads) / 20000 < 0.52
    counts = np.bincount(heads, minlength=8)
    assert counts[[1, 2, 4, 6]].sum() == 0
    assert np.all(np.abs(counts[[0, 3, 5, 7]] / len(heads) - 0.25) < 0.02)
    assert set(np.unique(tails)) == {1, 6}
    # without kinds: any other entity
    everyone = corrupt(positive, Pools.from_kinds(np.zeros(8, int)), 1, torch.Generator().manual_seed(0))[
        :, 0
    ]
    assert set(np.unique(everyone[everyone[:, 0] != 2][:, 0].numpy())) == {0, 1, 3, 4, 5, 6, 7}


def test_fit_draws_negatives_from_the_given_kinds(monkeypatch):
    import drugscreen.repurpose.kge_models as kge_models

    seen = []

    def recording(positive, pools, k, gen):
        negative = corrupt(positive, pools, k, gen)
        seen.append(negative)
        return negative

    monkeypatch.setattr(kge_models, "corrupt", recording)
    net = random_hetnet(1)
    triples = hetnet_triples(net)
    kinds = dict(zip(net.nodes["id"], net.nodes["kind"], strict=True))
    est = KGEmbedding("TransE", dim=4, epochs=2, num_negatives=3, progress=False).fit(
        triples, entity_kinds=kinds
    )
    negatives = torch.cat([s.reshape(-1, 3) for s in seen]).numpy()
    kind_of = est.entity_kinds_.to_numpy()
    relation_kinds = triples.groupby("relation")[["head_kind", "tail_kind"]].first()
    relation_kinds = relation_kinds.loc[list(est.relations_)].to_numpy()
    assert (kind_of[negatives[:, 0]] == relation_kinds[negatives[:, 1], 0]).all()
    assert (kind_of[negatives[:, 2]] == relation_kinds[negatives[:, 1], 1]).all()


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"model": "TransH"}, "model"),
        ({"dim": 0}, "dim"),
        ({"epochs": 1.5}, "epochs"),
        ({"batch_size": -1}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"num_negatives": 0}, "num_negatives"),
        ({"loss": "hinge"}, "loss"),
        ({"margin": float("nan")}, "margin"),
        ({"regularization": -0.1}, "regularization"),
        ({"random_state": -1}, "random_state"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_bad_parameters_name_themselves(params, name):
    train, _, _, _ = chain_kg()
    with pytest.raises(InputError, match=name) as info:
        KGEmbedding(**params, progress=False).fit(train)
    assert "\n" not in str(info.value)


def test_bad_inputs():
    est = KGEmbedding(dim=2, epochs=1, progress=False)
    with pytest.raises(InputError, match="'tail' column"):
        est.fit(pd.DataFrame({"head": ["a"], "relation": ["r"]}))
    with pytest.raises(InputError, match="no rows"):
        est.fit(pd.DataFrame({"head": [], "relation": [], "tail": []}))
    with pytest.raises(InputError, match=r"\[n, 3\]"):
        est.fit(np.zeros((3, 2), dtype=int))
    with pytest.raises(InputError, match="n_entities"):
        est.fit(np.array([[0, 0, 5]]), n_entities=3)
    with pytest.raises(InputError, match="entity_kinds"):
        est.fit(pd.DataFrame({"head": ["a"], "relation": ["r"], "tail": ["b"]}), entity_kinds={"a": "X"})
    with pytest.raises(DrugscreenError, match="not fitted"):
        est.score_tails(["a"], ["r"])
    est.fit(pd.DataFrame({"head": ["a"], "relation": ["r"], "tail": ["b"]}))
    with pytest.raises(InputError, match="unknown entity 'zz'"):
        est.score_tails(["zz"], ["r"])
    with pytest.raises(InputError, match="unknown relation"):
        est.score_heads(["q"], ["a"])


# -- the hetnet adaptor --------------------------------------------------------------------------


def test_hetnet_triples_cover_every_edge():
    net = random_hetnet(0)
    triples = hetnet_triples(net)
    for name, edge in net.metagraph.metaedges.items():
        rows = triples[triples["relation"] == name]
        if edge.source == edge.target and not edge.directed:  # both directions, a self-loop once
            want = 2 * net.n_edges(name) - int(net.adjacency(name).diagonal().astype(bool).sum())
        else:
            want = net.n_edges(name)
        assert len(rows) == want, name
        assert set(rows["head_kind"]) <= {edge.source} and set(rows["tail_kind"]) <= {edge.target}
        assert set(rows["head"]) <= set(net.node_ids(edge.source))
    gig = triples[triples["relation"] == "GiG"]
    assert set(zip(gig["head"], gig["tail"], strict=True)) == set(zip(gig["tail"], gig["head"], strict=True))


def test_kge_scorer_shape_and_orientation():
    net = random_hetnet(2)
    estimator = KGEmbedding("ComplEx", dim=4, epochs=3, progress=False, random_state=5)
    scores = kge_scorer(estimator)(net)
    compounds, diseases = net.node_ids("Compound"), net.node_ids("Disease")
    assert scores.shape == (len(compounds), len(diseases))
    assert not hasattr(estimator, "entity_embeddings_")  # a clone was fitted
    kinds = pd.Series(net.nodes["kind"].to_numpy(), index=net.nodes["id"].to_numpy())
    direct = clone(estimator).fit(hetnet_triples(net)[["head", "relation", "tail"]], entity_kinds=kinds)
    i, j = 4, 1
    assert scores[i, j] == pytest.approx(
        direct.score_hrt([compounds[i]], ["CtD"], [diseases[j]])[0], rel=1e-5
    )
    with pytest.raises(InputError, match="joins"):
        kge_scorer(estimator, treats="CbG")(net)
    with pytest.raises(InputError, match="KGEmbedding"):
        kge_scorer("TransE")  # type: ignore[arg-type]


def test_kge_scorer_finds_held_out_planted_treatments():
    net = planted_hetnet(0)
    held = net.edges("CtD").sample(frac=0.2, random_state=0)
    train = net.without_edges("CtD", list(held.itertuples(index=False, name=None)))
    compounds, diseases = net.node_ids("Compound"), net.node_ids("Disease")
    truth = np.zeros((len(compounds), len(diseases)), dtype=bool)
    truth[compounds.get_indexer(held["source"]), diseases.get_indexer(held["target"])] = True
    known = train.adjacency("CtD").toarray() > 0
    estimator = KGEmbedding(
        "DistMult", dim=16, epochs=50, batch_size=128, learning_rate=0.02, num_negatives=4
    )
    scores = kge_scorer(estimator.set_params(progress=False))(train)
    assert roc_auc_score(truth[~known], scores[~known]) > 0.65


# -- against PyKEEN ------------------------------------------------------------------------------


def pykeen_scorers(model):
    """A PyKEEN model's ``score_h`` and ``score_t`` as the two functions :func:`filtered_ranks` takes."""
    model.eval()

    def heads(r, t):
        with torch.no_grad():
            return model.score_h(torch.as_tensor(np.stack([r, t], 1))).numpy()

    def tails(h, r):
        with torch.no_grad():
            return model.score_t(torch.as_tensor(np.stack([h, r], 1))).numpy()

    return heads, tails


@pytest.mark.filterwarnings("ignore")  # PyKEEN's own deprecation and DataLoader warnings
def test_same_mrr_as_pykeen_on_nations(monkeypatch):
    """TransE and DistMult on Nations with identical settings: mean filtered MRR within seed noise.

    PyKEEN's training loop runs ``gc.collect()`` after every epoch (a tenth of a second in a
    process this size, most of its time here); it is switched off, which changes no number.
    """
    pytest.importorskip("pykeen")
    import pykeen.training.training_loop as loop
    from pykeen.datasets import Nations
    from pykeen.evaluation import RankBasedEvaluator
    from pykeen.losses import MarginRankingLoss
    from pykeen.models import DistMult, TransE
    from pykeen.sampling import BasicNegativeSampler
    from pykeen.training import SLCWATrainingLoop
    from pykeen.utils import set_random_seed

    monkeypatch.setattr(loop, "gc", type("NoGC", (), {"collect": staticmethod(lambda *a: 0)}))
    data = Nations()
    train, valid, test = (f.mapped_triples for f in (data.training, data.validation, data.testing))
    known = np.concatenate([train.numpy(), valid.numpy()])
    dim, epochs, lr, batch, seeds = 32, 60, 0.01, 256, range(4)
    for name, pykeen_model in (("TransE", TransE), ("DistMult", DistMult)):
        ours, theirs = [], []
        for seed in seeds:
            set_random_seed(seed)
            model = pykeen_model(
                triples_factory=data.training,
                embedding_dim=dim,
                loss=MarginRankingLoss(margin=1.0),
                random_seed=seed,
            )
            sampler = BasicNegativeSampler(mapped_triples=train, num_negs_per_pos=1)
            training = SLCWATrainingLoop(
                model=model, triples_factory=data.training, optimizer=torch.optim.Adam(model.parameters(), lr=lr),
                negative_sampler=sampler,
            )  # fmt: skip
            training.train(triples_factory=data.training, num_epochs=epochs, batch_size=batch, use_tqdm=False)
            result = RankBasedEvaluator().evaluate(
                model, test, additional_filter_triples=[train, valid], use_tqdm=False, batch_size=256
            )
            theirs.append(result.get_metric("both.realistic.inverse_harmonic_mean_rank"))
            if seed == 0:  # the metric arithmetic alone: our ranks of PyKEEN's own scores
                ranks = filtered_ranks(
                    *pykeen_scorers(model), test.numpy(), known, data.num_entities, data.num_relations
                )
                for key in ("inverse_harmonic_mean_rank", "hits_at_1", "hits_at_3", "hits_at_10"):
                    ours_value = rank_summary(*ranks)["mrr" if key.startswith("inverse") else key]
                    assert ours_value == pytest.approx(result.get_metric(f"both.realistic.{key}"), abs=1e-6)
            est = KGEmbedding(
                name, dim=dim, epochs=epochs, batch_size=batch, learning_rate=lr, num_negatives=1,
                random_state=seed, progress=False,
            )  # fmt: skip
            est.fit(train.numpy(), n_entities=data.num_entities, n_relations=data.num_relations)
            ours.append(est.rank_metrics(test.numpy(), known)["mrr"])
        pooled = ((statistics.variance(ours) + statistics.variance(theirs)) / 2) ** 0.5
        difference = statistics.mean(ours) - statistics.mean(theirs)
        assert abs(difference) <= 2 * pooled + 0.02, (name, ours, theirs)
        # learnt something: above scores in random order (0.38 on Nations, where filtering leaves few candidates)
        assert statistics.mean(ours) > random_mrr(test.numpy(), known, data.num_entities) + 0.03, (name, ours)
