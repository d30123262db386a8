"""Multi-ingredient formulas: reading, drug-likeness, scoring and bias warnings."""

import gzip
import logging
from collections import deque

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, Lipinski

import drugscreen as ds
from drugscreen.errors import InputError

N_NODES = 200
HUBS = ["h0", "h1", "h2"]
FAST = dict(n_random=200, min_bin_size=10, n_jobs=1)


def edges(seed=7):
    """A ring (connected) with random chords and three hubs linked to 50 nodes each."""
    rng = np.random.default_rng(seed)
    out = {(f"g{i:03d}", f"g{(i + 1) % N_NODES:03d}") for i in range(N_NODES)}
    for a, b in rng.integers(0, N_NODES, size=(N_NODES, 2)):
        if a != b:
            out.add((f"g{min(a, b):03d}", f"g{max(a, b):03d}"))
    for hub in HUBS:
        out |= {(hub, f"g{i:03d}") for i in rng.choice(N_NODES, 50, replace=False)}
    return sorted(out)


@pytest.fixture(scope="module")
def graph():
    pairs = edges()
    return ds.network.Interactome.from_edges(pairs), pairs


def bfs_to_set(pairs, sources):
    """Hop distance of every node to the nearest node of ``sources`` (multi-source BFS)."""
    adjacency = {}
    for a, b in pairs:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    dist = {s: 0 for s in sources}
    queue = deque(sources)
    while queue:
        node = queue.popleft()
        for other in adjacency[node]:
            if other not in dist:
                dist[other] = dist[node] + 1
                queue.append(other)
    return dist


def long_table(formulas):
    return pd.DataFrame(
        [(f, i, g) for f, parts in formulas.items() for i, genes in parts.items() for g in genes],
        columns=["formula", "ingredient", "gene"],
    )


DISEASE = {"dis": ["g010", "g011", "g050", "g051", "g120", "h0", "h1"]}


def test_entity_distance_and_contribution_match_oracles(graph):
    net, pairs = graph
    formula = {"a": ["g010", "g090", "g091"], "b": ["g052", "g160"], "c": ["g121", "g122", "g010"]}
    result = ds.combos.score_formulas(net, long_table({"F": formula}), DISEASE, **FAST)
    row = result.formulas.iloc[0]
    nearest = bfs_to_set(pairs, DISEASE["dis"])
    union = sorted({g for genes in formula.values() for g in genes})
    assert row.formula == "F" and row.n_ingredients == 3 and row.n_targets == len(union)
    assert row.d == pytest.approx(np.mean([nearest[g] for g in union]))
    assert row.closest_min == min(nearest[g] for g in union)
    options = dict(min_bin_size=10, n_random=200, seed=0, n_jobs=1)
    z_all = ds.repurpose.proximity(net, {"x": union}, DISEASE, **options).z[0]
    assert row.z == pytest.approx(z_all)
    assert row.p == pytest.approx(ds.repurpose.proximity(net, {"x": union}, DISEASE, **options).p[0])
    ing = result.ingredients.set_index("ingredient")
    for name, genes in formula.items():
        rest = sorted({g for k, v in formula.items() if k != name for g in v})
        z_without = ds.repurpose.proximity(net, {"y": rest}, DISEASE, **options).z[0]
        own = ds.repurpose.proximity(net, {"y": genes}, DISEASE, **options)
        assert ing.loc[name, "contribution"] == pytest.approx(z_without - z_all)
        assert ing.loc[name, "z"] == pytest.approx(own.z[0])
        assert ing.loc[name, "d"] == pytest.approx(np.mean([nearest[g] for g in set(genes)]))
        assert ing.loc[name, "target_share"] == pytest.approx(len(set(genes)) / len(union))
    assert len(result.pairs) == 3 and set(result.pairs.formula) == {"F"}


def test_hub_driven_formula_warns_and_clean_one_does_not(graph):
    net, _ = graph
    formulas = {
        "hubby": {"x": ["h0", "g030", "g031"], "y": ["h1", "g150"]},
        "clean": {"x": ["g010", "g030"], "y": ["g050", "g150"]},
    }
    result = ds.combos.score_formulas(net, long_table(formulas), DISEASE, hub_quantile=0.985, **FAST)
    rows = result.formulas.set_index("formula")
    assert rows.loc["hubby", "hub_share"] == 1.0 and rows.loc["hubby", "closest_min"] == 0
    assert rows.loc["clean", "hub_share"] == 0.0
    hub = result.warnings[result.warnings.kind == "hub genes"]
    assert list(hub.formula) == ["hubby"]
    assert "hub genes" in hub.message.iloc[0] and "2 of the 2 target(s)" in hub.message.iloc[0]


