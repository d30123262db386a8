"""CUDA similarity search on one GPU: bandwidth, batched throughput, FPSim2's CUDA engine if present.

Usage: python benchmarks/bench_gpu.py [--rows 50000000] [--batch-rows 10000000] [--queries 1000]
       python benchmarks/bench_gpu.py --smoke     # tiny sizes; runs under NUMBA_ENABLE_CUDASIM=1

Needs numba-cuda (or the simulator) and numpy; no RDKit, no data files: fingerprints are random
2048-bit rows with MOSES-like popcounts (normal, mean 45, sd 10, at least 1), bits uniform, made
already sorted by popcount (so a row's global number is its position). Uniform bits make
Tanimoto >= 0.7 hits rare apart from the queries themselves (database rows): these are kernel
timings, not a model of a real library's hit lists.

Figures:
(a) device-to-device copy bandwidth (bytes read + written / time: the memory ceiling), and one
    query over ``--rows`` resident rows at T >= 0.7: kernel time (CUDA events), achieved
    bandwidth = bytes of the scanned popcount range / kernel time, as % of the copy bandwidth;
    end-to-end search time at T >= 0.7 and for top-100;
(b) ``--queries`` queries x ``--batch-rows`` rows at T >= 0.7, pairs/s end to end;
(c) FPSim2's CUDA engine (cupy) on the same queries, when ``FPSim2`` imports (it needs RDKit and
    PyTables). It has no numpy entry point (``FPSim2CudaEngine`` loads an .h5 made with RDKit;
    ``similarity()`` takes SMILES), so it is fed the same arrays through its internal
    ``_raw_kernel_search``; reported as "not available" when it cannot be imported.
Every GPU result is checked against the CPU engine (exact equality of rows and scores) on the
full single-query searches and on a subsample of the batch. Results: ``results/gpu.json`` and
``.md`` (``gpu_smoke.*`` with ``--smoke``), under ``$OUT/benchmarks/results`` when ``$OUT`` is set.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit, prange

REPO = Path(__file__).resolve().parents[1]
try:  # an installed drugscreen; else this checkout (kernels/ installs as drugscreen.kernels)
    import drugscreen.kernels  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))
    import drugscreen

    drugscreen.__path__.append(str(REPO))

import drugscreen.similarity.engine_cuda as ec  # noqa: E402
from drugscreen.backends.cuda import (  # noqa: E402
    device_info,
    is_simulator,
    require_gpu,
    to_device,
)
from drugscreen.chem.fingerprints import FingerprintArray  # noqa: E402
from drugscreen.chem.spec import FingerprintSpec  # noqa: E402
from drugscreen.similarity.engine import search_segments  # noqa: E402
from drugscreen.similarity.params import SearchParams  # noqa: E402
from drugscreen.similarity.segment import Segment  # noqa: E402

NBITS = 2048
SPEC = FingerprintSpec("morgan", 2, NBITS)


@njit(inline="always", cache=True)
def _mix(z):  # type: ignore[no-untyped-def]
    # splitmix64's output function
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(parallel=True, cache=True)
def _fill(pops, seed, out):  # type: ignore[no-untyped-def]
    # splitmix64 from a hashed (seed, row) start: reproducible whatever the thread count, rows
    # independent (unhashed starts one step apart would give neighbours the same bits)
    nbits = np.uint64(out.shape[1] * 64)
    golden = np.uint64(0x9E3779B97F4A7C15)
    for i in prange(pops.shape[0]):
        x = _mix(_mix(np.uint64(seed)) ^ np.uint64(i))
        got = 0
        while got < pops[i]:
            x += golden
            bit = np.int64((_mix(x) >> np.uint64(32)) % nbits)
            w, m = bit >> 6, np.uint64(1) << np.uint64(bit & 63)
            if not out[i, w] & m:
                out[i, w] |= m
                got += 1


def moses_like(n: int, seed: int) -> Segment:
    """``n`` random rows with MOSES-like popcounts, sorted by popcount (rows = positions)."""
    rng = np.random.default_rng(seed)
    pop = np.sort(np.clip(np.rint(rng.normal(45.0, 10.0, n)), 1, NBITS).astype(np.int64))
    data = np.zeros((n, NBITS // 64), np.uint64)
    _fill(pop, seed, data)
    return Segment(data, pop, np.arange(n, dtype=np.int64))


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    """Median and raw wall times of ``fn`` after one warm-up call (``fn`` synchronises itself)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": float(np.median(times)), "best_s": min(times), "times_s": times}


