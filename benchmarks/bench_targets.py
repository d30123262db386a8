"""Target discovery on Menche et al. 2015: how well each network method recovers held-out
disease genes, how fast, and whether its random walk equals networkx's personalised PageRank.

Data: ``../shared/data/interactome/menche2015`` (the interactome, largest component 13,329
genes; the 299 MeSH diseases' OMIM and GWAS genes; 237 have >= 20 genes in the network).

1. **Complex-aware 5-fold CV** (genes joined by an edge whose sources include ``complexes``
   share a fold; Picart-Armada et al. 2019) — every method, all 237 diseases, all folds as one
   score matrix per method;
2. **plain 5-fold CV** (shuffled folds) — the issue's reference protocol;
3. **OMIM -> GWAS transfer**: seed with the OMIM genes, recover the GWAS-only genes
   (diseases with >= 5 of each);
4. **peer**: networkx ``pagerank(alpha = 1 - restart, personalization = seeds)`` on the same
   graph for 20 diseases: the largest absolute difference from drugscreen's RWR, and the time
   per seed set of each.

    python benchmarks/bench_targets.py              # everything (about 15 minutes on 2 cores)
    python benchmarks/bench_targets.py --no-diamond # without DIAMOnD (slow: one loop per test)
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import SHARED, write_report

import drugscreen as ds
from drugscreen.targets.validation import cross_validate, transfer

MENCHE = SHARED / "interactome" / "menche2015"
NETWORK = MENCHE / "DataS1_interactome.tsv.gz"
GENES = MENCHE / "DataS2_disease_genes.tsv"
#: The issue's reference figures (plain 5-fold CV, RWR): AUROC and recall@100.
DOCS = Path(__file__).resolve().parent.parent / "docs" / "guide"
REFERENCE = {"rwr": (0.712, 0.167), "neighbours": (0.668, 0.102), "degree": (0.585, 0.016)}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows_of(result: Any, protocol: str) -> list[dict[str, Any]]:
    rows = []
    for r in result.summary.itertuples(index=False):
        rows.append({"protocol": protocol, "method": r.method, "diseases": int(r.n_diseases),
                     "AUROC": round(float(r.auroc), 3), "recall@20": round(float(r.recall_20), 3),
                     "recall@100": round(float(r.recall_100), 3), "seconds": round(float(r.seconds), 1)})  # fmt: skip
    return rows


def write_include(rows: list[dict[str, Any]], command: str) -> None:
    """The guide's validation table (docs/guide/targets_validation.inc), from this run's rows."""
    columns = ["protocol", "method", "diseases", "AUROC", "recall@20", "recall@100", "seconds"]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - " + columns[0]] + [f"     - {c}" for c in columns[1:]]
    for row in rows:
        lines += [f"   * - {row[columns[0]]}"] + [f"     - {row[c]}" for c in columns[1:]]
    lines += [
        "",
        f"``{command}``, {time.strftime('%Y-%m-%d')}, 2 cores; seconds: scoring every test of the method at once.",
        "",
    ]
    (DOCS / "targets_validation.inc").write_text("\n".join(lines), encoding="utf-8")


def peer(net: Any, n_sets: int = 20, restart: float = 0.3) -> dict[str, Any]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_edges_from((net.genes[i], net.genes[j]) for i in range(net.n_genes)
                         for j in net.indices[net.indptr[i] : net.indptr[i + 1]] if i < j)  # fmt: skip
    table = ds.targets.read_seed_sets(GENES)
    sets = {}
    for name, genes in table.groupby("set")["gene"]:
        inside = [g for g in genes if g in net.index]
        if len(inside) >= 20:
            sets[name] = inside
        if len(sets) == n_sets:
            break
    t0 = time.perf_counter()
    ours = ds.targets.prioritize(net, sets, "rwr", settings={"restart": restart, "tol": 1e-13})
    ours_s = time.perf_counter() - t0
    worst, theirs_s = 0.0, 0.0
    for name, genes in sets.items():
        t0 = time.perf_counter()
        ref = nx.pagerank(
            graph, alpha=1 - restart, personalization=dict.fromkeys(genes, 1.0), tol=1e-15, max_iter=10_000
        )
        theirs_s += time.perf_counter() - t0
        mine = ours[ours["set"] == name].set_index("gene")["score"]
        worst = max(
            worst, float(np.max(np.abs(mine.reindex(list(ref)).to_numpy() - np.array(list(ref.values())))))
        )
    return {"sets": len(sets), "max_abs_difference": worst, "drugscreen_s_per_set": ours_s / len(sets),
            "networkx_s_per_set": theirs_s / len(sets), "speed_up": theirs_s / ours_s}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-diamond", action="store_true", help="leave DIAMOnD out")
    args = parser.parse_args()
    net = ds.network.Interactome.from_file(NETWORK)
    methods = ["rwr", "heat", "neighbours", "degree"] + ([] if args.no_diamond else ["diamond"])
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    aware = cross_validate(net, GENES, methods, blocks="complexes", complexes=NETWORK)
    rows += rows_of(aware, "5-fold, complexes together")
    rows += rows_of(cross_validate(net, GENES, methods, blocks=None), "5-fold, plain")
    rows += rows_of(transfer(net, GENES, methods), "OMIM -> GWAS-only")
    total = time.perf_counter() - t0
    best = aware.summary.set_index("method")
    check = peer(net)
    print(f"networkx peer: {check}")
    extra = {"peer": check, "total_seconds": round(total, 1), "peak_mib": round(peak_mib()),
             "reference_plain_5fold": REFERENCE,
             "complex_aware_best": {m: [round(float(best.loc[m, 'auroc']), 3), round(float(best.loc[m, 'recall_100']), 3)]
                                    for m in best.index}}  # fmt: skip
    write_include(rows, "python benchmarks/bench_targets.py" + (" --no-diamond" if args.no_diamond else ""))
    write_report("targets", "Target discovery on Menche 2015 (237 diseases)", rows, extra)
    print(f"all protocols: {total:.0f} s; peak {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
