"""The graph models as scikit-learn estimators: fit, predict, tasks, masks, seeds, uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_MOLECULES, heavy_atoms
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import cross_val_score

import drugscreen as ds
from drugscreen.errors import InputError

SMILES = SMALL_MOLECULES
FAST = {"epochs": 3, "hidden_size": 16, "ffn_hidden_size": 16}


@pytest.mark.parametrize("cls", [ds.models.DMPNN, ds.models.GIN, ds.models.AttentiveFP])
def test_learns_a_graph_property(cls):
    """Heavy-atom count is learnable from graphs: far better than predicting the mean."""
    y = heavy_atoms(SMILES)
    model = cls(
        epochs=60, hidden_size=32, ffn_hidden_size=32, val_fraction=0.0, learning_rate=3e-3, aggregation="sum"
    ).fit(SMILES, y)
    assert model.score(SMILES, y) > 0.8


def test_seed_reproduces_and_differs():
    y = heavy_atoms(SMILES)
    a = ds.models.DMPNN(**FAST, random_state=4).fit(SMILES, y).predict(SMILES)
    b = ds.models.DMPNN(**FAST, random_state=4).fit(SMILES, y).predict(SMILES)
    c = ds.models.DMPNN(**FAST, random_state=5).fit(SMILES, y).predict(SMILES)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_bad_smiles_dropped_in_training_and_reported_in_prediction(caplog):
    y = list(heavy_atoms(SMILES)) + [3.0]
    model = ds.models.DMPNN(**FAST).fit(SMILES + ["C1CC"], y)
    assert model.n_dropped_ == 1 and "could not be featurised" in caplog.text
    table = model.predict_table(["CCO", "C1CC"], ids=["a", "b"])
    assert table["id"].tolist() == ["a", "b"]
    assert np.isfinite(table["prediction"][0]) and np.isnan(table["prediction"][1])
    assert table["error"].tolist() == [None, "unparseable SMILES"]


def test_masked_labels_do_not_train():
    """Changing a label that is masked (NaN in another task) changes nothing; a present one does."""
    y = np.column_stack([heavy_atoms(SMILES), np.arange(20.0)])
    y[3, 1] = np.nan
    base = ds.models.DMPNN(**FAST, val_fraction=0).fit(SMILES, y).predict(SMILES)
    assert base.shape == (20, 2)
    y2 = y.copy()
    y2[5, 1] = 100.0
    changed = ds.models.DMPNN(**FAST, val_fraction=0).fit(SMILES, y2).predict(SMILES)
    assert not np.allclose(base, changed)
    # with the target scaling fixed, a masked entry cannot matter: same scaling, same weights
    y3 = y.copy()
    y3[3, 1] = np.nan
    again = ds.models.DMPNN(**FAST, val_fraction=0).fit(SMILES, y3).predict(SMILES)
    np.testing.assert_array_equal(base, again)


def test_classification_binary_multilabel_multiclass():
    labels = (heavy_atoms(SMILES) > 4).astype(int)
    clf = ds.models.GIN(task="classification", **FAST).fit(SMILES, labels)
    proba = clf.predict_proba(SMILES)
    assert proba.shape == (20, 2) and np.allclose(proba.sum(1), 1)
    assert set(clf.predict(SMILES)) <= {0, 1} and 0 <= clf.score(SMILES, labels) <= 1
    named = ds.models.DMPNN(task="classification", **FAST).fit(SMILES, np.where(labels, "big", "small"))
    assert set(named.predict(SMILES)) <= {"big", "small"}
    multi = np.column_stack([labels, 1 - labels]).astype(float)
    multi[0, 1] = np.nan
    ml = ds.models.DMPNN(task="classification", class_weight="balanced", **FAST).fit(SMILES, multi)
    assert ml.predict_proba(SMILES).shape == (20, 2) and ml.predict(SMILES).shape == (20, 2)
    classes = np.array(["a", "b", "c", "d"] * 5)
    mc = ds.models.AttentiveFP(task="multiclass", **FAST).fit(SMILES, classes)
    p = mc.predict_proba(SMILES)
    assert p.shape == (20, 4) and np.allclose(p.sum(1), 1)
    assert set(mc.predict(SMILES)) <= set("abcd")
    assert list(mc.predict_table(SMILES[:2]).columns) == [
        "id",
        "prediction",
        "prediction_p_a",
        "prediction_p_b",
        "prediction_p_c",
        "prediction_p_d",
        "error",
    ]


def test_scikit_learn_conventions():
    model = ds.models.DMPNN(**FAST)
    assert is_regressor(model) and is_classifier(ds.models.DMPNN(task="classification"))
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    y = heavy_atoms(SMILES)
    scores = cross_val_score(model, np.array(SMILES), y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    labels = (y > 4).astype(int)
    auc = cross_val_score(
        ds.models.GIN(task="classification", **FAST), np.array(SMILES), labels, cv=2, scoring="roc_auc"
    )
    assert np.isfinite(auc).all()
    with pytest.raises(Exception, match="not fitted"):
        ds.models.GIN().predict(["CCO"])


def test_dataframe_targets_name_the_tasks():
    y = pd.DataFrame({"size": heavy_atoms(SMILES), "index": np.arange(20.0)})
    table = ds.models.DMPNN(**FAST).fit(SMILES, y).predict_table(SMILES[:3])
    assert list(table.columns) == ["id", "size", "index", "error"]


def test_best_epoch_is_restored_and_patience_stops():
    y = heavy_atoms(SMILES)
    model = ds.models.DMPNN(epochs=30, patience=2, hidden_size=16, learning_rate=0.05, val_fraction=0.3).fit(
        SMILES, y
    )
    hist = model.history_
    assert len(hist) < 30
    from drugscreen.models.training import TrainConfig, evaluate

    data = model._training_data(SMILES, y, model.targets_)
    rng = np.random.default_rng(0)
    order = rng.permutation(20)
    val = np.sort(order[: int(round(0.3 * 20))])
    cfg = TrainConfig("regression", 1, 64, 1e-3, 2, None, None, "loss", 1, None, "cpu", False)
    restored = evaluate(model.networks_[0], data, val, cfg)["val_loss"]
    assert restored == pytest.approx(hist["val_loss"].min(), rel=1e-5)


def test_explicit_validation_set_and_descriptors():
    y = heavy_atoms(SMILES)
    model = ds.models.DMPNN(**FAST, descriptors=True).fit(
        SMILES[:15], y[:15], X_val=SMILES[15:], y_val=y[15:]
    )
    assert model.n_val_ == 5 and model.n_descriptors_ == len(ds.chem.descriptors.descriptor_names())
    assert np.isfinite(model.predict(SMILES)).all()
    with pytest.raises(InputError, match="both"):
        ds.models.DMPNN(**FAST).fit(SMILES, y, X_val=SMILES)


@pytest.mark.parametrize("how", ["ensemble", "mve", "dropout"])
def test_uncertainty_kinds(how):
    y = heavy_atoms(SMILES)
    kw = dict(
        FAST,
        uncertainty=how,
        ensemble_size=2 if how == "ensemble" else 1,
        dropout=0.2 if how == "dropout" else None,
        mc_samples=5,
    )
    model = ds.models.DMPNN(**kw).fit(SMILES, y)
    mean, std = model.predict(SMILES, return_std=True)
    assert mean.shape == std.shape == (20,) and (std > 0).all()
    if how != "dropout":
        np.testing.assert_array_equal(mean, model.predict(SMILES))


def test_parameter_errors():
    y = heavy_atoms(SMILES)
    with pytest.raises(InputError, match="ensemble_size"):
        ds.models.DMPNN(uncertainty="ensemble").fit(SMILES, y)
    with pytest.raises(InputError, match="dropout"):
        ds.models.DMPNN(uncertainty="dropout").fit(SMILES, y)
    with pytest.raises(InputError, match="task"):
        ds.models.DMPNN(task="ranking").fit(SMILES, y)
    with pytest.raises(InputError, match="labels"):
        ds.models.DMPNN().fit(SMILES, y[:3])
    with pytest.raises(InputError, match="return_std"):
        ds.models.GIN(**FAST, task="classification").fit(SMILES, (y > 4).astype(int)).predict(
            SMILES, return_std=True
        )
    with pytest.raises(InputError, match="no uncertainty"):
        ds.models.GIN(**FAST).fit(SMILES, y).predict(SMILES, return_std=True)
    with pytest.raises(InputError, match="no training molecule"):
        ds.models.GIN(**FAST).fit(["C1CC", "xx"], [1.0, 2.0])


def test_labels_compare_as_classes_not_strings():
    """1 and 1.0 are the same class: scores and calibration encode labels first."""
    labels = (heavy_atoms(SMILES) > 4).astype(float)
    model = ds.models.DMPNN(task="classification", **FAST).fit(SMILES, labels)
    assert model.score(SMILES, labels) == model.score(SMILES, labels.astype(int)) > 0
    named = np.where(labels > 0, "yes", "no")
    strings = ds.models.GIN(task="classification", **FAST).fit(SMILES, named)
    report = strings.calibrate(SMILES, named, method="isotonic")
    assert 0 <= report["prediction"]["ece_after"] <= 1
    p = strings.predict_proba(SMILES)
    assert np.allclose(p.sum(1), 1) and not np.all(np.isin(p, [0.0, 1.0]))
    shifted = ds.models.DMPNN(task="classification", **FAST).fit(SMILES, labels + 1)  # classes 1, 2
    shifted.calibrate(SMILES, labels + 1, method="isotonic")
    assert set(shifted.predict(SMILES)) <= {1, 2}


def test_a_never_finite_validation_score_keeps_the_trained_weights(caplog):
    import torch

    from drugscreen.models.nn.heads import build_network

    y = (heavy_atoms(SMILES) > 4).astype(int)
    model = ds.models.DMPNN(task="classification", validation_metric="auroc", **FAST)
    model.fit(SMILES, y, X_val=["CCO", "CCC"], y_val=[0, 0])  # one class: AUROC is NaN every epoch
    assert "never a number" in caplog.text
    with torch.random.fork_rng():
        torch.manual_seed(0)
        initial = build_network("dmpnn", model.network_params(), 1, 0, False).state_dict()
    trained = model.networks_[0].state_dict()
    assert any(not torch.equal(initial[k], trained[k]) for k in initial)


def test_metric_must_fit_the_task_and_batches_of_one_train():
    with pytest.raises(InputError, match="does not apply"):
        ds.models.DMPNN(task="classification", validation_metric="rmse").fit(SMILES, np.arange(20) % 2)
    with pytest.raises(InputError, match="aggregation"):
        ds.models.GIN(aggregation="max").fit(SMILES, np.arange(20.0))
    one = ds.models.DMPNN(epochs=1, batch_size=1, hidden_size=8, ffn_hidden_size=8).fit(
        SMILES, np.arange(20.0)
    )
    assert one.history_["train_loss"].iloc[0] > 0


def test_mc_dropout_repeats_and_leaves_the_global_seed_alone():
    import torch

    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    model = ds.models.AttentiveFP(**FAST, uncertainty="dropout", dropout=0.3, mc_samples=4).fit(
        SMILES, np.arange(20.0)
    )
    assert torch.equal(torch.rand(1), expected)  # fit did not reseed the caller's generator
    a, b = model.predict_table(SMILES), model.predict_table(SMILES)
    pd.testing.assert_frame_equal(a, b)
    assert (a["prediction_std"] > 0).all()
