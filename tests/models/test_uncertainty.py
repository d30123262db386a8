"""Calibration maths against their definitions and scikit-learn; conformal coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drugscreen.models import uncertainty as unc


def test_conformal_quantile_is_the_rank_of_its_definition():
    rng = np.random.default_rng(0)
    for n in (1, 9, 10, 57):
        scores = rng.random(n)
        for alpha in (0.05, 0.1, 0.5):
            k = math.ceil((n + 1) * (1 - alpha))
            expected = math.inf if k > n else np.sort(scores)[k - 1]
            assert unc.conformal_quantile(scores, alpha) == expected


def test_conformal_intervals_cover_on_exchangeable_data():
    """Split conformal on Gaussian residuals: coverage >= 1 - alpha, within sampling error."""
    rng = np.random.default_rng(1)
    coverages = []
    for _ in range(200):
        cal, test = rng.normal(size=200), rng.normal(size=500)
        q = unc.conformal_quantile(np.abs(cal), 0.1)
        coverages.append(unc.coverage(test, -q * np.ones(500), q * np.ones(500)))
    assert 0.895 <= np.mean(coverages) <= 0.915


def test_miscalibration_area_and_ece():
    rng = np.random.default_rng(2)
    y = rng.normal(size=20000)
    assert unc.miscalibration_area(y, 0 * y, 1 + 0 * y) < 0.01
    assert unc.miscalibration_area(y, 0 * y, 0.2 + 0 * y) > 0.3  # overconfident
    p = rng.random(50000)
    labels = (rng.random(50000) < p).astype(float)
    assert unc.expected_calibration_error(labels, p) < 0.01
    assert unc.expected_calibration_error(labels, p**3) > 0.1
    assert math.isnan(unc.expected_calibration_error(np.array([np.nan]), np.array([0.5])))


def test_platt_and_isotonic_fix_a_distorted_probability():
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(3)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(float)
    logit = np.log(p / (1 - p))
    overconfident = 1 / (1 + np.exp(-(3 * logit - 1)))  # within Platt's family: it undoes this
    fixed = unc.apply_platt(unc.fit_platt(y, overconfident), overconfident)
    assert unc.expected_calibration_error(y, overconfident) > 0.1
    assert unc.expected_calibration_error(y, fixed) < 0.02
    distorted = p**3  # any monotone distortion: isotonic undoes it
    fixed = unc.apply_isotonic(unc.fit_isotonic(y, distorted), distorted)
    assert unc.expected_calibration_error(y, fixed) < 0.02
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(distorted, y)
    np.testing.assert_allclose(
        unc.apply_isotonic(unc.fit_isotonic(y, distorted), distorted), iso.predict(distorted)
    )


@pytest.mark.parametrize("normalized", [True, False])
def test_model_intervals_cover_held_out_molecules(normalized, demo_smiles):
    """End to end: calibrate on one half, intervals on the other cover about 1 - alpha."""
    from rdkit import Chem

    import drugscreen as ds

    smiles = demo_smiles[:400]
    y = np.array([Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in smiles], float)
    y += np.random.default_rng(0).normal(scale=1.0, size=len(y))
    kw = {"uncertainty": "ensemble", "ensemble_size": 2} if normalized else {}
    model = ds.models.DMPNN(epochs=3, hidden_size=32, ffn_hidden_size=32, **kw).fit(smiles[:200], y[:200])
    model.calibrate(smiles[200:300], y[200:300])
    report = model.evaluate_uncertainty(smiles[300:], y[300:], alpha=0.2)
    assert 0.6 <= report["prediction"]["coverage"] <= 1.0
