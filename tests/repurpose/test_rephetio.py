"""Rephetio-style model: features, fit/predict, honest cross-validation, permutation control."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hetnet_data import planted_hetnet, random_hetnet
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from drugscreen.errors import InputError
from drugscreen.repurpose import rephetio_eval
from drugscreen.repurpose.dwpc import dwpc
from drugscreen.repurpose.rephetio import Rephetio, column_aurocs
from drugscreen.repurpose.rephetio_eval import cross_validate, metapath_aurocs
from drugscreen.repurpose.rephetio_features import degree_prior, logit, metapath_block, transform_dwpc

FAST = dict(max_length=3, n_negatives=None, prior_permutations=20, C=0.3, progress=False)


@pytest.fixture(scope="module")
def planted():
    return planted_hetnet(0)


@pytest.fixture(scope="module")
def fitted(planted):
    return Rephetio(**FAST).fit(planted)


def test_degree_prior_keeps_the_expected_edge_count_and_forced_edges():
    rng = np.random.default_rng(0)
    treats = sparse.csr_array((rng.random((12, 9)) < 0.25).astype(float))
    prior = degree_prior(treats, n_permutations=30, seed=1)
    assert prior.sum() == pytest.approx(treats.sum())  # each permutation has every edge somewhere
    assert (prior[treats.sum(axis=1) == 0] == 0).all()  # an untreated compound never gets one
    full_rows = sparse.csr_array(np.vstack([np.ones(4), np.zeros(4)]))  # degree 4 of 4: forced
    np.testing.assert_array_equal(degree_prior(full_rows, n_permutations=5), full_rows.toarray())
    assert np.isfinite(logit(np.array([0.0, 1.0]))).all()


def test_dwpc_transform():
    raw = np.zeros((3, 2, 2), dtype=np.float32)
    raw[:, :, 0] = [[1, 2], [3, 0], [0, 0]]
    out = transform_dwpc(raw)
    np.testing.assert_allclose(out[:, :, 0], np.arcsinh(raw[:, :, 0] / raw[:, :, 0].mean()), rtol=1e-6)
    assert not out[:, :, 1].any()


def test_column_aurocs_match_sklearn_with_ties():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, size=(200, 5)).astype(float)
    y = rng.random(200) < 0.3
    expected = [roc_auc_score(y, x[:, j]) for j in range(5)]
    np.testing.assert_allclose(column_aurocs(x, y), expected, rtol=1e-12)


def test_fit_learns_the_planted_metapath(fitted, planted):
    dwpc_coefs = fitted.coef_[[n for n in fitted.coef_.index if n.startswith("dwpc_")]]
    assert dwpc_coefs.idxmax() == "dwpc_CbGaD" and dwpc_coefs.max() > 0
    table = fitted.predict()
    n_c, n_d = len(planted.node_ids("Compound")), len(planted.node_ids("Disease"))
    assert len(table) == n_c * n_d
    assert list(table.columns) == [
        "compound",
        "disease",
        "compound_name",
        "disease_name",
        "score",
        "head",
        "prior",
        "known",
    ]
    assert table["known"].sum() == planted.n_edges("CtD")
    assert roc_auc_score(table["known"], table["score"]) > 0.85
    assert clone(fitted).get_params() == fitted.get_params()


def test_rank_and_contributions_add_up(fitted):
    disease = "Disease::0"
    ranked = fitted.rank(disease, top=5)
    assert len(ranked) == 5 and not ranked["known"].any()
    assert ranked["score"].is_monotonic_decreasing and (ranked["disease"] == disease).all()
    assert fitted.rank(disease, top=None, include_known=True)["known"].sum() > 0
    table = fitted.predict().set_index(["compound", "disease"])
    compound = ranked["compound"][0]
    parts = fitted.contributions(compound, disease)
    log_odds = parts["contribution"].sum() + fitted.intercept_
    score = table.loc[(compound, disease), "score"]
    assert 1 / (1 + np.exp(-log_odds)) == pytest.approx(score, rel=1e-5)
    assert parts["contribution"].abs().is_monotonic_decreasing
    with pytest.raises(InputError, match="neither"):
        fitted.rank("nowhere")


def test_errors_are_clear(planted):
    with pytest.raises(InputError, match="no 'CpD' metaedge"):
        Rephetio(treats="CpD", **FAST).fit(planted)
    with pytest.raises(InputError, match="not fitted"):
        Rephetio().predict()
    with pytest.raises(InputError, match="do not join"):
        Rephetio(metapaths=["CbGiG"], **FAST).fit(planted)


def test_cross_validation_holds_edges_out_before_features(planted, monkeypatch):
    seen = []
    original = Rephetio.features

    def spy(self, hetnet, raw, paths):
        seen.append(hetnet.adjacency("CtD").toarray())
        return original(self, hetnet, raw, paths)

    monkeypatch.setattr(Rephetio, "features", spy)
    # without cross-fitting, one feature build per fold (cross-fitting is checked on its own below)
    result = cross_validate(Rephetio(**FAST, feature_folds=None), planted, n_folds=3, progress=False)
    held = result.predictions
    treats = planted.adjacency("CtD").toarray().astype(bool)
    rows = planted.positions("Compound", held["source"])
    cols = planted.positions("Disease", held["target"])
    for k, reduced in enumerate(seen):
        fold = (held["fold"] == k).to_numpy()
        assert not reduced[rows[fold], cols[fold]].any()  # every held-out pair is a non-edge
        other = treats.copy()
        other[rows[fold], cols[fold]] = False
        np.testing.assert_array_equal(reduced.astype(bool), other)  # and nothing else changed
    assert sorted(held["fold"].unique()) == [0, 1, 2]
    assert held["label"].sum() == treats.sum()  # every positive held out once
    summary = result.summary().set_index("model")
    assert set(summary.index) == {"rephetio", *rephetio_eval.BASELINES}
    assert summary.loc["rephetio", "auroc_mean"] > 0.8


def test_permutation_control_removes_the_signal(planted):
    real = cross_validate(Rephetio(**FAST), planted, n_folds=3, progress=False, with_baselines=False)
    control = cross_validate(
        Rephetio(**FAST), planted, n_folds=3, permute=True, progress=False, with_baselines=False
    )
    real_auc = real.summary().set_index("model").loc["rephetio", "auroc_mean"]
    control_auc = control.summary().set_index("model").loc["rephetio", "auroc_mean"]
    assert real_auc - control_auc > 0.15


def test_metapath_aurocs_and_network_distance():
    net = random_hetnet(0, density=0.4)
    table = metapath_aurocs(net, ["CbGaD", "CrCtD"], permuted=[net], n_negatives=None)
    assert list(table.columns) == ["metapath", "length", "auroc", "auroc_permuted", "delta_auroc"]
    np.testing.assert_allclose(table["delta_auroc"], 0.0)
    y = net.adjacency("CtD").toarray().ravel().astype(bool)
    assert table["auroc"][0] == pytest.approx(roc_auc_score(y, dwpc(net, "CbGaD").ravel()))
    distance = rephetio_eval.network_distance(net)
    assert distance is not None and distance.shape == (6, 5)
    assert rephetio_eval.network_distance(net, targets="CxG") is None
    scores = rephetio_eval.baselines(net, distance=distance)
    assert set(scores) == set(rephetio_eval.BASELINES)
    assert isinstance(pd.DataFrame({k: v.ravel() for k, v in scores.items()}), pd.DataFrame)


def test_elastic_net_zeros_and_bad_settings(planted):
    sparse_model = Rephetio(**{**FAST, "C": 0.02}).fit(planted)
    assert (sparse_model.coef_ == 0).any()  # the L1 part is active (plain ridge has no exact zeros)
    with pytest.raises(InputError, match="within one kind"):
        Rephetio(source="Compound", target="Compound", treats="CrC", **FAST).fit(planted)
    with pytest.raises(InputError, match="at least 2 folds"):
        cross_validate(Rephetio(**FAST), planted, n_folds=1)


def test_cross_validation_with_sampled_negatives(planted):
    params = {**FAST, "n_negatives": 300}
    result = cross_validate(Rephetio(**params), planted, n_folds=3, progress=False, with_baselines=False)
    held = result.predictions
    assert (~held["label"]).sum() == 300 and held["label"].sum() == planted.n_edges("CtD")
    assert not held.duplicated(["source", "target"]).any()


@pytest.mark.parametrize("by", ["edges", "diseases"])
def test_crossfitted_features_never_see_their_own_edges(planted, monkeypatch, by):
    model = Rephetio(**FAST, feature_folds=3)
    paths = model.resolve_metapaths(planted)
    raw = metapath_block(planted, paths, model.damping, "Compound", "Disease")
    labels = planted.adjacency("CtD").toarray().astype(bool)
    rows = model.training_rows(labels)
    calls = []
    original = Rephetio.features_without

    def spy(self, hetnet, raw, paths, held):
        out = original(self, hetnet, raw, paths, held)
        calls.append((np.array(held), out))
        return out

    monkeypatch.setattr(Rephetio, "features_without", spy)
    values = model.crossfit_features(planted, raw, paths, labels, rows, by=by)
    n_d = labels.shape[1]
    assert len(calls) == 3
    held_union = np.concatenate([held for held, _ in calls])
    np.testing.assert_array_equal(np.sort(held_union), np.flatnonzero(labels.ravel()))  # each edge once
    edges = np.flatnonzero(labels.ravel())
    for i, row in enumerate(rows):
        # the folds whose features this row carries (a row untouched by a fold matches several)
        match = [held for held, out in calls if np.array_equal(out.values[row], values[i])]
        assert match, f"row {row} matches no fold's features"
        if labels.ravel()[row]:
            assert any(row in held for held in match)  # computed without its own edge
        if by == "diseases":
            same_disease = set(edges[edges % n_d == row % n_d])
            assert any(same_disease <= set(held) for held in match)  # without any edge of its disease
    # and each fold's features are exactly those of a network built without the held edges
    held, out = calls[0]
    pairs = [(planted.node_ids("Compound")[r // n_d], planted.node_ids("Disease")[r % n_d]) for r in held]
    reduced = planted.without_edges("CtD", pairs)
    fresh = model.features(
        reduced, metapath_block(reduced, paths, model.damping, "Compound", "Disease"), paths
    )
    np.testing.assert_allclose(out.values, fresh.values, rtol=1e-6)


def test_zero_shot_head_scores_the_untreated_diseases(planted):
    labels = planted.adjacency("CtD").toarray().astype(bool)
    net = planted.replace("CtD", np.where(np.arange(labels.shape[1]) == 0, False, labels).astype(float))
    model = Rephetio(**FAST, feature_folds=3).fit(net)
    table = model.predict()
    untreated = table["disease"] == net.node_ids("Disease")[0]
    assert (table.loc[untreated, "head"] == "zero-shot").all()
    assert (table.loc[~untreated, "head"] == "treated").all()
    assert model.unseen_targets_.tolist() == [True] + [False] * (labels.shape[1] - 1)
    # contributions add up to the zero-shot head's log-odds for its pairs: the linear half's terms,
    # the bonus term, and the half intercept and trees' log-odds the averaged head adds
    row = table[untreated].iloc[0]
    parts = model.contributions(row["compound"], row["disease"])
    head = model.zero_shot_
    assert head.trees is not None and parts["feature"].iloc[:].str.startswith("bonus_").sum() <= 1
    i = int(net.positions("Compound", [row["compound"]])[0])
    x = model.features_.values[i * labels.shape[1] : i * labels.shape[1] + 1]
    log_odds = (
        parts["contribution"].sum()
        + 0.5 * head.model.intercept_[0]
        + 0.5 * head.trees.decision_function(x)[0]
    )
    assert 1 / (1 + np.exp(-log_odds)) == pytest.approx(row["score"], rel=1e-5)
    linear = Rephetio(**FAST, feature_folds=3, zero_shot_trees=False, path_bonus=0).fit(net)
    parts = linear.contributions(row["compound"], row["disease"])
    log_odds = parts["contribution"].sum() + linear.zero_shot_.model.intercept_[0]
    score = (
        linear.predict().set_index(["compound", "disease"]).loc[(row["compound"], row["disease"]), "score"]
    )
    assert 1 / (1 + np.exp(-log_odds)) == pytest.approx(score, rel=1e-5)
    # the head learnt from pairs whose disease has no treats edge: planted CbGaD signal carries it
    assert roc_auc_score(labels[:, 0], table.loc[untreated, "score"]) > 0.7
    plain = Rephetio(**FAST, feature_folds=3, zero_shot=False).fit(net)
    assert plain.zero_shot_ is None and (plain.predict()["head"] == "treated").all()


def test_c_is_the_most_regularised_within_one_standard_error(monkeypatch):
    from drugscreen.repurpose import rephetio_classifier as rephetio  # where the AUROCs are taken

    rng = np.random.default_rng(0)
    xs = rng.normal(size=(90, 3))
    y = (xs[:, 0] + rng.normal(size=90) > 0).astype(int)

    def scripted(scores):  # AUROC of fold f at C i, in the order _choose_c asks (fold-major)
        values = iter(np.asarray(scores, dtype=float).ravel())
        monkeypatch.setattr(rephetio, "roc_auc_score", lambda *a, **k: next(values))

    model = Rephetio(Cs=(1.0, 0.01, 0.1))  # any order: the path runs from the smallest C
    # the best mean is at C = 1 (0.80, standard error 0.02); C = 0.01 (0.79) is within it: chosen
    scripted([[0.76, 0.77, 0.76], [0.79, 0.80, 0.82], [0.82, 0.82, 0.82]])
    assert model._choose_c(xs, y) == 0.01
    # folds that agree: the standard error is tiny, so only the best will do
    scripted([[0.70, 0.75, 0.80], [0.70, 0.75, 0.80], [0.70, 0.75, 0.80]])
    assert model._choose_c(xs, y) == 1.0


def test_treats_degrees_are_features_only_when_cross_fitted(planted):
    crossfitted = Rephetio(**FAST, feature_folds=3).fit(planted)
    names = crossfitted.features_.names
    assert {"degree_CtD", "degree_CtD_target"} <= set(names) and len(set(names)) == len(names)
    column = crossfitted.features_.values[:, names.index("degree_CtD")].reshape(crossfitted.features_.shape)
    np.testing.assert_allclose(column[:, 0], np.arcsinh(planted.adjacency("CtD").sum(axis=1)), rtol=1e-6)
    plain = Rephetio(**FAST, feature_folds=None).fit(planted)
    assert not [n for n in plain.features_.names if n.startswith("degree_CtD")]


def test_path_bonus_adds_arcsinh_of_the_path_count(planted):
    from drugscreen.repurpose.dwpc import path_counts

    # the planted network has no DrD edges: the default metapath is skipped, another is counted
    assert Rephetio(**FAST, feature_folds=3).fit(planted).bonus_ is None
    base = Rephetio(**FAST, feature_folds=3, path_bonus=0).fit(planted)
    bonus = Rephetio(**FAST, feature_folds=3, path_bonus=0.7, bonus_metapath="CrCtD").fit(planted)
    p0, p1 = base.predict()["score"].to_numpy(), bonus.predict()["score"].to_numpy()
    counts = np.asarray(path_counts(planted, "CrCtD")).ravel()
    logit = lambda p: np.log(p) - np.log1p(-p)  # noqa: E731
    np.testing.assert_allclose(logit(p1) - logit(p0), 0.7 * np.arcsinh(counts), atol=1e-6)
    assert (counts > 0).any()