def test_promiscuous_ingredient_carrying_the_score_warns(graph):
    net, _ = graph
    near = ["g009", "g010", "g011", "g012", "g049", "g050", "g051", "g052", "g119", "g120", "g121"]
    formulas = {
        "P": {"quercetin": near, "minor1": ["g160", "g170"], "minor2": ["g175"]},
        # as proximal, but the targets are spread over ingredients: no ingredient holds half
        "spread": {"a": near[:4], "b": near[4:8], "c": near[8:], "d": ["g160"]},
    }
    result = ds.combos.score_formulas(net, long_table(formulas), DISEASE, **FAST)
    warned = result.warnings[result.warnings.kind == "promiscuous ingredient"]
    assert list(warned.formula) == ["P"]
    assert "'quercetin'" in warned.message.iloc[0]
    ing = result.ingredients.set_index(["formula", "ingredient"])
    assert ing.loc[("P", "quercetin"), "target_share"] == pytest.approx(11 / 14)
    assert ing.loc[("P", "quercetin"), "contribution"] > 1.0
    # a stricter threshold turns the warning off
    strict = ds.combos.score_formulas(net, long_table(formulas), DISEASE, promiscuity=0.9, **FAST)
    assert (strict.warnings.kind != "promiscuous ingredient").all()


SMILES = {
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "quercetin": "O=c1c(O)c(-c2ccc(O)c(O)c2)oc2cc(O)cc(O)c12",
    "wax": "C" * 40,
    "rutin": "CC1C(C(C(C(O1)OCC2C(C(C(C(O2)OC3=C(OC4=CC(=CC(=C4C3=O)O)O)C5=CC(=C(C=C5)O)O)O)O)O)O)O)O",
}


def test_druglikeness_matches_rdkit(caplog):
    names = [*SMILES, "broken", "none"]
    series = pd.Series([*SMILES.values(), "C1CC(", None], index=names)
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        table = ds.combos.druglikeness(series)
    assert list(table.index) == names
    for name, smi in SMILES.items():
        mol = Chem.MolFromSmiles(smi)
        expected = {
            "MolWt": Descriptors.MolWt(mol),
            "MolLogP": Crippen.MolLogP(mol),
            "HBD": Lipinski.NHOHCount(mol),
            "HBA": Lipinski.NOCount(mol),
            "TPSA": Descriptors.TPSA(mol),
            "NumRotatableBonds": Descriptors.NumRotatableBonds(mol),
            "QED": QED.qed(mol),
        }
        for column, value in expected.items():
            assert table.loc[name, column] == pytest.approx(value), (name, column)
        violations = sum(
            [expected["MolWt"] > 500, expected["MolLogP"] > 5, expected["HBD"] > 5, expected["HBA"] > 10]
        )
        assert bool(table.loc[name, "lipinski"]) == (violations <= 1)
        veber = expected["NumRotatableBonds"] <= 10 and expected["TPSA"] <= 140
        assert bool(table.loc[name, "veber"]) == veber
    assert not table.loc["wax", "lipinski"] and not table.loc["wax", "veber"]
    assert not table.loc["rutin", "lipinski"] and not table.loc["rutin", "veber"]
    assert table.loc["broken", ["MolWt", "QED"]].isna().all()
    assert table.loc["broken", "lipinski"] is pd.NA and table.loc["broken", "error"]
    assert table.loc["none", "error"] == "no SMILES"
    assert [r for r in caplog.records if "broken" in r.getMessage()]
    assert list(ds.combos.druglikeness(["CCO"]).index) == [0]


