"""Filters equal the rules computed from RDKit's own descriptors and FilterCatalog, molecule by molecule."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import QED, Descriptors, Lipinski
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

import drugscreen as ds
from drugscreen.chem.filters import ALL_FILTERS, FILTERS, filter_molecules, resolve_filters
from drugscreen.errors import InputError

CATALOG = FilterCatalogParams.FilterCatalogs
ORACLE_CATALOGS = {
    "pains": CATALOG.PAINS,  # RDKit's own union of PAINS A, B and C
    "pains_a": CATALOG.PAINS_A,
    "pains_b": CATALOG.PAINS_B,
    "pains_c": CATALOG.PAINS_C,
    "brenk": CATALOG.BRENK,
    "nih": CATALOG.NIH,
}


def catalog(which):
    params = FilterCatalogParams()
    params.AddCatalog(which)
    return FilterCatalog(params)


@pytest.fixture(scope="module")
def catalogs():
    return {name: catalog(which) for name, which in ORACLE_CATALOGS.items()}


def oracle(mol, catalogs):
    """Each filter by hand from RDKit's descriptor functions: {name: (passed, detail)}."""
    mw, logp = Descriptors.MolWt(mol), Descriptors.MolLogP(mol)
    rotb, tpsa, mr = Descriptors.NumRotatableBonds(mol), Descriptors.TPSA(mol), Descriptors.MolMR(mol)
    atoms = Chem.AddHs(mol).GetNumAtoms()
    ro5 = [mw > 500, logp > 5, Lipinski.NHOHCount(mol) > 5, Lipinski.NOCount(mol) > 10]
    out = {
        "ro5": sum(ro5) <= 1,
        "veber": rotb <= 10 and tpsa <= 140,
        "ghose": 160 <= mw <= 480 and -0.4 <= logp <= 5.6 and 40 <= mr <= 130 and 20 <= atoms <= 70,
        "leadlike": 250 <= mw <= 350 and logp <= 3.5 and rotb <= 7,
        "qed": QED.qed(mol),
    }
    for name, cat in catalogs.items():
        out[name] = [e.GetDescription() for e in cat.GetMatches(mol)]
    return out


def assert_equal_to_rdkit(smiles, table, catalogs, names=ALL_FILTERS):
    assert table["row"].tolist() == list(range(len(smiles)))
    for i, smi in enumerate(smiles):
        row = table.iloc[i]
        with rdBase.BlockLogs():
            mol = Chem.MolFromSmiles(smi) if smi else None
        if mol is None:
            assert row["error"] and not row["pass_all"], smi
            assert not any(row[f"pass_{n}"] for n in names) and math.isnan(row["qed"])
            continue
        expected = oracle(mol, catalogs)
        assert row["error"] is None, smi
        for name in names:
            if name == "qed":
                assert row["qed"] == expected["qed"] and row["pass_qed"] == (expected["qed"] >= 0.5)
            elif name in ORACLE_CATALOGS:
                found = expected[name]
                assert row[f"pass_{name}"] == (not found), (smi, name)
                # one catalog of three families: the same alerts, in that catalog's order
                assert sorted(row[f"alerts_{name}"].split(";") if row[f"alerts_{name}"] else []) == sorted(
                    set(found)
                ), (smi, name)
                if name != "pains":
                    assert row[f"alerts_{name}"] == ";".join(dict.fromkeys(found))
            else:
                assert row[f"pass_{name}"] == expected[name], (smi, name)
        assert row["pass_all"] == all(row[f"pass_{n}"] for n in names)


def test_equal_to_rdkit(small_sample, catalogs):
    table = filter_molecules(small_sample, ALL_FILTERS, progress=False)
    assert_equal_to_rdkit(small_sample, table, catalogs)
    # the bundled MOSES molecules are ZINC lead-like, PAINS-filtered: nearly all pass those
    moses = table.iloc[len(small_sample) - 300 :]
    assert moses["pass_leadlike"].mean() > 0.8 and moses["pass_pains"].mean() > 0.95


