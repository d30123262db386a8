"""Issue 21, API side: every number of proximity, DWPC, Rephetio and SEA is checked, with a
one-line InputError naming it; a query that cannot be parsed is a row with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hetnet_data import planted_hetnet

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.repurpose.dwpc import dwpc, dwpc_features, explain
from drugscreen.repurpose.rephetio import Rephetio
from drugscreen.repurpose.rephetio_eval import cross_validate, metapath_aurocs
from drugscreen.repurpose.rephetio_features import degree_prior
from drugscreen.repurpose.sea import COLUMNS, SEA, choose_threshold
from drugscreen.repurpose.sea_threshold import evd_fit

BAD = [-1, float("nan"), float("inf"), float("-inf"), "x", None, True]

LIGANDS = {
    "nitrile": ["CCC#N", "CCCC#N", "N#Cc1ccccc1", "CC(C)C#N"],
    "aromatic": ["Oc1ccccc1", "Cc1ccccc1", "CCc1ccccc1", "Oc1ccc(O)cc1"],
    "acid": ["CC(=O)O", "CCC(=O)O", "OC(=O)c1ccccc1"],
}


@pytest.fixture(scope="module")
def kg():
    return planted_hetnet(1, n_compounds=20, n_genes=30, n_diseases=6)


@pytest.fixture(scope="module")
def pair(kg):
    values = dwpc(kg, "CbGaD")
    i, j = np.unravel_index(np.argmax(values), values.shape)
    return kg.node_ids("Compound")[i], kg.node_ids("Disease")[j]


@pytest.fixture(scope="module")
def sea():
    return SEA(LIGANDS, n_background=200, progress=False, n_jobs=1).fit()


@pytest.fixture(scope="module")
def interactome():
    edges = [(f"g{i}", f"g{(i + 1) % 20}") for i in range(20)] + [("g0", "g10"), ("g5", "g15")]
    return ds.network.Interactome.from_edges(edges)


# ---------------------------------------------------------------------------- damping (item 3)


@pytest.mark.parametrize("bad", BAD)
def test_damping_is_checked_by_every_entry(kg, pair, bad):
    source, target = pair
    message = "damping must be a number >= 0"
    with pytest.raises(InputError, match=message):
        dwpc(kg, "CbGaD", bad)
    with pytest.raises(InputError, match=message):
        dwpc_features(kg, ["CbGaD", "CrCtD"], bad, progress=False)
    with pytest.raises(InputError, match=message):
        explain(kg, "CbGaD", source, target, bad)
    with pytest.raises(InputError, match=message):
        Rephetio(damping=bad, max_length=2, progress=False).fit(kg)
    with pytest.raises(InputError, match=message):
        metapath_aurocs(kg, ["CbGaD"], damping=bad)


def test_a_metapath_of_the_wrong_type_is_one_line(kg):
    for bad in (5, 2.5, None, object()):
        with pytest.raises(InputError, match="a metapath must be an abbreviation such as 'CbGaD'") as err:
            dwpc(kg, bad)
        assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="expected a Hetnet"):
        dwpc("kg", "CbGaD")
    with pytest.raises(InputError, match="metapaths must be a list"):
        dwpc_features(kg, 5)
    # one abbreviation for dwpc_features is one metapath, not one per letter
    assert dwpc_features(kg, "CbGaD", progress=False)[1] == ["CbGaD"]


# ---------------------------------------------------------------------------- lengths and limits (item 6)


@pytest.mark.parametrize("bad", [0, -1, 2.5, float("nan"), float("inf"), "x"])
def test_explain_limit_and_max_paths(kg, pair, bad):
    source, target = pair
    with pytest.raises(InputError, match="limit must be a whole number >= 1"):
        explain(kg, "CbGaD", source, target, limit=bad)
    with pytest.raises(InputError, match="max_paths must be a whole number >= 1"):
        explain(kg, "CbGaD", source, target, max_paths=bad)
    assert len(explain(kg, "CbGaD", source, target, limit=None)) >= 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, float("nan"), float("inf"), "x"])
def test_metapath_lengths(kg, bad):
    with pytest.raises(InputError, match="max_length must be a whole number >= 1"):
        kg.metapaths("Compound", "Disease", bad)
    with pytest.raises(InputError, match="min_length must be a whole number >= 1"):
        kg.metapaths("Compound", "Disease", 3, bad)
    with pytest.raises(InputError, match="max_length must be a whole number >= 1"):
        Rephetio(max_length=bad, progress=False).fit(kg)


def test_min_length_above_max_length(kg):
    with pytest.raises(InputError, match=r"min_length \(5\) must not exceed max_length \(2\)"):
        kg.metapaths("Compound", "Disease", max_length=2, min_length=5)
    with pytest.raises(InputError, match=r"min_length \(3\) must not exceed max_length \(2\)"):
        Rephetio(min_length=3, max_length=2, progress=False).fit(kg)


# ---------------------------------------------------------------------------- every other number


def _rephetio(**bad):
    return lambda kg: Rephetio(**{"max_length": 2, "progress": False, **bad}).fit(kg)


REPHETIO_CASES = [
    ("l1_ratio", _rephetio, "l1_ratio must be a number >= 0 and <= 1", [-1, 1.5]),
    ("C", _rephetio, "C must be a number > 0", [0, -1]),
    ("n_negatives", _rephetio, "n_negatives must be a whole number >= 1", [0, -1, 2.5]),
    ("max_metapaths", _rephetio, "max_metapaths must be a whole number >= 1", [0, -1, 2.5]),
    ("prior_permutations", _rephetio, "prior_permutations must be a whole number >= 1", [0, -1, None]),
    ("max_iter", _rephetio, "max_iter must be a whole number >= 1", [0, -1, None]),
    ("tol", _rephetio, "tol must be a number > 0", [0, -1, None]),
    ("random_state", _rephetio, "random_state must be a whole number >= 0", [-1, 2.5, None, 2**40]),
]


@pytest.mark.parametrize("name, make, message, extra", REPHETIO_CASES, ids=[c[0] for c in REPHETIO_CASES])
def test_rephetio_settings(kg, name, make, message, extra):
    for bad in [float("nan"), float("inf"), "x", True, *extra]:
        with pytest.raises(InputError, match=message):
            make(**{name: bad})(kg)


def test_rephetio_grid_top_folds_and_prior(kg):
    for bad in ([], [0.1, -1], [float("nan")], "x", 5):
        with pytest.raises(InputError, match="Cs must be"):
            Rephetio(max_length=2, Cs=bad, progress=False).fit(kg)
    model = Rephetio(max_length=2, C=0.3, n_negatives=None, prior_permutations=5, progress=False).fit(kg)
    for bad in (0, -1, 2.5, float("nan"), "x"):
        with pytest.raises(InputError, match="top must be a whole number >= 1"):
            model.rank("Disease::0", top=bad)
    assert len(model.rank("Disease::0", top=None)) > 0
    for bad in (1, 0, -1):
        with pytest.raises(InputError, match="at least 2 folds"):
            cross_validate(model, kg, n_folds=bad, progress=False)
    for bad in (2.5, float("nan"), "x", None):
        with pytest.raises(InputError, match="n_folds must be a whole number"):
            cross_validate(model, kg, n_folds=bad, progress=False)
    with pytest.raises(InputError, match="seed must be a whole number >= 0"):
        cross_validate(model, kg, seed=-1, progress=False)
    with pytest.raises(InputError, match="n_permutations must be a whole number >= 1"):
        degree_prior(kg.adjacency("CtD"), 0)
    with pytest.raises(InputError, match="multiplier must be a number >= 0"):
        degree_prior(kg.adjacency("CtD"), 5, multiplier=float("nan"))
    with pytest.raises(InputError, match="n_negatives must be a whole number >= 1"):
        metapath_aurocs(kg, ["CbGaD"], n_negatives=-1)


@pytest.mark.parametrize("bad", BAD)
def test_proximity_numbers(interactome, bad):
    def run(**kwargs):
        base = {"n_random": 10, "min_bin_size": 2, "progress": False}
        return ds.repurpose.proximity(interactome, {"a": ["g1"]}, {"b": ["g5", "g6"]}, **{**base, **kwargs})

    for name, low in (("n_random", 0), ("min_bin_size", 1), ("seed", 0), ("block_bytes", 1)):
        with pytest.raises(InputError, match=f"{name} must be a whole number >= {low}"):
            run(**{name: bad})
    with pytest.raises(InputError, match="n_random must be 0"):
        run(n_random=1)
    with pytest.raises(InputError, match="distance must be a name"):
        run(distance=5)
    with pytest.raises(InputError, match="needs an Interactome"):
        ds.repurpose.proximity("net", {"a": ["g1"]}, {"b": ["g5"]})
    assert len(run(n_random=0)) == 1


@pytest.mark.parametrize("bad", BAD)
def test_sea_numbers(sea, bad):
    for name in ("threshold", "n_background", "seed", "block_bytes"):
        with pytest.raises(InputError, match=f"{name} must be"):
            SEA(LIGANDS, **{name: bad}).fit()
    with pytest.raises(InputError, match="query_sizes must"):
        SEA(LIGANDS, query_sizes=[bad]).fit()
    if bad is not None:  # None means "no filter"
        with pytest.raises(InputError, match="top_k must be a whole number >= 1"):
            sea.predict(["CCO"], top_k=bad)
        with pytest.raises(InputError, match="max_e_value must be a number >= 0"):
            sea.predict(["CCO"], max_e_value=bad)
    with pytest.raises(InputError, match="threshold must be a number > 0 and <= 1"):
        choose_threshold(LIGANDS, [0.2, bad], n_background=100)
    with pytest.raises(InputError, match="bins must be a whole number >= 1"):
        evd_fit(np.zeros(10), bins=bad)


def test_sea_threshold_range():
    for bad in (0, 1.5, -0.1):
        with pytest.raises(InputError, match=r"threshold must be a number > 0 and <= 1"):
            SEA(LIGANDS, threshold=bad).fit()


# ---------------------------------------------------------------------------- unusable queries (item 4)


@pytest.mark.parametrize("queries", [["C1CC("], "C1CC(", ["C1CC(", "not_a_smiles"], {"q": ""}])
def test_queries_that_all_fail_give_rows_with_a_reason(sea, queries):
    table = sea.predict(queries)
    assert table.columns.tolist() == COLUMNS
    assert table["target"].isna().all() and table["raw_score"].isna().all()
    assert (table["note"].str.len() > 0).all()
    sets = sea.predict_sets({"s": ["C1CC("]})
    assert sets["note"].iloc[0].startswith("no usable molecule") and np.isnan(sets["z"].iloc[0])


def test_a_triple_bond_is_kept_in_table_input(sea):
    table = pd.DataFrame({"target": ["t"] * 3, "smiles": ["CCC#N", "CC#N", "N#CCC#N"]})
    library = [smiles for group in LIGANDS.values() for smiles in group]
    model = SEA(table, n_background=200, progress=False, n_jobs=1).fit(library)
    got = model.predict(pd.DataFrame({"id": ["n"], "smiles": ["CC#N"]}))
    assert got["max_tc"].iloc[0] == pytest.approx(1.0)
    assert sea.predict(["CCC#N"]).set_index("target").loc["nitrile", "max_tc"] == pytest.approx(1.0)