def kernel_timed(launch: Callable[[Any], None], repeat: int) -> dict[str, Any]:
    """Median device time of ``launch(stream)`` by CUDA events (wall time under the simulator)."""
    cuda = require_gpu()
    st = cuda.stream()
    if is_simulator():
        return timed(lambda: launch(st), repeat)
    launch(st)
    times = []
    for _ in range(repeat):
        e0, e1 = cuda.event(timing=True), cuda.event(timing=True)
        e0.record(st)
        launch(st)
        e1.record(st)
        e1.synchronize()
        times.append(cuda.event_elapsed_time(e0, e1) / 1e3)
    return {"median_s": float(np.median(times)), "best_s": min(times), "times_s": times}


def copy_bandwidth(nbytes: int, repeat: int) -> dict[str, Any]:
    """Device-to-device copy: (bytes read + bytes written) / time."""
    cuda = require_gpu()
    src = cuda.device_array(nbytes // 8, np.uint64)  # contents do not matter to a copy
    dst = cuda.device_array_like(src)
    t = kernel_timed(lambda st: dst.copy_to_device(src, stream=st), repeat)
    return {**t, "bytes": nbytes, "bandwidth_Bps": 2 * nbytes / t["median_s"]}


def same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) and np.array_equal(
        a[2].view(np.int64), b[2].view(np.int64)
    )


