"""The word-popcount bound on 1 M MOSES molecules: pass rates, what it saves, why top-k skips it.

Usage: python benchmarks/bench_bounds.py [--n 1000000] [--queries 20] [--cores 2]

Needs the drugscreen database of the first ``--n`` MOSES train molecules in benchmarks/.cache
(made by bench_build.py or bench_search.py; built here if missing, untimed). Queries are MOSES
*test* molecules. Three figures, each backing a sentence of benchmarks/README.md:

1. pass rate: of the query-row pairs inside the popcount range, the share whose bound on the
   common bits (the sum over buckets of min(query bits, row bits)) can still reach the
   threshold, i.e. the rows whose fingerprints a threshold search reads; for buckets of 64
   bits (what shards store), 128 and 256 bits, at thresholds 0.4 to 0.8;
2. the bound's effect on search time: the same shards searched with and without their
   ``word_pop.npy`` (a database written before the bound existed), alternating, 1 query and
   100 queries at T >= 0.7;
3. the top-k floor: the k-th best score (k = 100) within one parallel chunk of a shard (the
   floor a chunk's heap sets, below which the bound cannot reject anything) and over all rows.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from common import CACHE, alternate, moses_smiles, write_report

from drugscreen import FingerprintDB, FingerprintSpec, bulk_similarity, fingerprint
from drugscreen.kernels import METRIC_CODES
from drugscreen.kernels.pairs_cpu import min_common_table
from drugscreen.similarity.engine import popcount_bounds, row_range, search_segments
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)
BUCKET_WORDS = (1, 2, 4)  # 64, 128, 256 bits


def _database(n: int) -> FingerprintDB:
    path = CACHE / f"moses{n}.dsdb"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        FingerprintDB.build(path, moses_smiles("train", n), FingerprintSpec(), n_jobs=-1, progress=False)
    return FingerprintDB.open(path)


def _bucketed(word_pop: np.ndarray, words: int) -> np.ndarray:
    """Popcounts of buckets of ``words`` 64-bit words (uint16: a 256-bit bucket can hold 256)."""
    n, w = word_pop.shape
    return word_pop.reshape(n, w // words, words).sum(axis=2, dtype=np.uint16)


def pass_rates(db: FingerprintDB, queries: list[str]) -> list[dict]:
    qfps = fingerprint(queries)
    qpop = qfps.popcounts()
    qwords = Segment.from_array(qfps).word_pop
    # from_array sorts by popcount: bring the word popcounts back to query order
    order = np.argsort(qpop, kind="stable")
    q_word_pop = np.empty_like(qwords)
    q_word_pop[order] = qwords
    rows = []
    for t in THRESHOLDS:
        params = SearchParams(threshold=t)
        lo, hi = popcount_bounds(params, qpop)
        in_range = 0
        passed = dict.fromkeys(BUCKET_WORDS, 0)
        for seg in db.segments():
            table = min_common_table(qpop, seg.max_pop, METRIC_CODES["tanimoto"], 0.5, 0.5, t)
            word_pop = np.asarray(seg.word_pop)
            buckets = {w: _bucketed(word_pop, w) for w in BUCKET_WORDS}
            for qi in range(len(queries)):
                start, stop = row_range(seg, lo[qi : qi + 1], hi[qi : qi + 1])
                if stop <= start:
                    continue
                need = table[seg.pop[start:stop], qi]
                in_range += stop - start
                for w in BUCKET_WORDS:
                    qb = _bucketed(q_word_pop[qi : qi + 1], w)[0]
                    bound = np.minimum(buckets[w][start:stop], qb).sum(axis=1)
                    passed[w] += int((bound >= need).sum())
        total = len(queries) * len(db)
        for w in BUCKET_WORDS:
            rows.append(
                {
                    "figure": "pass rate",
                    "threshold": t,
                    "bucket bits": 64 * w,
                    "pairs in popcount range %": 100 * in_range / total,
                    "pass % of range": 100 * passed[w] / max(1, in_range),
                    "pass % of all pairs": 100 * passed[w] / total,
                }
            )
            print(rows[-1], flush=True)
    return rows


def bound_ab(db: FingerprintDB, queries: list[str], cores: int) -> list[dict]:
    with_bound = db.segments()
    without = [Segment(s.data, s.pop, s.rows, None) for s in with_bound]
    params = SearchParams(threshold=0.7)
    out = []
    for label, qs in (("1 query (median over queries)", queries[:20]), ("100 queries, one call", queries)):
        qfps_all = [fingerprint([q]) for q in qs] if len(qs) == 20 else [fingerprint(qs)]
        a_times, b_times = [], []
        for qf in qfps_all:
            a, b = alternate(
                lambda qf=qf: search_segments(qf, with_bound, params, n_jobs=cores),
                lambda qf=qf: search_segments(qf, without, params, n_jobs=cores),
                repeat=5,
            )
            a_times.append(a["median_s"])
            b_times.append(b["median_s"])
            same = all(
                np.array_equal(x, y)
                for x, y in zip(
                    search_segments(qf, with_bound, params), search_segments(qf, without, params), strict=True
                )
            )
            assert same, "the bound changed a result"
        per = len(qs) if len(qfps_all) == 1 else 1
        with_ms = 1000 * statistics.median(a_times) / per
        without_ms = 1000 * statistics.median(b_times) / per
        out.append(
            {
                "figure": f"search time, T>=0.7, {cores} cores: {label} (ms per query)",
                "with bound ms": with_ms,
                "without bound ms": without_ms,
                "speed-up": without_ms / with_ms,
                "raw with s": a_times,
                "raw without s": b_times,
            }
        )
        print({k: v for k, v in out[-1].items() if not k.startswith("raw")}, flush=True)
    return out


def topk_floor(db: FingerprintDB, queries: list[str], k: int = 100, chunks: int = 16) -> dict:
    """k-th best score within each of ``chunks`` popcount-ordered chunks of the first shard
    (what the kernel's per-chunk heaps see with 2 threads: 8 chunks per thread) and overall."""
    seg = db.segments()[0]
    rows = np.asarray(seg.rows)
    all_fps = db.fingerprints()
    in_chunk, overall = [], []
    for q in queries:
        scores = bulk_similarity([q], all_fps)[0]
        overall.append(float(np.sort(scores)[-k]))
        shard_scores = scores[rows]  # in the shard's popcount order
        for part in np.array_split(shard_scores, chunks):
            in_chunk.append(float(np.sort(part)[-k]))
    return {
        "figure": f"top-{k} floor",
        "chunk rows": len(seg) // chunks,
        "median k-th best in a chunk": statistics.median(in_chunk),
        "median k-th best over all rows": statistics.median(overall),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    db = _database(args.n)
    queries = moses_smiles("test", 100)
    rates = pass_rates(db, queries[: args.queries])
    timing = bound_ab(db, queries, args.cores)
    floor = topk_floor(db, queries[: args.queries])
    print(floor, flush=True)
    write_report(
        "bounds",
        f"Word-popcount bound, {args.n:,} MOSES molecules, {args.queries} test queries (Morgan r2 2048, Tanimoto)",
        rates,
        {"timing": timing, "topk_floor": floor, "n": args.n},
    )


if __name__ == "__main__":
    main()
