"""Drug-pair separation, Cheng 2019 exposure classes and multi-ingredient entities."""

import numpy as np
import pytest

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.kernels.reference import set_distance


def ring(n=30, chords=((0, 15), (5, 20))):
    edges = [(f"n{i:02d}", f"n{(i + 1) % n:02d}") for i in range(n)]
    edges += [(f"n{a:02d}", f"n{b:02d}") for a, b in chords]
    return ds.network.Interactome.from_edges(edges)


def test_separation_equals_the_formula():
    net = ring()
    dist = np.asarray(net.distances).astype(np.int64)
    rng = np.random.default_rng(0)
    drugs = {f"d{i}": list(rng.choice(net.genes, rng.integers(1, 5), replace=False)) for i in range(6)}
    table = ds.combos.drug_separation(net, drugs)
    assert len(table) == 15
    for row in table.itertuples():
        a = list(net.resolve(drugs[row.drug_a])[0])
        b = list(net.resolve(drugs[row.drug_b])[0])
        assert row.s_ab == pytest.approx(set_distance(dist, a, b, "separation"))
    assert ds.combos.drug_separation(net, {"only": ["n00"]}).empty


@pytest.mark.parametrize(
    "s_ab,s_a,s_b,name",
    [
        (-1, -1, -1, "overlapping"),
        (0.5, -1, -0.2, "complementary"),
        (-0.1, -1, 2, "indirect"),
        (-0.1, 2, -1, "indirect"),
        (0.0, 1, -1, "single"),
        (-2, 0, 0.0, "non-overlapping"),
        (0, 0, 0, "independent"),
    ],
)
def test_the_six_classes(s_ab, s_a, s_b, name):
    assert ds.combos.classify([s_ab], [s_a], [s_b])[0] == name


def test_exposure_table_is_consistent_and_ranked():
    net = ring()
    drugs = {"x": ["n00", "n01"], "y": ["n03", "n04"], "z": ["n10", "n11"], "w": ["n00", "n02"]}
    disease = {"dis": ["n01", "n02", "n03"]}
    table = ds.combos.exposure_classes(net, drugs, disease, n_random=0)
    sep = ds.combos.drug_separation(net, drugs).set_index(["drug_a", "drug_b"]).s_ab
    to_dis = (
        ds.repurpose.proximity(net, drugs, disease, distance="separation", n_random=0).set_index("drug").d
    )
    for row in table.itertuples():
        assert row.s_ab == sep[(row.drug_a, row.drug_b)]
        assert (row.s_a, row.s_b) == (to_dis[row.drug_a], to_dis[row.drug_b])
        assert row.exposure == ds.combos.classify([row.s_ab], [row.s_a], [row.s_b])[0]
    classes = list(table.exposure)
    order = [ds.combos.EXPOSURE_ORDER.index(c) for c in classes]
    assert order == sorted(order) and list(table["rank"]) == list(range(1, len(table) + 1))
    with_z = ds.combos.exposure_classes(net, drugs, disease, n_random=50, min_bin_size=5)
    assert with_z.z_a.notna().all() and set(with_z.exposure) == set(table.exposure)


def test_an_entity_is_the_union_of_its_ingredients():
    net = ring()
    formula = {"herb1": ["n00", "n01"], "herb2": ["n05"], "herb3": ["n20", "missing"]}
    disease = {"dis": ["n01", "n02", "n06"]}
    result = ds.combos.score_entity(net, formula, disease, name="tang", n_random=100, min_bin_size=5)
    union = ["n00", "n01", "n05", "n20"]
    direct = ds.repurpose.proximity(net, {"u": union}, disease, n_random=100, min_bin_size=5)
    assert result.entity.d.iloc[0] == direct.d.iloc[0]
    assert result.entity.n_targets.iloc[0] == 4
    ing = result.ingredients.set_index("ingredient")
    assert ing.loc["herb3", "n_targets"] == 1
    without3 = ds.repurpose.proximity(net, {"u": ["n00", "n01", "n05"]}, disease, n_random=0).d.iloc[0]
    assert ing.loc["herb3", "d_without"] == pytest.approx(without3)
    assert ing.contribution.notna().all()
    assert len(result.pairs) == 3 and set(result.pairs.exposure) <= set(ds.combos.EXPOSURE_ORDER)
    with pytest.raises(InputError, match="also an ingredient"):
        ds.combos.score_entity(net, formula, disease, name="herb1")


def test_pairs_tables_and_bad_pairs():
    import pandas as pd

    net = ring()
    drugs = {"x": ["n00"], "y": ["n05"], "z": ["n10"]}
    table = ds.combos.drug_separation(net, drugs, pd.DataFrame({"a": ["x"], "b": ["z"]}))
    assert list(zip(table.drug_a, table.drug_b, strict=True)) == [("x", "z")]
    with pytest.raises(InputError, match="drug 'w'"):
        ds.combos.drug_separation(net, drugs, [("x", "w")])
    with pytest.raises(InputError, match="expected"):
        ds.combos.drug_separation(net, drugs, [("x", "y", "z")])
    empty = ds.combos.exposure_classes(net, drugs, {"none": ["absent"]}, n_random=0)
    assert empty.empty and "exposure" in empty.columns
    with pytest.raises(InputError, match="one distance"):
        ds.combos.score_entity(net, drugs, {"d": ["n01"]}, distance="all")


def test_an_ingredient_next_to_the_module_contributes():
    net = ring(n=40, chords=())
    formula = {"close": ["n01", "n02"], "far": ["n20", "n21"]}
    result = ds.combos.score_entity(
        net, formula, {"dis": ["n00", "n01", "n03"]}, n_random=300, min_bin_size=5
    )
    ing = result.ingredients.set_index("ingredient")
    whole = result.entity.z.iloc[0]
    assert ing.contribution.to_numpy() == pytest.approx((ing.z_without - whole).to_numpy())
    assert ing.loc["close", "contribution"] > 0 > ing.loc["far", "contribution"]
