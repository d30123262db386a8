"""Standardisation equals RDKit's rdMolStandardize called one molecule at a time; dedup."""

from __future__ import annotations

import pandas as pd
import pytest
from rdkit import Chem, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize

import drugscreen as ds
from drugscreen.chem.standardize import DEFAULT_RECIPE, dedup, resolve_steps, standardize
from drugscreen.errors import InputError


def rdkit_standardize(smiles: str, steps=DEFAULT_RECIPE, tautomer: bool = False):
    """The oracle: RDKit's functions on one molecule, fresh objects each time.

    Returns ``(smiles, inchikey)``, or None when the record cannot be parsed or a step raises.
    """
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles) if smiles else None
        if mol is None:
            return None
        try:
            if "cleanup" in steps:
                mol = rdMolStandardize.Cleanup(mol)
            if "fragment" in steps:
                mol = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
            if "uncharge" in steps:
                mol = rdMolStandardize.Uncharger().uncharge(mol)
            if tautomer:
                mol = rdMolStandardize.TautomerEnumerator().Canonicalize(mol)
        except Exception:
            return None
        return Chem.MolToSmiles(mol), Chem.MolToInchiKey(mol) or None


def assert_equal_to_rdkit(smiles, table, **oracle):
    assert table["row"].tolist() == list(range(len(smiles)))
    assert table["input_smiles"].tolist() == [s.strip() for s in smiles]
    for smi, got, key, error in zip(smiles, table["smiles"], table["inchikey"], table["error"], strict=True):
        expected = rdkit_standardize(smi, **oracle)
        if expected is None:
            assert got is None and key is None and error, smi
        else:
            assert (got, key, error) == (*expected, None), smi


def test_default_recipe_equals_rdkit(small_sample):
    table = standardize(small_sample, progress=False)
    assert_equal_to_rdkit(small_sample, table)
    # the hard cases came out as documented
    by_input = dict(zip(table["input_smiles"], table["smiles"], strict=True))
    assert by_input["CC(=O)[O-].[Na+]"] == "CC(=O)O"
    assert by_input["C[N+](C)(C)C.[I-]"] == "C[N+](C)(C)C"
    assert by_input["O.O.CCO"] == "CCO"
    assert by_input["*C(=O)O"] == "*C(=O)O"
    assert table.loc[table["input_smiles"] == "*C(=O)O", "inchikey"].item() is None


def test_moleculenet_salts_and_charges_equal_rdkit(shared_sample):
    assert sum("." in s for s in shared_sample) > 50
    table = standardize(shared_sample, progress=False)
    assert_equal_to_rdkit(shared_sample, table)
    assert table["smiles"].str.contains(".", regex=False).sum() < sum("." in s for s in shared_sample) / 5


@pytest.mark.parametrize(
    "steps", [("cleanup",), ("fragment",), ("uncharge",), ("cleanup", "fragment"), ()], ids=str
)
def test_single_steps_equal_rdkit(tricky, steps):
    assert_equal_to_rdkit(tricky, standardize(tricky, steps=steps, progress=False), steps=steps)


def test_tautomer_equals_rdkit(small_sample):
    sample = small_sample[:120]
    table = standardize(sample, tautomer=True, progress=False)
    assert_equal_to_rdkit(sample, table, tautomer=True)
    assert standardize(["C=C(C)O"], tautomer=True, progress=False)["smiles"].item() == "CC(C)=O"


def test_parallel_equals_serial(small_sample):
    serial = standardize(small_sample, n_jobs=1, progress=False)
    parallel = standardize(small_sample, n_jobs=2, chunk_size=50, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)


def test_bad_records_are_reported_not_fatal(caplog):
    with caplog.at_level("WARNING", logger="drugscreen"):
        table = standardize(["CCO", "C1CC", "", "CN(C)(C)(C)C", "c1ccccc1"], progress=False)
    assert table["error"].tolist()[0] is None and table["error"].tolist()[4] is None
    assert table["error"].tolist()[1] == "unparseable SMILES"
    assert table["error"].tolist()[2] == "empty record"
    assert table["error"].tolist()[3].startswith("sanitization failed")
    assert table["smiles"].isna().tolist() == [False, True, True, True, False]
    assert "3 of 5 records could not be standardised" in caplog.text


def test_a_failing_step_is_a_reported_error(monkeypatch):
    import drugscreen.chem.standardize as mod

    def broken(mol):
        raise ValueError("boom")

    monkeypatch.setitem(mod.STEPS, "uncharge", broken)
    table = standardize(["CCO"], progress=False)
    assert table["smiles"].item() is None
    assert table["error"].item() == "standardisation failed at step 'uncharge': boom"


def test_empty_input():
    table = standardize([], progress=False)
    assert list(table.columns) == ["row", "id", "input_smiles", "smiles", "inchikey", "error"]
    assert len(table) == 0 and len(dedup(table)) == 0


