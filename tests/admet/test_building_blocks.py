"""The panel's parts against plain references: features, folds, conformal width, domain
threshold, nearest-neighbour search, percentiles and compact model files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drugscreen.admet.domain import nearest_per_set, nearest_similarity
from drugscreen.admet.endpoints import ENDPOINTS, LEADERBOARD, TOX21_ASSAYS, tox21_name
from drugscreen.admet.features import (
    AVALON_BITS,
    ECFP_BITS,
    ERG_SIZE,
    PHYSCHEM,
    descriptor_names,
    feature_names,
    panel_features,
)
from drugscreen.admet.reference import percentiles, sorted_reference
from drugscreen.admet.training import (
    compact_model_string,
    domain_threshold,
    scaffold_folds,
)
from drugscreen.kernels.reference import bit_similarity

SMILES = [
    "CC(=O)Oc1ccccc1C(=O)O",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
    "C[C@H](N)C(=O)O",
    "c1ccc2ccccc2c1",
    "O=C(O)c1ccccc1O",
    "CCN(CC)CCNC(=O)c1ccc(N)cc1",
    "[Na+].[Cl-]",
    "C",
]


def _items(smiles):
    return [(s, "smiles", None) for s in smiles]


def test_endpoint_table_is_the_issue_s_panel():
    assert len(ENDPOINTS) == 22 + 12
    assert {tox21_name(a) for a in TOX21_ASSAYS} <= set(ENDPOINTS)
    assert set(LEADERBOARD) <= set(ENDPOINTS)
    for e in ENDPOINTS.values():
        assert e.task in ("binary", "regression") and e.metric in ("auroc", "auprc", "mae", "spearman")
        assert e.log10 == (e.metric == "spearman")
        assert (e.metric in ("mae", "spearman")) == (e.task == "regression")


def test_features_match_rdkit():
    from rdkit import Chem
    from rdkit.Avalon import pyAvalonTools
    from rdkit.Chem import Descriptors, rdFingerprintGenerator, rdReducedGraphs

    feats = panel_features(_items(SMILES + ["not smiles"]), with_alerts=True)
    assert feats.model.shape == (len(SMILES) + 1, len(feature_names()))
    assert feats.errors[-1] == "unparseable SMILES" and np.isnan(feats.model[-1]).all()
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=ECFP_BITS)
    names = descriptor_names()
    for i, s in enumerate(SMILES):
        mol = Chem.MolFromSmiles(s)
        row = feats.model[i]
        np.testing.assert_array_equal(row[:ECFP_BITS], gen.GetCountFingerprintAsNumPy(mol))
        avalon = np.zeros(AVALON_BITS)
        for bit, count in pyAvalonTools.GetAvalonCountFP(mol, nBits=AVALON_BITS).GetNonzeroElements().items():
            avalon[bit] = count
        np.testing.assert_array_equal(row[ECFP_BITS : ECFP_BITS + AVALON_BITS], avalon)
        erg = np.asarray(rdReducedGraphs.GetErGFingerprint(mol), dtype=np.float32)
        np.testing.assert_array_equal(row[ECFP_BITS + AVALON_BITS : ECFP_BITS + AVALON_BITS + ERG_SIZE], erg)
        ref = Descriptors.CalcMolDescriptors(mol)
        expected = np.array([ref[n] for n in names], dtype=np.float64)
        got = row[-len(names) :].astype(np.float64)
        finite = np.isfinite(expected)
        np.testing.assert_allclose(got[finite], expected[finite].astype(np.float32), rtol=1e-6)
        assert feats.physchem[i, PHYSCHEM.index("mw")] == pytest.approx(ref["MolWt"])
        assert feats.physchem[i, PHYSCHEM.index("qed")] == pytest.approx(ref["qed"])
    # the domain fingerprint is the similarity engine's Morgan radius 2, 2048 bits
    import drugscreen as ds

    np.testing.assert_array_equal(feats.domain[: len(SMILES)], ds.fingerprint(SMILES).data)
    assert feats.physchem[2, PHYSCHEM.index("stereocentres")] == 1


def test_alerts_name_their_family():
    feats = panel_features(_items(["O=C1C=CC(=O)C=C1", "CCO"]))  # quinone: PAINS/Brenk
    assert feats.alerts[0] and all(
        a.split(":")[0] in ("pains", "brenk", "nih") for a in feats.alerts[0].split("; ")
    )
    assert feats.alerts[1] is None


def test_lipinski_violations_count_the_four_rules():
    big = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O"  # MW > 500, logP > 5
    feats = panel_features(_items([big, "CCO"]), with_alerts=False)
    assert feats.physchem[0, PHYSCHEM.index("lipinski_violations")] == 2
    assert feats.physchem[1, PHYSCHEM.index("lipinski_violations")] == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list("abcdefghij") + [""]), min_size=1, max_size=80), st.integers(1, 6))
def test_scaffold_folds_keep_groups_together_and_balanced(keys, k):
    folds = scaffold_folds(keys, k, seed=3)
    assert folds.shape == (len(keys),) and folds.min() >= 0 and folds.max() < k
    for key in set(keys):
        assert len(set(folds[[i for i, x in enumerate(keys) if x == key]])) == 1
    sizes = np.bincount(folds, minlength=k)
    largest_group = max(keys.count(x) for x in set(keys))
    assert sizes.max() - sizes.min() <= largest_group  # greedy fill: never worse than one group
    np.testing.assert_array_equal(folds, scaffold_folds(keys, k, seed=3))


def test_domain_threshold_is_the_best_stump():
    rng = np.random.default_rng(1)
    sim = np.round(rng.uniform(0, 1, 300), 2)  # ties
    err = np.where(sim < 0.4, 2.0, 0.5) + rng.normal(0, 0.1, 300)
    got = domain_threshold(sim, err)
    best, best_cut = np.inf, None
    for cut in np.unique(sim):
        left, right = err[sim < cut], err[sim >= cut]
        if min(len(left), len(right)) < np.ceil(0.05 * 300):
            continue
        sse = ((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum()
        if sse < best - 1e-9:
            best, best_cut = sse, cut
    assert got["threshold"] == best_cut == 0.4
    assert got["error_out"] > got["error_in"]


def test_nearest_similarity_matches_numpy():
    rng = np.random.default_rng(2)
    bits = (rng.random((130, 2048)) < 0.03).astype(np.uint8)
    bits[5] = 0  # an empty fingerprint
    fps = np.packbits(bits, axis=1, bitorder="little").view("<u8")
    queries, targets = fps[:40], fps[40:]
    scores = bit_similarity(queries, targets)
    np.testing.assert_array_equal(nearest_similarity(queries, targets, n_jobs=1), scores.max(axis=1))
    assert nearest_similarity(queries[:0], targets).shape == (0,)
    assert (nearest_similarity(queries, targets[:0]) == 0).all()
    membership = rng.integers(0, 8, len(targets)).astype(np.uint64)
    membership[:3] = 0
    for k in (1, 2, 90, 200):
        got = nearest_per_set(queries, targets, membership, [2, 0, 1], k=k, n_jobs=1)
        for c, bit in enumerate([2, 0, 1]):
            cols = (membership >> np.uint64(bit)) & np.uint64(1) == 1
            np.testing.assert_array_equal(got[:, c], scores[:, cols].max(axis=1))


def test_percentiles_count_at_or_below():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 10, (57, 3)).astype(float)
    ref[:5, 1] = np.nan
    values = rng.integers(-1, 12, (20, 3)).astype(float)
    values[0, 2] = np.nan
    got = percentiles(values, sorted_reference(ref))
    for j in range(3):
        column = ref[~np.isnan(ref[:, j]), j]
        for i in range(20):
            expected = np.nan if np.isnan(values[i, j]) else 100 * np.mean(column <= values[i, j])
            np.testing.assert_allclose(got[i, j], expected, rtol=1e-12)


def test_compact_model_predicts_bit_identically():
    import lightgbm

    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 20))
    X[rng.random(X.shape) < 0.05] = np.nan
    for y, cls in (
        (X[:, 0] > 0, lightgbm.LGBMClassifier),
        (X[:, 1] * 2 + rng.normal(size=300), lightgbm.LGBMRegressor),
    ):
        model = cls(n_estimators=30, verbose=-1, deterministic=True, force_row_wise=True).fit(
            X, np.nan_to_num(y)
        )
        compact = lightgbm.Booster(model_str=compact_model_string(model.booster_))
        assert len(compact_model_string(model.booster_)) < len(model.booster_.model_to_string())
        np.testing.assert_array_equal(compact.predict(X), model.booster_.predict(X))


def test_a_molecule_rdkit_cannot_describe_becomes_an_error_row(monkeypatch):
    import drugscreen.admet.features as features

    original = features._stereocentres

    def fail_on_benzene(mol):
        if mol.GetNumAtoms() == 6 and mol.GetRingInfo().NumRings() == 1:
            raise RuntimeError("boom")
        return original(mol)

    monkeypatch.setattr(features, "_stereocentres", fail_on_benzene)
    feats = panel_features(_items(["CCO", "c1ccccc1", "CCN"]))
    assert feats.errors == [None, "features could not be computed: RuntimeError: boom", None]
    assert np.isnan(feats.model[1]).all() and not feats.domain[1].any() and np.isnan(feats.physchem[1]).all()
    assert not np.isnan(feats.model[[0, 2]]).any()
