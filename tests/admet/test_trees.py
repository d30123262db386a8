"""The tree kernel against LightGBM's own predict: equal sums, every missing-value rule."""

from __future__ import annotations

import numpy as np
import pytest

from drugscreen.admet.trees import parse_models
from drugscreen.errors import InputError

lightgbm = pytest.importorskip("lightgbm")


def _data(seed, n=400, f=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    X[rng.random(X.shape) < 0.1] = 0.0
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X[:, 0]) + 2 * (np.nan_to_num(X[:, 1]) > 0) + rng.normal(0, 0.3, n)
    return X, y


@pytest.mark.parametrize(
    "params",
    [
        {},  # NaN as its own missing type
        {"use_missing": False},  # missing type none: NaN read as zero
        {"zero_as_missing": True},  # missing type zero
        {"min_child_samples": 1000},  # trees of one leaf
        {"num_leaves": 63, "min_child_samples": 2},
    ],
)
@pytest.mark.parametrize("task", ["regression", "binary"])
@pytest.mark.parametrize("n_rows", [0, 1, 31, 32, 33, 257])  # around the kernel's block of 32
def test_equal_to_lightgbm(params, task, n_rows):
    X, y = _data(1)
    if task == "binary":
        y = (y > np.median(y)).astype(int)
    cls = lightgbm.LGBMClassifier if task == "binary" else lightgbm.LGBMRegressor
    texts, boosters = [], []
    for seed in range(3):
        model = cls(n_estimators=25, random_state=seed, subsample=0.8, subsample_freq=1, verbose=-1, **params)
        model.fit(X, y)
        boosters.append(model.booster_)
        texts.append(model.booster_.model_to_string())
    ensemble = parse_models(texts)
    Xt, _ = _data(2, n=max(n_rows, 1))
    Xt = Xt[:n_rows]
    expected = (
        np.stack([b.predict(Xt, raw_score=True) for b in boosters], axis=1) if n_rows else np.zeros((0, 3))
    )
    got = ensemble.raw(Xt)
    np.testing.assert_array_equal(got, expected)  # same leaves, summed in the same order
    np.testing.assert_array_equal(
        ensemble.raw(Xt.astype(np.float32)),
        np.stack([b.predict(Xt.astype(np.float32), raw_score=True) for b in boosters], axis=1)
        if n_rows
        else got,
    )
    if task == "binary" and n_rows:
        probs = np.stack([b.predict(Xt) for b in boosters], axis=1)
        np.testing.assert_allclose(ensemble.predict(Xt), probs, rtol=1e-14)


def test_unsupported_models_are_refused():
    X, y = _data(3)
    X[:, 2] = np.abs(np.round(np.nan_to_num(X[:, 2]) * 3))
    y = y + 5 * np.isin(X[:, 2], [1, 3])  # a split on the categorical column pays
    model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, y, categorical_feature=[2])
    with pytest.raises(InputError, match="categorical"):
        parse_models([model.booster_.model_to_string()])
    multi = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(
        X, (np.nan_to_num(X[:, 0]) * 2).astype(int) % 3
    )
    with pytest.raises(InputError, match="single-output"):
        parse_models([multi.booster_.model_to_string()])
    ensemble = parse_models(
        [lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, y).booster_.model_to_string()]
    )
    with pytest.raises(InputError, match="features"):
        ensemble.raw(X[:, :5])


def test_a_value_equal_to_the_threshold_goes_left_as_in_lightgbm():
    X, y = _data(4)
    model = lightgbm.LGBMRegressor(n_estimators=20, verbose=-1).fit(X, y)
    ensemble = parse_models([model.booster_.model_to_string()])
    rows = np.repeat(X[:1], len(ensemble.feature), axis=0)
    rows[np.arange(len(rows)), ensemble.feature] = ensemble.threshold  # every split met exactly
    np.testing.assert_array_equal(ensemble.raw(rows)[:, 0], model.booster_.predict(rows, raw_score=True))
