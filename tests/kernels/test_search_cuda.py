"""The CUDA search against the CPU search: identical hits, bit-equal scores, same order.

Without a GPU the kernels run on numba's CUDA simulator; inputs stay tiny because it runs every
GPU thread as a Python thread. Each engine path is forced with the modules' size constants:
resident and streamed segments, top-k through the sampled + histogram floors, hit-buffer
overflow, queries in global memory.

The simulator is chosen by ``NUMBA_ENABLE_CUDASIM=1`` before numba.cuda is first imported, for
the whole process: set here, it would also turn every later ``device="auto"`` of the test
session into the simulator (tests/backends expects the CPU there). So the tests run in this
process on a GPU or when the session was started with the variable set, and otherwise
:func:`test_under_simulator` runs this module in a child process that has it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import random_fps

import drugscreen.backends.cuda as backend
import drugscreen.similarity.engine_cuda as ec
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DrugscreenError, SpecError
from drugscreen.similarity.engine import search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

SIMULATING = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
FOUND, REASON = backend.gpu_available()
here = pytest.mark.skipif(
    not FOUND,
    reason=f"no GPU in this process ({REASON}): test_under_simulator runs these under the simulator"
    if not SIMULATING
    else f"the CUDA simulator is not usable: {REASON}",
)
REPO = Path(__file__).resolve().parents[2]

BITS = FingerprintSpec("morgan", 2, 256)
COUNTS = FingerprintSpec("morgan", 2, 256, counts=True)
METRICS = [("tanimoto", 0.5, 0.5), ("dice", 0.5, 0.5), ("cosine", 0.5, 0.5), ("tversky", 0.3, 0.8)]


@pytest.fixture
def path(request, monkeypatch):
    """Force one engine path with tiny size constants (the parameter names it)."""
    name = getattr(request, "param", "default")
    if name == "streamed":  # host segments streamed in chunks of 40 rows through two buffers
        monkeypatch.setattr(ec, "RESIDENT_BYTES", 0)
        monkeypatch.setattr(backend, "STREAM_CHUNK_BYTES", 40 * 40)
    if name in ("floors", "streamed"):  # top-k through sample + histogram floors
        monkeypatch.setattr(ec, "EXACT_PAIRS", 0)
        monkeypatch.setattr(ec, "SAMPLE_ROWS", 40)
    if name == "overflow":  # every threshold launch overflows its buffer and reruns
        monkeypatch.setattr(ec, "HIT_CAPACITY", 1)
    if name == "global":  # queries read from global memory, not staged in shared memory
        monkeypatch.setattr(backend, "SHARED_QUERY_BYTES", 0)
    return name


PATHS = ["default", "streamed", "floors", "overflow", "global"]


def bits(rng, n, density=0.1):
    return FingerprintArray(BITS, random_fps(rng, n, 256, density))


def counts(rng, n, density=0.08):
    dense = (rng.random((n, 256)) < density) * rng.integers(1, 6, (n, 256))
    return FingerprintArray(COUNTS, dense.astype(np.uint32))


def assert_same(queries, segments, params, device_segments=None):
    """CPU and GPU results identical (all three arrays, scores bit for bit); returns the hits."""
    cpu = search_segments(queries, segments, params, n_jobs=1)
    gpu = ec.search_segments_cuda(queries, segments if device_segments is None else device_segments, params)
    for want, got in zip(cpu, gpu, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(gpu[2].view(np.int64), cpu[2].view(np.int64))  # bit-equal
    return cpu


@here
@pytest.mark.parametrize("metric,alpha,beta", METRICS)
@pytest.mark.parametrize("threshold,k", [(0.2, None), (None, 5), (0.25, 4)])
def test_bit_metrics(rng, metric, alpha, beta, threshold, k):
    db = bits(rng, 230)
    q = bits(rng, 6)
    q.data[2] = db.data[17]  # an exact match
    params = SearchParams(metric=metric, threshold=threshold, k=k, alpha=alpha, beta=beta)
    hits = assert_same(q, [Segment.from_array(db)], params)
    assert len(hits[0]) > 0


@here
@pytest.mark.parametrize("path", ["default", "streamed"], indirect=True)
@pytest.mark.parametrize("metric", ["tanimoto", "dice"])
@pytest.mark.parametrize("threshold,k", [(0.15, None), (None, 6), (0.2, 3)])
def test_count_metrics(rng, path, metric, threshold, k):
    db = counts(rng, 160)
    q = FingerprintArray(COUNTS, db.data[[3, 50, 90]])
    hits = assert_same(q, [Segment.from_array(db)], SearchParams(metric=metric, threshold=threshold, k=k))
    assert len(hits[0]) > 0


@here
@pytest.mark.parametrize("path", PATHS, indirect=True)
@pytest.mark.parametrize(
    "params",
    [
        SearchParams(threshold=0.15),
        SearchParams(k=7),
        SearchParams(threshold=0.2, k=5, metric="tversky", alpha=0.3, beta=0.8),
        SearchParams(k=4, metric="cosine"),
    ],
    ids=["threshold", "top-k", "tversky-threshold-k", "cosine-top-k"],
)
def test_engine_paths(rng, path, params):
    data = random_fps(rng, 210, 256, 0.1)
    data[100:115] = data[7]  # ties: equal scores, broken by ascending global row
    db = FingerprintArray(BITS, data)
    segs = [
        Segment.from_array(db.take(np.arange(130))),
        Segment.from_array(db.take(np.arange(130, 210)), 130),
    ]
    assert len(assert_same(bits(rng, 5), segs, params)[0]) > 0


@here
@pytest.mark.parametrize("path", ["default", "streamed", "floors"], indirect=True)
@pytest.mark.parametrize("fusion", ["max", "mean"])
@pytest.mark.parametrize("threshold,k", [(0.15, None), (None, 6), (0.12, 4)])
def test_fusion(rng, path, fusion, threshold, k):
    db = bits(rng, 180)
    if fusion == "mean" and threshold is not None:
        threshold /= 2  # means of random pairs are low
    params = SearchParams(threshold=threshold, k=k, fusion=fusion)
    hits = assert_same(bits(rng, 7), [Segment.from_array(db)], params)
    assert len(hits[0]) > 0 and not hits[0].any()


@here
@pytest.mark.parametrize("path", ["floors", "overflow", "global"], indirect=True)
def test_count_paths_and_fusion(rng, path):
    db = counts(rng, 120)
    q = FingerprintArray(COUNTS, db.data[[1, 2, 3, 4]])
    seg = [Segment.from_array(db)]
    assert len(assert_same(q, seg, SearchParams(threshold=0.15, k=5))[0]) > 0
    assert len(assert_same(q, seg, SearchParams(k=5, fusion="mean", metric="dice"))[0]) == 5


@here
@pytest.mark.parametrize(
    "params", [SearchParams(threshold=0.0), SearchParams(k=3), SearchParams(k=2, fusion="max")]
)
def test_edge_cases(rng, params):
    seg = [Segment.from_array(bits(rng, 97))]  # 97 rows: not a multiple of a block
    assert_same(bits(rng, 3), seg, params)
    empty_db = [Segment.from_array(FingerprintArray(BITS, np.zeros((0, 4), np.uint64)))]
    assert len(assert_same(bits(rng, 3), empty_db, params)[0]) == 0
    assert len(assert_same(FingerprintArray(BITS, np.zeros((0, 4), np.uint64)), seg, params)[0]) == 0
    one = [Segment.from_array(bits(rng, 1), row_offset=41)]
    assert_same(bits(rng, 3), one, params)
    # all-zero fingerprints score 0 against everything (zero denominators)
    zeros = FingerprintArray(BITS, np.zeros((20, 4), np.uint64))
    hits = assert_same(
        FingerprintArray(BITS, np.zeros((2, 4), np.uint64)), [Segment.from_array(zeros)], params
    )
    assert not hits[2].any()
    assert_same(bits(rng, 2), [Segment.from_array(zeros)], params)


@here
@pytest.mark.parametrize("path", ["default", "floors"], indirect=True)
def test_k_beyond_rows_and_all_ties(rng, path):
    db = FingerprintArray(BITS, np.repeat(random_fps(rng, 1, 256, 0.1), 60, axis=0))
    seg = [Segment.from_array(db, row_offset=5)]
    q = bits(rng, 3)
    assert len(assert_same(q, seg, SearchParams(k=100))[0]) == 3 * 60
    hits = assert_same(q, seg, SearchParams(k=10))  # 60 equal scores: rows 5..14 win
    np.testing.assert_array_equal(hits[1][:10], np.arange(5, 15))


@here
@pytest.mark.parametrize("path", ["default", "streamed", "floors"], indirect=True)
def test_device_database_matches_host_segments(rng, path):
    db = bits(rng, 200)
    segs = [
        Segment.from_array(db.take(np.arange(0, 90))),
        Segment.from_array(db.take(np.arange(90, 200)), 90),
    ]
    resident = ec.DeviceDatabase(segs)
    assert resident.nbytes == 200 * (4 * 8 + 8)
    assert resident.memory_report() == f"7.8 KiB on {backend.device_info()['name']}"
    assert resident.segments == segs and len(resident) == 200
    q = bits(rng, 4)
    for params in (SearchParams(threshold=0.2), SearchParams(k=6), SearchParams(k=3, fusion="mean")):
        assert_same(q, segs, params, device_segments=resident)
        assert_same(q, segs, params)  # the same host segments, copied or streamed per call
    resident.release()
    with pytest.raises(backend.GPUError, match="released"):
        ec.search_segments_cuda(q, resident, SearchParams(threshold=0.2))


@here
def test_streaming_uses_several_chunks_and_reruns_overflows(rng, monkeypatch):
    monkeypatch.setattr(ec, "RESIDENT_BYTES", 0)
    monkeypatch.setattr(ec, "HIT_CAPACITY", 2)
    monkeypatch.setattr(backend, "STREAM_CHUNK_BYTES", 30 * 40)
    staged, launches = [], []
    stage, launch = backend.ChunkStreamer._stage, ec._HitBuffer.launch
    monkeypatch.setattr(backend.ChunkStreamer, "_stage", lambda self, *a: staged.append(a) or stage(self, *a))
    monkeypatch.setattr(
        ec._HitBuffer, "launch", lambda self, *a, **kw: launches.append(kw) or launch(self, *a, **kw)
    )
    assert_same(bits(rng, 4), [Segment.from_array(bits(rng, 150))], SearchParams(threshold=0.1))
    assert len(staged) == 5  # 150 rows in chunks of 30
    assert any(kw.get("need") for kw in launches)  # an overflowing launch was rerun


@here
def test_topk_floors_are_sound_and_tight(rng, monkeypatch):
    monkeypatch.setattr(ec, "SAMPLE_ROWS", 50)
    db = bits(rng, 250)
    seg = [Segment.from_array(db)]
    q = bits(rng, 6)
    k = 8
    params = SearchParams(k=k)
    block = ec._Block(q, params, ec.DeviceDatabase(seg))
    base = np.full(len(q), -np.inf)
    floors = ec.top_k_floors(block, k, base, block.ranges(base))
    kth = search_segments(q, seg, params, n_jobs=1)[2].reshape(len(q), k)[:, -1]
    nbins = ec.histogram_bins(len(q))
    assert nbins == 2**16 and ec.histogram_bins(128) == 2**15 and ec.histogram_bins(10**6) == 2**12
    assert (floors <= kth).all() and (floors > kth - 1.0 / nbins).all()


@here
def test_errors_and_device_info(rng):
    assert backend.gpu_available() == (True, "") and backend.gpu_available() is backend.gpu_available()
    info = backend.device_info()
    assert (info["name"] == "CUDA simulator") == backend.is_simulator()
    assert info["total_bytes"] >= info["free_bytes"] > 0
    assert issubclass(backend.GPUError, DrugscreenError)
    seg = [Segment.from_array(bits(rng, 10))]
    with pytest.raises(SpecError, match="cannot be compared"):
        wide = FingerprintArray(FingerprintSpec("morgan", 2, 512), np.zeros((1, 8), np.uint64))
        ec.search_segments_cuda(wide, seg, SearchParams(k=1))
    with pytest.raises(DrugscreenError, match="count fingerprints"):
        cosine = SearchParams(k=1, metric="cosine")
        ec.search_segments_cuda(counts(rng, 2), [Segment.from_array(counts(rng, 5))], cosine)


def test_bench_gpu_smoke(tmp_path):
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "OUT": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_gpu.py"), "--smoke"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "benchmarks" / "results" / "gpu_smoke.json").read_text())
    assert report["smoke"] and all(check["equal"] for check in report["checks"])
    assert (tmp_path / "benchmarks" / "results" / "gpu_smoke.md").read_text().startswith("### ")


@pytest.mark.skipif(FOUND or SIMULATING, reason="the tests above ran in this process")
def test_under_simulator():
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    select = "not test_under_simulator and not test_bench_gpu_smoke"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", select],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary
