"""Leader picking against RDKit's LeaderPicker.LazyBitVectorPick."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_fps
from rdkit import DataStructs
from rdkit.SimDivFilters import rdSimDivPickers

import drugscreen as ds
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import InputError


def _bvs(fps):
    return [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in fps.data]


@pytest.mark.parametrize("threshold", [0.0, 0.35, 0.6, 0.8, 1.0])
def test_equal_to_rdkit(demo_smiles, threshold):
    fps = ds.fingerprint(demo_smiles[:3000])
    bvs = _bvs(fps)
    picker = rdSimDivPickers.LeaderPicker()
    assert ds.cluster.leader(fps, threshold)["row"].tolist() == list(
        picker.LazyBitVectorPick(bvs, len(bvs), threshold)
    )
    for n, first, pool in ((25, (), 3000), (40, (2999, 5, 17), 3000), (0, (), 3000), (500, (), 700)):
        got = ds.cluster.leader(
            fps, threshold, n=min(n, pool) if n else None, first_picks=first, pool_size=pool
        )
        expected = picker.LazyBitVectorPick(bvs, pool, threshold, pickSize=n, firstPicks=first)
        assert got["row"].tolist() == list(expected), (n, first, pool)


def test_duplicates_empty_fingerprints_and_odd_widths(rng):
    spec = ds.FingerprintSpec("morgan", 2, 100)
    base = random_fps(rng, 60, 100, 0.2)
    data = np.concatenate([base, base[:20], np.zeros((4, 2), np.uint64)])
    fps = FingerprintArray(spec, data)
    picker = rdSimDivPickers.LeaderPicker()
    bvs = [
        DataStructs.CreateFromBitString(
            "".join("1" if (row[i // 64] >> np.uint64(i % 64)) & np.uint64(1) else "0" for i in range(100))
        )
        for row in data
    ]
    no_empty = FingerprintArray(spec, data[:80])
    for threshold in (0.0, 0.3, 0.7):
        assert ds.cluster.leader(no_empty, threshold)["row"].tolist() == list(
            picker.LazyBitVectorPick(bvs[:80], 80, threshold)
        )
    # with empty fingerprints RDKit 2026.09 returns the first empty one over and over (a bug);
    # by the rule an empty fingerprint has similarity 0 to everything, so each one is a leader
    for threshold in (0.0, 0.3):
        expected = ds.cluster.leader(no_empty, threshold)["row"].tolist() + [80, 81, 82, 83]
        assert ds.cluster.leader(fps, threshold)["row"].tolist() == expected
    assert ds.cluster.leader(FingerprintArray(spec, data[:0]), 0.5).empty


def test_database_input_and_bad_arguments(tmp_path, demo_smiles):
    db = ds.FingerprintDB.build(
        tmp_path / "a.dsdb", demo_smiles[:200], ids=[f"m{i}" for i in range(200)], progress=False, n_jobs=1
    )
    got = ds.cluster.leader(db, 0.5)
    assert (got["id"] == "m" + got["row"].astype(str)).all() and got["pick"].tolist() == list(range(len(got)))
    fps = ds.fingerprint(["CCO", "CCN"])
    with pytest.raises(InputError, match="threshold must be a distance"):
        ds.cluster.leader(fps, 1.5)
    with pytest.raises(InputError, match="n must be a whole number"):
        ds.cluster.leader(fps, 0.5, n=5)
    with pytest.raises(InputError, match="first_picks must be distinct rows"):
        ds.cluster.leader(fps, 0.5, first_picks=[0, 0])
    with pytest.raises(InputError, match="binary fingerprints"):
        ds.cluster.leader(ds.fingerprint(["CCO"], ds.FingerprintSpec(counts=True)), 0.5)


def _maxmin_rdkit(bvs, n, first=(), seed=-1, threshold=None, pool=None):
    picker = rdSimDivPickers.MaxMinPicker()
    pool = len(bvs) if pool is None else pool
    if threshold is None:
        return list(picker.LazyBitVectorPick(bvs, pool, n, list(first), seed=seed))
    return list(picker.LazyBitVectorPickWithThreshold(bvs, pool, n, threshold, list(first), seed=seed)[0])


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1])
def test_maxmin_equal_to_rdkit(demo_smiles, seed):
    fps = ds.fingerprint(demo_smiles[:2000])
    bvs = _bvs(fps)
    for n in (1, 2, 50, 300):
        assert ds.cluster.maxmin(fps, n, seed=seed)["row"].tolist() == _maxmin_rdkit(bvs, n, seed=seed), n
    got = ds.cluster.maxmin(fps, 40, first_picks=[1499, 3, 10], pool_size=1500, n_jobs=1)
    assert got["row"].tolist() == _maxmin_rdkit(bvs, 40, first=[1499, 3, 10], pool=1500)
    picked = ds.cluster.maxmin(fps, 200, seed=seed, threshold=0.8)
    assert picked["row"].tolist() == _maxmin_rdkit(bvs, 200, seed=seed, threshold=0.8)
    assert (picked["distance"].iloc[1:] > 0.8).all() and picked["distance"].iloc[1:].is_monotonic_decreasing


def test_maxmin_ties_duplicates_empty_fingerprints_and_reference(rng):
    from drugscreen.kernels.reference import maxmin_picks

    spec = ds.FingerprintSpec("morgan", 2, 64)
    for trial in range(40):
        n_rows = int(rng.integers(2, 150))
        # few, dense bits: many equal distances; some duplicate and some empty rows
        data = random_fps(rng, n_rows, 64, 0.15)
        data[rng.integers(0, n_rows, n_rows // 5)] = data[0]
        if trial % 2:
            data[rng.integers(0, n_rows, 3)] = 0
        fps = FingerprintArray(spec, data)
        bvs = _bvs(fps)
        n = int(rng.integers(1, n_rows + 1))
        first = [int(x) for x in rng.choice(n_rows, size=min(3, n), replace=False)] if trial % 3 else []
        seed = int(rng.integers(0, 10_000))
        got = ds.cluster.maxmin(fps, n, seed=seed, first_picks=first, n_jobs=1 + trial % 2)
        expected = _maxmin_rdkit(bvs, n, first, seed)
        assert got["row"].tolist() == expected, trial
        assert expected == maxmin_picks(data, expected[: max(1, len(first))], n)
        threshold = float(rng.uniform(0.2, 0.9))
        got = ds.cluster.maxmin(fps, n, seed=seed, first_picks=first, threshold=threshold)
        assert got["row"].tolist() == _maxmin_rdkit(bvs, n, first, seed, threshold), trial


def test_maxmin_against_an_existing_selection(demo_smiles):
    pool = ds.fingerprint(demo_smiles[:800])
    bought = ds.fingerprint(demo_smiles[800:830])
    got = ds.cluster.maxmin(pool, 25, existing=bought)
    # RDKit: the bought compounds first in one list, given as first picks
    bvs = _bvs(bought) + _bvs(pool)
    expected = _maxmin_rdkit(bvs, 55, first=range(30))[30:]
    assert got["row"].tolist() == [row - 30 for row in expected]
    assert got["pick"].tolist() == list(range(25)) and got["distance"].notna().all()


def test_maxmin_database_input_seeds_and_bad_arguments(tmp_path, demo_smiles):
    db = ds.FingerprintDB.build(
        tmp_path / "a.dsdb", demo_smiles[:300], ids=[f"m{i}" for i in range(300)], progress=False, n_jobs=1
    )
    got = ds.cluster.maxmin(db, 20, seed=3)
    assert (got["id"] == "m" + got["row"].astype(str)).all()
    assert got["row"].tolist() == ds.cluster.maxmin(db.fingerprints(), 20, seed=3)["row"].tolist()
    assert np.isnan(got["distance"].iloc[0]) and got["distance"].iloc[1:].is_monotonic_decreasing
    assert len(ds.cluster.maxmin(db, 1)) == 1  # seed=None: a random start
    assert ds.cluster.maxmin(db, 0).empty
    fps = ds.fingerprint(["CCO", "CCN"])
    with pytest.raises(InputError, match="n must be a whole number"):
        ds.cluster.maxmin(fps, 3)
    with pytest.raises(InputError, match="seed must be"):
        ds.cluster.maxmin(fps, 1, seed=-1)
    with pytest.raises(InputError, match="threshold must be"):
        ds.cluster.maxmin(fps, 1, threshold=2.0)
    with pytest.raises(InputError, match="same spec"):
        ds.cluster.maxmin(fps, 1, existing=ds.fingerprint(["CCO"], ds.FingerprintSpec(nbits=1024)))
    with pytest.raises(InputError, match="binary fingerprints"):
        ds.cluster.maxmin(ds.fingerprint(["CCO"], ds.FingerprintSpec(counts=True)), 1)
