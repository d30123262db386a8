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
