"""SEA target prediction (Keiser et al. 2007) on Hetionet's compound-binds-gene edges.

Usage: python benchmarks/bench_sea.py [--thresholds 0.15 0.2 0.25 0.3] [--n-null 1000]

Data: ../shared/data/hetionet. Ligand sets are the CbG binding edges of
``CbG-binding-sources.tsv.gz`` restricted to the 1,552 Hetionet compounds with SMILES and to
Hetionet's gene nodes (exactly the 11,571 CbG edges); targets with at least 5 ligands are kept
(fewer make leave-one-out sets of 0-3 ligands). Fingerprints: Morgan radius 2, 2048 bits.

1. Leave-one-out target prediction for every compound: its ligand id is removed from every
   set (``exclude="self"``, exact), targets are ranked by E-value; per-compound AUROC over the
   targets (mean), pooled AUROC over all (compound, target) pairs, recall of the compound's
   true targets in the top 1 / 5 / 10 (mean over compounds, and pooled), and the fraction of
   compounds with a true target among the top 1 / 5 / 10 (success@k). Baseline: ranking by
   the nearest ligand's similarity (``max_tc``, a 1-nearest-neighbour predictor).
2. E-value calibration. Null: every target's set replaced by random pool molecules of the same
   size (another seed); random pool molecules (and random sets of 5 and 20) as queries, their
   own ids excluded. The fraction of queries with min E < x is compared with x (for
   independent targets it would be 1 - exp(-x) ~ x). Near-null: random MOSES test molecules
   against the real targets. Per-pair p-values of the null are compared with their level.
3. Threshold: Keiser et al.'s criterion (fit of random-set z-scores to the EVD), on the
   ligand pool and on a MOSES background; and 1.-2. at several thresholds, and at the default
   one with the background fitted to single-molecule queries (``query_sizes=[1]``).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import math
import time

import numpy as np
import pandas as pd
from common import SHARED, write_report

HETIONET = SHARED / "hetionet"
MOSES_TEST = SHARED / "libraries" / "moses" / "test.csv.gz"
MIN_LIGANDS = 5
LEVELS = (0.01, 0.1, 1.0)


def load() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    compounds = pd.read_csv(HETIONET / "hetionet-v1.0-compounds-smiles.tsv", sep="\t")
    binding = pd.read_csv(HETIONET / "CbG-binding-sources.tsv.gz", sep="\t")
    nodes = pd.read_csv(HETIONET / "hetionet-v1.0-nodes.tsv.gz", sep="\t")
    genes = set(nodes.id[nodes.kind == "Gene"].str.removeprefix("Gene::").astype(int))
    edges = binding[binding.drugbank_id.isin(compounds.drugbank_id) & binding.entrez_gene_id.isin(genes)]
    edges = edges.drop_duplicates(["drugbank_id", "entrez_gene_id"])
    size = edges.groupby("entrez_gene_id").size()
    kept = edges[edges.entrez_gene_id.isin(size.index[size >= MIN_LIGANDS])]
    table = kept.merge(compounds[["drugbank_id", "smiles"]], on="drugbank_id")
    table = table.rename(columns={"entrez_gene_id": "target", "drugbank_id": "ligand"})
    queries = compounds[["drugbank_id", "smiles"]].rename(columns={"drugbank_id": "id"})
    sizes = table.groupby("target").size()
    facts = {
        "compounds": len(compounds),
        "CbG edges (Hetionet genes)": len(edges),
        "targets with >= 5 ligands": int(table.target.nunique()),
        "ligands in them": int(table.ligand.nunique()),
        "memberships": len(table),
        "set size median / max": f"{int(sizes.median())} / {int(sizes.max())}",
    }
    return table[["target", "ligand", "smiles"]], queries, facts


def moses(n: int, seed: int) -> list[str] | None:
    if not MOSES_TEST.is_file():
        return None
    with gzip.open(MOSES_TEST, "rt") as handle:
        next(handle)
        smiles = [line.split(",")[0].strip() for line in itertools.islice(handle, 50_000)]
    rng = np.random.default_rng(seed)
    return [smiles[i] for i in rng.choice(len(smiles), n, replace=False)]


def ranking_metrics(result: pd.DataFrame, truth: dict, score: str) -> dict:
    """AUROC and recall at k of each compound's true targets, ranked by ``score`` (desc)."""
    from sklearn.metrics import roc_auc_score

    result = result[result["query"].isin(truth)]
    labels = np.array([t in truth[q] for q, t in zip(result["query"], result.target, strict=True)])
    result = result.assign(label=labels)
    aucs, hits, found, any_hit = [], {1: [], 5: [], 10: []}, {1: 0, 5: 0, 10: 0}, {1: 0, 5: 0, 10: 0}
    for _, group in result.groupby("query", sort=False):
        group = group.sort_values(score, ascending=False, kind="stable")
        lab = group.label.to_numpy()
        if 0 < lab.sum() < len(lab):
            aucs.append(roc_auc_score(lab, group[score]))
        for k in hits:
            hits[k].append(lab[:k].sum() / lab.sum())
            found[k] += int(lab[:k].sum())
            any_hit[k] += bool(lab[:k].any())
    n_true = int(result.label.sum())
    out = {
        "AUROC mean": float(np.mean(aucs)),
        "AUROC pooled": float(roc_auc_score(result.label, result[score])),
    }
    for k in hits:
        out[f"recall@{k}"] = float(np.mean(hits[k]))
        out[f"recall@{k} pooled"] = found[k] / n_true
        out[f"success@{k}"] = any_hit[k] / len(hits[k])  # a true target among the top k
    out["compounds"] = len(hits[1])
    return out


