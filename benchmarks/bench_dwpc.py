"""DWPC of every Compound→Disease metapath of Hetionet: drugscreen vs hetmatpy, same run.

Usage: python benchmarks/bench_dwpc.py [--quick] [--no-hetmatpy] [--graph-fraction 0.1]
       [--pairs 20] [--seed 0] [--metapaths CbGaD,CrCtD] [--report dwpc]

Data: ../shared/data/hetionet (node table; the *partial* edge file, 16 of Hetionet's 24
metaedges). Over those edge types there are 1,041 Compound→Disease metapaths of length 2–4
(13 / 112 / 916), each a 1,552 × 137 matrix.

1. drugscreen: ``Hetnet.from_files`` (timed), then ``dwpc(net, metapath, 0.4)`` for every
   metapath, float64 and then float32, each result kept in one [1552, 137, m] array as a
   feature run would; time of each ``dwpc`` call (sums and means per length) and the process's
   peak RSS (a sampling thread and ``ru_maxrss``). The float32 results are compared with float64.
2. hetmatpy 0.1.0 (the Rephetio authors' matrix DWPC, on hetnetpy 0.3): a ``hetnetpy.hetnet.Graph``
   is built from the same two tables with Hetionet's abbreviations (``Gr>G`` directed
   "forward"), so that every metapath has the same abbreviation in both libraries. hetmatpy is
   run two ways, neither counted in the other's time:
   - on a ``HetMat`` (``hetmat_from_graph``: hetmatpy's own on-disk matrices, the way its
     pipelines use it) for *every* metapath, each call timed in alternation with a fresh
     drugscreen call of the same metapath, so both see the same machine noise; this gives the
     ratio;
   - on the plain ``Graph``, where hetnetpy rebuilds each adjacency matrix from Python node and
     edge objects at every use (~1 s for GiG): too slow for all metapaths in ~10 minutes, so a
     stratified random sample (``--graph-fraction`` of each length, at least 3, seed
     ``--seed``), its time scaled to all metapaths per length.
   ``dense_threshold=0.7`` (what hetmatpy's own pipelines pass). hetmatpy returns identifiers
   sorted, drugscreen in node-table order: rows and columns are aligned by identifier. Metapaths
   that hetmatpy categorises ``other`` or ``long_repeat`` need its general case, which in 0.1.0
   fails with a TypeError (``dwpc`` passes ``dense_threshold`` to ``_dwpc_general_case``, which
   takes none); they are run with ``approx_ok=True`` (hetmatpy's documented approximation) and
   their differences reported apart.
3. Direct enumeration: for ``--pairs`` compound–disease pairs with non-zero DWPC (lengths 2, 3 and
   4; half of the length-4 ones on metapaths visiting one node kind three or more times), the
   sum of the path-degree products of ``explain(..., limit=None)`` (every path listed) against the
   DWPC entry, and the number of listed paths against ``path_counts``. Where hetmatpy and
   drugscreen differ, the pair of largest difference of each differing metapath (up to 12) is
   enumerated too, to say which of the two is right.

Run time: ~20 minutes on the 2-core machine, ~15 of them hetmatpy's (its length-4 Gene–Anatomy–Gene
metapaths take ~25 s each); ``--no-hetmatpy`` ~2 minutes; ``--quick`` ~1 minute.

Differences: ``|a - b| / max(|a|, |b|)`` over entries above 1e-12 × the metapath's largest value
(below that are the ±ulp residues of cancelling terms, which drugscreen sets to 0 and hetmatpy
keeps; they are counted, not compared).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import math
import os
import re
import resource
import tempfile
import time
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from common import SHARED, PeakRSS, write_report

FOLDER = SHARED / "hetionet"
NODES = FOLDER / "hetionet-v1.0-nodes.tsv.gz"
EDGES = FOLDER / "hetionet-v1.0-edges-partial.sif.gz"
DAMPING = 0.4
DENSE_THRESHOLD = 0.7
#: Values below this fraction of a metapath's largest value are cancellation residues.
FLOOR = 1e-12
#: A metapath "differs" when its largest relative difference exceeds this.
TOLERANCE = 1e-9


# ---------------------------------------------------------------------- measuring
def max_rss_bytes() -> int:
    """``ru_maxrss`` of this process so far (the kernel's own peak, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _relative(reference: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``|a - b|``, the mask of entries compared (above the residue floor) and their relative differences."""
    reference = np.asarray(reference, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    diff = np.abs(reference - other)
    big = np.maximum(np.abs(reference), np.abs(other))
    scale = float(big.max()) if big.size else 0.0
    compared = big > FLOOR * scale
    return diff, compared, diff[compared] / big[compared]


def differences(reference: np.ndarray, other: np.ndarray) -> dict[str, Any]:
    """Largest absolute and relative differences, and the residues left out of the relative one."""
    diff, compared, rel = _relative(reference, other)
    one_zero = (np.asarray(reference) == 0) != (np.asarray(other) == 0)
    both = np.argwhere(compared & ~one_zero)
    rel_both = rel[~one_zero[compared]]
    return {
        "max_abs": float(diff.max()) if diff.size else 0.0,
        "max_rel": float(rel.max()) if rel.size else 0.0,
        "n_over_tol": int((rel > TOLERANCE).sum()),
        "n_residues": int((one_zero & ~compared).sum()),
        "n_zero_mismatch": int((one_zero & compared).sum()),
        "argmax_rel": [int(x) for x in np.argwhere(compared)[int(rel.argmax())]] if rel.size else None,
        "max_rel_both_nonzero": float(rel_both.max()) if rel_both.size else 0.0,
        "argmax_rel_both_nonzero": [int(x) for x in both[int(rel_both.argmax())]] if rel_both.size else None,
        "argmax_abs": [int(x) for x in np.unravel_index(int(diff.argmax()), diff.shape)]
        if diff.size
        else None,
    }


def stratified(items: list, lengths: list[int], per_length: dict[int, int], rng: np.random.Generator) -> list:
    """A random sample of ``per_length[L]`` items of each length, in the original order."""
    chosen = []
    for length, k in per_length.items():
        idx = [i for i, n in enumerate(lengths) if n == length]
        chosen += list(rng.choice(idx, size=min(k, len(idx)), replace=False))
    return [items[i] for i in sorted(chosen)]


def revisits_a_kind_thrice(metapath: Any) -> bool:
    """Whether some node kind sits at three or more positions (higher inclusion–exclusion terms)."""
    return max(Counter(metapath.kinds).values()) >= 3


# ---------------------------------------------------------------------- drugscreen
def run_drugscreen(net: Any, metapaths: list, dtype: type) -> tuple[np.ndarray, list[float], dict]:
    """Every metapath's DWPC into one ``[m, n_compounds, n_diseases]`` array; seconds of each
    ``dwpc`` call (the copy into the array is outside the timer, in the loop's wall time); memory.

    Metapath-major, so that each copy is contiguous: a metapath-last array (as ``dwpc_features``
    returns) makes every copy touch every page of the whole array, which on the first metapaths
    is page faults for all of it and would be charged to the DWPC times.
    """
    from drugscreen.repurpose.dwpc import dwpc

    n_c, n_d = len(net.node_ids("Compound")), len(net.node_ids("Disease"))
    times = []
    with PeakRSS() as rss:
        wall = time.perf_counter()
        out = np.empty((len(metapaths), n_c, n_d), dtype=dtype)
        for j, metapath in enumerate(metapaths):
            t0 = time.perf_counter()
            values = dwpc(net, metapath, DAMPING, dtype=dtype)
            times.append(time.perf_counter() - t0)
            out[j] = values
        wall = time.perf_counter() - wall
    memory = {
        "loop wall s (incl. copies)": wall,
        "rss before GB": rss.start / 1e9,
        "peak rss GB (sampled)": rss.main / 1e9,
        "peak rss GB (ru_maxrss, process so far)": max_rss_bytes() / 1e9,
        "result array GB": out.nbytes / 1e9,
    }
    return out, times, memory


def compare_precision(f64: np.ndarray, f32: np.ndarray, names: list[str]) -> dict[str, Any]:
    per, rel_all = [], []
    for j in range(len(f64)):
        per.append(differences(f64[j], f32[j]))
        rel_all.append(_relative(f64[j], f32[j])[2])
    worst = int(np.argmax([p["max_rel"] for p in per]))
    rel = np.concatenate(rel_all)
    return {
        "max_rel": per[worst]["max_rel"],
        "worst metapath": names[worst],
        "median_rel": float(np.median(rel)) if rel.size else 0.0,
        "p99.99_rel": float(np.quantile(rel, 0.9999)) if rel.size else 0.0,
        "entries with rel > 1e-4": int((rel > 1e-4).sum()),
        "entries compared": int(rel.size),
        "non-zero in one, zero in the other (above floor)": int(sum(p["n_zero_mismatch"] for p in per)),
        "max_rel by metapath": {n: p["max_rel"] for n, p in zip(names, per, strict=True)},
    }


# ---------------------------------------------------------------------- hetnetpy / hetmatpy
def hetnetpy_graph(metaedges_present: set[str]) -> tuple[Any, dict[str, tuple[str, str, str, str]]]:
    """A ``hetnetpy.hetnet.Graph`` of the same node and edge tables, Hetionet's abbreviations."""
    import hetnetpy.hetnet

    metaedges = pd.read_csv(FOLDER / "hetionet-v1.0-metaedges.tsv", sep="\t")
    metanodes = pd.read_csv(FOLDER / "hetionet-v1.0-metanodes.tsv", sep="\t")
    kind_to_abbrev = dict(zip(metanodes["metanode"], metanodes["abbreviation"], strict=True))
    tuples = {}
    for name, abbreviation in zip(metaedges["metaedge"], metaedges["abbreviation"], strict=True):
        if abbreviation not in metaedges_present:
            continue
        source, relation, target = (part.strip() for part in re.split(r" [-<>] ", name))
        direction = "forward" if ">" in abbreviation else "both"
        tuples[abbreviation] = (source, target, relation, direction)
        kind_to_abbrev[relation] = re.match(r"^[A-Z]+([a-z]+)", abbreviation).group(1)  # type: ignore[union-attr]
    metagraph = hetnetpy.hetnet.MetaGraph.from_edge_tuples(list(tuples.values()), kind_to_abbrev)
    for abbreviation, edge in tuples.items():
        assert metagraph.get_edge(edge).abbrev == abbreviation, (edge, abbreviation)
    graph = hetnetpy.hetnet.Graph(metagraph)
    nodes = pd.read_csv(NODES, sep="\t", dtype=str, keep_default_na=False)
    edges = pd.read_csv(EDGES, sep="\t", dtype=str, keep_default_na=False)
    kinds = set(metagraph.node_dict)  # kinds without any of the 16 edge types are left out
    for identifier, name, kind in zip(nodes["id"], nodes["name"], nodes["kind"], strict=True):
        if kind in kinds:
            graph.add_node(kind, identifier, name)
    for source, metaedge, target in zip(edges["source"], edges["metaedge"], edges["target"], strict=True):
        source_kind, target_kind, relation, direction = tuples[metaedge]
        graph.add_edge((source_kind, source), (target_kind, target), relation, direction)
    return graph, tuples


class HetmatpyRunner:
    """``hetmatpy.degree_weight.dwpc`` on a Graph or HetMat, aligned to drugscreen's order."""

    def __init__(self, graph: Any, net: Any) -> None:
        self.graph = graph
        self.net = net
        self._aligned: dict[tuple[tuple, tuple], tuple[np.ndarray, np.ndarray]] = {}

    def category(self, abbreviation: str) -> str:
        import hetmatpy.degree_weight

        return hetmatpy.degree_weight.categorize(self.graph.metagraph.metapath_from_abbrev(abbreviation))

    def __call__(self, abbreviation: str) -> tuple[np.ndarray, float, list[str]]:
        import hetmatpy.degree_weight
        from scipy import sparse

        metapath = self.graph.metagraph.metapath_from_abbrev(abbreviation)
        assert metapath.abbrev == abbreviation, (metapath.abbrev, abbreviation)
        approx = hetmatpy.degree_weight.categorize(metapath) in ("other", "long_repeat")
        with warnings.catch_warnings(record=True) as caught, _LogCapture() as logged:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            rows, cols, matrix = hetmatpy.degree_weight.dwpc(
                self.graph, metapath, damping=DAMPING, dense_threshold=DENSE_THRESHOLD, approx_ok=approx
            )
            seconds = time.perf_counter() - t0
        messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught} | set(logged.messages))
        values = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)
        key = (tuple(rows), tuple(cols))
        if key not in self._aligned:
            self._aligned[key] = (
                self.net.positions("Compound", rows),
                self.net.positions("Disease", cols),
            )
        ri, ci = self._aligned[key]
        aligned = np.zeros((len(self.net.node_ids("Compound")), len(self.net.node_ids("Disease"))))
        aligned[np.ix_(ri, ci)] = values
        return aligned, seconds, messages


