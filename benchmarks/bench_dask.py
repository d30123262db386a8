"""Dask backend (``client=``): search overhead against in-process search; build scaling over workers.

Usage: python benchmarks/bench_dask.py [--n 1000000] [--workers 2] [--build-n 200000] [--repeat 5]
       python benchmarks/bench_dask.py --quick        # small inputs, a minute: checks the script

1. Search of the first ``--n`` MOSES train molecules (the database bench_build.py caches in
   benchmarks/.cache, built here if missing, untimed) with 100 MOSES test queries, at
   Tanimoto >= 0.7 and top-100: ``db.search(..., client=)`` on a LocalCluster of ``--workers``
   single-threaded worker processes against ``db.search(..., n_jobs=--workers)`` in this process,
   the same cores on both sides, timed in alternation (common.alternate). The figure is the
   overhead ``distributed / in-process - 1`` (target <= 15 %); the results must be identical.
   Workers read the shards from the shared directory (the page cache holds them after the
   warm-up call on either side).
2. Build of ``--build-n`` molecules with ``client=`` on 1 and on ``--workers`` workers, and the
   local build with ``n_jobs=--workers`` (joblib), alternating rounds; the databases must be
   identical (same shard files, by sha256).
Cluster start-up is not timed (a cluster is started once and reused).
"""

from __future__ import annotations

import argparse
import functools
import logging
import shutil
import time
from typing import Any

from common import CACHE, alternate, moses_smiles, summary, write_report

from drugscreen import FingerprintDB, FingerprintSpec


def ensure_database(n: int) -> FingerprintDB:
    """The cached database of the first ``n`` MOSES train molecules (built if missing, untimed)."""
    path = CACHE / f"moses{n}.dsdb"
    CACHE.mkdir(exist_ok=True)
    if not path.exists():
        print(f"building {path} (untimed) ...", flush=True)
        FingerprintDB.build(path, moses_smiles("train", n), FingerprintSpec(), n_jobs=-1, progress=False)
    return FingerprintDB.open(path)


def cluster(workers: int) -> Any:
    from distributed import Client, LocalCluster

    lc = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.WARNING,
    )
    return lc, Client(lc)


def row(task: str, ref_name: str, ref: dict, dask: dict, note: str) -> dict[str, Any]:
    out = {
        "task": task,
        "reference": ref_name,
        "reference s": ref["median_s"],
        "dask s": dask["median_s"],
        "ratio (dask/ref)": dask["median_s"] / ref["median_s"],
        "note": note,
        "reference raw s": ref["times_s"],
        "dask raw s": dask["times_s"],
    }
    print(out, flush=True)
    return out


def bench_search(args: argparse.Namespace, client: Any) -> list[dict[str, Any]]:
    import pandas as pd

    db = ensure_database(args.n)
    queries = moses_smiles("test", args.queries)
    rows = []
    searches: list[tuple[str, dict[str, Any]]] = [("T>=0.7", {"threshold": 0.7}), ("top-100", {"k": 100})]
    for label, kwargs in searches:
        local = db.search(queries, n_jobs=args.workers, **kwargs)
        dist = db.search(queries, client=client, **kwargs)
        same = local.equals(dist)
        pd.testing.assert_frame_equal(dist, local)  # a benchmark of wrong results is worthless
        ref, ours = alternate(
            functools.partial(db.search, queries, n_jobs=args.workers, **kwargs),
            functools.partial(db.search, queries, client=client, **kwargs),
            repeat=args.repeat,
        )
        overhead = ours["median_s"] / ref["median_s"] - 1
        rows.append(
            row(
                f"{len(queries)} queries, {label}, {len(db):,} rows, {len(db.manifest['shards'])} shards",
                f"in-process, n_jobs={args.workers}",
                ref,
                ours,
                f"overhead {100 * overhead:+.1f} % (target <= 15 %); identical results: {same}; "
                f"{len(local):,} hits",
            )
        )
    return rows