def test_smiles_and_user_columns_reach_the_tables(graph, tmp_path):
    net, _ = graph
    rows = [
        ("F", "herb1", "aspirin", "g010", SMILES["aspirin"], 43.1),
        ("F", "herb1", "aspirin", "g011", SMILES["aspirin"], 43.1),
        ("F", "herb2", "wax", "g090", SMILES["wax"], 10.0),
        ("F", "herb2", "odd", "g120", "C1CC(", 5.0),
        ("G", "herb1", "aspirin", "g050", SMILES["aspirin"], 43.1),
    ]
    path = tmp_path / "formulas.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("Formula\therb\tingredient\tgene\tsmiles\tob\n")
        handle.writelines("\t".join(map(str, r)) + "\n" for r in rows)
    result = ds.combos.score_formulas(net, path, DISEASE, **FAST)
    rows_f = result.formulas.set_index("formula")
    assert rows_f.loc["F", "n_structures"] == 2 and rows_f.loc["F", "druglike_fraction"] == 0.5
    assert rows_f.loc["G", "druglike_fraction"] == 1.0
    ing = result.ingredients.set_index(["formula", "ingredient"])
    assert ing.loc[("F", "aspirin"), "ob"] == 43.1 and ing.loc[("F", "wax"), "herb"] == "herb2"
    assert ing.loc[("F", "aspirin"), "MolWt"] == pytest.approx(180.159, abs=1e-3)
    assert np.isnan(ing.loc[("F", "odd"), "MolWt"])


def test_user_columns_varying_or_clashing_are_not_carried(graph):
    net, _ = graph
    table = pd.DataFrame(
        {"formula": "F", "ingredient": ["a", "a", "b"], "gene": ["g010", "g011", "g090"]}
        | {"dl": [0.2, 0.2, 0.5], "score": [1, 2, 3], "z": [9, 9, 9]}
    )
    result = ds.combos.score_formulas(net, table, DISEASE, **FAST)
    ing = result.ingredients.set_index("ingredient")
    assert ing.dl.to_dict() == {"a": 0.2, "b": 0.5} and "score" not in ing.columns
    assert (ing.z < 9).all()


def test_formula_gene_only_and_single_ingredient(graph):
    net, pairs = graph
    table = pd.DataFrame({"formula": ["only", "only", "only"], "gene": ["g020", "g021", "g020"]})
    result = ds.combos.score_formulas(net, table, DISEASE, **FAST)
    row = result.formulas.iloc[0]
    nearest = bfs_to_set(pairs, DISEASE["dis"])
    assert row.n_ingredients == 1 and row.n_targets == 2
    assert row.d == pytest.approx((nearest["g020"] + nearest["g021"]) / 2)
    ing = result.ingredients.iloc[0]
    assert ing.ingredient == "only" and ing.z == pytest.approx(row.z) and np.isnan(ing.contribution)
    assert result.warnings.empty and result.pairs.empty
    # one ingredient with no target in the network: NaN scores, said in the note
    missing = ds.combos.score_formulas(
        net, pd.DataFrame({"formula": ["x"], "gene": ["nowhere"]}), DISEASE, **FAST
    )
    assert np.isnan(missing.formulas.d[0]) and "no drug target" in missing.formulas.note[0]


def test_read_formulas_checks_and_cleans(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("formula,ingredient,target\nF,a,TP53\n")
    with pytest.raises(InputError, match=r"bad\.csv.*no column 'gene'"):
        ds.combos.read_formulas(path)
    with pytest.raises(InputError, match=r"row 1: empty 'ingredient'"):
        ds.combos.read_formulas(
            pd.DataFrame({"formula": ["F", "F"], "ingredient": ["a", " "], "gene": [1, 2]})
        )
    with pytest.raises(InputError, match=r"row 0: empty 'gene'"):
        ds.combos.read_formulas(pd.DataFrame({"formula": ["F"], "gene": [np.nan]}))
    with pytest.raises(InputError, match="different SMILES"):
        ds.combos.read_formulas(
            pd.DataFrame(
                {"formula": ["F", "G"], "ingredient": ["a", "a"], "gene": [1, 2], "smiles": ["C", "CC"]}
            )
        )
    table = ds.combos.read_formulas(
        pd.DataFrame({"formula": ["F", "F", "F"], "ingredient": ["a", "a", "b"], "gene": [7157, 7157, 672.0]})
    )
    assert table.gene.tolist() == ["7157", "672"] and table.ingredient.tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "option,value,name",
    [
        ("n_random", "100", "n_random"),
        ("n_random", 2.5, "n_random"),
        ("hub_quantile", 1.0, "hub_quantile"),
        ("promiscuity", 0, "promiscuity"),
        ("carry_z", -1, "carry_z"),
    ],
)
def test_bad_numbers_are_refused_before_work(option, value, name):
    net = ds.network.Interactome.from_edges([("a", "b"), ("b", "c")])
    table = pd.DataFrame({"formula": ["F"], "gene": ["a"]})
    with pytest.raises(InputError, match=name):
        ds.combos.score_formulas(net, table, {"d": ["c"]}, **{option: value})
