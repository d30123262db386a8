"""Taylor-Butina against RDKit's Butina.ClusterData: same clusters, centroids and order."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_fps
from rdkit import DataStructs
from rdkit.ML.Cluster import Butina

import drugscreen as ds
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import InputError


def _rdkit_clusters(fps: FingerprintArray, cutoff: float, reordering: bool):
    bvs = [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in fps.data]
    # RDKit's own recipe: lower-triangle distances 1 - BulkTanimotoSimilarity, row by row
    n = len(bvs)
    dists = np.empty(n * (n - 1) // 2)
    offset = 0
    for i in range(1, n):
        dists[offset : offset + i] = 1 - np.array(DataStructs.BulkTanimotoSimilarity(bvs[i], bvs[:i]))
        offset += i
    return Butina.ClusterData(dists, n, cutoff, isDistData=True, reordering=reordering)


def _as_tuples(df):
    return tuple(tuple(g["row"].tolist()) for _, g in df.groupby("cluster", sort=True))


@pytest.mark.parametrize("reordering", [False, True])
@pytest.mark.parametrize("cutoff", [0.2, 0.35, 0.6])
def test_equal_to_rdkit_on_moses(demo_smiles, reordering, cutoff):
    fps = ds.fingerprint(demo_smiles[:1500])
    got = ds.cluster.butina(fps, cutoff, reordering=reordering)
    assert _as_tuples(got) == _rdkit_clusters(fps, cutoff, reordering)
    assert got.groupby("cluster")["is_centroid"].sum().eq(1).all()
    assert got["row"].is_unique and len(got) == 1500


@pytest.mark.slow
@pytest.mark.parametrize("reordering", [False, True])
def test_equal_to_rdkit_on_10k(demo_smiles, reordering):
    fps = ds.fingerprint(demo_smiles[:10_000])
    assert _as_tuples(ds.cluster.butina(fps, 0.35, reordering=reordering)) == _rdkit_clusters(
        fps, 0.35, reordering
    )


@pytest.mark.parametrize("reordering", [False, True])
def test_ties_duplicates_and_edge_cases(rng, reordering):
    spec = ds.FingerprintSpec("morgan", 2, 256)
    base = random_fps(rng, 40, 256, 0.15)
    data = np.concatenate([base, base[:10], base[:10], np.zeros((3, 4), np.uint64)])  # duplicates, empties
    fps = FingerprintArray(spec, data)
    for cutoff in (0.0, 0.5, 0.8):
        assert _as_tuples(ds.cluster.butina(fps, cutoff, reordering=reordering)) == _rdkit_clusters(
            fps, cutoff, reordering
        )
    for n in (0, 1, 2):
        small = FingerprintArray(spec, data[:n])
        got = ds.cluster.butina(small, 0.4, reordering=reordering)
        assert len(got) == n and _as_tuples(got) == (_rdkit_clusters(small, 0.4, reordering) if n else ())


def test_database_input_carries_ids(tmp_path, demo_smiles):
    db = ds.FingerprintDB.build(
        tmp_path / "a.dsdb",
        demo_smiles[:300],
        ids=[f"m{i}" for i in range(300)],
        progress=False,
        n_jobs=1,
        shard_size=128,
    )
    got = ds.cluster.butina(db, 0.4)
    assert (got["id"] == "m" + got["row"].astype(str)).all()
    assert _as_tuples(got) == _as_tuples(ds.cluster.butina(ds.fingerprint(demo_smiles[:300]), 0.4))


def test_bad_arguments():
    fps = ds.fingerprint(["CCO"])
    with pytest.raises(InputError, match="cutoff must be a distance"):
        ds.cluster.butina(fps, 1.5)
    with pytest.raises(InputError, match="FingerprintArray or a FingerprintDB"):
        ds.cluster.butina(["CCO"], 0.3)