def min_e_fractions(result: pd.DataFrame) -> dict:
    smallest = result.groupby("query").e_value.min()
    return {f"min E < {x:g}": float((smallest < x).mean()) for x in LEVELS}


def null_sets(table: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Every target's ligands replaced by random pool ligands, same set sizes."""
    pool = table.drop_duplicates("ligand")[["ligand", "smiles"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    parts = [
        pool.iloc[rng.choice(len(pool), n, replace=False)].assign(target=t)
        for t, n in table.groupby("target", sort=False).size().items()
    ]
    return pd.concat(parts, ignore_index=True)


def calibration(table, threshold, query_sizes, n_null, mos, model) -> dict:  # type: ignore[no-untyped-def]
    from drugscreen.repurpose.sea import SEA

    null = null_sets(table, seed=101)
    pool = table.drop_duplicates("ligand")[["ligand", "smiles"]].reset_index(drop=True)
    rng = np.random.default_rng(202)
    sea = SEA(null, threshold=threshold, query_sizes=query_sizes, progress=False).fit()
    singles = pool.iloc[rng.choice(len(pool), n_null, replace=False)].rename(columns={"ligand": "id"})
    single = sea.predict(singles, exclude="self")
    out = {"null, single molecules": min_e_fractions(single)}
    out["null, single molecules: fraction of pairs with p < a"] = {
        f"a = {a:g}": float((single.p_value < a).mean()) for a in (0.05, 0.01, 1e-3, 1e-4)
    }
    for k in (5, 20):
        frames = []
        for i in range(200):
            pick = pool.iloc[rng.choice(len(pool), k, replace=False)]
            frames.append(pd.DataFrame({"set": f"s{i}", "id": pick.ligand, "smiles": pick.smiles}))
        out[f"null, sets of {k}"] = min_e_fractions(sea.predict_sets(pd.concat(frames), exclude="self"))
    if mos is not None and model is not None:
        out["MOSES molecules vs real targets"] = min_e_fractions(model.predict(mos))
    out["expected if targets were independent: 1 - exp(-x)"] = {
        f"min E < {x:g}": 1 - math.exp(-x) for x in LEVELS
    }
    return out


def run_threshold(table, queries, truth, threshold, n_null, mos, main, query_sizes=None):  # type: ignore[no-untyped-def]
    from drugscreen.repurpose.sea import SEA

    t0 = time.perf_counter()
    sea = SEA(table, threshold=threshold, query_sizes=query_sizes, progress=False).fit()
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = sea.predict(queries, exclude="self")
    predict_s = time.perf_counter() - t0
    metrics = ranking_metrics(result, truth, "z")  # E-value order = z order within a compound
    cal = calibration(table, threshold, query_sizes, n_null, mos if main else None, sea)
    shown = {k: v for k, v in metrics.items() if k != "compounds" and not k.startswith("success")}
    row = {
        "threshold": threshold,
        "query_sizes": "grid" if query_sizes is None else str(query_sizes),
        **shown,
    }
    row.update({f"null single {k}": v for k, v in cal["null, single molecules"].items()})
    row.update({"fit s": fit_s, "LOO predict s": predict_s})
    detail = {
        "metrics": metrics,
        "baseline max_tc (1-NN)": ranking_metrics(result, truth, "max_tc"),
        "calibration": cal,
        "background": {
            "mean": f"{sea.mean_coef_:.4g} p^{sea.mean_exponent_:.3f}",
            "sd": f"{sea.sd_coef_:.4g} p^{sea.sd_exponent_:.3f}",
            "pool": sea.background_.n_pool,
            "cells": len(sea.background_.cells),
        },
        "fit s": fit_s,
        "LOO predict s (all compounds x all targets)": predict_s,
        "rows": len(result),
    }
    return row, detail


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.15, 0.2, 0.25, 0.3])
    parser.add_argument("--n-null", type=int, default=1000, help="random query molecules of the null test")
    args = parser.parse_args()
    from drugscreen.repurpose.sea import SEA, choose_threshold

    wall = time.perf_counter()
    table, queries, facts = load()
    print(facts, flush=True)
    truth = table.groupby("ligand").target.apply(set).to_dict()
    mos = moses(1000, seed=3)
    SEA(
        {"a": ["CCO", "CCN"], "b": ["c1ccccc1", "Cc1ccccc1"]}, n_background=50, progress=False
    ).fit()  # jit warm-up
    default = SEA(table).threshold
    rows, details = [], {}
    for threshold in sorted(set(args.thresholds) | {default}):
        row, detail = run_threshold(table, queries, truth, threshold, args.n_null, mos, threshold == default)
        rows.append(row)
        details[f"threshold {threshold:g}"] = detail
        print(row, flush=True)
    # the background fitted to single-molecule queries only (query_sizes=[1])
    row, detail = run_threshold(table, queries, truth, default, args.n_null, mos, False, query_sizes=[1])
    rows.append(row)
    details[f"threshold {default:g}, query_sizes [1]"] = detail
    print(row, flush=True)
    evd = {"ligand pool": choose_threshold(table, thresholds=(0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5))}
    if mos is not None:
        background = moses(5000, seed=4)
        evd["MOSES background (5,000)"] = choose_threshold(
            table, (0.1, 0.15, 0.2, 0.25, 0.3, 0.4), background=background
        )
    evd_json = {
        name: {"best": t.attrs["best"], "table": t.to_dict(orient="records")} for name, t in evd.items()
    }
    for name, t in evd.items():
        print(name, t.attrs["best"], "\n", t.round(4).to_string(index=False), flush=True)
    extra = {
        "data": facts,
        "default threshold": default,
        "details": details,
        "EVD fit by threshold (Keiser's criterion: smallest chi2)": evd_json,
        "wall s": time.perf_counter() - wall,
    }
    write_report(
        "sea",
        f"SEA leave-one-out on Hetionet CbG ({facts['targets with >= 5 ligands']} targets with >= 5 ligands, "
        "1,552 compounds, Morgan r2 2048 bits)",
        rows,
        extra,
    )
    append_markdown(details[f"threshold {default:g}"], evd, default, extra["wall s"])
    print(f"wall {extra['wall s']:.0f} s")


def append_markdown(detail: dict, evd: dict, default: float, wall: float) -> None:
    """Calibration, baseline and EVD-fit tables after the main table of results/sea.md."""
    from common import RESULTS

    lines = ["", f"E-value calibration at the default threshold {default:g} (fraction of queries):", ""]
    cal = detail["calibration"]
    cols = [f"min E < {x:g}" for x in LEVELS]
    lines += ["| queries | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, values in cal.items():
        if name.startswith("null, single molecules: fraction"):
            continue
        lines.append(f"| {name} | " + " | ".join(f"{values[c]:.3f}" for c in cols) + " |")
    pairs = cal["null, single molecules: fraction of pairs with p < a"]
    lines += [
        "",
        "Null single-molecule pairs with p < a: " + ", ".join(f"{k}: {v:.2g}" for k, v in pairs.items()),
    ]
    base, sea = detail["baseline max_tc (1-NN)"], detail["metrics"]
    keys = ["AUROC mean", "AUROC pooled", "recall@1", "recall@5", "recall@10", "success@1", "success@10"]
    lines += ["", "| ranking | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, m in (("SEA E-value", sea), ("nearest ligand (max_tc)", base)):
        lines.append(f"| {name} | " + " | ".join(f"{m[k]:.3f}" for k in keys) + " |")
    for name, t in evd.items():
        lines += ["", f"EVD fit of random-set z-scores, {name} (best chi2: {t.attrs['best']:g}):", ""]
        shown = t[["threshold", "ks", "ks_normal", "chi2", "z_mean", "z_sd", "frac_p_below_0.01"]]
        lines += ["| " + " | ".join(shown.columns) + " |", "|---" * len(shown.columns) + "|"]
        lines += ["| " + " | ".join(f"{v:.4g}" for v in r) + " |" for r in shown.itertuples(index=False)]
    lines += ["", f"Wall time of the whole benchmark: {wall:.0f} s.", ""]
    with (RESULTS / "sea.md").open("a") as handle:
        handle.write("\n".join(lines))


if __name__ == "__main__":
    main()
