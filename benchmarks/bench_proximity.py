"""Drug–disease proximity (Guney et al. 2016): drugscreen vs NetMedPy and networkx, same run.

Usage: python benchmarks/bench_proximity.py [--n-random 1000] [--peer-pairs 40] [--nx-pairs 2]
       [--nx-random 100]

Data: ../shared/data/interactome (Menche 2015 interactome, Guney 2016's 238 drugs x 78
diseases = 18,564 pairs and their published d and z). drugscreen is timed from the edge file
to the full table (the distance matrix included, computed fresh, no cache), for the closest
distance and then all five; d is compared with the published values; z is compared with the
published z *and* with drugscreen's own z under a second seed, which measures the Monte-Carlo
noise of 1,000 randomisations. Peers (benchmark extra): NetMedPy's ``all_pair_distances`` +
``proximity`` (degree-matched null model) on a timed sample of pairs, and plain networkx
(one BFS per target, per random set) on a smaller sample; their all-pairs times are the sample
times scaled to 18,564 pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from common import SHARED, write_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from netmed_data import GUNEY_FILES, guney_inputs, guney_reference  # noqa: E402

FOLDER = SHARED / "interactome"


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def run_drugscreen(n_random: int) -> tuple[dict, dict]:
    import drugscreen as ds

    targets, diseases, pairs = guney_inputs(FOLDER)
    keys = pairs[["group", "disease"]]
    # warm-up on a toy graph: numba's compiled kernels are loaded from its cache
    toy = ds.network.Interactome.from_edges([("a", "b"), ("b", "c")])
    ds.repurpose.proximity(toy, {"x": ["a"]}, {"y": ["c"]}, distance="all", n_random=2, min_bin_size=1)
    t0 = time.perf_counter()
    net = ds.network.Interactome.from_file(FOLDER / "menche2015/DataS1_interactome.tsv.gz")
    _ = net.distances
    matrix_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    closest = ds.repurpose.proximity(net, targets, diseases, pairs=keys, n_random=n_random, seed=1)
    closest_s = time.perf_counter() - t0
    again = ds.repurpose.proximity(net, targets, diseases, pairs=keys, n_random=n_random, seed=2)
    # the paper binned genes by networkx's degree, where a self-loop of the file adds 2
    paper = ds.repurpose.proximity(
        net, targets, diseases, pairs=keys, n_random=n_random, seed=1, degree="networkx"
    )
    paper2 = ds.repurpose.proximity(
        net, targets, diseases, pairs=keys, n_random=n_random, seed=2, degree="networkx"
    )
    t0 = time.perf_counter()
    five = ds.repurpose.proximity(
        net, targets, diseases, pairs=keys, distance="all", n_random=n_random, seed=1
    )
    five_s = time.perf_counter() - t0
    rows = []
    for kind in GUNEY_FILES:
        ours = five[five.distance == kind].reset_index(drop=True)
        ref = guney_reference(FOLDER, kind)
        rows.append(
            {
                "distance": kind,
                "max |d - published|": float(np.abs(ours.d - ref.d).max()),
                "z corr. published": float(np.corrcoef(ours.z, ref.z)[0, 1]),
                "median |z - published|": float(np.median(np.abs(ours.z - ref.z))),
                "AUROC(-z)": auroc(pairs.flag.to_numpy(), -ours.z.to_numpy()),
                "published AUROC(-z)": auroc(pairs.flag.to_numpy(), -ref.z.to_numpy()),
            }
        )
    published = guney_reference(FOLDER, "closest").z
    noise = {
        "median |z seed1 - z seed2| closest": float(np.median(np.abs(closest.z - again.z))),
        "median |z seed1 - published| closest": float(np.median(np.abs(closest.z - published))),
        "networkx degree: median |z seed1 - z seed2|": float(np.median(np.abs(paper.z - paper2.z))),
        "networkx degree: median |z seed1 - published|": float(np.median(np.abs(paper.z - published))),
        "networkx degree: median |z seed2 - published|": float(np.median(np.abs(paper2.z - published))),
        "networkx degree: AUROC(-z)": auroc(pairs.flag.to_numpy(), -paper.z.to_numpy()),
    }
    timing = {
        "distance matrix s (read + BFS)": matrix_s,
        "closest, all pairs s": closest_s,
        "closest incl. matrix s": matrix_s + closest_s,
        "five distances s": five_s,
        "five incl. matrix s": matrix_s + five_s,
    }
    return timing, {"rows": rows, "noise": noise, "closest": closest}


def run_netmedpy(n_random: int, n_pairs: int, ours) -> dict:  # type: ignore[no-untyped-def]
    import netmedpy
    import networkx as nx
    import pandas as pd

    targets, diseases, pairs = guney_inputs(FOLDER)
    edges = pd.read_csv(
        FOLDER / "menche2015/DataS1_interactome.tsv.gz", sep="\t", comment="#", header=None, dtype=str
    )
    graph = nx.Graph((a, b) for a, b in zip(edges[0], edges[1], strict=True) if a != b)
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    t0 = time.perf_counter()
    dist = netmedpy.all_pair_distances(graph, distance="shortest_path", n_processors=2)
    matrix_s = time.perf_counter() - t0
    sample = pairs.sample(n=n_pairs, random_state=0)
    by_drug = targets.groupby("drug").gene.apply(lambda g: [x for x in g if x in graph]).to_dict()
    t0 = time.perf_counter()
    zs = []
    for row in sample.itertuples():
        genes = [g for g in diseases[row.disease] if g in graph]
        result = netmedpy.proximity(
            graph, by_drug[row.group], genes, dist, null_model="degree_match", n_iter=n_random
        )
        zs.append(result["z_score"])
    pairs_s = time.perf_counter() - t0
    ours_z = ours.set_index(["drug", "disease"]).z.reindex(
        list(zip(sample.group, sample.disease, strict=True))
    )
    return {
        "matrix s": matrix_s,
        "sample pairs": n_pairs,
        "sample s": pairs_s,
        "all pairs s (scaled)": matrix_s + pairs_s * len(pairs) / n_pairs,
        "z corr. drugscreen (sample)": float(np.corrcoef(zs, ours_z.to_numpy())[0, 1]),
    }


def run_networkx(n_random: int, n_pairs: int, n_timed: int) -> dict:
    """Plain networkx: BFS from every target of the real and each random set (no matrix);
    ``n_timed`` random sets are timed and scaled to ``n_random``."""
    import networkx as nx
    import pandas as pd

    import drugscreen as ds

    targets, diseases, pairs = guney_inputs(FOLDER)
    edges = pd.read_csv(
        FOLDER / "menche2015/DataS1_interactome.tsv.gz", sep="\t", comment="#", header=None, dtype=str
    )
    graph = nx.Graph((a, b) for a, b in zip(edges[0], edges[1], strict=True) if a != b)
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    nodes = sorted(graph)
    degree = np.array([graph.degree[v] for v in nodes])
    bins = ds.network.degree_bins(degree, 100)
    by_bin = {b: [nodes[i] for i in np.flatnonzero(bins == b)] for b in np.unique(bins)}
    bin_of = dict(zip(nodes, bins, strict=True))
    rng = np.random.default_rng(0)
    by_drug = targets.groupby("drug").gene.apply(list).to_dict()

    def closest(t_set: list[str], s_set: set[str]) -> float:
        values = []
        for t in t_set:
            lengths = nx.single_source_shortest_path_length(graph, t)
            values.append(min(lengths[s] for s in s_set))
        return float(np.mean(values))

    sample = pairs.sample(n=n_pairs, random_state=1)
    t0 = time.perf_counter()
    for row in sample.itertuples():
        t_set = [g for g in by_drug[row.group] if g in graph]
        s_set = [g for g in diseases[row.disease] if g in graph]
        closest(t_set, set(s_set))
        for _ in range(n_timed):
            rt = [rng.choice(by_bin[bin_of[t]]) for t in t_set]
            rs = {rng.choice(by_bin[bin_of[s]]) for s in s_set}
            closest(rt, rs)
    sample_s = time.perf_counter() - t0
    return {
        "sample pairs": n_pairs,
        "sample s": sample_s,
        "all pairs s (scaled)": sample_s * len(pairs) / n_pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-random", type=int, default=1000)
    parser.add_argument("--peer-pairs", type=int, default=40, help="pairs NetMedPy is timed on")
    parser.add_argument("--nx-pairs", type=int, default=2, help="pairs plain networkx is timed on")
    parser.add_argument("--nx-random", type=int, default=100, help="random sets networkx is timed on")
    args = parser.parse_args()
    timing, checks = run_drugscreen(args.n_random)
    print(timing, checks["noise"], flush=True)
    extra: dict = {"drugscreen": timing, "noise": checks["noise"]}
    try:
        extra["netmedpy"] = run_netmedpy(args.n_random, args.peer_pairs, checks["closest"])
        extra["netmedpy"]["ratio (all pairs, closest incl. matrix)"] = (
            extra["netmedpy"]["all pairs s (scaled)"] / timing["closest incl. matrix s"]
        )
    except ImportError as exc:
        extra["netmedpy"] = f"not installed ({exc}); pip install netmedpy"
    print(extra["netmedpy"], flush=True)
    if args.nx_pairs:
        extra["networkx"] = run_networkx(args.n_random, args.nx_pairs, args.nx_random)
        extra["networkx"]["ratio"] = (
            extra["networkx"]["all pairs s (scaled)"] / timing["closest incl. matrix s"]
        )
        print(extra["networkx"], flush=True)
    write_report(
        "proximity",
        f"Guney 2016 proximity, 18,564 pairs x {args.n_random} randomisations; drugscreen on all cores",
        checks["rows"],
        extra,
    )


if __name__ == "__main__":
    main()
