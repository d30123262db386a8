"""Top-k with floors seeded from a sample: identical to the unseeded search and the reference."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_fps

import drugscreen.similarity.topk_seed as seed_mod
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.kernels import reference as ref
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

SPEC = FingerprintSpec("morgan", 2, 512)


def _clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rows in families of near-duplicates (high k-th best scores) plus exact duplicates (ties)."""
    parents = random_fps(rng, n // 20, 512, 0.08)
    rows = np.repeat(parents, 20, axis=0)[:n]
    flips = random_fps(rng, len(rows), 512, 0.01)
    rows = rows ^ flips
    rows[::7] = rows[0]  # many rows tie with each other exactly
    return np.vstack([rows, random_fps(rng, n - len(rows), 512, 0.08)])


def _expected(q: np.ndarray, db: np.ndarray, k: int, threshold: float, metric: str = "tanimoto"):
    scores = ref.bit_similarity(q, db, metric, 0.3, 0.8)
    out = []
    for qi, hits in enumerate(ref.top_k(scores, k, threshold)):
        out.extend((qi, j, s) for j, s in hits)
    return out


def _search(q, segments, **kw):
    got = search_segments(FingerprintArray(SPEC, q), segments, SearchParams(**kw))
    return list(zip(*(a.tolist() for a in got), strict=True))


@pytest.fixture
def seeded(monkeypatch):
    """Seed every search (no minimum size) from a small sample."""
    monkeypatch.setattr(seed_mod, "MIN_ROWS", 0)
    monkeypatch.setattr(seed_mod, "SAMPLE_ROWS", 400)


@pytest.mark.parametrize("n_queries", [1, 6])
@pytest.mark.parametrize("threshold", [None, 0.35])
@pytest.mark.parametrize("metric", ["tanimoto", "dice", "cosine", "tversky"])
def test_seeded_topk_matches_reference(rng, seeded, n_queries, threshold, metric):
    db = _clustered(rng, 3001)
    q = np.vstack([db[rng.integers(0, len(db), n_queries - 1)], random_fps(rng, 1, 512, 0.08)])
    segments = [
        Segment.from_array(FingerprintArray(SPEC, db[:1700])),
        Segment.from_array(FingerprintArray(SPEC, db[1700:]), row_offset=1700),
    ]
    kw = {"k": 25, "threshold": threshold, "metric": metric, "alpha": 0.3, "beta": 0.8}
    assert _search(q, segments, **kw) == _expected(
        q, db, 25, -np.inf if threshold is None else threshold, metric
    )


def test_estimate_too_high_falls_back_exactly(rng, seeded, monkeypatch):
    """A negative margin makes the estimate overshoot: every query needs the second pass."""
    monkeypatch.setattr(seed_mod, "MARGIN_SD", -50.0)
    db = _clustered(rng, 2003)
    q = db[[5, 77, 1500]]
    calls = []
    real = seed_mod.sample_floors

    def spy(*args):
        estimate, safe = real(*args)
        calls.append((estimate, safe))
        return estimate, safe

    monkeypatch.setattr(seed_mod, "sample_floors", spy)
    got = _search(q, [Segment.from_array(FingerprintArray(SPEC, db))], k=60)
    assert got == _expected(q, db, 60, -np.inf)
    estimate, safe = calls[0]
    assert (estimate > safe).all()  # the first pass was pruned too hard: the fallback ran


def test_seed_equals_unseeded_on_ties(rng, monkeypatch):
    one = random_fps(rng, 1, 512, 0.1)
    db = np.vstack([np.repeat(one, 300, axis=0), random_fps(rng, 700, 512, 0.1)])
    segments = [Segment.from_array(FingerprintArray(SPEC, db))]
    plain = _search(one, segments, k=120)
    monkeypatch.setattr(seed_mod, "MIN_ROWS", 0)
    monkeypatch.setattr(seed_mod, "SAMPLE_ROWS", 200)
    seeded_result = _search(one, segments, k=120)
    assert seeded_result == plain
    assert [r for _, r, _ in seeded_result] == list(range(120))  # ties kept in row order


def test_sample_runs_and_rank():
    runs = seed_mod.sample_runs([10, 0, 90], 20)
    assert runs == [(0, 0, 1), (0, 9, 10)] + [
        (2, int(x), int(x) + 1) for x in np.linspace(0, 89, 18).astype(int)
    ]
    lengths = [250_000] * 3 + [1000]
    runs = seed_mod.sample_runs(lengths, 16_384)
    for seg, n in enumerate(lengths):
        mine = [(a, b) for i, a, b in runs if i == seg]
        assert mine[0][0] == 0 and mine[-1][1] == n  # from the first row to the last
        assert all(b0 <= a1 for (_, b0), (a1, _) in zip(mine, mine[1:], strict=False))  # in order, disjoint
    assert sum(b - a for _, a, b in runs) == 3 * 21 * 256 + 22  # runs of 256 rows; single rows
    # mean 1 top-100 row in a 1 % sample: rank 1 + 3 sd + 1
    assert seed_mod.estimate_rank(100, 10_000, 1_000_000) == 5


@pytest.mark.parametrize("metric", ["tanimoto", "cosine", "tversky"])
def test_seeded_topk_with_word_bound(rng, seeded, monkeypatch, metric):
    """The word-popcount bound at the seeded floors (forced on at any seed) loses no hit."""
    monkeypatch.setattr(seed_mod, "BOUND_MIN_SEED", -np.inf)
    db = _clustered(rng, 2500)
    q = db[[3, 1200, 2400]]
    segments = [Segment.from_array(FingerprintArray(SPEC, db))]
    for queries in (q[:1], q):
        kw = {"k": 30, "metric": metric, "alpha": 0.3, "beta": 0.8}
        assert _search(queries, segments, **kw) == _expected(queries, db, 30, -np.inf, metric)
