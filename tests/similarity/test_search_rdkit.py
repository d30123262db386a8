"""Search scores are bit-identical to RDKit's DataStructs bulk similarity functions."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator as gen

import drugscreen as ds
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DrugscreenError, SpecError


@pytest.fixture(scope="module")
def library(demo_smiles):
    smiles = demo_smiles[:3001]
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return smiles, mols


def _rdkit_scores(metric, query_fp, fps, alpha=0.5, beta=0.5):
    if metric == "tanimoto":
        return np.array(DataStructs.BulkTanimotoSimilarity(query_fp, fps))
    if metric == "dice":
        return np.array(DataStructs.BulkDiceSimilarity(query_fp, fps))
    if metric == "cosine":
        return np.array(DataStructs.BulkCosineSimilarity(query_fp, fps))
    return np.array(DataStructs.BulkTverskySimilarity(query_fp, fps, alpha, beta))


@pytest.mark.parametrize(
    "metric,alpha,beta",
    [("tanimoto", 0, 0), ("dice", 0, 0), ("cosine", 0, 0), ("tversky", 0.9, 0.1), ("tversky", 0.3, 0.6)],
)
def test_bits_scores_equal_rdkit_bulk(library, metric, alpha, beta):
    smiles, mols = library
    g = gen.GetMorganGenerator(radius=2, fpSize=2048)
    rd_fps = [g.GetFingerprint(m) for m in mols]
    targets = ds.fingerprint(smiles, FingerprintSpec())
    queries = [0, 17, 2999]
    hits = ds.search(
        [smiles[i] for i in queries], targets, threshold=0.0, metric=metric, alpha=alpha, beta=beta
    )
    for qi, i in enumerate(queries):
        expected = _rdkit_scores(metric, rd_fps[i], rd_fps, alpha, beta)
        mine = hits[hits["query"] == qi].sort_values("row")["score"].to_numpy()
        assert np.array_equal(mine, expected), metric  # bit-identical, not approximately


@pytest.mark.parametrize("metric", ["tanimoto", "dice"])
def test_count_scores_equal_rdkit(library, metric):
    smiles, mols = library
    smiles, mols = smiles[:800], mols[:800]
    g = gen.GetMorganGenerator(radius=2, fpSize=2048)
    rd_fps = [g.GetCountFingerprint(m) for m in mols]
    targets = ds.fingerprint(smiles, FingerprintSpec(counts=True))
    hits = ds.search([smiles[5]], targets, threshold=0.0, metric=metric)
    bulk = DataStructs.BulkTanimotoSimilarity if metric == "tanimoto" else DataStructs.BulkDiceSimilarity
    assert np.array_equal(hits.sort_values("row")["score"].to_numpy(), np.array(bulk(rd_fps[5], rd_fps)))


def test_topk_and_threshold_agree_with_rdkit_ranking(library):
    smiles, mols = library
    g = gen.GetMorganGenerator(radius=2, fpSize=2048)
    rd_fps = [g.GetFingerprint(m) for m in mols]
    targets = ds.fingerprint(smiles)
    scores = np.array(DataStructs.BulkTanimotoSimilarity(rd_fps[42], rd_fps))
    order = sorted(range(len(scores)), key=lambda j: (-scores[j], j))[:25]
    top = ds.search(smiles[42], targets, k=25)
    assert top["row"].tolist() == order
    above = ds.search(smiles[42], targets, threshold=0.35)
    assert sorted(above["row"].tolist()) == np.nonzero(scores >= 0.35)[0].tolist()


def test_query_spec_mismatch_is_an_error(library):
    smiles, _ = library
    targets = ds.fingerprint(smiles[:10])
    other = ds.fingerprint(smiles[:2], FingerprintSpec(radius=3))
    with pytest.raises(SpecError, match="different fingerprint spec"):
        ds.search(other, targets, k=1)
    with pytest.raises(SpecError):
        ds.search(np.zeros((1, 16), np.uint64), targets, k=1)
    with pytest.raises(DrugscreenError, match="not defined for count"):
        ds.search(smiles[:1], ds.fingerprint(smiles[:10], FingerprintSpec(counts=True)), k=1, metric="cosine")
    with pytest.raises(DrugscreenError, match="give a threshold"):
        ds.search(smiles[:1], targets)
    with pytest.raises(DrugscreenError, match="cuda"):
        ds.search(smiles[:1], targets, k=1, device="cuda")


def test_bulk_similarity_equals_rdkit(library):
    smiles, mols = library
    g = gen.GetMorganGenerator(radius=2, fpSize=2048)
    rd_fps = [g.GetFingerprint(m) for m in mols]
    dense = ds.bulk_similarity([smiles[3], smiles[9]], ds.fingerprint(smiles), metric="dice")
    assert dense.shape == (2, len(smiles))
    assert np.array_equal(dense[1], np.array(DataStructs.BulkDiceSimilarity(rd_fps[9], rd_fps)))
    assert ds.bulk_similarity([], ds.fingerprint(smiles[:5])).shape == (0, 5)