def test_files_and_dataframes(tmp_path):
    path = tmp_path / "lib.csv"
    pd.DataFrame({"name": ["a", "b", "c"], "SMILES": ["CCO.[Na+]", "bad", "CN"]}).to_csv(path, index=False)
    from_file = standardize(path, id_column="name", progress=False)
    assert from_file["id"].tolist() == ["a", "b", "c"]
    assert from_file["smiles"].tolist() == ["CCO", None, "CN"]
    frame = pd.DataFrame(
        {"smiles": ["CCO.[Na+]", None, "CN", 5], "id": ["a", "b", None, "d"]}, index=[9, 8, 7, 6]
    )
    from_frame = standardize(frame, progress=False)
    assert from_frame["row"].tolist() == [0, 1, 2, 3]  # by position, not the frame's index
    assert from_frame["id"].tolist() == ["a", "b", None, "d"]
    assert from_frame["smiles"].tolist() == ["CCO", None, "CN", None]
    assert from_frame["error"].tolist()[1] == "no SMILES (missing value)"
    assert from_frame["error"].tolist()[3] == "not a SMILES string: int"


def test_sdf_input(tmp_path):
    mol = Chem.MolFromSmiles("CC(=O)[O-].[Na+]")
    mol.SetProp("_Name", "acetate")
    path = tmp_path / "lib.sdf"
    path.write_text(Chem.MolToMolBlock(mol) + "$$$$\n")
    table = standardize(path, progress=False)
    assert table[["id", "input_smiles", "smiles"]].values.tolist() == [
        ["acetate", Chem.MolToSmiles(mol), "CC(=O)O"]
    ]


def test_missing_smiles_column_and_file(tmp_path):
    with pytest.raises(InputError, match="no SMILES column"):
        standardize(pd.DataFrame({"name": ["CCO"]}))
    with pytest.raises(InputError, match="does not exist"):
        standardize(tmp_path / "nope.smi")


@pytest.mark.parametrize("steps", ["bogus", ["cleanup", "polish"], [3]])
def test_unknown_steps(steps):
    with pytest.raises(InputError, match="unknown standardisation"):
        standardize(["CCO"], steps=steps)


def test_resolve_steps():
    assert resolve_steps(True) == DEFAULT_RECIPE
    assert resolve_steps(False) == resolve_steps(None) == resolve_steps("none") == ()
    assert resolve_steps(["tautomer", "cleanup", "cleanup"]) == ("cleanup", "tautomer")
    assert resolve_steps("default+tautomer") == (*DEFAULT_RECIPE, "tautomer")
    assert resolve_steps("fragment", tautomer=True) == ("fragment", "tautomer")


def test_dedup_by_inchikey_and_smiles():
    smiles = [
        "CCO",
        "OCC",
        "CCO.[Na+].[Cl-]",
        "bad",
        "bad",
        "*C(=O)O",
        "*C(=O)O",
        "Oc1ccccn1",
        "O=c1cccc[nH]1",
    ]
    ids = ["e1", "e2", "e3", "x1", "x2", "d1", "d2", "t1", "t2"]
    table = standardize(pd.DataFrame({"smiles": smiles, "id": ids}), progress=False)
    by_key = dedup(table, key="inchikey")
    # failed records and records without a key stay, each on its own; InChI merges tautomers
    assert by_key["id"].tolist() == ["e1", "x1", "x2", "d1", "d2", "t1"]
    assert by_key["merged_ids"].tolist() == [["e1", "e2", "e3"], ["x1"], ["x2"], ["d1"], ["d2"], ["t1", "t2"]]
    assert by_key["merged_rows"].tolist()[0] == [0, 1, 2]
    assert by_key["n_merged"].tolist() == [3, 1, 1, 1, 1, 2]
    by_smiles = dedup(table, key="smiles")
    assert by_smiles["id"].tolist() == ["e1", "x1", "x2", "d1", "t1", "t2"]
    assert by_smiles["merged_ids"].tolist()[3] == ["d1", "d2"]


def test_dedup_labels_rows_without_ids_and_checks_arguments():
    table = standardize(["CCO", "OCC"], progress=False)
    assert dedup(table)["merged_ids"].tolist() == [["0", "1"]]
    with pytest.raises(InputError, match="'inchikey' or 'smiles'"):
        dedup(table, key="name")
    with pytest.raises(InputError, match="no 'inchikey' column"):
        dedup(table.drop(columns="inchikey"))


def test_public_names():
    assert ds.standardize is standardize and ds.dedup is dedup


@pytest.mark.slow
def test_5k_moses_and_moleculenet_equal_rdkit(large_sample):
    table = standardize(large_sample, n_jobs=2, progress=False)
    assert_equal_to_rdkit(large_sample, table)


@pytest.mark.slow
def test_tautomer_on_moses_and_moleculenet_equals_rdkit(large_sample):
    # the tautomer step costs 10-30 ms a molecule (x2 with the oracle): 800 records, half
    # MOSES, half MoleculeNet salts and charged molecules
    sample = large_sample[2600:3400]
    table = standardize(sample, tautomer=True, n_jobs=2, progress=False)
    assert_equal_to_rdkit(sample, table, tautomer=True)