class _LogCapture(logging.Handler):
    """Warnings hetmatpy logs through the root logger, collected instead of printed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"log {record.levelname}: {record.getMessage()}")

    def __enter__(self) -> _LogCapture:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def general_case_status(runner: HetmatpyRunner, abbreviation: str) -> str:
    """What hetmatpy's exact path (``approx_ok=False``) does with an ``other`` metapath."""
    import hetmatpy.degree_weight

    metapath = runner.graph.metagraph.metapath_from_abbrev(abbreviation)
    try:
        with _LogCapture():
            hetmatpy.degree_weight.dwpc(
                runner.graph, metapath, damping=DAMPING, dense_threshold=DENSE_THRESHOLD, approx_ok=False
            )
    except Exception as exc:  # noqa: BLE001 - reported as the result
        return f"{type(exc).__name__}: {exc}"
    return "ran"


def run_hetmatpy(
    net: Any,
    metapaths: list,
    f64: np.ndarray,
    f64_times: list[float],
    fraction: float,
    seed: int,
    folder: str,
) -> tuple[dict[str, Any], HetmatpyRunner, Any]:
    """hetmatpy on a HetMat (written under ``folder``) for all metapaths, on the Graph for a sample."""
    import hetmatpy.hetmat

    from drugscreen.repurpose.dwpc import dwpc

    names = [str(m) for m in metapaths]
    lengths = [len(m) for m in metapaths]
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    graph, tuples = hetnetpy_graph(set(net.metagraph.metaedges))
    out["graph build s"] = time.perf_counter() - t0
    out["graph nodes"], out["graph edges"] = graph.n_nodes, graph.n_edges
    out["metaedge tuples"] = {k: list(v) for k, v in tuples.items()}
    print(
        f"hetnetpy Graph: {graph.n_nodes} nodes, {graph.n_edges} edges, {out['graph build s']:.1f} s",
        flush=True,
    )
    t0 = time.perf_counter()
    hetmat = hetmatpy.hetmat.hetmat_from_graph(graph, os.path.join(folder, "hetionet.hetmat"))
    out["hetmat write s"] = time.perf_counter() - t0
    on_hetmat = HetmatpyRunner(hetmat, net)
    on_graph = HetmatpyRunner(graph, net)
    categories = [on_hetmat.category(n) for n in names]
    out["categories"] = dict(Counter(f"{length}:{c}" for length, c in zip(lengths, categories, strict=True)))
    others = [n for n, c in zip(names, categories, strict=True) if c in ("other", "long_repeat")]
    if others:
        out["exact general case (approx_ok=False) on " + others[0]] = general_case_status(
            on_hetmat, others[0]
        )
    # warm-up, untimed: imports, file cache, first allocations
    on_hetmat(names[0])
    dwpc(net, metapaths[0], DAMPING)
    per: list[dict[str, Any]] = []
    with PeakRSS() as rss:
        for j, (metapath, name) in enumerate(zip(metapaths, names, strict=True)):
            t1 = time.perf_counter()
            dwpc(net, metapath, DAMPING)
            ours_s = time.perf_counter() - t1
            theirs, theirs_s, messages = on_hetmat(name)
            d = differences(f64[j], theirs)
            per.append(
                {
                    "metapath": name,
                    "length": lengths[j],
                    "hetmatpy category": categories[j],
                    "approximated (approx_ok)": categories[j] in ("other", "long_repeat"),
                    "drugscreen f64 s (first loop)": f64_times[j],
                    "drugscreen s (alternating)": ours_s,
                    "hetmatpy HetMat s": theirs_s,
                    **{f"HetMat {k}": v for k, v in d.items()},
                    "hetmatpy messages": messages,
                }
            )
            if (j + 1) % 100 == 0:
                print(f"  hetmatpy HetMat {j + 1}/{len(names)}", flush=True)
    out["hetmat peak rss GB (sampled)"] = rss.main / 1e9
    # the plain Graph: a stratified sample
    rng = np.random.default_rng(seed)
    counts = Counter(lengths)
    take = {length: max(3, math.ceil(fraction * n)) for length, n in sorted(counts.items())}
    sample = stratified(list(range(len(names))), lengths, take, rng)
    out["graph sample"] = {
        "fraction": fraction,
        "seed": seed,
        "per length": take,
        "metapaths": [names[j] for j in sample],
    }
    on_graph(names[0])
    for done, j in enumerate(sample):
        t1 = time.perf_counter()
        dwpc(net, metapaths[j], DAMPING)
        ours_s = time.perf_counter() - t1
        theirs, theirs_s, _ = on_graph(names[j])
        d = differences(f64[j], theirs)
        per[j].update(
            {
                "drugscreen s (alternating with Graph)": ours_s,
                "hetmatpy Graph s": theirs_s,
                **{f"Graph {k}": v for k, v in d.items()},
            }
        )
        if (done + 1) % 25 == 0:
            print(f"  hetmatpy Graph {done + 1}/{len(sample)}", flush=True)
    out["per metapath"] = per
    return out, on_hetmat, graph