def fpsim2_cuda(seg: Segment, queries: np.ndarray, threshold: float) -> dict[str, Any]:
    """FPSim2's CUDA engine on the same rows, fed through its internals; or why it is unavailable."""
    try:
        import cupy as cp
        from FPSim2 import __version__ as version
        from FPSim2.FPSim2Cuda import FPSim2CudaEngine
    except Exception as exc:  # ImportError, or RDKit/PyTables missing inside FPSim2
        return {"available": False, "reason": f"{type(exc).__name__}: {exc}"}
    engine = object.__new__(FPSim2CudaEngine)  # its __init__ only reads an .h5 file

    values, starts = np.unique(seg.pop, return_index=True)
    stops = np.r_[starts[1:], len(seg)]

    class _Storage:  # what get_bounds_range reads: [(popcount, (start, stop)), ...]
        popcnt_bins = [(int(p), (int(a), int(b))) for p, a, b in zip(values, starts, stops, strict=True)]

    engine.storage = _Storage()
    engine.cuda_db = cp.asarray(seg.data)
    engine.cuda_ids = cp.asarray(seg.rows.astype(np.uint64))
    engine.cuda_db_popcnts = cp.asarray(seg.pop.astype(np.uint64))
    engine.cupy_kernel = cp.RawKernel(
        FPSim2CudaEngine.raw_kernel.format(block=seg.data.shape[1]), name="taniRAW", options=("-std=c++14",)
    )
    # FPSim2's row layout: [id, words..., popcount]
    pops = FingerprintArray(SPEC, queries).popcounts().astype(np.uint64)
    rows_ = [np.r_[np.uint64(0), q, p].astype(np.uint64) for q, p in zip(queries, pops, strict=True)]

    def run() -> list[Any]:
        out = [engine._raw_kernel_search(r, threshold) for r in rows_]
        cp.cuda.Device().synchronize()
        return out

    t = timed(run, 3)
    hits = run()
    rate = len(queries) / t["median_s"]
    ids = [sorted(h[0].tolist()) for h in hits]
    return {"available": True, "version": version, **t, "queries_per_s": rate, "hit_ids": ids}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cores": os.cpu_count(),
    }
    for pkg in ("numba", "numba-cuda", "cupy-cuda13x", "cupy-cuda12x", "FPSim2"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # noqa: PERF203
            pass
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    dev = device_info()
    info["gpu"] = dev["name"]
    info["gpu_memory_GiB"] = round(dev["total_bytes"] / 2**30, 1)
    return info


def _row(task: str, seconds: float, copy_bps: float, scanned: int = 0, note: str = "") -> dict[str, Any]:
    nan = float("nan")
    bps = scanned / seconds if scanned else nan
    return {
        "task": task,
        "ms": 1e3 * seconds,
        "GB/s": bps / 1e9,
        "% of copy": 100 * bps / copy_bps,
        "note": note,
    }


def single_query(
    seg: Segment, copy_bps: float, repeat: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(a) one query over the resident rows: kernel time, end-to-end threshold and top-100."""
    one = FingerprintArray(SPEC, seg.data[[len(seg) // 2]])  # a database row: at least one hit
    resident = ec.DeviceDatabase([seg])
    print(f"resident: {resident.memory_report()}")
    p07 = SearchParams(threshold=0.7)
    block = ec._Block(one, p07, resident)
    base = np.full(1, 0.7)
    ((i, start, stop),) = block.ranges(base)
    floors = to_device(base, "floors")
    rows = resident.device_rows(i, start, stop)
    # the threshold kernel and the hit counter's two 8-byte copies
    kern = kernel_timed(lambda st: block.hits.launch(block, rows, floors, st), repeat)
    scanned = (stop - start) * (seg.data.shape[1] * 8 + 8)
    note = f"{stop - start:,} rows in the popcount range ({scanned / 2**30:.2f} GiB)"
    out = [_row(f"1 query x {len(seg):,} rows, T>=0.7, kernel", kern["median_s"], copy_bps, scanned, note)]
    checks = []
    for label, params in (("T>=0.7", p07), ("top-100", SearchParams(k=100))):
        t = timed(functools.partial(ec.search_segments_cuda, one, resident, params), repeat)
        got = ec.search_segments_cuda(one, resident, params)
        equal = same(got, search_segments(one, [seg], params))
        checks.append(
            {"what": f"1 query, {label}, all {len(seg):,} rows", "hits": len(got[0]), "equal": equal}
        )
        task = f"1 query x {len(seg):,} rows, {label}, end to end"
        out.append(_row(task, t["median_s"], copy_bps, scanned, f"{len(got[0])} hits"))
    resident.release()
    return out, checks


def batched(
    batch: Segment, n_queries: int, n_verify: int, copy_bps: float, repeat: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(b) many queries at T >= 0.7, pairs/s; (c) FPSim2's CUDA engine on (up to 100 of) them."""
    resident = ec.DeviceDatabase([batch])
    print(f"resident: {resident.memory_report()}")
    picks = np.linspace(0, len(batch) - 1, n_queries).astype(np.int64)
    queries = FingerprintArray(SPEC, batch.data[picks])
    p07 = SearchParams(threshold=0.7)
    t = timed(functools.partial(ec.search_segments_cuda, queries, resident, p07), repeat)
    got = ec.search_segments_cuda(queries, resident, p07)
    rate = len(queries) * len(batch) / t["median_s"]
    task = f"{len(queries):,} queries x {len(batch):,} rows, T>=0.7, end to end"
    out = [_row(task, t["median_s"], copy_bps, note=f"{rate / 1e9:.2f} G pairs/s; {len(got[0]):,} hits")]
    sub = queries.take(np.arange(min(n_verify, len(queries))))
    keep = got[0] < len(sub)
    checks = [
        {
            "what": f"first {len(sub)} of the batched queries, T>=0.7",
            "hits": int(keep.sum()),
            "equal": same(tuple(x[keep] for x in got), search_segments(sub, [batch], p07)),
        }
    ]
    top = ec.search_segments_cuda(sub, resident, SearchParams(k=10))
    equal = same(top, search_segments(sub, [batch], SearchParams(k=10)))
    checks.append({"what": f"{len(sub)} queries, top-10", "hits": len(top[0]), "equal": equal})

    few = FingerprintArray(SPEC, queries.data[:100])
    fp = fpsim2_cuda(batch, few.data, 0.7)
    if fp["available"]:
        ours = ec.search_segments_cuda(few, resident, p07)
        ours_t = timed(functools.partial(ec.search_segments_cuda, few, resident, p07), 3)
        # FPSim2 scores in float32: hits at the threshold may differ, so this checks nothing of ours
        fp["same_hit_rows"] = [sorted(ours[1][ours[0] == q].tolist()) for q in range(len(few))] == fp.pop(
            "hit_ids"
        )
        note = (
            f"{fp['queries_per_s']:.1f} queries/s vs drugscreen {len(few) / ours_t['median_s']:.1f} "
            f"(one call); same hit rows: {fp['same_hit_rows']}"
        )
        task = f"FPSim2 CUDA, {len(few)} queries x {len(batch):,} rows, T>=0.7, one call per query"
        out.append(_row(task, fp["median_s"], copy_bps, note=note))
    resident.release()
    return out, checks, fp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--batch-rows", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--verify-queries", type=int, default=32)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (runs under the simulator)")
    args = parser.parse_args()
    repeat = 5
    if args.smoke:
        args.rows, args.batch_rows, args.queries, args.verify_queries, repeat = 2000, 1000, 4, 4, 1
        # the paths of a full-size run: top-k through sampled + histogram floors
        ec.EXACT_PAIRS, ec.SAMPLE_ROWS = 0, 256
    t0 = time.perf_counter()
    seg = moses_like(args.rows, seed=1)
    # every 5th row: still popcount-sorted, and spread over the whole popcount range
    n = args.batch_rows
    batch = Segment(seg.data[::5][:n].copy(), seg.pop[::5][:n].copy(), seg.rows[::5][:n].copy())
    print(f"{len(seg):,} + {len(batch):,} rows made in {time.perf_counter() - t0:.1f} s")

    copy = copy_bandwidth(2**31 if not args.smoke else 2**20, repeat)
    copy_bps = copy["bandwidth_Bps"]
    rows = [_row("device-to-device copy (read + write)", copy["median_s"], copy_bps, 2 * copy["bytes"])]
    single_rows, checks = single_query(seg, copy_bps, repeat)
    batch_rows, batch_checks, fp = batched(
        batch, args.queries, args.verify_queries, copy_bps, max(1, repeat // 2)
    )
    report = {
        "benchmark": "gpu",
        "smoke": args.smoke,
        "simulator": is_simulator(),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "rows": rows + single_rows + batch_rows,
        "checks": checks + batch_checks,
        "fpsim2": fp,
        "copy": copy,
        "args": vars(args),
    }
    write(report, "gpu_smoke" if args.smoke else "gpu")
    if not all(c["equal"] for c in report["checks"]):
        raise SystemExit("GPU results differ from the CPU's: see the checks above")


def write(report: dict[str, Any], name: str) -> None:
    out = (
        Path(os.environ["OUT"]) / "benchmarks" / "results"
        if os.environ.get("OUT")
        else REPO / "benchmarks" / "results"
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, default=str))

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "" if v != v else (f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}")
        return str(v)

    cols = list(report["rows"][0])
    lines = [
        f"### CUDA similarity search{' (smoke run)' if report['smoke'] else ''}",
        "",
        f"Machine: {report['machine']}",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in report["rows"]]
    lines += ["", "| check against the CPU engine | hits | identical |", "|---|---|---|"]
    lines += [f"| {c['what']} | {c['hits']:,} | {c['equal']} |" for c in report["checks"]]
    fp = report["fpsim2"]
    lines += [
        "",
        f"FPSim2 CUDA engine: {'measured above' if fp['available'] else 'not available (' + fp['reason'] + ')'}",
    ]
    text = "\n".join(lines) + "\n"
    (out / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