def test_moleculenet_salts_and_charges_equal_rdkit(shared_sample, catalogs):
    table = filter_molecules(shared_sample, ALL_FILTERS, progress=False)
    assert_equal_to_rdkit(shared_sample, table, catalogs)
    assert (~table["pass_brenk"]).sum() > 20 and (~table["pass_ro5"]).sum() > 5


def test_columns_and_details():
    table = filter_molecules(
        ["CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O", "Oc1ccccc1O", "bad"],
        ["ro5", "qed", "pains", "brenk"],
        progress=False,
    )
    assert list(table.columns) == [
        "row", "id", "smiles", "error", "pass_all",
        "pass_ro5", "violations_ro5", "qed", "pass_qed",
        "pass_pains", "alerts_pains", "pass_brenk", "alerts_brenk",
    ]  # fmt: skip
    assert table["violations_ro5"].tolist() == ["MolWt > 500;MolLogP > 5", "", None]
    assert table["pass_ro5"].tolist() == [False, True, False]  # two violations fail, none pass
    assert table["alerts_pains"].tolist() == ["", "catechol_A(92)", None]
    assert table["alerts_brenk"].tolist()[1] == "catechol"
    assert table["error"].tolist() == [None, None, "unparseable SMILES"]
    assert table["pass_qed"].dtype == bool and table["qed"].dtype == "float64"


def test_one_ro5_violation_passes():
    # MolLogP of C30 alkane > 5 is the only violation
    table = filter_molecules(["C" * 30], ["ro5"], progress=False)
    assert table["violations_ro5"].item() == "MolLogP > 5" and table["pass_ro5"].item()


def test_qed_threshold():
    low = filter_molecules(["Oc1ccccc1O"], ["qed"], qed_threshold=0.4, progress=False)
    high = filter_molecules(["Oc1ccccc1O"], ["qed"], qed_threshold=0.6, progress=False)
    assert low["pass_qed"].item() and not high["pass_qed"].item()
    with pytest.raises(InputError, match="qed_threshold"):
        filter_molecules(["CCO"], ["qed"], qed_threshold="high")


def test_parallel_equals_serial(small_sample):
    sample = small_sample[:160]
    serial = filter_molecules(sample, n_jobs=1, progress=False)
    parallel = filter_molecules(sample, n_jobs=2, chunk_size=40, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)


def test_unknown_filter_names_list_the_valid_ones():
    with pytest.raises(InputError, match=r"unknown filter\(s\) \['lipinsky'\]: the filters are ro5, veber"):
        filter_molecules(["CCO"], ["ro5", "lipinsky"])
    with pytest.raises(InputError, match="no filter named"):
        filter_molecules(["CCO"], [])
    assert resolve_filters("ro5, pains,ro5") == ("ro5", "pains")


def test_empty_input_and_missing_column():
    table = filter_molecules([], progress=False)
    assert len(table) == 0 and "pass_all" in table.columns and "alerts_nih" in table.columns
    with pytest.raises(InputError, match="no SMILES column"):
        filter_molecules(pd.DataFrame({"structure": ["CCO"]}))


def test_takes_the_standardised_table():
    table = ds.standardize(pd.DataFrame({"smiles": ["CCCC(=O)[O-].[Na+]"], "id": ["x"]}), progress=False)
    filtered = filter_molecules(table, ["ro5"], progress=False)
    assert filtered[["id", "smiles"]].values.tolist() == [["x", "CCCC(=O)O"]]


def test_defaults_and_public_name():
    assert FILTERS == ("ro5", "veber", "ghose", "leadlike", "qed", "pains", "brenk", "nih")
    assert ds.filter_molecules is filter_molecules


@pytest.mark.slow
def test_5k_moses_and_moleculenet_equal_rdkit(large_sample, catalogs):
    table = filter_molecules(large_sample, ALL_FILTERS, n_jobs=2, progress=False)
    assert_equal_to_rdkit(large_sample, table, catalogs)