# ---------------------------------------------------------------------- enumeration check
def hetnetpy_path_sum(
    graph: Any, abbreviation: str, source: str, target: str, max_steps: int = 2_000_000
) -> tuple[float, int] | None:
    """Σ PDP over paths source → target by depth-first search over hetnetpy's own node and edge
    objects (no drugscreen, no hetmatpy code): an independent referee. None if it takes too long."""
    metapath = graph.metagraph.metapath_from_abbrev(abbreviation)
    nodes = graph.node_dict
    start, end = nodes[(metapath.source().identifier, source)], nodes[(metapath.target().identifier, target)]
    reach = [set() for _ in range(len(metapath) + 1)]  # nodes at each position that can reach `end`
    reach[-1] = {end}
    for position in range(len(metapath) - 1, -1, -1):
        back = metapath[position].inverse
        reach[position] = {edge.target for node in reach[position + 1] for edge in node.edges[back]}
    if start not in reach[0]:
        return 0.0, 0
    total, count, steps = 0.0, 0, 0
    stack = [(start, 0, (start,), 1.0)]
    while stack:
        node, depth, visited, weight = stack.pop()
        if depth == len(metapath):
            total += weight
            count += 1
            continue
        metaedge = metapath[depth]
        out_degree = len(node.edges[metaedge])
        for edge in node.edges[metaedge]:
            there = edge.target
            if there not in reach[depth + 1] or there in visited:
                continue
            steps += 1
            if steps > max_steps:
                return None
            in_degree = len(there.edges[metaedge.inverse])
            pdp = weight * (out_degree * in_degree) ** -DAMPING
            stack.append((there, depth + 1, (*visited, there), pdp))
    return total, count


