"""Streaming prediction of a large library with a trained D-MPNN: molecules/s and peak memory.

``drugscreen.screen.predict_library`` of the first ``--n`` MOSES train molecules (1 M by default;
a ``.smi`` written once into benchmarks/.cache) with a D-MPNN at chemprop's default size (hidden
300, depth 3) trained for a few epochs on ESOL (the weights do not change the cost). Reports
molecules/s end to end (read, parse, featurise in worker processes, predict, write Parquet) and
peak resident memory of this process and of it plus its workers, for two chunk sizes, to show
that memory follows the chunk, not the library. Target (issue 10): 1 M molecules with peak
memory <= 3 GB.

    python benchmarks/bench_predict.py [--n 1000000] [--chunks 50000 100000]
"""

from __future__ import annotations

import argparse
import shutil
import time

import pandas as pd
from bench_screen import library_file
from common import CACHE, SHARED, PeakRSS, write_report

import drugscreen as ds
from drugscreen.screen.predict import predict_library


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--chunks", type=int, nargs="+", default=[50_000, 100_000])
    ap.add_argument("--jobs", type=int, default=-1)
    ap.add_argument(
        "--resume",
        action="store_true",
        help="carry on an interrupted run (the job resumes; time and memory are then those of the rest)",
    )
    args = ap.parse_args()
    esol = pd.read_csv(SHARED / "moleculenet" / "esol.csv")
    model = ds.models.DMPNN(epochs=3, n_jobs=args.jobs).fit(
        esol["smiles"].tolist(), esol["logSolubility"].to_numpy()
    )
    library = library_file(args.n)
    rows = []
    for chunk in args.chunks:
        out = CACHE / f"predict_{args.n}_{chunk}.parquet"
        out.unlink(missing_ok=True)
        if not args.resume:
            shutil.rmtree(out.with_name(out.name + ".parts"), ignore_errors=True)
        with PeakRSS(interval=0.2) as rss:
            t0 = time.perf_counter()
            result = predict_library(model, library, out, chunk_size=chunk, progress=False)
            seconds = time.perf_counter() - t0
        rows.append(
            {
                "resumed": args.resume,
                "molecules": result.records,
                "chunk size": chunk,
                "without prediction": result.failed,
                "seconds": round(seconds, 1),
                "molecules/s (job, all runs)": round(result.records / result.seconds),
                "peak RSS main (MiB)": round(rss.main / 2**20),
                "peak RSS with workers (MiB)": round(rss.total / 2**20),
            }
        )
        print(rows[-1], flush=True)
        out.unlink()
    write_report(
        "predict",
        f"Streaming prediction of {args.n:,} MOSES molecules (D-MPNN, hidden 300, depth 3)",
        rows,
        {"target": "1 M molecules, peak memory <= 3 GB", "n_jobs": args.jobs},
    )


if __name__ == "__main__":
    main()
