"""Readers report every bad record with its row, line and reason, and never stop early."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from rdkit import Chem

from drugscreen.chem.io import detect_format, iter_records, write_table
from drugscreen.chem.parse import read_molecules
from drugscreen.errors import InputError

GOOD = ["CCO", "c1ccccc1", "CC(=O)O"]


def _check(records, ids=None):
    records = list(records)
    assert [r.row for r in records] == [0, 1, 2, 3]
    assert records[0].mol is not None and records[2].mol is not None and records[3].mol is not None
    assert records[1].mol is None and records[1].error
    if ids:
        assert [r.id for r in records] == ids
    return records


def test_smi_with_header_ids_blank_lines_and_bad_record(tmp_path):
    p = tmp_path / "lib.smi"
    p.write_text("SMILES id\nCCO ethanol\n\nC1CC broken ring\nc1ccccc1 benzene\n# comment\nCC(=O)O acid\n")
    recs = _check(read_molecules(p), ["ethanol", "broken ring", "benzene", "acid"])
    assert recs[1].line == 4 and recs[1].error == "unparseable SMILES"


def test_smi_gz(tmp_path):
    p = tmp_path / "lib.smi.gz"
    with gzip.open(p, "wt") as handle:
        handle.write("CCO a\nC(C)(C)(C)(C)C b\nc1ccccc1 c\nCC d\n")
    recs = _check(read_molecules(p), ["a", "b", "c", "d"])
    assert "sanitization failed" in recs[1].error and "valence" in recs[1].error.lower()


@pytest.mark.parametrize("name,sep", [("lib.csv", ","), ("lib.tsv", "\t"), ("lib.csv.gz", ",")])
def test_csv_tsv_by_column_name(tmp_path, name, sep):
    df = pd.DataFrame(
        {"name": ["a", "b", "c", "d"], "Canonical_SMILES": ["CCO", "xyz", "c1ccccc1", "CC"], "y": 1}
    )
    p = tmp_path / name
    df.to_csv(p, sep=sep, index=False)
    recs = _check(read_molecules(p, id_column="name"), ["a", "b", "c", "d"])
    assert recs[1].line == 3
    with pytest.raises(InputError, match="no column 'smi'"):
        list(iter_records(p, smiles_column="smi"))
    with pytest.raises(InputError, match="no id column"):
        list(iter_records(p, id_column="nope"))


def test_parquet(tmp_path):
    p = tmp_path / "lib.parquet"
    pd.DataFrame({"smiles": ["CCO", None, "c1ccccc1", "CC"], "cid": [1, 2, 3, 4]}).to_parquet(p)
    recs = _check(read_molecules(p, id_column="cid"), ["1", "2", "3", "4"])
    assert recs[1].error == "empty record"


@pytest.mark.parametrize("gz", [False, True])
def test_sdf_with_bad_block(tmp_path, gz):
    blocks = []
    for i, smi in enumerate(["CCO", None, "c1ccccc1", "CC"]):
        if smi is None:
            blocks.append("broken\n  nonsense\n\nnot a mol block\nM  END\n> <cid>\nX\n\n$$$$\n")
            continue
        mol = Chem.MolFromSmiles(smi)
        mol.SetProp("_Name", f"title{i}")
        mol.SetProp("cid", f"C{i}")
        blocks.append(Chem.MolToMolBlock(mol) + f"> <cid>\nC{i}\n\n$$$$\n")
    text = "".join(blocks)
    p = tmp_path / ("lib.sdf.gz" if gz else "lib.sdf")
    if gz:
        with gzip.open(p, "wt") as handle:
            handle.write(text)
    else:
        p.write_text(text)
    _check(read_molecules(p), ["title0", "broken", "title2", "title3"])
    _check(read_molecules(p, id_property="cid"), ["C0", "X", "C2", "C3"])


def test_in_memory_and_errors(tmp_path):
    assert [r.error is None for r in read_molecules(GOOD + [""])] == [True, True, True, False]
    with pytest.raises(InputError, match="does not exist"):
        list(iter_records(tmp_path / "missing.smi"))
    with pytest.raises(InputError, match="cannot tell the format"):
        detect_format("lib.xyz")
    with pytest.raises(InputError, match="must be SMILES strings"):
        list(iter_records([1, 2]))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        list(iter_records(empty))


def test_write_table_is_atomic(tmp_path, monkeypatch):
    df = pd.DataFrame({"a": [1, 2]})
    out = write_table(df, tmp_path / "t.parquet")
    assert pd.read_parquet(out).equals(df)
    write_table(df, tmp_path / "t.csv")

    # a failure while writing leaves the previous file untouched and no temporary behind
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_table(pd.DataFrame({"a": [3]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "a\n1\n2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.parquet"]
    with pytest.raises(InputError):
        write_table(df, tmp_path / "t.xlsx")