def _rel(a: float, b: float) -> float:
    big = max(abs(a), abs(b))
    return abs(a - b) / big if big else 0.0


def enumerate_pair(
    net: Any, metapath: Any, i: int, j: int, dwpc_value: float, graph: Any = None
) -> dict[str, Any]:
    """``explain(limit=None)`` of one pair against its DWPC entry (and hetnetpy DFS when given a Graph)."""
    from drugscreen.repurpose.dwpc import explain

    sources, targets = net.node_ids("Compound"), net.node_ids("Disease")
    t0 = time.perf_counter()
    table = explain(net, metapath, sources[i], targets[j], DAMPING, limit=None)
    total = float(table["pdp"].sum())
    seconds = time.perf_counter() - t0
    referee: dict[str, Any] = {}
    if graph is not None:
        found = hetnetpy_path_sum(graph, str(metapath), sources[i], targets[j])
        if found is None:
            referee = {"hetnetpy DFS": "too many steps"}
        else:
            referee = {
                "hetnetpy DFS sum": found[0],
                "hetnetpy DFS paths": found[1],
                "DFS rel diff to dwpc": _rel(found[0], dwpc_value),
            }
    return {
        "metapath": str(metapath),
        "length": len(metapath),
        "compound": sources[i],
        "disease": targets[j],
        "paths listed": len(table),
        "sum pdp": total,
        "dwpc": dwpc_value,
        "rel diff": _rel(total, dwpc_value),
        "s": seconds,
        **referee,
    }


