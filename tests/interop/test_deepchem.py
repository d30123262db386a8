"""DeepChem interop: arrays and labels round trip (NaN <-> w = 0), SMILES featurisation,
DiskDataset input, splits by drugscreen Split, and DeepChem's ScaffoldSplitter as an oracle."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from drugscreen.errors import InputError
from drugscreen.interop.deepchem import from_deepchem, split_to_deepchem, to_arrays, to_deepchem
from drugscreen.models.splits import Split, scaffold_split

dc = pytest.importorskip("deepchem")

NAN = np.nan


def test_round_trip_single_task():
    X = np.arange(15, dtype=np.float64).reshape(5, 3)
    y = np.array([1.0, NAN, 0.0, 1.0, NAN])
    data = to_deepchem(X, y, ids=list("abcde"))
    assert isinstance(data, dc.data.NumpyDataset)
    assert data.y.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]  # DeepChem's convention: y = 0, w = 0
    assert data.w.tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]
    X2, y2, w2, ids2 = to_arrays(data)
    assert np.array_equal(X2, X) and ids2.tolist() == list("abcde")
    assert np.array_equal(np.isnan(y2), np.isnan(y)) and np.array_equal(y2[~np.isnan(y)], y[~np.isnan(y)])
    assert w2.shape == y.shape
    table = from_deepchem(data)
    assert list(table.columns) == ["id", "task_0"]
    pd.testing.assert_series_equal(table["task_0"], pd.Series(y, name="task_0"))


def test_round_trip_multitask_with_weights():
    rng = np.random.default_rng(0)
    X = rng.random((6, 4))
    y = rng.random((6, 3))
    y[[0, 2, 5], [1, 0, 2]] = NAN
    w = rng.uniform(0.5, 2.0, size=(6, 3))
    data = to_deepchem(X, y, w=w)
    assert data.y.shape == (6, 3) and data.get_task_names().tolist() == [0, 1, 2]
    assert np.all(data.w[np.isnan(y)] == 0) and np.allclose(data.w[~np.isnan(y)], w[~np.isnan(y)])
    _, y2, w2, ids = to_arrays(data)
    assert np.array_equal(np.isnan(y2), np.isnan(y)) and np.allclose(y2[~np.isnan(y)], y[~np.isnan(y)])
    assert np.allclose(w2[~np.isnan(y)], w[~np.isnan(y)]) and ids.tolist() == list(range(6))
    assert list(from_deepchem(data).columns) == ["id", "task_0", "task_1", "task_2"]


def test_one_weight_column_for_many_tasks_broadcasts():
    data = dc.data.NumpyDataset(np.zeros((3, 1)), np.ones((3, 2)), np.array([[1.0], [0.0], [1.0]]))
    _, y, w, _ = to_arrays(data)
    assert w.shape == (3, 2) and np.isnan(y[1]).all() and not np.isnan(y[[0, 2]]).any()


def test_smiles_are_featurised_and_bad_rows_dropped(caplog):
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    smiles = ["CCO", "C1CC", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        data = to_deepchem(smiles, [1.0, 2.0, NAN, 4.0])
    assert "dropped 1 of 4" in caplog.text and "row 1" in caplog.text
    assert data.X.shape == (3, 2048) and data.X.dtype == np.float32
    assert data.ids.tolist() == ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
    assert data.y.tolist() == [1.0, 0.0, 4.0] and data.w.tolist() == [1.0, 0.0, 1.0]
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    for row, smi in zip(data.X, data.ids, strict=True):
        assert np.array_equal(row, gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(smi)))


def test_smiles_with_own_ids_and_no_labels():
    data = to_deepchem(np.array(["CCO", "bad", "CCN"], dtype=object), ids=["m1", "m2", "m3"])
    assert data.ids.tolist() == ["m1", "m3"] and len(data) == 2
    with pytest.raises(InputError, match="none of the 2 SMILES"):
        to_deepchem(["xx", "C1CC"])


def test_disk_dataset(tmp_path):
    X = np.arange(8, dtype=np.float64).reshape(4, 2)
    y = np.array([[1.0, 0.5], [0.0, 0.25], [1.0, 0.0], [0.0, 1.0]])
    w = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    disk = dc.data.DiskDataset.from_numpy(
        X, y, w, ids=np.array(["a", "b", "c", "d"]), tasks=["logS", "pIC50"], data_dir=str(tmp_path)
    )
    table = from_deepchem(disk)
    assert list(table.columns) == ["id", "logS", "pIC50"]
    assert table["id"].tolist() == ["a", "b", "c", "d"]
    assert np.isnan(table.loc[1, "logS"]) and np.isnan(table.loc[2, "pIC50"])
    assert table["logS"].iloc[[0, 2, 3]].tolist() == [1.0, 1.0, 0.0]
    train, valid, test = split_to_deepchem(disk, Split([0, 3], [1], [2]))
    assert all(isinstance(d, dc.data.NumpyDataset) for d in (train, valid, test))
    assert train.ids.tolist() == ["a", "d"] and np.array_equal(train.X, X[[0, 3]])
    assert valid.w.tolist() == [[0.0, 1.0]] and test.y.tolist() == [[1.0, 0.0]]


def test_split_to_deepchem_selects_ids():
    ids = [f"mol{i}" for i in range(10)]
    data = to_deepchem(np.eye(10), np.arange(10.0), ids=ids)
    split = Split([9, 1, 4, 7, 0, 2], [3, 8], [5, 6])
    train, valid, test = split_to_deepchem(data, split)
    assert train.ids.tolist() == ["mol0", "mol1", "mol2", "mol4", "mol7", "mol9"]
    assert valid.ids.tolist() == ["mol3", "mol8"] and test.y.tolist() == [5.0, 6.0]
    with pytest.raises(InputError, match="row 12, out of range for a dataset of 10 rows"):
        split_to_deepchem(data, Split([0], [1], [12]))
    with pytest.raises(InputError, match="drugscreen Split"):
        split_to_deepchem(data, ([0], [1], [2]))


def _assert_deepchem_scaffold_equal(smiles: list[str], sizes) -> None:
    data = to_deepchem(smiles, np.zeros(len(smiles)))
    assert data.ids.tolist() == smiles
    expected = dc.splits.ScaffoldSplitter().split(data, *sizes)
    ours = scaffold_split(list(data.ids), sizes, balanced=False)
    for part, ref in zip((ours.train, ours.val, ours.test), expected, strict=True):
        assert part.tolist() == sorted(ref)
    for ours_set, ref in zip(split_to_deepchem(data, ours), expected, strict=True):
        assert ours_set.ids.tolist() == data.ids[np.sort(np.asarray(ref, dtype=np.int64))].tolist()


@pytest.mark.parametrize("sizes", [(0.8, 0.1, 0.1), (0.6, 0.2, 0.2)])
def test_oracle_unbalanced_scaffold_split_on_moses(demo_smiles, sizes):
    _assert_deepchem_scaffold_equal(demo_smiles[:1000], sizes)


def test_oracle_unbalanced_scaffold_split_on_bace(shared_data):
    smiles = pd.read_csv(shared_data / "moleculenet" / "bace.csv")["mol"].tolist()
    _assert_deepchem_scaffold_equal(smiles, (0.8, 0.1, 0.1))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: to_deepchem("CCO"), "one string"),
        (lambda: to_deepchem(np.zeros((3, 2)), [1.0, 2.0]), "y has 2 rows, X has 3"),
        (lambda: to_deepchem(np.zeros((3, 2)), w=[1.0, 1.0, 1.0]), "w given without y"),
        (lambda: to_deepchem(np.zeros((3, 2)), [1.0, 2.0, 3.0], w=np.ones((3, 2))), "one weight per label"),
        (lambda: to_deepchem(np.zeros((3, 2)), ["a", "b", "c"]), "numeric labels"),
        (lambda: to_deepchem(np.zeros((3, 2)), np.zeros((3, 2, 2))), r"\(n,\) or \(n, n_tasks\)"),
        (lambda: to_deepchem(np.zeros((3, 2)), ids=["a"]), "ids has 1 rows"),
        (lambda: to_deepchem(np.float64(3.0)), "feature array"),
        (lambda: from_deepchem(np.zeros((3, 2))), "expected a DeepChem dataset"),
    ],
)
def test_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_task_named_id_clashes(tmp_path):
    disk = dc.data.DiskDataset.from_numpy(
        np.zeros((2, 1)), np.ones((2, 1)), tasks=["id"], data_dir=str(tmp_path)
    )
    with pytest.raises(InputError, match="named 'id'"):
        from_deepchem(disk)


def test_importing_interop_does_not_import_deepchem():
    code = "import sys, drugscreen, drugscreen.interop.deepchem; print('deepchem' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
