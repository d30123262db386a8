"""SEA target prediction against plain RDKit sums, the power-law and EVD formulas, and exact
leave-one-out."""

import logging
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats

import drugscreen as ds
from drugscreen.errors import DrugscreenError, InputError
from drugscreen.repurpose.sea import SEA, choose_threshold
from drugscreen.repurpose.sea_background import (
    EULER_GAMMA,
    evd_pvalue,
    fit_background,
    fit_power_law,
)

FAST = {"n_background": 400, "progress": False, "n_jobs": 1}


# ------------------------------------------------------------------ the reference
def rdkit_scores(query_smiles, ligand_smiles, threshold):
    """(sum of Tc >= threshold, max Tc) of molecule sets, with RDKit alone."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    ligands = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in ligand_smiles]
    total, best = 0.0, -np.inf
    for q in query_smiles:
        sims = np.array(
            DataStructs.BulkTanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(q)), ligands)
        )
        total += sims[sims >= threshold].sum()
        best = max(best, sims.max())
    return total, best


@pytest.fixture(scope="module")
def molecules(demo_smiles):
    rng = np.random.default_rng(7)
    return [demo_smiles[i] for i in rng.choice(len(demo_smiles), 120, replace=False)]


@pytest.fixture(scope="module")
def ligand_table(molecules):
    """Targets of 1-12 ligands; some ligands in several targets; ligand ids L0, L1, ..."""
    rng = np.random.default_rng(3)
    rows = []
    for t in range(14):
        size = 1 if t == 0 else int(rng.integers(2, 12))
        for i in rng.choice(80, size, replace=False):
            rows.append({"target": f"T{t}", "ligand": f"L{i}", "smiles": molecules[i]})
    rows.append({"target": "T13", "ligand": "L5", "smiles": molecules[5]})  # several targets
    return pd.DataFrame(rows).drop_duplicates(["target", "ligand"], ignore_index=True)


@pytest.fixture(scope="module")
def model(ligand_table):
    return SEA(ligand_table, threshold=0.2, **FAST).fit()


def reference_table(table, queries, threshold, drop=()):
    rows = []
    for qi, q in enumerate(queries):
        for target, group in table.groupby("target", sort=False):
            smiles = group.smiles[~group.ligand.isin(drop)].tolist()
            if smiles:
                raw, best = rdkit_scores([q], smiles, threshold)
                rows.append({"query": qi, "target": target, "raw": raw, "max": best, "n": len(smiles)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ raw scores
@pytest.mark.parametrize("threshold", [0.12, 0.2, 0.35])
def test_raw_scores_equal_rdkit_sums(ligand_table, molecules, threshold):
    sea = SEA(ligand_table, threshold=threshold, **FAST).fit()
    queries = molecules[80:100] + molecules[:3]  # unrelated molecules and three ligands
    got = sea.predict(queries).merge(
        reference_table(ligand_table, queries, threshold), on=["query", "target"]
    )
    assert len(got) == len(queries) * ligand_table.target.nunique()
    np.testing.assert_allclose(got.raw_score, got.raw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.max_tc, got["max"], rtol=1e-12)
    assert (got.n_ligands == got.n).all()


def test_threshold_above_every_similarity_gives_zero(ligand_table, molecules):
    sea = SEA(ligand_table, threshold=1.0, **FAST)
    # random pairs of distinct molecules almost never reach Tc = 1: the background is empty
    with pytest.raises(InputError, match="lower the threshold"):
        sea.fit()
    sea = SEA(ligand_table, threshold=1.0, **FAST).fit(background=molecules[:20] * 3)  # duplicates
    out = sea.predict(molecules[80:90])
    assert (out.raw_score == 0).all() and (out.max_tc < 1).all()


def test_ligand_in_several_targets_is_fingerprinted_once(model, ligand_table):
    assert len(model.ligand_ids_) == ligand_table.ligand.nunique()
    row = model.ligand_ids_.index("L5")
    assert model.membership_[row].sum() == (ligand_table.ligand == "L5").sum() >= 2
    assert list(model.n_ligands_) == ligand_table.groupby("target", sort=False).size().tolist()
    assert model.n_ligands_[model.targets_.index("T0")] == 1


def test_sets_sum_their_members(model, molecules, ligand_table):
    queries = {"A": molecules[90:93], "B": [molecules[95]]}
    sets = model.predict_sets(queries)
    single = model.predict(molecules[90:93] + [molecules[95]])
    for name, members in (("A", [0, 1, 2]), ("B", [3])):
        mine = sets[sets["query"] == name].set_index("target")
        parts = single[single["query"].isin(members)].groupby("target")
        np.testing.assert_allclose(mine.raw_score, parts.raw_score.sum()[mine.index], rtol=1e-12)
        np.testing.assert_array_equal(mine.max_tc, parts.max_tc.max()[mine.index])
        assert (mine.n_query == len(members)).all()
    ref_raw, ref_max = rdkit_scores(molecules[90:93], ligand_table.smiles[ligand_table.target == "T3"], 0.2)
    row = sets[(sets["query"] == "A") & (sets.target == "T3")].iloc[0]
    assert row.raw_score == pytest.approx(ref_raw, abs=1e-12) and row.max_tc == pytest.approx(ref_max)


def test_compare_sets_matches_the_reference(model, molecules):
    out = model.compare_sets(molecules[90:94], molecules[94:99])
    raw, best = rdkit_scores(molecules[90:94], molecules[94:99], 0.2)
    assert out["raw_score"] == pytest.approx(raw, abs=1e-12) and out["max_tc"] == pytest.approx(best)
    z = (raw - model.mean_coef_ * 20**model.mean_exponent_) / (model.sd_coef_ * 20**model.sd_exponent_)
    assert out["z"] == pytest.approx(z) and out["p_value"] == pytest.approx(float(evd_pvalue(z)))


# ------------------------------------------------------------------ bad records
def test_bad_ligands_are_reported_not_fatal(molecules, caplog):
    sets = {
        "good": molecules[:4],
        "mixed": [molecules[5], "C1CC", "", molecules[6]],
        "hopeless": ["not a smiles", None],
    }
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        sea = SEA(sets, **FAST).fit()
    assert sea.targets_ == ["good", "mixed"] and sea.empty_targets_ == ["hopeless"]
    errors = sea.errors_.set_index("row")
    assert list(errors.index) == [5, 6, 8, 9]
    assert errors.reason.tolist() == [
        "unparseable SMILES",
        "empty SMILES",
        "unparseable SMILES",
        "missing SMILES",
    ]
    assert (errors.target == ["mixed", "mixed", "hopeless", "hopeless"]).all()
    assert "4 record(s) unusable" in caplog.text and "hopeless" in caplog.text
    assert list(sea.n_ligands_) == [4, 2]


def test_bad_queries_get_a_row_with_the_reason(model, molecules):
    out = model.predict(
        pd.DataFrame({"id": ["a", "b", "c", "d"], "smiles": [molecules[90], "C1CC", "", None]})
    )
    bad = out[out.target.isna()].set_index("query")
    assert bad.note.to_dict() == {"b": "unparseable SMILES", "c": "empty SMILES", "d": "missing SMILES"}
    assert bad.raw_score.isna().all() and (bad.n_ligands == 0).all()
    assert list(dict.fromkeys(out["query"])) == ["a", "b", "c", "d"]  # input order kept
    sets = model.predict_sets({"x": [molecules[90], "C1CC"], "y": ["C1CC"]})
    assert set(sets[sets["query"] == "x"].note) == {"1 of 2 molecules unusable (unparseable SMILES)"}
    assert sets[sets["query"] == "y"].note.tolist() == ["no usable molecule (unparseable SMILES)"]
    assert (sets[sets["query"] == "x"].n_query == 1).all()


def test_input_errors(ligand_table, model):
    with pytest.raises(InputError, match="threshold"):
        SEA(ligand_table, threshold=0).fit()
    with pytest.raises(InputError, match="collection of SMILES"):
        SEA({"T": "CCO"}).fit()
    with pytest.raises(InputError, match="no column 'smiles'"):
        SEA(pd.DataFrame({"target": ["a"], "smi": ["C"]})).fit()
    with pytest.raises(DrugscreenError, match="not fitted"):
        SEA(ligand_table).predict(["CCO"])
    with pytest.raises(InputError, match="entries for 2 queries"):
        model.predict(["CCO", "CCN"], exclude=["L1"])
    with pytest.raises(InputError, match="top_k"):
        model.predict(["CCO"], top_k=0)
    with pytest.raises(InputError, match="predict_sets"):
        model.predict({"q": ["CCO", "CCN"]})


# ------------------------------------------------------------------ statistics
def test_power_law_fit_recovers_known_parameters():
    rng = np.random.default_rng(0)
    p = np.geomspace(1, 1e5, 40)
    assert fit_power_law(p, 0.3 * p**0.55) == pytest.approx((0.3, 0.55), rel=1e-10)
    c, k = fit_power_law(p, 2.5 * p**1.02 * np.exp(rng.normal(0, 0.05, len(p))))
    assert c == pytest.approx(2.5, rel=0.1) and k == pytest.approx(1.02, abs=0.01)
    with pytest.raises(InputError):
        fit_power_law([1, 2], [0.0, 1.0])


def test_background_of_bernoulli_similarities_is_binomial():
    """Pool pairs similar with probability q (Tc 1): a random pair's raw score is Binomial(p, q),
    so mean = q p and sd = sqrt(q (1 - q)) p^0.5 exactly."""
    n, q = 1500, 0.08
    rng = np.random.default_rng(1)
    upper = sp.triu(sp.random(n, n, density=q, random_state=rng, data_rvs=np.ones), k=1)
    sim = (upper + upper.T).tocsr()
    q_eff = sim.nnz / (n * (n - 1))
    bg = fit_background(sim, [1, 3, 10, 30, 100], [1, 3, 10, 30, 100], 25 * 300, seed=0, threshold=0.5)
    assert bg.mean_exponent == pytest.approx(1.0, abs=0.02)
    assert bg.mean_coef == pytest.approx(q_eff, rel=0.05)
    assert bg.sd_exponent == pytest.approx(0.5, abs=0.03)
    assert bg.sd_coef == pytest.approx(math.sqrt(q_eff * (1 - q_eff)), rel=0.1)


def test_random_pairs_are_disjoint_and_scored_exactly(monkeypatch):
    from drugscreen.repurpose import sea_background as bgm

    rng = np.random.default_rng(2)
    n = 300
    dense = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.1), 1)
    dense += dense.T
    a, na, b, nb = bgm.draw_pairs(n, [1, 4, 20], [2, 30], 5, seed=3)
    sets_a, sets_b = np.split(a, np.cumsum(na)[:-1]), np.split(b, np.cumsum(nb)[:-1])
    assert all(len(set(x) | set(y)) == len(x) + len(y) for x, y in zip(sets_a, sets_b, strict=True))
    want = [dense[np.ix_(x, y)].sum() for x, y in zip(sets_a, sets_b, strict=True)]
    for entries in (2**22, 50):  # one product, or many blocks
        monkeypatch.setattr(bgm, "_PAIR_BLOCK_ENTRIES", entries)
        np.testing.assert_allclose(bgm.pair_scores(sp.csr_matrix(dense), a, na, b, nb), want, rtol=1e-12)


def test_evd_pvalue_is_the_mean0_sd1_gumbel():
    scale = math.sqrt(6) / math.pi
    dist = stats.gumbel_r(loc=-EULER_GAMMA * scale, scale=scale)
    assert dist.mean() == pytest.approx(0.0, abs=1e-12) and dist.std() == pytest.approx(1.0)
    z = np.linspace(-4, 30, 200)
    np.testing.assert_allclose(evd_pvalue(z), dist.sf(z), rtol=1e-9, atol=0)
    # Keiser 2007's formula, exponent -z*pi/sqrt(6) - 0.5772 (Euler's constant), written naively
    # (it loses the small p-values to cancellation: compared absolutely)
    naive = 1 - np.exp(-np.exp(-z * math.pi / math.sqrt(6) - 0.5772156649))
    np.testing.assert_allclose(evd_pvalue(z), naive, rtol=1e-9, atol=1e-15)
    assert evd_pvalue(-50.0) == 1.0 and 0 < evd_pvalue(300.0) < 1e-150
    assert np.isnan(evd_pvalue(np.nan)) and np.all(np.diff(evd_pvalue(z)) <= 0)


def test_predictions_use_the_fitted_statistics(model, molecules):
    out = model.predict(molecules[80:85])
    p = out.n_ligands.to_numpy(dtype=float)
    z = (out.raw_score - model.mean_coef_ * p**model.mean_exponent_) / (
        model.sd_coef_ * p**model.sd_exponent_
    )
    np.testing.assert_allclose(out.z, z, rtol=1e-12)
    np.testing.assert_allclose(out.p_value, evd_pvalue(z))
    np.testing.assert_allclose(out.e_value, out.p_value * len(model.targets_))
    for _, group in out.groupby("query"):
        assert group.e_value.is_monotonic_increasing


# ------------------------------------------------------------------ blocks, threads, seeds
def test_block_size_and_threads_do_not_change_results(ligand_table, molecules):
    sea = SEA(ligand_table, threshold=0.2, **FAST).fit()
    queries = molecules[70:110]
    sets = {f"s{i}": molecules[70 + 3 * i : 73 + 3 * i] for i in range(8)}
    base, base_sets = sea.predict(queries), sea.predict_sets(sets)
    for block_bytes, n_jobs in ((1, 1), (60_000, 2), (2**30, 2)):
        sea.block_bytes, sea.n_jobs = block_bytes, n_jobs
        pd.testing.assert_frame_equal(sea.predict(queries), base, check_exact=True)
        pd.testing.assert_frame_equal(sea.predict_sets(sets), base_sets, check_exact=True)


def test_same_seed_same_model_other_seed_other_background(ligand_table, molecules):
    a = SEA(ligand_table, seed=4, **FAST).fit()
    b = SEA(ligand_table, seed=4, **FAST).fit()
    c = SEA(ligand_table, seed=5, **FAST).fit()
    pd.testing.assert_frame_equal(a.background_.cells, b.background_.cells)
    pd.testing.assert_frame_equal(a.predict(molecules[80:90]), b.predict(molecules[80:90]))
    assert a.mean_coef_ != c.mean_coef_


# ------------------------------------------------------------------ leave-one-out
def test_leave_one_out_equals_rebuilding_the_sets(ligand_table, molecules):
    library = molecules[20:120]  # same background for both models
    largest = ligand_table.groupby("target").size().idxmax()
    in_largest = set(ligand_table.ligand[ligand_table.target == largest])
    counts = ligand_table.groupby("ligand").size()
    left_out = next(x for x in counts[counts >= 2].index if x not in in_largest)
    only = ligand_table.target.value_counts()
    single = ligand_table.ligand[ligand_table.target == only.index[only == 1][0]].iloc[0]
    for drop in ([left_out], [single]):
        full = SEA(ligand_table, threshold=0.2, **FAST).fit(background=library)
        rebuilt = SEA(ligand_table[~ligand_table.ligand.isin(drop)], threshold=0.2, **FAST).fit(
            background=library
        )
        smiles = ligand_table.smiles[ligand_table.ligand == drop[0]].iloc[0]
        queries = pd.DataFrame({"id": [drop[0], "other"], "smiles": [smiles, molecules[100]]})
        loo = full.predict(queries, exclude={drop[0]: drop})
        pd.testing.assert_frame_equal(
            loo[loo["query"] == drop[0]], rebuilt.predict(queries[:1]), check_exact=True
        )
        pd.testing.assert_frame_equal(full.predict(queries, exclude="self"), loo, check_exact=True)
        # the other query keeps the full sets
        pd.testing.assert_frame_equal(
            loo[loo["query"] == "other"].reset_index(drop=True), full.predict(queries[1:]), check_exact=True
        )
    assert single not in set(loo.target)  # a target whose only ligand is left out is not compared


def test_exclude_self_uses_smiles_for_lists(molecules):
    sets = {"A": molecules[:5], "B": molecules[5:10]}
    sea = SEA(sets, threshold=0.2, **FAST).fit()
    out = sea.predict([molecules[0]], exclude="self")
    assert out.set_index("target").n_ligands.to_dict() == {"A": 4, "B": 5}
    assert out.max_tc.max() < 1.0


def test_filters_and_sorting(model, molecules):
    full = model.predict(molecules[:10])
    top = model.predict(molecules[:10], top_k=3)
    assert top.groupby("query").size().max() == 3
    pd.testing.assert_frame_equal(
        top.reset_index(drop=True), full.groupby("query").head(3).reset_index(drop=True)
    )
    strict = model.predict(molecules[:10], max_e_value=0.01)
    assert (strict.e_value <= 0.01).all()
    assert len(strict) == (full.e_value <= 0.01).sum() > 0  # the ligands hit their own targets


def test_choose_threshold_reports_the_evd_fit(ligand_table):
    table = choose_threshold(ligand_table, thresholds=(0.15, 0.3), **FAST)
    assert list(table.threshold) == [0.15, 0.3]
    assert {"ks", "ks_normal", "chi2", "z_mean", "z_sd"} <= set(table.columns)
    assert table.attrs["best"] in (0.15, 0.3)


def test_docstring_example_style_usage():
    sets = {"T1": ["CCO", "CCCO", "CCCCO"], "T2": ["c1ccccc1", "Cc1ccccc1", "CCc1ccccc1"]}
    sea = ds.repurpose.sea.SEA(sets, **FAST).fit()
    out = sea.predict("CCCCCO")
    assert out.target.tolist() == ["T1", "T2"] and out.note.eq("").all()
