"""Streaming screening job end to end (SMILES file -> hits): scaling, rate vs a database build, memory.

Usage: python benchmarks/bench_screen.py [--n 1584663] [--memory-n 200000] [--queries 100] [--k 100]

1. ``ds.screen`` of the first ``--n`` MOSES train molecules (a ``.smi`` file written once into
   benchmarks/.cache; the whole 1.58 M train split by default) against ``--queries`` MOSES
   test molecules, top-``--k``, chunks of 100,000 records, with 1 and with 2 fingerprinting
   processes (target: >= 1.8x);
2. in the same run, ``FingerprintDB.build`` of the same file with 2 processes (target: the job
   runs at >= 0.9x the build's molecules/s: screening adds little to fingerprinting);
3. peak RSS (main process and workers) of the 2-process job on ``--memory-n`` molecules and on
   ``--n``: it should stay flat as the library grows.
Each tool runs once per configuration (the runs take minutes; the machine drift over one run is
small next to that); all in one process, after one small warm-up job that loads the kernels.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import shutil
import time
from pathlib import Path

from common import CACHE, MOSES, PeakRSS, moses_smiles, write_report

import drugscreen as ds


def library_file(n: int) -> Path:
    """The first ``n`` train molecules as ``SMILES id`` lines (written once)."""
    path = CACHE / f"moses_train_{n}.smi"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(MOSES / "train.csv.gz", "rt") as src, open(tmp, "w") as dst:
            next(src)
            for i, line in enumerate(itertools.islice(src, n)):
                dst.write(f"{line.strip().split(',')[0]} MOSES-train-{i}\n")
        tmp.rename(path)
    return path


def run_screen(
    library: Path, queries: list[str], k: int, n_jobs: int, out: Path
) -> tuple[float, PeakRSS, dict]:
    shutil.rmtree(out, ignore_errors=True)
    with PeakRSS(interval=0.2) as rss:
        t0 = time.perf_counter()
        result = ds.screen(library, queries, out, k=k, n_jobs=n_jobs, progress=False)
        seconds = time.perf_counter() - t0
    return seconds, rss, result.summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_584_663)
    parser.add_argument("--memory-n", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=100)
    args = parser.parse_args()

    queries = moses_smiles("test", args.queries)
    library = library_file(args.n)
    small = library_file(args.memory_n)
    run_screen(library_file(2_000), queries, args.k, 2, CACHE / "screen-warmup")
    rows = []
    seconds = {}
    for jobs in (1, 2):
        t, rss, summary = run_screen(library, queries, args.k, jobs, CACHE / f"screen-{jobs}")
        seconds[jobs] = t
        rows.append(
            {
                "task": f"ds.screen {args.n:,} molecules, {args.queries} queries, top-{args.k}, "
                f"{jobs} process(es)",
                "seconds": t,
                "molecules/s": args.n / t,
                "peak RSS MiB (with workers)": rss.total / 2**20,
                "hits": summary["hits"],
            }
        )
    build_path = CACHE / "screen-build.dsdb"
    with PeakRSS(interval=0.2) as rss:
        t0 = time.perf_counter()
        ds.FingerprintDB.build(build_path, library, n_jobs=2, overwrite=True, progress=False)
        build = time.perf_counter() - t0
    shutil.rmtree(build_path, ignore_errors=True)
    rows.append(
        {
            "task": "FingerprintDB.build of the same file, 2 processes",
            "seconds": build,
            "molecules/s": args.n / build,
            "peak RSS MiB (with workers)": rss.total / 2**20,
            "hits": "",
        }
    )
    t, rss_small, _ = run_screen(small, queries, args.k, 2, CACHE / "screen-small")
    rows.append(
        {
            "task": f"ds.screen {args.memory_n:,} molecules, 2 processes (memory)",
            "seconds": t,
            "molecules/s": args.memory_n / t,
            "peak RSS MiB (with workers)": rss_small.total / 2**20,
            "hits": "",
        }
    )
    extra = {
        "scaling_2_vs_1": seconds[1] / seconds[2],
        "screen_rate_vs_build": build / seconds[2],
        "memory_ratio_n_vs_memory_n": rows[1]["peak RSS MiB (with workers)"]
        / rows[-1]["peak RSS MiB (with workers)"],
    }
    print(extra)
    write_report("screen", "Streaming screening job (`python benchmarks/bench_screen.py`)", rows, extra)


if __name__ == "__main__":
    main()
