"""``drugscreen prepare`` end to end, and the preparation options of ``drugscreen db build``."""

from __future__ import annotations

import pandas as pd
import pytest

from drugscreen import FingerprintDB, descriptors, filter_molecules, standardize
from drugscreen.chem.descriptors import descriptor_names
from drugscreen.cli import main

SMILES = ["CC(=O)[O-].[Na+]", "CC(=O)O", "Oc1ccccc1O", "not_smiles", "Cl.CN1CCC[C@H]1c1cccnc1", "C1CC"]


@pytest.fixture
def library(tmp_path):
    path = tmp_path / "lib.csv"
    pd.DataFrame({"smiles": SMILES, "name": [f"m{i}" for i in range(len(SMILES))]}).to_csv(path, index=False)
    return path


def test_standardize_dedup_filters_descriptors(tmp_path, library, caplog):
    out = tmp_path / "prepared.parquet"
    argv = ["prepare", str(library), "-o", str(out), "--id-column", "name", "-j", "1"]
    argv += ["--standardize", "--dedup", "inchikey", "--filters", "ro5,pains", "--descriptors"]
    with caplog.at_level("INFO", logger="drugscreen"):
        assert main(argv) == 0
    table = pd.read_parquet(out)
    std = standardize(library, id_column="name", progress=False)
    # acetate and acetic acid are one molecule once standardised
    assert table["id"].tolist() == ["m0", "m2", "m3", "m4", "m5"]
    assert [list(m) for m in table["merged_ids"]] == [["m0", "m1"], ["m2"], ["m3"], ["m4"], ["m5"]]
    # (pandas reads a missing string from Parquet as NaN)
    assert table["smiles"].fillna("").tolist() == std["smiles"].iloc[[0, 2, 3, 4, 5]].fillna("").tolist()
    expected = filter_molecules(
        ["CC(=O)O", "Oc1ccccc1O", "CN1CCC[C@H]1c1cccnc1"], "ro5,pains", progress=False
    )
    ok = table[table["error"].isna()]
    assert ok["alerts_pains"].tolist() == expected["alerts_pains"].tolist()
    assert ok["pass_all"].tolist() == expected["pass_all"].tolist()
    assert not table.loc[table["error"].notna(), "pass_all"].any()
    values = descriptors(ok["smiles"].tolist(), progress=False)
    assert ok["MolWt"].tolist() == values["MolWt"].tolist()
    assert set(descriptor_names()) <= set(table.columns)
    assert (
        "6 records: 2 failed, 1 duplicates merged, 1 failing filters, 0 dropped; 5 rows written"
        in caplog.text
    )


def test_drop_failing_and_csv_lists(tmp_path, library):
    out = tmp_path / "kept.csv"
    argv = ["-q", "prepare", str(library), "-o", str(out), "--id-column", "name", "-j", "1"]
    assert main([*argv, "--standardize", "--filters", "pains", "--drop-failing", "--dedup", "smiles"]) == 0
    table = pd.read_csv(out)
    assert table["id"].tolist() == ["m0", "m4"]
    assert table["merged_ids"].tolist() == ["m0;m1", "m4"]
    assert table["pass_all"].all() and table["error"].isna().all()


def test_without_options_writes_canonical_smiles(tmp_path, library):
    out = tmp_path / "plain.tsv"
    assert main(["-q", "prepare", str(library), "-o", str(out)]) == 0
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["row", "id", "input_smiles", "smiles", "inchikey", "error"]
    assert table["smiles"].iloc[0] == "CC(=O)[O-].[Na+]"  # not standardised: only canonical
    assert table["error"].notna().sum() == 2


def test_tautomer_flag(tmp_path):
    src = tmp_path / "t.smi"
    src.write_text("C=C(C)O enol\n")
    out = tmp_path / "t.csv"
    assert main(["-q", "prepare", str(src), "-o", str(out), "--standardize", "--tautomer"]) == 0
    assert pd.read_csv(out)["smiles"].tolist() == ["CC(C)=O"]


def test_empty_input(tmp_path):
    src = tmp_path / "empty.smi"
    src.write_text("")
    out = tmp_path / "empty.parquet"
    assert (
        main(
            ["-q", "prepare", str(src), "-o", str(out), "--standardize", "--filters", "ro5", "--descriptors"]
        )
        == 0
    )
    table = pd.read_parquet(out)
    assert len(table) == 0 and "pass_ro5" in table.columns and "MolWt" in table.columns


def test_errors_are_one_line(tmp_path, library, capsys):
    out = tmp_path / "x.parquet"
    assert main(["prepare", str(library), "-o", str(out), "--filters", "ro5,lipinsky"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown filter(s) ['lipinsky']" in err[0] and "pains" in err[0]
    assert main(["prepare", str(library), "-o", str(out), "--smiles-column", "smi"]) == 1
    assert "no column 'smi'" in capsys.readouterr().err
    nosmiles = tmp_path / "nosmiles.csv"
    nosmiles.write_text("name,weight\na,1\n")
    assert main(["prepare", str(nosmiles), "-o", str(out)]) == 1
    assert "no SMILES column" in capsys.readouterr().err
    assert main(["prepare", str(library), "-o", str(tmp_path / "x.xlsx")]) == 1
    assert not out.exists()


def test_db_build_standardize_and_filters(tmp_path, library, caplog):
    db_path = tmp_path / "lib.dsdb"
    argv = ["db", "build", str(library), str(db_path), "--id-column", "name", "-j", "1"]
    with caplog.at_level("INFO", logger="drugscreen"):
        assert main([*argv, "--standardize", "--filters", "pains"]) == 0
    db = FingerprintDB.open(db_path)
    meta = db.metadata(range(len(db)))
    assert meta["id"].tolist() == ["m0", "m1", "m4"]
    assert meta["smiles"].tolist() == ["CC(=O)O", "CC(=O)O", "CN1CCC[C@H]1c1cccnc1"]
    assert "6 records read, 3 added, 2 rejected, 1 left out by filters" in caplog.text
