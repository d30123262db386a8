"""The fingerprint baseline against scikit-learn fitted by hand on RDKit's own count ECFP."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_MOLECULES, heavy_atoms
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

import drugscreen as ds
from drugscreen.errors import InputError

SMILES = SMALL_MOLECULES * 2


def rdkit_counts(smiles, radius=2, nbits=2048):
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=nbits)
    return np.array([gen.GetCountFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles], dtype=np.float32)


@pytest.mark.parametrize("estimator", ["gbm", "rf"])
def test_equals_scikit_learn_on_rdkit_counts(estimator):
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor

    y = heavy_atoms(SMILES)
    ours = ds.models.FingerprintModel(
        estimator=estimator, descriptors=False, max_iter=30, n_estimators=20, random_state=3
    ).fit(SMILES, y)
    X = rdkit_counts(SMILES)
    scaled = ((y - y.mean()) / y.std()).astype(np.float32)  # the model trains on float32 targets
    ref = (
        HistGradientBoostingRegressor(max_iter=30, random_state=3)
        if estimator == "gbm"
        else RandomForestRegressor(n_estimators=20, random_state=3, n_jobs=1)
    ).fit(X, scaled)
    np.testing.assert_allclose(ours.predict(SMILES), ref.predict(X) * y.std() + y.mean(), rtol=1e-6)


def test_tasks_missing_labels_and_bad_smiles(caplog):
    y = np.column_stack([heavy_atoms(SMILES), (heavy_atoms(SMILES) > 4).astype(float)])
    y[0, 0] = np.nan
    reg = ds.models.FingerprintModel(estimator="rf", n_estimators=10, descriptors=True).fit(
        SMILES + ["C1CC"], np.vstack([y, [1, 1]])
    )
    assert reg.n_dropped_ == 1 and reg.predict(SMILES).shape == (40, 2)
    table = reg.predict_table(["CCO", "C1CC"])
    assert table["error"].tolist() == [None, "unparseable SMILES"] and np.isnan(table.iloc[1, 1])
    clf = ds.models.FingerprintModel(
        task="classification", estimator="rf", n_estimators=10, descriptors=False
    ).fit(SMILES, y[:, 1])
    assert clf.predict_proba(SMILES).shape == (40, 2) and set(clf.predict(SMILES)) <= {0, 1}
    mc = ds.models.FingerprintModel(
        task="multiclass", estimator="rf", n_estimators=10, descriptors=False
    ).fit(SMILES, np.array(list("abcd") * 10))
    assert mc.predict_proba(SMILES).shape == (40, 4) and set(mc.predict(SMILES)) <= set("abcd")


def test_ensemble_spread_and_sklearn_tools():
    y = heavy_atoms(SMILES)
    model = ds.models.FingerprintModel(
        estimator="rf", n_estimators=10, ensemble_size=3, uncertainty="ensemble", descriptors=False
    )
    mean, std = clone(model).fit(SMILES, y).predict(SMILES, return_std=True)
    assert (std >= 0).all() and std.max() > 0
    assert np.isfinite(cross_val_score(model, np.array(SMILES), y, cv=2)).all()
    with pytest.raises(InputError, match="ensemble_size"):
        ds.models.FingerprintModel(uncertainty="ensemble").fit(SMILES, y)
    with pytest.raises(InputError, match="estimator"):
        ds.models.FingerprintModel(estimator="svm").fit(SMILES, y)


def test_boosted_ensemble_members_differ():
    model = ds.models.FingerprintModel(
        max_iter=20, ensemble_size=3, uncertainty="ensemble", descriptors=False
    )
    _, std = model.fit(SMILES, heavy_atoms(SMILES)).predict(SMILES, return_std=True)
    assert std.max() > 0.01
