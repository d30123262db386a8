"""Property-based tests: the search kernels equal the NumPy reference on drawn inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.kernels import reference as ref
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

METRICS = st.sampled_from(
    [("tanimoto", 0.5, 0.5), ("dice", 0.5, 0.5), ("cosine", 0.5, 0.5), ("tversky", 0.8, 0.2)]
)


@st.composite
def problems(draw):
    nbits = draw(st.sampled_from([64, 100, 192, 256]))
    n_db = draw(st.integers(0, 300))
    n_q = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.05, 0.3, 0.9]))
    rng = np.random.default_rng(seed)
    db = rng.random((n_db, nbits)) < density
    if n_db > 3 and draw(st.booleans()):
        db[: n_db // 2] = db[0]  # many identical rows: ties
    q = rng.random((n_q, nbits)) < max(density, 0.05)
    return nbits, ref.pack_bits(q), ref.pack_bits(db)


def _run(nbits, q, db, params):
    spec = FingerprintSpec("morgan", 2, nbits)
    qq, rr, ss = search_segments(
        FingerprintArray(spec, q), [Segment.from_array(FingerprintArray(spec, db))], params
    )
    return list(zip(qq.tolist(), rr.tolist(), ss.tolist(), strict=True))


@settings(max_examples=80, deadline=None)
@given(problem=problems(), metric=METRICS, threshold=st.sampled_from([0.0, 0.1, 0.35, 0.7, 1.0]))
def test_threshold_equals_reference(problem, metric, threshold):
    nbits, q, db = problem
    name, alpha, beta = metric
    scores = ref.bit_similarity(q, db, name, alpha, beta)
    expected = [(qi, j, s) for qi, hits in enumerate(ref.threshold_hits(scores, threshold)) for j, s in hits]
    assert (
        _run(nbits, q, db, SearchParams(metric=name, threshold=threshold, alpha=alpha, beta=beta)) == expected
    )


@settings(max_examples=80, deadline=None)
@given(problem=problems(), metric=METRICS, k=st.integers(1, 40), threshold=st.sampled_from([None, 0.2]))
def test_top_k_equals_reference(problem, metric, k, threshold):
    nbits, q, db = problem
    name, alpha, beta = metric
    scores = ref.bit_similarity(q, db, name, alpha, beta)
    floor = -np.inf if threshold is None else threshold
    expected = [(qi, j, s) for qi, hits in enumerate(ref.top_k(scores, k, floor)) for j, s in hits]
    got = _run(nbits, q, db, SearchParams(metric=name, k=k, threshold=threshold, alpha=alpha, beta=beta))
    assert got == expected
