"""Database build from SMILES: drugscreen vs FPSim2 ``create_db_file``; scaling; memory.

Usage: python benchmarks/bench_build.py [--n 1000000] [--scaling-n 200000] [--repeat 3] [--parts ...]

1. build of the first ``--n`` MOSES train molecules (Morgan r2, 2048 bits): drugscreen with all
   cores vs FPSim2 (which has no parallel build: one process), ``--repeat`` rounds in
   alternation (drugscreen, FPSim2, drugscreen, ...) so both see the same machine drift;
2. scaling: drugscreen on ``--scaling-n`` molecules with 1 and with 2 worker processes, also
   alternated over ``--repeat`` rounds;
3. memory: drugscreen build of the whole 1.58 M train split, peak RSS of the main process
   and of its workers (sampled every 0.2 s) -- it should not grow with the input.
The FPSim2 file of step 1 is kept in benchmarks/.cache for bench_search.py.
"""

from __future__ import annotations

import argparse
import shutil
import time

from common import CACHE, MOSES, PeakRSS, moses_smiles, summary, write_report

from drugscreen import FingerprintDB, FingerprintSpec


def build_ds(smiles: list[str], name: str, n_jobs: int) -> float:
    path = CACHE / name
    t0 = time.perf_counter()
    FingerprintDB.build(
        path, smiles, FingerprintSpec("morgan", 2, 2048), n_jobs=n_jobs, overwrite=True, progress=False
    )
    return time.perf_counter() - t0


def build_fpsim2(smiles: list[str], filename: str) -> float:
    from FPSim2.io import create_db_file

    target = CACHE / filename
    if target.exists():
        target.unlink()
    t0 = time.perf_counter()
    create_db_file(
        [[s, i] for i, s in enumerate(smiles)],
        str(CACHE / filename),
        "smiles",
        "Morgan",
        {"radius": 2, "fpSize": 2048},
    )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--scaling-n", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds per comparison [3]")
    parser.add_argument(
        "--parts",
        default="build,scaling,memory",
        help="comma-separated subset of: build, scaling, memory [all]",
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    parts = set(args.parts.split(","))
    rows = []
    extra: dict = {}
    smiles = moses_smiles("train", args.n) if parts & {"build", "scaling"} else []
    if "build" in parts:
        ds_times, fp_times = [], []
        for _ in range(args.repeat):
            ds_times.append(build_ds(smiles, f"moses{args.n}.dsdb", -1))
            fp_times.append(build_fpsim2(smiles, f"moses{args.n}.h5"))
            print(f"build round: drugscreen {ds_times[-1]:.1f} s, FPSim2 {fp_times[-1]:.1f} s", flush=True)
        t_ds, t_fp = summary(ds_times), summary(fp_times)
        extra["build_raw_s"] = {"drugscreen": ds_times, "fpsim2": fp_times}
        rows.append(
            {
                "task": f"build {args.n:,} (Morgan r2 2048), median of {args.repeat} alternating rounds",
                "drugscreen s": t_ds["median_s"],
                "peer": "FPSim2 create_db_file (1 process)",
                "peer s": t_fp["median_s"],
                "speed-up": t_fp["median_s"] / t_ds["median_s"],
                "drugscreen mol/s": args.n / t_ds["median_s"],
            }
        )
    if "scaling" in parts:
        sub = smiles[: args.scaling_n]
        one, two = [], []
        for _ in range(args.repeat):
            one.append(build_ds(sub, "scaling.dsdb", 1))
            two.append(build_ds(sub, "scaling.dsdb", 2))
        shutil.rmtree(CACHE / "scaling.dsdb", ignore_errors=True)
        t1, t2 = summary(one)["median_s"], summary(two)["median_s"]
        extra["scaling_raw_s"] = {"n_jobs=1": one, "n_jobs=2": two}
        rows.append(
            {
                "task": f"scaling, {args.scaling_n:,} mols, median of {args.repeat} alternating rounds",
                "drugscreen s": t2,
                "peer": "drugscreen n_jobs=1",
                "peer s": t1,
                "speed-up": t1 / t2,
                "drugscreen mol/s": args.scaling_n / t2,
            }
        )
    if "memory" in parts:
        del smiles
        # Streamed from files, as a user would: peak memory must not grow with the input.
        small = CACHE / "moses_400k.smi"
        small.write_text("\n".join(moses_smiles("train", 400_000)) + "\n")
        for source in (small, MOSES / "train.csv.gz"):
            with PeakRSS() as peak:
                t0 = time.perf_counter()
                db = FingerprintDB.build(
                    CACHE / "memory.dsdb",
                    source,
                    FingerprintSpec("morgan", 2, 2048),
                    n_jobs=-1,
                    overwrite=True,
                    progress=False,
                )
                seconds = time.perf_counter() - t0
            extra[f"peak_rss_mib_{len(db)}"] = {"main": peak.main / 2**20, "total": peak.total / 2**20}
            rows.append(
                {
                    "task": f"streamed build of {len(db):,} ({source.name})",
                    "drugscreen s": seconds,
                    "peer": f"peak RSS: main {peak.main / 2**20:,.0f} MiB, with workers {peak.total / 2**20:,.0f} MiB",
                    "peer s": float("nan"),
                    "speed-up": float("nan"),
                    "drugscreen mol/s": len(db) / seconds,
                }
            )
            shutil.rmtree(CACHE / "memory.dsdb", ignore_errors=True)
        small.unlink()
    write_report(
        "build" if parts == {"build", "scaling", "memory"} else "build-" + "-".join(sorted(parts)),
        "Database build from SMILES",
        rows,
        extra,
    )


if __name__ == "__main__":
    main()
