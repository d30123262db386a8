"""Kernels and the search engine against the NumPy reference, on random and edge-case inputs."""

from __future__ import annotations

import numpy as np
import numpy.testing as npt
import pytest
from conftest import random_fps

import drugscreen.similarity.engine as search_mod
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.kernels import METRIC_CODES
from drugscreen.kernels import pairs_cpu as pairs
from drugscreen.kernels import reference as ref
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.matrix import similarity_matrix
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

METRIC_ARGS = [
    ("tanimoto", 0.5, 0.5),
    ("dice", 0.5, 0.5),
    ("cosine", 0.5, 0.5),
    ("tversky", 0.7, 0.3),
    ("tversky", 1.0, 0.0),
]


def _spec(nbits: int = 2048, counts: bool = False) -> FingerprintSpec:
    return FingerprintSpec("morgan", 2, nbits, counts=counts)


def _as_table(q, r, s):
    return list(zip(q.tolist(), r.tolist(), s.tolist(), strict=True))


def _expected_threshold(scores: np.ndarray, threshold: float):
    out = []
    for qi, hits in enumerate(ref.threshold_hits(scores, threshold)):
        out.extend((qi, j, s) for j, s in hits)
    return out


def _expected_topk(scores: np.ndarray, k: int, threshold: float = -np.inf):
    out = []
    for qi, hits in enumerate(ref.top_k(scores, k, threshold)):
        out.extend((qi, j, s) for j, s in hits)
    return out


def test_popcount_matches_numpy(rng):
    fps = random_fps(rng, 257, 1024, 0.3)
    fps[0] = np.uint64(2**64 - 1)
    fps[1] = 0
    npt.assert_array_equal(pairs.popcounts(fps), ref.unpack_bits(fps).sum(axis=1))


def test_pack_unpack_roundtrip(rng):
    bits = rng.random((5, 167)) < 0.5
    npt.assert_array_equal(ref.unpack_bits(ref.pack_bits(bits), 167), bits)


@pytest.mark.parametrize("metric,alpha,beta", METRIC_ARGS)
@pytest.mark.parametrize("density", [0.01, 0.2])
def test_threshold_search_matches_reference(rng, metric, alpha, beta, density):
    db = random_fps(rng, 1003, 2048, density)
    q = random_fps(rng, 7, 2048, density)
    q[3] = db[10]  # an exact match
    params = SearchParams(metric=metric, threshold=0.1 if density < 0.1 else 0.3, alpha=alpha, beta=beta)
    got = search_segments(
        FingerprintArray(_spec(), q), [Segment.from_array(FingerprintArray(_spec(), db))], params
    )
    scores = ref.bit_similarity(q, db, metric, alpha, beta)
    assert _as_table(*got) == _expected_threshold(scores, params.threshold)
    assert len(got[0]) > 0


@pytest.mark.parametrize("metric,alpha,beta", METRIC_ARGS)
def test_topk_matches_reference(rng, metric, alpha, beta):
    db = random_fps(rng, 999, 512, 0.05)
    q = random_fps(rng, 5, 512, 0.05)
    params = SearchParams(metric=metric, k=17, alpha=alpha, beta=beta)
    got = search_segments(
        FingerprintArray(_spec(512), q), [Segment.from_array(FingerprintArray(_spec(512), db))], params
    )
    assert _as_table(*got) == _expected_topk(ref.bit_similarity(q, db, metric, alpha, beta), 17)


def test_topk_ties_broken_by_row(rng):
    one = random_fps(rng, 1, 256, 0.2)
    db = np.repeat(one, 50, axis=0)  # 50 identical rows: all tie at 1.0
    got = search_segments(
        FingerprintArray(_spec(256), one),
        [Segment.from_array(FingerprintArray(_spec(256), db))],
        SearchParams(k=5),
    )
    assert got[1].tolist() == [0, 1, 2, 3, 4]
    assert got[2].tolist() == [1.0] * 5