def timed_build(smiles: list[str], name: str, **kwargs: Any) -> tuple[float, FingerprintDB]:
    t0 = time.perf_counter()
    db = FingerprintDB.build(
        CACHE / name, smiles, FingerprintSpec(), overwrite=True, progress=False, **kwargs
    )
    return time.perf_counter() - t0, db


def shard_files(db: FingerprintDB) -> list[Any]:
    # not the shard's name: an overwrite puts it in a new generation directory ("gen-<uuid>/")
    return [(s["name"].rsplit("/", 1)[-1], s["n_rows"], s["files"]) for s in db.manifest["shards"]]


def bench_build(args: argparse.Namespace, client: Any) -> list[dict[str, Any]]:
    smiles = moses_smiles("train", args.build_n)
    one_cluster, one = cluster(1)
    times: dict[str, list[float]] = {"1 worker": [], f"{args.workers} workers": [], "local": []}
    files = {}
    try:
        for _ in range(args.build_repeat):  # alternating rounds: all three see the same drift
            for key, kwargs in (
                ("1 worker", {"client": one}),
                (f"{args.workers} workers", {"client": client}),
                ("local", {"n_jobs": args.workers}),
            ):
                seconds, db = timed_build(smiles, f"dask-build-{key.replace(' ', '')}.dsdb", **kwargs)
                times[key].append(seconds)
                files[key] = shard_files(db)
                print(f"build {len(smiles):,} {key}: {seconds:.1f} s", flush=True)
    finally:
        one.close()
        one_cluster.close()
        for key in times:
            shutil.rmtree(CACHE / f"dask-build-{key.replace(' ', '')}.dsdb", ignore_errors=True)
    same = len({repr(f) for f in files.values()}) == 1

    if not same:
        ref = files["local"]
        diff = sorted(
            f"{key}: {a[0]} {name}"
            for key, shards in files.items()
            for a, b in zip(shards, ref, strict=False)
            for name in a[2]
            if a[2][name] != b[2].get(name)
        )
        raise SystemExit(f"the distributed and local builds differ ({diff[:5]}): not timing wrong results")
    t1, t2, local = (summary(times[k]) for k in times)
    return [
        row(
            f"build {len(smiles):,} molecules, client= with {args.workers} workers",
            "client= with 1 worker",
            t1,
            t2,
            f"speed-up {t1['median_s'] / t2['median_s']:.2f}x; identical databases: {same}",
        ),
        row(
            f"build {len(smiles):,} molecules, client= with {args.workers} workers",
            f"local build, n_jobs={args.workers} (joblib)",
            local,
            t2,
            f"{len(smiles) / t2['median_s']:,.0f} mol/s with Dask, "
            f"{len(smiles) / local['median_s']:,.0f} mol/s local",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="database rows [1,000,000]")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (1 thread each) [2]")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="alternating search repeats [5]")
    parser.add_argument("--build-n", type=int, default=200_000, help="molecules per timed build [200,000]")
    parser.add_argument("--build-repeat", type=int, default=2, help="alternating build rounds [2]")
    parser.add_argument("--quick", action="store_true", help="small inputs; writes results/dask_quick.*")
    args = parser.parse_args()
    if args.quick:
        args.n, args.queries, args.repeat, args.build_n, args.build_repeat = 20_000, 20, 2, 4_000, 1
    lc, client = cluster(args.workers)
    try:
        rows = bench_search(args, client) + bench_build(args, client)
    finally:
        client.close()
        lc.close()
    name = "dask_quick" if args.quick else "dask"
    write_report(
        name,
        f"Dask backend: {args.workers} single-threaded LocalCluster workers vs in-process "
        f"({args.n:,} MOSES rows, Morgan r2 2048)",
        rows,
        {"n": args.n, "workers": args.workers, "queries": args.queries, "build_n": args.build_n},
    )


if __name__ == "__main__":
    main()
