"""The retrospective LBVS protocol against RDKit (BulkTanimotoSimilarity + rdkit.ML.Scoring)."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from rdkit.ML.Scoring import Scoring
from scipy.stats import wilcoxon

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.vs.protocol import draw_queries


@pytest.fixture(scope="module")
def benchmark(demo_smiles):
    """Two targets: 'alcohols' (hydroxyl compounds active) and 'amines'; drawn from the demo set."""
    smiles = [s for s in demo_smiles[:1500] if Chem.MolFromSmiles(s) is not None][:600]
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    oh = Chem.MolFromSmarts("[OX2H]")
    nh = Chem.MolFromSmarts("[NX3;H2,H1;!$(NC=O)]")
    rows = []
    for target, pattern in (("alcohols", oh), ("amines", nh)):
        for i, (s, m) in enumerate(zip(smiles, mols, strict=True)):
            rows.append(
                {"target": target, "smiles": s, "active": int(m.HasSubstructMatch(pattern)), "name": f"m{i}"}
            )
    return pd.DataFrame(rows)


def _rdkit_run(table, queries, fusion):
    """One repeat by hand: RDKit fingerprints, bulk Tanimoto, fusion, queries left out, Scoring."""
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in table["smiles"]]
    sims = np.array([DataStructs.BulkTanimotoSimilarity(fps[q], fps) for q in queries])
    scores = sims.max(axis=0) if fusion == "max" else sims.mean(axis=0)
    keep = np.ones(len(table), dtype=bool)
    keep[queries] = False
    s, y = scores[keep], table["active"].to_numpy()[keep]
    order = np.argsort(-s, kind="stable")
    ranked = [[v, int(a)] for v, a in zip(s[order], y[order], strict=True)]
    return {
        "auroc": Scoring.CalcAUC(ranked, 1),
        "bedroc": Scoring.CalcBEDROC(ranked, 1, 20.0),
        "ef1": Scoring.CalcEnrichment(ranked, 1, [0.01])[0],
        "ef5": Scoring.CalcEnrichment(ranked, 1, [0.05])[0],
    }


@pytest.mark.parametrize("fusion", ["max", "mean"])
def test_runs_equal_rdkit_by_hand(benchmark, fusion):
    result = ds.vs.evaluate(
        benchmark,
        {"ecfp4": ds.FingerprintSpec()},
        n_queries=3,
        repeats=4,
        fusion=fusion,
        id_column="name",
        seed=5,
    )
    assert len(result.runs) == 2 * 4
    for _, run in result.runs.iterrows():
        table = benchmark[benchmark["target"] == run["target"]]
        # the documented ranking order: sorted by (smiles, id), then a permutation seeded by
        # (seed, crc32(target), 1); equal scores are ranked in this order
        table = table.iloc[np.lexsort((table["name"].to_numpy(str), table["smiles"].to_numpy(str)))]
        rng = np.random.default_rng([5, zlib.crc32(run["target"].encode()), 1])
        table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
        names = run["queries"].split(";")
        queries = [int(np.flatnonzero(table["name"] == n)[0]) for n in names]
        assert table["active"].iloc[queries].all() and len(set(names)) == 3
        expected = _rdkit_run(table, queries, fusion)
        for metric, value in expected.items():
            assert run[metric] == pytest.approx(value, abs=1e-12), (run["target"], metric)
        assert run["n_actives"] == table["active"].sum() - 3
        assert run["n_inactives"] == (table["active"] == 0).sum()


def test_draws_are_seeded_per_target_and_shared_by_methods(benchmark):
    methods = {"ecfp4": ds.FingerprintSpec(), "maccs": ds.FingerprintSpec("maccs")}
    a = ds.vs.evaluate(benchmark, methods, n_queries=2, repeats=3, seed=1, id_column="name")
    b = ds.vs.evaluate(
        benchmark[benchmark["target"] == "amines"],
        {"maccs": methods["maccs"]},
        n_queries=2,
        repeats=3,
        seed=1,
        id_column="name",
    )
    # the same queries for every method, and a target's draws do not depend on the others
    pivot = a.runs.pivot_table(
        index=["target", "repeat"], columns="method", values="queries", aggfunc="first"
    )
    assert (pivot["ecfp4"] == pivot["maccs"]).all()
    assert (
        b.runs["queries"].tolist()
        == a.runs.query("target == 'amines' and method == 'maccs'")["queries"].tolist()
    )
    c = ds.vs.evaluate(benchmark, methods, n_queries=2, repeats=3, seed=2, id_column="name")
    assert c.runs["queries"].tolist() != a.runs["queries"].tolist()
    draws = draw_queries(np.arange(5, 40), 4, 6, seed=0, target="x")
    assert draws.shape == (6, 4) and all(len(set(d)) == 4 for d in draws) and draws.min() >= 5


def test_results_do_not_depend_on_input_order_and_ties_favour_no_class(benchmark):
    spec = {"ecfp4": ds.FingerprintSpec()}
    a = ds.vs.evaluate(benchmark, spec, n_queries=2, repeats=3, id_column="name")
    shuffled = benchmark.sample(frac=1.0, random_state=3)
    b = ds.vs.evaluate(shuffled, spec, n_queries=2, repeats=3, id_column="name")
    key = ["target", "method", "repeat"]  # targets come in order of first appearance
    pd.testing.assert_frame_equal(
        a.runs.sort_values(key).reset_index(drop=True), b.runs.sort_values(key).reset_index(drop=True)
    )
    # every score equal, actives listed first: input order would give AUROC 1; the seeded order
    # ranks the tie at random
    flat = benchmark.sort_values("active", ascending=False).assign(flat=0.5)
    runs = ds.vs.evaluate(flat, {"flat": "flat"}, n_queries=2, repeats=10, id_column="name").runs
    assert 0.4 < runs["auroc"].mean() < 0.6
    optimistic = ds.vs.evaluate(flat, {"flat": "flat"}, n_queries=2, repeats=2, ties="optimistic").runs
    assert (optimistic["auroc"] == 1.0).all()


def test_score_columns_callables_and_metric_pairs(benchmark):
    table = benchmark.copy()
    table["model"] = table["active"] * 0.5 + np.linspace(0, 0.1, len(table))

    def by_length(queries, molecules):
        assert "active" not in molecules.columns and "active" not in queries.columns
        return molecules["smiles"].str.len().to_numpy()

    result = ds.vs.evaluate(
        table,
        {"model": "model", "length": by_length, "dice": (ds.FingerprintSpec(), "dice")},
        n_queries=2,
        repeats=2,
        metrics=("auroc", "ef10", "bedroc80", "rie"),
        keep_scores=True,
    )
    model = result.runs[result.runs["method"] == "model"]
    assert (model["auroc"] == 1.0).all()  # every active outscores every inactive
    scores, labels, mask = result.scores[("alcohols", "length")]
    assert scores.shape == mask.shape == (2, (table["target"] == "alcohols").sum()) and mask.sum(
        axis=1
    ).tolist() == [2, 2]
    keep = ~mask[0]
    assert result.runs.query("method == 'length'")["auroc"].iloc[0] == ds.vs.auroc(
        scores[0, keep], labels[keep]
    )
    summary = result.summary()
    assert list(summary.index) == ["model", "length", "dice"] and (summary["targets"] == 2).all()
    per_target = result.per_target()
    assert per_target.loc[("alcohols", "model"), ("auroc", "mean")] == 1.0


def test_compare_is_scipy_wilcoxon_with_rank_biserial_effect():
    rng = np.random.default_rng(0)
    x, y = rng.random(12), rng.random(12)
    y[3] = x[3]  # one draw: dropped by the test, counted in draws
    runs = pd.DataFrame(
        {
            "target": [f"t{i}" for i in range(12)] * 2,
            "method": ["a"] * 12 + ["b"] * 12,
            "repeat": 0,
            "auroc": np.r_[x, y],
        }
    )
    result = ds.vs.VSResult(runs, ("auroc",))
    got = result.compare("a", "b")
    expected = wilcoxon(x, y)
    assert got.p_value == pytest.approx(expected.pvalue) and got.statistic == expected.statistic
    d = (x - y)[x != y]
    ranks = pd.Series(np.abs(d)).rank().to_numpy()
    assert got.effect_size == pytest.approx((ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks.sum())
    assert (got.wins, got.losses, got.draws, got.n_pairs) == ((x > y).sum(), (x < y).sum(), 1, 12)
    assert ds.vs.compare(result, "b", "a").effect_size == pytest.approx(-got.effect_size)
    same = ds.vs.VSResult(runs.assign(auroc=np.r_[x, x]), ("auroc",)).compare("a", "b")
    assert (same.p_value, same.effect_size, same.draws) == (1.0, 0.0, 12)
    table = ds.vs.comparison_table(result)
    assert table[["a", "b"]].values.tolist() == [["a", "b"]]
    with pytest.raises(InputError, match="no method 'c'"):
        result.compare("a", "c")
    with pytest.raises(InputError, match="was not computed"):
        result.compare("a", "b", metric="ef1")


def test_repeat_pairing_for_a_single_target(benchmark):
    one = benchmark[benchmark["target"] == "alcohols"]
    result = ds.vs.evaluate(
        one, {"ecfp4": ds.FingerprintSpec(), "maccs": ds.FingerprintSpec("maccs")}, n_queries=2, repeats=8
    )
    by_target = result.compare("ecfp4", "maccs")
    assert by_target.n_pairs == 1
    by_repeat = result.compare("ecfp4", "maccs", pair_on="repeat")
    assert by_repeat.n_pairs == by_repeat.wins + by_repeat.losses + by_repeat.draws == 8
    runs = result.runs.pivot(index="repeat", columns="method", values="auroc")
    assert by_repeat.wins == (runs["ecfp4"] > runs["maccs"]).sum()


def test_folder_input(tmp_path, benchmark):
    for target, group in benchmark.groupby("target"):
        folder = tmp_path / "bench" / str(target)
        folder.mkdir(parents=True)
        act, dec = group[group["active"] == 1], group[group["active"] == 0]
        (folder / "actives_final.ism").write_text(
            "".join(f"{s} {n}\n" for s, n in zip(act["smiles"], act["name"], strict=True))
        )
        (folder / "decoys_final.ism").write_text(
            "".join(f"{s} {n}\n" for s, n in zip(dec["smiles"], dec["name"], strict=True))
        )
        # DUD-E ships the same molecules as SDF and MOL2 too: skipped, not read twice
        for name in ("actives_final.sdf.gz", "actives_final.mol2.gz", "decoys_final.mol2.gz"):
            (folder / name).write_bytes(b"not read")
    (tmp_path / "bench" / "empty").mkdir()
    loaded = ds.vs.load_benchmark(tmp_path / "bench")
    assert sorted(loaded["target"].unique()) == ["alcohols", "amines"]
    assert loaded["active"].sum() == benchmark["active"].sum() and len(loaded) == len(benchmark)
    spec = {"ecfp4": ds.FingerprintSpec()}
    a = ds.vs.evaluate(tmp_path / "bench", spec, n_queries=2, repeats=2)
    same = ds.vs.evaluate(benchmark, spec, n_queries=2, repeats=2, id_column="name")
    pd.testing.assert_frame_equal(a.runs.sort_values(["target", "repeat"]).reset_index(drop=True), same.runs)
    only_sdf = tmp_path / "sdf" / "t1"
    only_sdf.mkdir(parents=True)
    (only_sdf / "actives.sdf").write_text("")
    (only_sdf / "decoys.smi").write_text("CCO d1\n")
    with pytest.raises(InputError, match="no SMILES file"):
        ds.vs.load_benchmark(tmp_path / "sdf")
    csv = tmp_path / "bench.csv"
    benchmark.to_csv(csv, index=False)
    b = ds.vs.evaluate(csv, {"ecfp4": ds.FingerprintSpec()}, n_queries=2, repeats=2)
    assert len(b.runs) == 4


def test_bad_molecules_small_targets_and_bad_arguments(benchmark, caplog):
    table = pd.concat(
        [
            benchmark,
            pd.DataFrame({"target": ["alcohols"], "smiles": ["C1CC"], "active": [0], "name": ["bad"]}),
            pd.DataFrame(
                {
                    "target": ["tiny"] * 3,
                    "smiles": ["CCO", "CCN", "CCC"],
                    "active": [1, 1, 0],
                    "name": ["a", "b", "c"],
                }
            ),
        ]
    )
    spec = {"ecfp4": ds.FingerprintSpec()}
    result = ds.vs.evaluate(table, spec, n_queries=2, repeats=2)
    assert "tiny" in result.skipped and "needs > 2 actives" in result.skipped["tiny"]
    assert "1 of" in caplog.text and "do not parse" in caplog.text
    clean = ds.vs.evaluate(benchmark, spec, n_queries=2, repeats=2)
    pd.testing.assert_frame_equal(result.runs, clean.runs)  # the bad row is left out, nothing else changes
    with pytest.raises(InputError, match="no column 'activity'"):
        ds.vs.evaluate(benchmark, spec, active_column="activity")
    with pytest.raises(InputError, match="unknown metric 'ef'"):
        ds.vs.evaluate(benchmark, spec, metrics=("ef",))
    with pytest.raises(InputError, match="unknown fusion"):
        ds.vs.evaluate(benchmark, spec, fusion="min")
    with pytest.raises(InputError, match="n_queries must be"):
        ds.vs.evaluate(benchmark, spec, n_queries=0)
    with pytest.raises(InputError, match="not a column"):
        ds.vs.evaluate(benchmark, {"x": "nope"})
    with pytest.raises(InputError, match="no target column 'assay'"):
        ds.vs.evaluate(benchmark, spec, target_column="assay")
    with pytest.raises(InputError, match="method 'bad' gave 1 NaN scores"):
        ds.vs.evaluate(benchmark.assign(bad=np.r_[np.nan, np.zeros(len(benchmark) - 1)]), {"bad": "bad"})
    with pytest.raises(InputError, match="not numbers"):
        ds.vs.evaluate(benchmark.assign(bad="x"), {"bad": "bad"})
    with pytest.raises(InputError, match="must be 0/1"):
        ds.vs.evaluate(benchmark.assign(active=2), spec)
    with pytest.raises(InputError, match="no target could be evaluated"):
        ds.vs.evaluate(table[table["target"] == "tiny"], spec, n_queries=2)
