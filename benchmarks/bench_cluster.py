"""Taylor-Butina clustering: drugscreen vs RDKit ``Butina.ClusterData``, same run, same input.

Usage: python benchmarks/bench_cluster.py [--sizes 5000,10000,20000,50000,100000] [--rdkit-max 20000]
       python benchmarks/bench_cluster.py --sizes 1000000 --rdkit-max 0 --mem-gib 22 --report cluster_1m

The first N MOSES train molecules (Morgan r2, 2048 bits), distance cut-off 0.35. RDKit is run the
way its documentation shows: lower-triangle distances ``1 - BulkTanimotoSimilarity``, then
``ClusterData(dists, n, 0.35, isDistData=True)``, which builds an N x N float64 matrix. Each tool
runs in a subprocess with an address-space limit (``--mem-gib``, default 16) so that running out
of memory is reported as a result instead of taking the machine down; peak RSS is the
subprocess's ``ru_maxrss``. Both tools' clusters are compared where both finish.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from common import CACHE, moses_smiles, write_report

_CHILD = r"""
import json, resource, sys, time
limit = int(float(sys.argv[3]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import numpy as np
tool, n = sys.argv[1], int(sys.argv[2])
smiles = [line.strip() for line in open(sys.argv[4])][:n]
import drugscreen as ds
fps = ds.fingerprint(smiles, n_jobs=1)
if tool == "drugscreen":  # load the compiled kernels first (numba's cache), as a warm process would
    ds.cluster.butina(ds.fingerprint(smiles[:50], n_jobs=1), 0.35)
t0 = time.perf_counter()
try:
    if tool == "drugscreen":
        df = ds.cluster.butina(fps, 0.35, n_jobs=2)
        seconds = time.perf_counter() - t0  # the table is the result; the tuples are for the check
        starts = np.flatnonzero(np.r_[True, np.diff(df["cluster"].to_numpy()) != 0])
        clusters = [tuple(c.tolist()) for c in np.split(df["row"].to_numpy(), starts[1:])]
    else:
        from rdkit import DataStructs
        from rdkit.ML.Cluster import Butina
        bvs = [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in fps.data]
        t0 = time.perf_counter()  # RDKit's bit vectors are its input format: not timed
        dists = np.empty(n * (n - 1) // 2)
        offset = 0
        for i in range(1, n):
            dists[offset : offset + i] = 1 - np.array(DataStructs.BulkTanimotoSimilarity(bvs[i], bvs[:i]))
            offset += i
        clusters = [tuple(c) for c in Butina.ClusterData(dists, n, 0.35, isDistData=True)]
        seconds = time.perf_counter() - t0
    status = "ok"
except MemoryError:
    seconds, clusters, status = time.perf_counter() - t0, None, "out of memory"
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
digest = None if clusters is None else hash(tuple(clusters))
print(json.dumps({"seconds": seconds, "peak_rss_mib": rss, "status": status, "n_clusters": None if clusters is None else len(clusters), "digest": digest}))
"""


def run(tool: str, n: int, mem_gib: float, smiles_file: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, tool, str(n), str(mem_gib), smiles_file],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {
            "seconds": float("nan"),
            "peak_rss_mib": float("nan"),
            "status": f"failed: {tail[:80]}",
            "digest": None,
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000,10000,20000,50000,100000")
    parser.add_argument(
        "--rdkit-max", type=int, default=50_000, help="largest size RDKit is tried at [50000]"
    )
    parser.add_argument("--mem-gib", type=float, default=16.0)
    parser.add_argument("--report", default="cluster", help="results/<report>.json|md [cluster]")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    CACHE.mkdir(exist_ok=True)
    smiles_file = CACHE / "cluster_smiles.txt"
    smiles_file.write_text("\n".join(moses_smiles("train", max(sizes))) + "\n")
    rows = []
    raw: dict = {}
    for n in sizes:
        ours = run("drugscreen", n, args.mem_gib, str(smiles_file))
        peer = run("rdkit", n, args.mem_gib, str(smiles_file)) if n <= args.rdkit_max else None
        raw[n] = {"drugscreen": ours, "rdkit": peer}
        same = (
            ""
            if peer is None or peer["digest"] is None or ours["digest"] is None
            else str(peer["digest"] == ours["digest"])
        )
        rows.append(
            {
                "n": n,
                "drugscreen s": ours["seconds"],
                "drugscreen peak MiB": ours["peak_rss_mib"],
                "drugscreen clusters": ours.get("n_clusters"),
                "RDKit s": peer["seconds"] if peer else float("nan"),
                "RDKit peak MiB": peer["peak_rss_mib"] if peer else float("nan"),
                "RDKit status": peer["status"] if peer else "not run",
                "speed-up": (peer["seconds"] / ours["seconds"])
                if peer and peer["status"] == "ok"
                else float("nan"),
                "same clusters": same,
            }
        )
        print(rows[-1], flush=True)
    smiles_file.unlink()
    write_report(
        args.report,
        f"Taylor-Butina at distance 0.35, MOSES (Morgan r2 2048), memory limit {args.mem_gib:g} GiB per tool",
        rows,
        {"raw": raw},
    )


if __name__ == "__main__":
    main()