def enumeration_check(
    net: Any,
    metapaths: list,
    f64: np.ndarray,
    n_pairs: int,
    seed: int,
    graph: Any = None,
    max_paths: int = 20_000,
) -> list[dict]:
    """``n_pairs`` pairs with non-zero DWPC over lengths 2–4; sum of listed PDPs vs the matrix entry
    of the timed float64 run. Pairs with more than ``max_paths`` paths are not drawn."""
    from drugscreen.errors import InputError
    from drugscreen.repurpose.dwpc import path_counts

    index = {str(m): k for k, m in enumerate(metapaths)}

    rng = np.random.default_rng(seed + 1)
    n2 = max(1, round(n_pairs * 0.2))
    n3 = max(1, round(n_pairs * 0.3))
    n4 = max(1, n_pairs - n2 - n3)
    pools = {
        "2": [m for m in metapaths if len(m) == 2],
        "3": [m for m in metapaths if len(m) == 3],
        "4, a kind at 3+ positions": [m for m in metapaths if len(m) == 4 and revisits_a_kind_thrice(m)],
        "4, other": [m for m in metapaths if len(m) == 4 and not revisits_a_kind_thrice(m)],
    }
    wanted = {"2": n2, "3": n3, "4, a kind at 3+ positions": n4 // 2, "4, other": n4 - n4 // 2}
    if not pools["4, a kind at 3+ positions"]:
        wanted["4, other"] += wanted.pop("4, a kind at 3+ positions")
    rows = []
    for pool_name, k in wanted.items():
        pool, got, tries = pools[pool_name], 0, 0
        while got < k and tries < 20 * k and pool:
            tries += 1
            metapath = pool[int(rng.integers(len(pool)))]
            counts = path_counts(net, metapath)
            candidates = np.argwhere((counts >= 1) & (counts <= max_paths))
            if not len(candidates):
                continue
            i, j = candidates[int(rng.integers(len(candidates)))]
            value = float(f64[index[str(metapath)], i, j])
            try:
                row = enumerate_pair(net, metapath, int(i), int(j), value, graph)
            except InputError as exc:
                print(f"  skipped {metapath} ({exc})", flush=True)
                continue
            row.update({"pool": pool_name, "path count": int(counts[i, j])})
            rows.append(row)
            got += 1
    return rows


def adjudicate(
    net: Any,
    metapaths: list,
    f64: np.ndarray,
    hetmatpy: dict,
    runner: HetmatpyRunner,
    graph: Any,
    limit: int = 12,
) -> list[dict]:
    """Where hetmatpy differs: enumerate the pair of largest absolute difference of a differing
    metapath, and the pair of largest relative difference among entries non-zero in both; for
    up to ``limit`` metapaths, the worst of each hetmatpy category first, then by max abs. diff."""
    from drugscreen.errors import InputError

    by_name = {str(m): (k, m) for k, m in enumerate(metapaths)}
    rows = []
    differing = [p for p in hetmatpy["per metapath"] if p["HetMat max_rel"] > TOLERANCE]
    differing.sort(key=lambda p: -p["HetMat max_abs"])
    first = list({p["hetmatpy category"]: p for p in reversed(differing)}.values())
    chosen = first + [p for p in differing if p not in first]
    for p in chosen[:limit]:
        k, metapath = by_name[p["metapath"]]
        theirs_all = runner(p["metapath"])[0]
        pairs = {"largest abs. diff": p["HetMat argmax_abs"]}
        if p["HetMat max_rel_both_nonzero"] > TOLERANCE:
            pairs["largest rel. diff, both non-zero"] = p["HetMat argmax_rel_both_nonzero"]
        for which, (i, j) in pairs.items():
            try:
                row = enumerate_pair(net, metapath, i, j, float(f64[k, i, j]), graph)
            except InputError as exc:
                rows.append({"metapath": p["metapath"], "pair": which, "skipped": str(exc)})
                continue
            theirs = float(theirs_all[i, j])
            row.update(
                {
                    "pair": which,
                    "hetmatpy category": p["hetmatpy category"],
                    "hetmatpy": theirs,
                    "hetmatpy rel diff to enumeration": _rel(theirs, row["sum pdp"]),
                }
            )
            rows.append(row)
    return rows


# ---------------------------------------------------------------------- report
def length_rows(
    metapaths: list, t64: list[float], t32: list[float], precision: dict, hetmatpy: dict | None
) -> list[dict[str, Any]]:
    lengths = np.array([len(m) for m in metapaths])
    per = hetmatpy["per metapath"] if hetmatpy else None
    rows = []
    for label in [*sorted(set(lengths.tolist())), "all"]:
        sel = np.flatnonzero(lengths == label) if label != "all" else np.arange(len(lengths))
        row: dict[str, Any] = {
            "length": label,
            "metapaths": len(sel),
            "drugscreen f64 s": float(np.sum(np.take(t64, sel))),
            "f64 mean ms": 1e3 * float(np.mean(np.take(t64, sel))),
            "drugscreen f32 s": float(np.sum(np.take(t32, sel))),
            "f32 mean ms": 1e3 * float(np.mean(np.take(t32, sel))),
            "max rel f32 vs f64": max(precision["max_rel by metapath"][str(metapaths[k])] for k in sel),
        }
        if per is not None:
            ours = sum(per[k]["drugscreen s (alternating)"] for k in sel)
            theirs = sum(per[k]["hetmatpy HetMat s"] for k in sel)
            approx = [k for k in sel if per[k]["approximated (approx_ok)"]]
            sampled = [k for k in sel if "hetmatpy Graph s" in per[k]]
            graph_s = sum(per[k]["hetmatpy Graph s"] for k in sampled)
            graph_ours = sum(per[k]["drugscreen s (alternating with Graph)"] for k in sampled)
            if label == "all":
                scaled = sum(
                    np.mean([per[k]["hetmatpy Graph s"] for k in sampled if per[k]["length"] == n])
                    * np.sum(lengths == n)
                    for n in sorted(set(lengths.tolist()))
                )
            else:
                scaled = graph_s / len(sampled) * len(sel) if sampled else float("nan")
            row.update(
                {
                    "drugscreen s (alternating)": ours,
                    "hetmatpy HetMat s": theirs,
                    "HetMat / drugscreen": theirs / ours,
                    "Graph sample": len(sampled),
                    "Graph s (scaled to all)": float(scaled),
                    "Graph / drugscreen (sample)": graph_s / graph_ours if graph_ours else float("nan"),
                    "max rel vs hetmatpy": max((per[k]["HetMat max_rel"] for k in sel), default=0.0),
                    "differ > 1e-9": sum(per[k]["HetMat max_rel"] > TOLERANCE for k in sel),
                    "of which approx_ok": sum(per[k]["HetMat max_rel"] > TOLERANCE for k in approx),
                    "max rel, the others": max(
                        (per[k]["HetMat max_rel"] for k in sel if per[k]["HetMat max_rel"] <= TOLERANCE),
                        default=float("nan"),
                    ),
                }
            )
        rows.append(row)
    return rows


def notes(extra: dict[str, Any]) -> list[str]:
    d = extra["drugscreen"]
    lines = [
        "",
        f"drugscreen: `Hetnet.from_files` {d['load s']:.2f} s ({d['network']}); peak RSS "
        f"{d['memory f64']['peak rss GB (ru_maxrss, process so far)']:.2f} GB after float64 "
        f"(result array {d['memory f64']['result array GB']:.2f} GB), "
        f"{d['memory f32']['peak rss GB (ru_maxrss, process so far)']:.2f} GB after float32 as well "
        f"(target: 10 min, 12 GB). Sum of the dwpc calls: float64 {d['f64 total s']:.1f} s, float32 "
        f"{d['f32 total s']:.1f} s; loops with the copies into the result array "
        f"{d['memory f64']['loop wall s (incl. copies)']:.1f} s and {d['memory f32']['loop wall s (incl. copies)']:.1f} s.",
        f"float32 vs float64: max rel. diff {d['precision']['max_rel']:.3g} ({d['precision']['worst metapath']}), "
        f"median {d['precision']['median_rel']:.2g}, 99.99th percentile {d['precision']['p99.99_rel']:.2g}, "
        f"{d['precision']['entries with rel > 1e-4']:,} of {d['precision']['entries compared']:,} entries above 1e-4.",
    ]
    h = extra.get("hetmatpy")
    if isinstance(h, dict):
        lines.append(
            f"hetmatpy {extra['versions'].get('hetmatpy')} / hetnetpy {extra['versions'].get('hetnetpy')}: "
            f"building the hetnetpy Graph took {h['graph build s']:.1f} s, writing the HetMat {h['hetmat write s']:.1f} s "
            f"(neither counted in the ratios). dense_threshold={DENSE_THRESHOLD}. Categories: {h['categories']}."
        )
        for key, value in h.items():
            if key.startswith("exact general case"):
                lines.append(f"hetmatpy {key}: `{value}`; these metapaths use `approx_ok=True`.")
        differing = [p for p in h["per metapath"] if p["HetMat max_rel"] > TOLERANCE]
        by_category = Counter(p["hetmatpy category"] for p in differing)
        of_category = Counter(p["hetmatpy category"] for p in h["per metapath"])
        lines.append(
            f"Metapaths where hetmatpy (HetMat) differs by more than {TOLERANCE:g} relative: {len(differing)} "
            f"(by hetmatpy category: {', '.join(f'{c} {n} of {of_category[c]}' for c, n in by_category.items())}); "
            f"largest over all other metapaths: "
            f"{max((p['HetMat max_rel'] for p in h['per metapath'] if p['HetMat max_rel'] <= TOLERANCE), default=0):.3g}."
        )
        for p in sorted(differing, key=lambda p: -p["HetMat max_rel"])[:40]:
            lines.append(
                f"- {p['metapath']} ({p['hetmatpy category']}{', approx_ok' if p['approximated (approx_ok)'] else ''}): "
                f"max rel {p['HetMat max_rel']:.3g}, max abs {p['HetMat max_abs']:.3g}, "
                f"{p['HetMat n_over_tol']} entries over {TOLERANCE:g}"
            )
        graph_rows = [p for p in h["per metapath"] if "Graph max_rel" in p]
        if graph_rows:
            same = max(abs(p["Graph max_abs"] - p["HetMat max_abs"]) for p in graph_rows)
            lines.append(
                f"hetmatpy on the plain Graph ({len(graph_rows)} sampled metapaths, "
                f"{sum(p['Graph max_rel'] > TOLERANCE for p in graph_rows)} of them differing from drugscreen): "
                f"the same differences as on the HetMat (largest gap between the two max abs. diffs {same:.2g})."
            )
        messages = Counter(m for p in h["per metapath"] for m in p["hetmatpy messages"])
        if messages:
            lines.append(f"hetmatpy warnings: {dict(messages.most_common(5))}")
    elif h:
        lines.append(f"hetmatpy: {h}")
    e = extra["enumeration"]
    if e:
        worst = max(e, key=lambda r: r["rel diff"])
        lines.append(
            f"Direct enumeration (`explain(limit=None)`), {len(e)} pairs (lengths {dict(Counter(r['length'] for r in e))}): "
            f"max rel diff of the summed PDPs to the DWPC entry {worst['rel diff']:.3g} ({worst['metapath']}); "
            f"listed paths = path_counts for {sum(r['paths listed'] == r['path count'] for r in e)}/{len(e)}."
        )
        dfs = [r for r in e if "hetnetpy DFS sum" in r]
        if dfs:
            lines.append(
                f"Depth-first search over hetnetpy's node objects (neither library's code) on {len(dfs)} of them: "
                f"max rel diff to the DWPC entry {max(r['DFS rel diff to dwpc'] for r in dfs):.3g}, same path "
                f"count for {sum(r['hetnetpy DFS paths'] == r['path count'] for r in dfs)}/{len(dfs)}."
            )
    a = extra.get("adjudication") or []
    for r in a:
        if "skipped" in r:
            lines.append(f"- adjudication {r['metapath']} ({r['pair']}): skipped ({r['skipped']})")
        else:
            lines.append(
                f"- adjudication {r['metapath']}, {r['pair']}: {r['compound']} → {r['disease']} "
                f"({r['paths listed']} paths): "
                f"enumerated {r['sum pdp']:.6g}"
                + (f", hetnetpy DFS {r['hetnetpy DFS sum']:.6g}" if "hetnetpy DFS sum" in r else "")
                + f"; drugscreen {r['dwpc']:.6g} (rel {r['rel diff']:.2g}), "
                f"hetmatpy {r['hetmatpy']:.6g} (rel {r['hetmatpy rel diff to enumeration']:.2g})"
            )
    lines.append(
        f"Load average at start / end: {extra['load average start']} / {extra['load average end']} "
        "(another process may have shared the cores)."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="4 metapaths per length, 6 pairs: a smoke run")
    parser.add_argument(
        "--no-hetmatpy", action="store_true", help="drugscreen and the enumeration check only"
    )
    parser.add_argument(
        "--graph-fraction",
        type=float,
        default=0.1,
        help="share of each length hetmatpy runs on the plain Graph [0.1, at least 3]",
    )
    parser.add_argument(
        "--pairs", type=int, default=None, help="pairs for the enumeration check [20; quick 6]"
    )
    parser.add_argument(
        "--metapaths", default=None, help="comma-separated abbreviations to run instead of all"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", default=None, help="results/<report>.json|md [dwpc; quick: dwpc_quick]")
    args = parser.parse_args()
    report = args.report or ("dwpc_quick" if args.quick else "dwpc")
    n_pairs = args.pairs if args.pairs is not None else (6 if args.quick else 20)
    load_start = os.getloadavg()

    from drugscreen.network.hetnet import Hetnet
    from drugscreen.repurpose.dwpc import dwpc

    t0 = time.perf_counter()
    net = Hetnet.from_files(NODES, EDGES)
    load_s = time.perf_counter() - t0
    metapaths = net.metapaths("Compound", "Disease", max_length=4, min_length=2)
    all_counts = dict(Counter(len(m) for m in metapaths))
    print(f"{net}: {len(metapaths)} metapaths {all_counts}, loaded in {load_s:.2f} s", flush=True)
    if args.quick:
        rng = np.random.default_rng(args.seed)
        hard = [m for m in metapaths if len(m) == 4 and revisits_a_kind_thrice(m)]
        quick = stratified(metapaths, [len(m) for m in metapaths], {2: 4, 3: 4, 4: 3}, rng)
        quick += [m for m in [hard[int(rng.integers(len(hard)))]] if m not in quick]
        metapaths = sorted(quick, key=len)
    if args.metapaths:
        metapaths = sorted((net.parse(m) for m in args.metapaths.split(",")), key=len)
    dwpc(net, "CbGaD", DAMPING)  # warm-up, untimed
    f64, t64, mem64 = run_drugscreen(net, metapaths, np.float64)
    print(
        f"drugscreen float64: {sum(t64):.1f} s, peak {mem64['peak rss GB (ru_maxrss, process so far)']:.2f} GB",
        flush=True,
    )
    f32, t32, mem32 = run_drugscreen(net, metapaths, np.float32)
    print(
        f"drugscreen float32: {sum(t32):.1f} s, peak {mem32['peak rss GB (ru_maxrss, process so far)']:.2f} GB",
        flush=True,
    )
    names = [str(m) for m in metapaths]
    precision = compare_precision(f64, f32, names)
    del f32
    extra: dict[str, Any] = {
        "data": {"nodes": str(NODES), "edges": str(EDGES), "metaedges": sorted(net.metagraph.metaedges)},
        "damping": DAMPING,
        "quick": args.quick,
        "metapaths": len(metapaths),
        "metapaths available (length 2-4)": all_counts,
        "versions": {
            p: importlib.metadata.version(p)
            for p in ("scipy", "pandas", "psutil", "hetmatpy", "hetnetpy")
            if _installed(p)
        },
        "drugscreen": {
            "network": repr(net),
            "load s": load_s,
            "f64 total s": sum(t64),
            "f32 total s": sum(t32),
            "memory f64": mem64,
            "memory f32": mem32,
            "precision": precision,
            "f64 s by metapath": dict(zip(names, t64, strict=True)),
            "f32 s by metapath": dict(zip(names, t32, strict=True)),
        },
        "load average start": [round(x, 2) for x in load_start],
    }
    hetmatpy: dict | None = None
    with tempfile.TemporaryDirectory() as folder:
        runner = graph = None
        if not args.no_hetmatpy:
            try:
                import hetmatpy.hetmat  # noqa: F401
            except ImportError as exc:
                extra["hetmatpy"] = f"not installed ({exc}); pip install hetmatpy"
            else:
                hetmatpy, runner, graph = run_hetmatpy(
                    net, metapaths, f64, t64, args.graph_fraction, args.seed, folder
                )
                extra["hetmatpy"] = hetmatpy
        print("enumeration check", flush=True)
        extra["enumeration"] = enumeration_check(net, metapaths, f64, n_pairs, args.seed, graph)
        if hetmatpy is not None and runner is not None:
            extra["adjudication"] = adjudicate(net, metapaths, f64, hetmatpy, runner, graph)
    extra["load average end"] = [round(x, 2) for x in os.getloadavg()]
    rows = length_rows(metapaths, t64, t32, precision, hetmatpy)
    title = (
        f"DWPC (w = {DAMPING}) of {len(metapaths)} Compound→Disease metapaths of Hetionet (16 of 24 metaedges), "
        "1,552 × 137 pairs each; drugscreen vs hetmatpy, same run"
    )
    write_report(report, title, rows, extra)
    from common import RESULTS

    text = "\n".join(notes(extra)) + "\n"
    with open(RESULTS / f"{report}.md", "a") as handle:
        handle.write(text)
    print(text)


def _installed(package: str) -> bool:
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    main()
