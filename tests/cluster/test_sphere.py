"""Sphere exclusion against the leader picker and a brute-force NumPy assignment."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_fps

import drugscreen as ds
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.errors import InputError
from drugscreen.kernels.reference import bit_similarity


def _reference(data: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Row by row: a row not within ``cutoff`` of an earlier centroid starts a cluster."""
    dist = 1.0 - bit_similarity(data, data, "tanimoto")
    cluster = np.full(len(data), -1)
    centroids: list[int] = []
    for i in range(len(data)):
        near = [c for c, row in enumerate(centroids) if dist[i, row] <= cutoff]
        if near:
            cluster[i] = near[0]
        else:
            cluster[i] = len(centroids)
            centroids.append(i)
    return cluster, np.array(centroids, dtype=np.int64)


@pytest.mark.parametrize("cutoff", [0.0, 0.35, 0.6, 0.8])
def test_equal_to_reference_and_leaders(demo_smiles, cutoff):
    fps = ds.fingerprint(demo_smiles[:600])
    cluster, centroids = _reference(fps.data, cutoff)
    for block in (1, 7, 256):
        got = ds.cluster.sphere_exclusion(fps, cutoff, block=block, n_jobs=1 + block % 2)
        assert got["cluster"].tolist() == cluster.tolist()
        assert np.flatnonzero(got["is_centroid"]).tolist() == centroids.tolist()
    assert centroids.tolist() == ds.cluster.leader(fps, cutoff)["row"].tolist()


def test_ties_duplicates_and_empty_fingerprints(rng):
    spec = ds.FingerprintSpec("morgan", 2, 64)
    data = random_fps(rng, 150, 64, 0.15)
    data[rng.integers(0, 150, 30)] = data[3]
    data[[5, 77, 149]] = 0  # similarity 0 to everything: singletons
    fps = FingerprintArray(spec, data)
    for cutoff in (0.0, 0.5, 0.9):
        cluster, _ = _reference(data, cutoff)
        assert ds.cluster.sphere_exclusion(fps, cutoff, block=16)["cluster"].tolist() == cluster.tolist()
    empty = ds.cluster.sphere_exclusion(FingerprintArray(spec, data[:0]))
    assert empty.empty and list(empty.columns) == ["row", "id", "cluster", "is_centroid"]
    one = ds.cluster.sphere_exclusion(FingerprintArray(spec, data[:1]))
    assert one[["cluster", "is_centroid"]].values.tolist() == [[0, True]]


def test_database_input_and_bad_arguments(tmp_path, demo_smiles):
    smiles = demo_smiles[:400]
    db = ds.FingerprintDB.build(
        tmp_path / "a.dsdb", smiles, ids=[f"m{i}" for i in range(400)], progress=False, n_jobs=1
    )
    got = ds.cluster.sphere_exclusion(db, 0.5, block=50, progress=True)
    assert got["id"].tolist() == [f"m{i}" for i in range(400)]
    assert (
        got["cluster"].tolist()
        == ds.cluster.sphere_exclusion(ds.fingerprint(smiles), 0.5)["cluster"].tolist()
    )
    with pytest.raises(InputError, match="cutoff must be"):
        ds.cluster.sphere_exclusion(db, 1.0)
    with pytest.raises(InputError, match="block must be"):
        ds.cluster.sphere_exclusion(db, 0.3, block=0)