def test_topk_with_threshold_and_k_larger_than_db(rng):
    db = random_fps(rng, 30, 256, 0.2)
    q = random_fps(rng, 3, 256, 0.2)
    params = SearchParams(k=100, threshold=0.15)
    got = search_segments(
        FingerprintArray(_spec(256), q), [Segment.from_array(FingerprintArray(_spec(256), db))], params
    )
    scores = ref.bit_similarity(q, db)
    assert _as_table(*got) == _expected_topk(scores, 100, 0.15)


def test_tiles_and_query_blocks_not_multiples(rng, monkeypatch):
    """Force tiny tiles and query blocks so every loop boundary is exercised."""
    monkeypatch.setattr(search_mod, "TILE_SCORES", 1)  # tile_rows clamps to 1024
    monkeypatch.setattr(search_mod, "QUERY_BLOCK", 3)
    db = random_fps(rng, 2500, 1024, 0.05)
    q = random_fps(rng, 8, 1024, 0.05)
    seg = Segment.from_array(FingerprintArray(_spec(1024), db))
    scores = ref.bit_similarity(q, db)
    got = search_segments(FingerprintArray(_spec(1024), q), [seg], SearchParams(threshold=0.05))
    assert _as_table(*got) == _expected_threshold(scores, 0.05)
    got = search_segments(FingerprintArray(_spec(1024), q), [seg], SearchParams(k=9))
    assert _as_table(*got) == _expected_topk(scores, 9)


def test_multiple_segments_equal_one(rng):
    db = random_fps(rng, 600, 512, 0.08)
    q = random_fps(rng, 4, 512, 0.08)
    whole = [Segment.from_array(FingerprintArray(_spec(512), db))]
    parts = [
        Segment.from_array(FingerprintArray(_spec(512), db[i : i + 250]), row_offset=i) for i in (0, 250, 500)
    ]
    for params in (SearchParams(threshold=0.1), SearchParams(k=7)):
        a = search_segments(FingerprintArray(_spec(512), q), whole, params)
        b = search_segments(FingerprintArray(_spec(512), q), parts, params)
        for x, y in zip(a, b, strict=True):
            npt.assert_array_equal(x, y)


def test_edge_cases_empty_zero_and_single(rng):
    spec = _spec(128)
    empty_db = [Segment.from_array(FingerprintArray(spec, np.zeros((0, 2), np.uint64)))]
    q = random_fps(rng, 2, 128, 0.2)
    for params in (SearchParams(threshold=0.5), SearchParams(k=3)):
        got = search_segments(FingerprintArray(spec, q), empty_db, params)
        assert all(len(x) == 0 for x in got)
    # no queries
    got = search_segments(FingerprintArray(spec, np.zeros((0, 2), np.uint64)), empty_db, SearchParams(k=1))
    assert all(len(x) == 0 for x in got)
    # all-zero query and rows score 0 (RDKit's convention), one row database
    zeros = np.zeros((1, 2), np.uint64)
    seg = [Segment.from_array(FingerprintArray(spec, zeros))]
    got = search_segments(FingerprintArray(spec, zeros), seg, SearchParams(threshold=0.0))
    assert _as_table(*got) == [(0, 0, 0.0)]
    got = search_segments(FingerprintArray(spec, zeros), seg, SearchParams(threshold=0.01))
    assert len(got[0]) == 0


def test_threshold_one_and_zero(rng):
    db = random_fps(rng, 200, 256, 0.1)
    q = db[[5, 17]].copy()
    spec = _spec(256)
    seg = [Segment.from_array(FingerprintArray(spec, db))]
    scores = ref.bit_similarity(q, db)
    got = search_segments(FingerprintArray(spec, q), seg, SearchParams(threshold=1.0))
    assert _as_table(*got) == _expected_threshold(scores, 1.0)
    got = search_segments(FingerprintArray(spec, q), seg, SearchParams(threshold=0.0))
    assert len(got[0]) == 2 * 200


