"""Tests that pin what the README promises, built so that small realistic bugs fail them.

Each test names the bug it is there to catch (checked by putting the bug in and running it,
see the issue 13 closing note): the margin of the popcount-range bound, the tie rule of the
top-k kernel on several threads, the upper-triangle cut of the symmetric matrix, exactness
and order against RDKit with the bounds switched on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import random_fps
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator as gen

import drugscreen as ds
import drugscreen.similarity.engine as engine
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.kernels import reference as ref
from drugscreen.kernels.reference import pack_bits
from drugscreen.similarity.engine import popcount_bounds, search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

NBITS = 512
SPEC = ds.FingerprintSpec("morgan", 2, NBITS)


def _fa(bits: np.ndarray) -> FingerprintArray:
    return FingerprintArray(SPEC, pack_bits(bits))


def _boundary_cases() -> list[tuple[int, int, float, str]]:
    """(a, b, t, side): a Tanimoto hit (b a subset or superset of the query's a bits) whose
    popcount b lies just outside the engine's floating-point bound, so only the margin keeps it."""
    cases = []
    for t in np.round(np.arange(0.05, 1.0, 0.05), 2):
        a = np.arange(1, 250)
        lo, hi = popcount_bounds(SearchParams(threshold=float(t)), a)
        for ai, low, high in zip(a.tolist(), lo.tolist(), hi.tolist(), strict=True):
            for b in range(1, NBITS + 1):
                if min(ai, b) / max(ai, b) >= t and (b < math.ceil(low) or b > math.floor(high)):
                    cases.append((ai, b, float(t), "lower" if b < ai else "upper"))
    return cases


def test_hits_exactly_on_the_popcount_bound_are_found():
    # catches: removing the 1e-6 margin in row_range (a hit on the boundary is lost)
    cases = _boundary_cases()
    assert {side for *_, side in cases} == {"lower", "upper"}, "no boundary case found"
    for a, b, t, side in cases:
        q = np.zeros((1, NBITS), bool)
        d = np.zeros((3, NBITS), bool)
        q[0, :a] = True
        d[1, :b] = True  # subset (score b / a) or superset (a / b) of the query
        d[0, NBITS - 5 :] = True  # unrelated rows around it
        d[2, : min(NBITS, b + 30)] = True
        got = ds.search(_fa(q), _fa(d), threshold=t)
        expected = ref.bit_similarity(pack_bits(q), pack_bits(d))[0]
        assert expected[1] >= t
        assert got["row"].tolist() == [r for r in np.argsort(-expected, kind="stable") if expected[r] >= t], (
            a,
            b,
            t,
            side,
        )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_topk_ties_keep_the_lowest_rows_across_chunks_and_threads(n_jobs):
    # catches: a flipped tie rule in _worse / the heap floor (>= vs >) / the chunk merge order.
    # Type X rows score 0.5 with 4 bits; type Y rows score 0.5 with 16 bits and have the
    # LOWER row numbers, so after the popcount sort they come last in every chunk.
    q = np.zeros((1, NBITS), bool)
    q[0, :8] = True
    y = np.zeros(NBITS, bool)
    y[:16] = True  # superset: 8 / 16
    x = np.zeros(NBITS, bool)
    x[:4] = True  # subset: 4 / 8
    # X counts that do not divide into the kernel's chunks put X and Y in one chunk, where
    # the heap is full of X rows before the better-ranked Y rows arrive
    for n_x in (3001, 3037, 3100):
        d = np.array([y] * 3000 + [x] * n_x)
        for k in (1, 5, 40):
            got = ds.search(_fa(q), _fa(d), k=k, n_jobs=n_jobs)
            assert got["row"].tolist() == list(range(k)), (n_x, k)
            assert (got["score"] == 0.5).all()
    identical = np.array([x] * 6000)  # many identical rows: all tie
    got = ds.search(_fa(q), _fa(identical), k=7, n_jobs=n_jobs)
    assert got["row"].tolist() == list(range(7))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_topk_ties_through_the_tile_path(n_jobs, monkeypatch):
    # the same rule where top-k goes through score tiles (heap budget exceeded)
    monkeypatch.setattr(engine, "HEAP_BYTES", 1)
    q = np.zeros((1, NBITS), bool)
    q[0, :8] = True
    y = np.zeros(NBITS, bool)
    y[:16] = True
    x = np.zeros(NBITS, bool)
    x[:4] = True
    d = np.array([y] * 2000 + [x] * 2000)
    got = ds.search(_fa(q), _fa(d), k=9, n_jobs=n_jobs)
    assert got["row"].tolist() == list(range(9))


@pytest.mark.parametrize("n", [5, 130, 257])
def test_symmetric_matrix_at_threshold_zero_is_each_pair_once(rng, n, monkeypatch):
    # catches: ignoring the upper-triangle cut-off (first_col) in the row-pair path, which
    # only a threshold of 0 (every pair a hit) exposes fully
    monkeypatch.setattr(engine, "QUERY_BLOCK", 64)
    fps = random_fps(rng, n, NBITS, 0.1)
    fps[1] = fps[0]
    m = ds.similarity_matrix(FingerprintArray(SPEC, fps), threshold=0.0)
    dense = ref.bit_similarity(fps, fps)
    np.fill_diagonal(dense, 0.0)
    assert m.nnz == n * (n - 1)  # every off-diagonal pair exactly once per side
    assert np.array_equal(m.toarray(), dense)


@pytest.fixture(scope="module")
def rdkit_library(demo_smiles):
    mols = [Chem.MolFromSmiles(s) for s in demo_smiles[:3000]]
    generator = gen.GetMorganGenerator(radius=2, fpSize=2048)
    return demo_smiles[:3000], [generator.GetFingerprint(m) for m in mols]


@pytest.mark.parametrize("threshold", [0.35, 0.5, 0.7])
@pytest.mark.parametrize("metric", ["tanimoto", "dice"])
def test_threshold_search_equals_rdkit_exactly_and_in_order(rdkit_library, threshold, metric):
    # thresholds above 0 switch the popcount and word bounds on; equality, not closeness
    smiles, rd_fps = rdkit_library
    db = ds.fingerprint(smiles)
    queries = smiles[:40:3]
    bulk = DataStructs.BulkTanimotoSimilarity if metric == "tanimoto" else DataStructs.BulkDiceSimilarity
    hits = ds.search(queries, db, threshold=threshold, metric=metric)
    for qi, qsmi in enumerate(queries):
        scores = np.array(bulk(rd_fps[smiles.index(qsmi)], rd_fps))
        rows = np.nonzero(scores >= threshold)[0]
        order = rows[np.lexsort((rows, -scores[rows]))]
        mine = hits[hits["query"] == qi]
        assert mine["row"].tolist() == order.tolist()
        assert mine["score"].tolist() == scores[order].tolist()


def test_topk_equals_rdkit_with_ties_in_row_order(rdkit_library):
    smiles, rd_fps = rdkit_library
    db = ds.fingerprint(smiles)
    queries = [smiles[i] for i in (0, 7, 99)]
    hits = ds.search(queries, db, k=25, threshold=0.2)
    for qi, qsmi in enumerate(queries):
        scores = np.array(DataStructs.BulkTanimotoSimilarity(rd_fps[smiles.index(qsmi)], rd_fps))
        order = np.lexsort((np.arange(len(scores)), -scores))
        order = [r for r in order if scores[r] >= 0.2][:25]
        assert hits[hits["query"] == qi]["row"].tolist() == order


def test_search_segments_reports_unsorted_input_sorted(rng):
    # results are sorted by query, score desc, row -- whatever order the segments come in
    db = random_fps(rng, 500, NBITS, 0.1)
    q = random_fps(rng, 3, NBITS, 0.1)
    segs = [
        Segment.from_array(FingerprintArray(SPEC, db[250:]), 250),
        Segment.from_array(FingerprintArray(SPEC, db[:250])),
    ]
    qq, rr, ss = search_segments(FingerprintArray(SPEC, q), segs, SearchParams(threshold=0.1))
    keys = list(zip(qq.tolist(), (-ss).tolist(), rr.tolist(), strict=True))
    assert keys == sorted(keys) and len(keys) > 0
