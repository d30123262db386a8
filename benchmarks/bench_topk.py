"""Top-k with seeded floors on 1 M MOSES: seeded vs unseeded vs FPSim2, and vs a threshold search.

Usage: python benchmarks/bench_topk.py [--n 1000000] [--cores 2] [--repeat 5]

Needs the databases of bench_build.py / bench_search.py (built there if missing). In one run,
timed in alternation (each call after an untimed one of the same function):

- 100 MOSES test queries, top-100, one call: drugscreen with its seeded floors, drugscreen with
  the seed switched off (``topk_seed.MIN_ROWS`` above the database size: the engine before the
  seed), and FPSim2 ``top_k`` per query (target: >= 4x FPSim2);
- 1 query, top-100 vs the same query at T >= 0.7 (target: within 1.5x), median over 20 queries;
- how good the seeds are: each query's estimated floor against its true 100th-best score, and
  how many queries needed the second (safe) pass.
Results are checked: seeded and unseeded top-k tables are identical.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from bench_search import _ensure_databases
from common import alternate, moses_smiles, write_report

import drugscreen.similarity.topk_seed as seed
from drugscreen import fingerprint
from drugscreen.similarity.engine import QueryBlock
from drugscreen.similarity.params import SearchParams


def unseeded(fn):  # type: ignore[no-untyped-def]
    def run():  # type: ignore[no-untyped-def]
        saved, seed.MIN_ROWS = seed.MIN_ROWS, 2**62
        try:
            return fn()
        finally:
            seed.MIN_ROWS = saved

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cores = args.cores
    db, fpe = _ensure_databases(args.n)
    smiles = moses_smiles("test", 100)
    queries = fingerprint(smiles)
    rows = []

    def add(task, ours, peer_name, peer, per=1, note=""):  # type: ignore[no-untyped-def]
        row = {
            "task": task,
            "drugscreen ms": 1000 * ours["median_s"] / per,
            "peer": peer_name,
            "peer ms": 1000 * peer["median_s"] / per,
            "ratio (peer/ours)": peer["median_s"] / ours["median_s"],
            "note": note,
            "drugscreen raw s": ours["times_s"],
            "peer raw s": peer["times_s"],
        }
        rows.append(row)
        print(row, flush=True)

    search = lambda: db.search(queries, k=100, n_jobs=cores)  # noqa: E731
    same = search().equals(unseeded(search)())
    ours, plain = alternate(search, unseeded(search), repeat=args.repeat)
    add(
        "100 queries, top-100 (ms per query): seeded vs unseeded",
        ours,
        "drugscreen, seed off",
        plain,
        100,
        f"identical tables: {same}",
    )
    _, peer = alternate(
        search, lambda: [fpe.top_k(q, 100, 0.0, n_workers=cores) for q in smiles], repeat=args.repeat
    )
    add(
        "100 queries, top-100 (ms per query) vs FPSim2",
        ours,
        f"FPSim2 top_k per query, n_workers={cores}",
        peer,
        100,
    )

    one_topk, one_plain, one_thr = [], [], []
    for i in range(20):
        q = queries.take(np.array([i]))
        a, b = alternate(
            lambda q=q: db.search(q, k=100, n_jobs=cores),
            lambda q=q: db.search(q, threshold=0.7, n_jobs=cores),
            repeat=3,
        )
        c, _ = alternate(
            unseeded(lambda q=q: db.search(q, k=100, n_jobs=cores)),
            lambda q=q: db.search(q, threshold=0.7, n_jobs=cores),
            repeat=3,
        )
        one_topk.append(a["median_s"]), one_thr.append(b["median_s"]), one_plain.append(c["median_s"])
    med = statistics.median
    for label, times in (("seeded", one_topk), ("unseeded", one_plain)):
        rows.append(
            {
                "task": f"1 query, top-100, {label} (median of 20 queries)",
                "drugscreen ms": 1000 * med(times),
                "peer": "the same query at T >= 0.7",
                "peer ms": 1000 * med(one_thr),
                "ratio (peer/ours)": med(one_thr) / med(times),
                "note": "target: ratio >= 1/1.5 = 0.67",
            }
        )
        print(rows[-1], flush=True)

    block = QueryBlock(queries, SearchParams(k=100))
    estimate, safe = seed.sample_floors(block, db.segments(), 100, -np.inf)
    true = db.search(queries, k=100).groupby("query")["score"].min().to_numpy()
    extra = {
        "seed_estimate_median": float(np.median(estimate)),
        "seed_safe_median": float(np.median(safe)),
        "true_100th_median": float(np.median(true)),
        "queries_needing_second_pass": int((estimate > true).sum()),
        "queries_with_estimate_at_least_0.5": int((estimate >= 0.5).sum()),
    }
    print(extra)
    write_report("topk", "Top-k with seeded floors (`python benchmarks/bench_topk.py`)", rows, extra)


if __name__ == "__main__":
    main()