@pytest.mark.parametrize("mode", ["max", "mean"])
def test_group_fusion(rng, mode):
    db = random_fps(rng, 400, 512, 0.06)
    q = random_fps(rng, 6, 512, 0.06)
    spec = _spec(512)
    scores = ref.bit_similarity(q, db)
    fused = scores.max(axis=0) if mode == "max" else scores.mean(axis=0)
    seg = [Segment.from_array(FingerprintArray(spec, db))]
    got = search_segments(FingerprintArray(spec, q), seg, SearchParams(k=10, fusion=mode))
    assert got[1].tolist() == [j for j, _ in ref.top_k(fused[None, :], 10)[0]]
    npt.assert_allclose(got[2], np.sort(fused)[::-1][:10])
    got = search_segments(FingerprintArray(spec, q), seg, SearchParams(threshold=0.1, fusion=mode))
    assert sorted(got[1].tolist()) == np.nonzero(fused >= 0.1)[0].tolist()
    npt.assert_allclose(got[2], fused[got[1]])


@pytest.mark.parametrize("metric", ["cosine", "dice"])
def test_symmetric_matrix_other_metrics_and_counts(rng, metric):
    import scipy.sparse as sp

    fps = random_fps(rng, 150, 256, 0.1)
    m = similarity_matrix(FingerprintArray(_spec(256), fps), threshold=0.2, metric=metric)
    dense = ref.bit_similarity(fps, fps, metric)
    expected = np.where(dense >= 0.2, dense, 0.0)
    np.fill_diagonal(expected, 0.0)
    npt.assert_array_equal(m.toarray(), expected)
    counts = (rng.random((120, 128)) < 0.08) * rng.integers(1, 20, (120, 128))
    m = similarity_matrix(
        FingerprintArray(_spec(128, counts=True), sp.csr_matrix(counts)),
        threshold=0.15,
        metric=metric if metric == "dice" else "tanimoto",
    )
    dense = ref.count_similarity(counts, counts, metric if metric == "dice" else "tanimoto")
    expected = np.where(dense >= 0.15, dense, 0.0)
    np.fill_diagonal(expected, 0.0)
    npt.assert_array_equal(m.toarray(), expected)


@pytest.mark.parametrize("metric", ["tanimoto", "dice"])
def test_count_kernel_matches_reference(rng, metric):
    import scipy.sparse as sp

    dense_db = (rng.random((300, 256)) < 0.05) * rng.integers(1, 300, (300, 256))
    dense_q = (rng.random((4, 256)) < 0.05) * rng.integers(1, 300, (4, 256))
    dense_db[7] = 0
    spec = _spec(256, counts=True)
    seg = [Segment.from_array(FingerprintArray(spec, sp.csr_matrix(dense_db)))]
    scores = ref.count_similarity(dense_q, dense_db, metric)
    qfa = FingerprintArray(spec, sp.csr_matrix(dense_q))
    got = search_segments(qfa, seg, SearchParams(metric=metric, threshold=0.05))
    assert _as_table(*got) == _expected_threshold(scores, 0.05)
    got = search_segments(qfa, seg, SearchParams(metric=metric, k=4))
    assert _as_table(*got) == _expected_topk(scores, 4)


@pytest.mark.parametrize("n", [0, 1, 2, 131, 300])
def test_symmetric_matrix_matches_reference(rng, n, monkeypatch):
    monkeypatch.setattr(search_mod, "QUERY_BLOCK", 32)
    fps = random_fps(rng, n, 512, 0.08)
    if n > 3:
        fps[3] = fps[2]  # duplicates must show up with score 1
    m = similarity_matrix(FingerprintArray(_spec(512), fps), threshold=0.12)
    dense = ref.bit_similarity(fps, fps) if n else np.zeros((0, 0))
    expected = np.where(dense >= 0.12, dense, 0.0)
    np.fill_diagonal(expected, 0.0)
    npt.assert_array_equal(m.toarray(), expected)
    assert m.indices.dtype == np.int64 and m.indptr.dtype == np.int64


def test_rectangular_matrix_matches_reference(rng):
    a = random_fps(rng, 40, 256, 0.1)
    b = random_fps(rng, 70, 256, 0.1)
    spec = _spec(256)
    m = similarity_matrix(FingerprintArray(spec, a), FingerprintArray(spec, b), threshold=0.1, metric="dice")
    dense = ref.bit_similarity(a, b, "dice")
    npt.assert_array_equal(m.toarray(), np.where(dense >= 0.1, dense, 0.0))


