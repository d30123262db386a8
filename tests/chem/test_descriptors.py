"""Descriptors equal RDKit's CalcMolDescriptors, one molecule at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import Descriptors
from threadpoolctl import threadpool_limits

import drugscreen as ds
from drugscreen.chem.descriptors import descriptor_names, descriptors
from drugscreen.errors import InputError


def assert_equal_to_rdkit(smiles, table):
    names = descriptor_names()
    assert list(table.columns) == ["row", "id", "error", *names]
    assert (table[names].dtypes == np.float64).all()
    assert table["row"].tolist() == list(range(len(smiles)))
    for i, smi in enumerate(smiles):
        # BLAS on one thread, as drugscreen runs it (the last digits of Ipc depend on it)
        with rdBase.BlockLogs(), threadpool_limits(limits=1, user_api="blas"):
            mol = Chem.MolFromSmiles(smi) if smi else None
            expected = None if mol is None else Descriptors.CalcMolDescriptors(mol, missingVal=np.nan)
        got = table.iloc[i]
        if expected is None:
            assert got["error"] and got[names].isna().all(), smi
            continue
        assert got["error"] is None
        want = np.array([expected[n] for n in names], dtype=np.float64)
        np.testing.assert_array_equal(got[names].to_numpy(dtype=np.float64), want, err_msg=smi)


def test_equal_to_rdkit(small_sample):
    sample = small_sample[:150]
    assert_equal_to_rdkit(sample, descriptors(sample, progress=False))


def test_moleculenet_salts_and_charges_equal_rdkit(shared_sample):
    sample = shared_sample[::2]
    assert_equal_to_rdkit(sample, descriptors(sample, progress=False))


def test_names_order_and_errors():
    table = descriptors(["CCO", "bad", "c1ccccc1"], ["TPSA", "MolWt", "TPSA"], progress=False)
    assert list(table.columns) == ["row", "id", "error", "TPSA", "MolWt"]
    assert table["MolWt"].iloc[0] == Descriptors.MolWt(Chem.MolFromSmiles("CCO"))
    assert table["error"].tolist() == [None, "unparseable SMILES", None]
    assert table.iloc[1][["TPSA", "MolWt"]].isna().all()
    assert descriptors(["CCO"], "RingCount", progress=False)["RingCount"].item() == 0.0


def test_unknown_names_and_bad_input():
    with pytest.raises(InputError, match=r"unknown descriptor\(s\) \['MolWeight'\]"):
        descriptors(["CCO"], ["MolWt", "MolWeight"])
    with pytest.raises(InputError, match="no descriptor named"):
        descriptors(["CCO"], [])
    with pytest.raises(InputError, match="no SMILES column"):
        descriptors(pd.DataFrame({"x": ["CCO"]}))


def test_empty_input():
    table = descriptors([], ["MolWt"], progress=False)
    assert list(table.columns) == ["row", "id", "error", "MolWt"] and len(table) == 0
    assert table["MolWt"].dtype == np.float64


def test_a_descriptor_that_raises_is_nan(monkeypatch):
    from rdkit.Chem import Descriptors as D

    def broken(mol):
        raise ZeroDivisionError

    monkeypatch.setattr(D, "_descList", [("MolWt", D.MolWt), ("Broken", broken)])
    table = descriptors(["CCO"], progress=False)
    assert table["error"].item() is None and np.isnan(table["Broken"].item()) and table["MolWt"].item() > 46


def test_parallel_equals_serial(small_sample):
    sample = small_sample[:120]
    serial = descriptors(sample, n_jobs=1, progress=False)
    parallel = descriptors(sample, n_jobs=2, chunk_size=30, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)


TANNIC_ACID = (
    "c1c(cc(c(c1O)O)O)C(=O)Oc2cc(cc(c2O)O)C(=O)OC[C@@H]3[C@H]([C@@H]([C@H]([C@@H](O3)OC(=O)c4cc(c(c(c4)"
    "OC(=O)c5cc(c(c(c5)O)O)O)O)O)OC(=O)c6cc(c(c(c6)OC(=O)c7cc(c(c(c7)O)O)O)O)O)OC(=O)c8cc(c(c(c8)OC(=O)"
    "c9cc(c(c(c9)O)O)O)O)O)OC(=O)c1cc(c(c(c1)OC(=O)c1cc(c(c(c1)O)O)O)O)O"
)


def test_values_do_not_depend_on_n_jobs():
    # Ipc of a large molecule differs in its last digits with the BLAS thread count
    smiles = [TANNIC_ACID] * 3
    serial = descriptors(smiles, ["Ipc", "AvgIpc"], n_jobs=1, progress=False)
    parallel = descriptors(smiles, ["Ipc", "AvgIpc"], n_jobs=2, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(serial, parallel)
    assert_equal_to_rdkit(smiles, descriptors(smiles, progress=False))


def test_public_name_and_ids():
    assert ds.descriptors is descriptors
    table = descriptors(pd.DataFrame({"smiles": ["CCO"], "id": ["ethanol"]}), ["MolWt"], progress=False)
    assert table["id"].tolist() == ["ethanol"]


@pytest.mark.slow
def test_5k_moses_and_moleculenet_equal_rdkit(large_sample):
    assert_equal_to_rdkit(large_sample, descriptors(large_sample, n_jobs=2, progress=False))
