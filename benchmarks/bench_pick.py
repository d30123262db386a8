"""MaxMin diversity picking: drugscreen vs RDKit ``MaxMinPicker.LazyBitVectorPick``, same run.

Usage: python benchmarks/bench_pick.py [--sizes 100000,1000000] [--picks 1000] [--seed 42]

The first N MOSES train molecules (Morgan r2, 2048 bits; the 1 M database built by
bench_search.py is reused from benchmarks/.cache when present). Both tools pick from the same
fingerprints with the same seed; the picks are compared. RDKit's ExplicitBitVect objects are its
input format and are made before its clock starts. One timed run per tool and size (a 1 M run
takes minutes), drugscreen after one untimed warm-up pick so numba's compiled kernels are loaded.
"""

from __future__ import annotations

import argparse
import time

from common import CACHE, moses_smiles, write_report


def fingerprints(n: int):  # type: ignore[no-untyped-def]
    import drugscreen as ds

    cached = CACHE / "moses1000000.dsdb"
    if n <= 1_000_000 and cached.is_dir():
        fps = ds.FingerprintDB.open(cached).fingerprints()
        return fps.take(range(n))
    return ds.fingerprint(moses_smiles("train", n))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--picks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    from rdkit import DataStructs
    from rdkit.SimDivFilters import rdSimDivPickers

    import drugscreen as ds

    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        fps = fingerprints(n)
        ds.cluster.maxmin(fps.take(range(1000)), 10, seed=args.seed)  # warm-up: load the kernels
        t0 = time.perf_counter()
        ours = ds.cluster.maxmin(fps, args.picks, seed=args.seed)
        ours_s = time.perf_counter() - t0
        bvs = [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in fps.data]
        t0 = time.perf_counter()
        theirs = list(rdSimDivPickers.MaxMinPicker().LazyBitVectorPick(bvs, n, args.picks, seed=args.seed))
        rdkit_s = time.perf_counter() - t0
        del bvs
        rows.append(
            {
                "n": n,
                "picks": args.picks,
                "drugscreen s": ours_s,
                "RDKit s": rdkit_s,
                "speed-up": rdkit_s / ours_s,
                "same picks": ours["row"].tolist() == theirs,
                "radius": float(ours["distance"].iloc[-1]),
            }
        )
        print(rows[-1], flush=True)
    write_report(
        "pick",
        f"MaxMin {args.picks} picks (seed {args.seed}), MOSES Morgan r2 2048 bits; drugscreen on all cores",
        rows,
        {},
    )


if __name__ == "__main__":
    main()