def test_bounds_never_exclude_a_hit(rng):
    """Popcount bounds at many thresholds against exhaustive scoring (boundary rounding)."""
    db = random_fps(rng, 3000, 128, 0.2)
    q = random_fps(rng, 10, 128, 0.2)
    spec = _spec(128)
    seg = [Segment.from_array(FingerprintArray(spec, db))]
    for metric, alpha, beta in METRIC_ARGS:
        scores = ref.bit_similarity(q, db, metric, alpha, beta)
        for t in (0.2, 1 / 3, 0.5, 2 / 3, 0.75):
            got = search_segments(
                FingerprintArray(spec, q),
                seg,
                SearchParams(metric=metric, threshold=t, alpha=alpha, beta=beta),
            )
            assert len(got[0]) == int((scores >= t).sum()), (metric, t)


def test_word_popcounts_bound_the_common_bits(rng):
    fps = random_fps(rng, 301, 2048, 0.05)
    fps[0] = np.uint64(2**64 - 1)
    fps[1] = 0
    words = pairs.word_popcounts(fps)
    assert words.dtype == np.uint8
    npt.assert_array_equal(words.astype(int).sum(axis=1), pairs.popcounts(fps))
    npt.assert_array_equal(words[0], 64)
    bits = ref.unpack_bits(fps).astype(int)
    common = bits @ bits.T
    bound = np.minimum(words[:, None, :], words[None, :, :]).astype(int).sum(axis=2)
    assert (bound >= common).all()
    npt.assert_array_equal(np.diag(bound), np.diag(common))


@pytest.mark.parametrize("metric,alpha,beta", METRIC_ARGS)
@pytest.mark.parametrize("threshold", [0.0, 0.3, 1 / 3, 0.7, 0.75, 1.0])
def test_min_common_table_matches_linear_scan(metric, alpha, beta, threshold):
    q_pop = np.array([0, 1, 7, 45, 64, 130], dtype=np.int64)
    max_pop = 140
    table = pairs.min_common_table(q_pop, max_pop, METRIC_CODES[metric], alpha, beta, threshold)
    assert table.shape == (max_pop + 1, len(q_pop))
    for qi, a in enumerate(q_pop):
        for b in range(max_pop + 1):
            c = np.arange(min(a, b) + 1)
            ok = ref._score(metric, c, np.full_like(c, a), np.full_like(c, b), alpha, beta) >= threshold
            expected = int(np.argmax(ok)) if ok.any() else min(a, b) + 1
            assert table[b, qi] == expected, (a, b)


@pytest.mark.parametrize("metric,alpha,beta", METRIC_ARGS)
def test_word_popcount_bound_changes_no_result(rng, metric, alpha, beta):
    """Structured data where the bound rejects most rows: hits at high thresholds, thresholds
    equal to scores that occur (boundary), results equal with and without the bound."""
    base = random_fps(rng, 40, 1024, 0.04)
    # database rows are queries with a few bits flipped, plus unrelated rows
    flips = random_fps(rng, 2000, 1024, 0.004)
    db = np.concatenate([base[rng.integers(0, 40, 2000)] ^ flips, random_fps(rng, 1001, 1024, 0.04)])
    q = base[:9]
    spec = _spec(1024)
    scores = ref.bit_similarity(q, db, metric, alpha, beta)
    with_bound = Segment.from_array(FingerprintArray(spec, db))
    without = Segment(with_bound.data, with_bound.pop, with_bound.rows)
    assert with_bound.word_pop is not None and without.word_pop is None
    boundary = float(np.sort(scores.ravel())[-200])
    for t in (0.5, 0.8, boundary):
        params = SearchParams(metric=metric, threshold=t, alpha=alpha, beta=beta)
        got = search_segments(FingerprintArray(spec, q), [with_bound], params)
        assert _as_table(*got) == _expected_threshold(scores, t)
        assert _as_table(*got) == _as_table(*search_segments(FingerprintArray(spec, q), [without], params))
    assert (scores >= boundary).sum() >= 200
