"""Rephetio-style model on Hetionet (16 of 24 edge types): honest CV, permutation control, baselines.

Runs, on ``../shared/data/hetionet``:

1. per-metapath AUROC of each DWPC (every Compound→Disease metapath of length 2–4 over the
   available edge types) on Hetionet and on ``--permutations`` degree-preserving permuted
   copies; ``delta_auroc`` compared with Rephetio's published ``rephetio/metapaths.tsv``;
2. ``--folds``-fold cross-validation of the model with each fold's treats edges removed
   before its features, the same with the permutation control, and the baselines on the same
   held-out pairs;
3. the final model (C chosen by inner 3-fold AUROC) and its largest coefficients beside the
   published ones.

Published figures are shown beside ours; they come from the full 24-type graph and from
features computed without removing held-out edges, so they are references, not targets.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
from common import SHARED, write_report
from scipy.stats import spearmanr

from drugscreen.network.hetnet import Hetnet
from drugscreen.network.permute import permute_hetnet
from drugscreen.repurpose.rephetio import Rephetio
from drugscreen.repurpose.rephetio_eval import cross_validate, metapath_aurocs

HETIONET = SHARED / "hetionet"


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--permutations", type=int, default=2, help="permuted networks for delta AUROC")
    parser.add_argument("--C", type=float, default=0.1, help="C of the CV runs (fixed a priori: no leak)")
    parser.add_argument("--max-length", type=int, default=4)
    args = parser.parse_args()

    t0 = time.perf_counter()
    net = Hetnet.from_files(
        HETIONET / "hetionet-v1.0-nodes.tsv.gz", HETIONET / "hetionet-v1.0-edges-partial.sif.gz"
    )
    load_s = time.perf_counter() - t0
    model = Rephetio(C=args.C, max_length=args.max_length, progress=False)
    paths = model.resolve_metapaths(net)
    print(f"{net}; {len(paths)} metapaths; loaded in {load_s:.1f} s", flush=True)

    # 1. per-metapath AUROC, real vs permuted
    t0 = time.perf_counter()
    permuted = [permute_hetnet(net, seed=s)[0] for s in range(1, args.permutations + 1)]
    per_path = metapath_aurocs(net, paths, permuted=permuted)
    per_path_s = time.perf_counter() - t0
    published = pd.read_csv(HETIONET / "rephetio" / "metapaths.tsv", sep="\t").set_index("metapath")
    both = per_path.set_index("metapath").join(
        published[["delta_auroc"]].rename(columns={"delta_auroc": "published_delta"})
    )
    rho = float(spearmanr(both["delta_auroc"], both["published_delta"]).statistic)
    top = both.sort_values("delta_auroc", ascending=False).head(10)
    print(f"per-metapath AUROC: {per_path_s:.0f} s; Spearman(delta, published delta) = {rho:.3f}", flush=True)
    print(top.to_string(float_format="%.3f"), flush=True)

    # 2. honest CV, permutation control, baselines
    t0 = time.perf_counter()
    real = cross_validate(model, net, n_folds=args.folds, seed=0, progress=False)
    cv_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    control = cross_validate(model, net, n_folds=args.folds, seed=0, permute=True, progress=False)
    control_s = time.perf_counter() - t0
    summary = real.summary().assign(network="Hetionet (16 types)")
    summary = pd.concat([summary, control.summary().assign(network="permuted")], ignore_index=True)
    print(summary.to_string(index=False, float_format="%.4f"), flush=True)

    # 3. final model, C by inner CV
    t0 = time.perf_counter()
    final = Rephetio(max_length=args.max_length, progress=False).fit(net)
    fit_s = time.perf_counter() - t0
    coefficients = pd.read_csv(HETIONET / "rephetio" / "model-coefficients.tsv", sep="\t").set_index(
        "feature"
    )
    ours = final.coef_[final.coef_ != 0]
    largest = ours.abs().sort_values(ascending=False).head(15).index
    coef_table = pd.DataFrame({"ours": ours[largest], "published": coefficients["coef"].reindex(largest)})
    print(f"final fit {fit_s:.0f} s, C = {final.C_}; {len(ours)} non-zero", flush=True)
    print(coef_table.to_string(float_format="%.3f"), flush=True)

    reference = pd.read_csv(HETIONET / "rephetio" / "model-performances-summary.tsv", sep="\t")
    rows = []
    for record in summary.to_dict("records"):
        rows.append(
            {
                "network": record["network"],
                "model": record["model"],
                "AUROC": f"{record['auroc_mean']:.4f} ± {record['auroc_std']:.4f}",
                "AUPRC": f"{record['auprc_mean']:.4f} ± {record['auprc_std']:.4f}",
            }
        )
    for record in reference.to_dict("records"):
        rows.append(
            {
                "network": "published: " + ("permuted" if record["permuted"] else "Hetionet (24 types)"),
                "model": f"Rephetio all-features, {'lasso' if record['alpha'] == 1 else 'ridge'}"
                + (", with degrees" if record["incl_degrees"] else ", no degrees"),
                "AUROC": f"{record['auroc']:.4f}",
                "AUPRC": f"{record['auprc']:.4f}",
            }
        )
    extra = {
        "seconds": {
            "load": load_s,
            "per-metapath AUROC (real + permuted)": per_path_s,
            "cv": cv_s,
            "permutation control cv": control_s,
            "final fit": fit_s,
        },
        "peak_rss_gib": peak_gib(),
        "n_metapaths": len(paths),
        "cv_C": args.C,
        "final_C": final.C_,
        "spearman_delta_auroc_vs_published": rho,
        "top_metapaths": top.reset_index().to_dict("records"),
        "coefficients": coef_table.reset_index().rename(columns={"index": "feature"}).to_dict("records"),
        "per_metapath": per_path.to_dict("records"),
        "folds": real.folds.to_dict("records"),
        "control_folds": control.folds.to_dict("records"),
        "mean_delta_auroc_by_length": both.groupby("length")["delta_auroc"].mean().to_dict(),
        "published_training_auroc": 0.9745,
    }
    write_report(
        "rephetio",
        f"Rephetio-style model on Hetionet (16 of 24 edge types), {args.folds}-fold CV with held-out "
        "edges removed before features; permutation control; baselines; published figures below ours",
        rows,
        extra,
    )
    print(f"peak RSS {peak_gib():.1f} GiB", flush=True)
    assert np.isfinite(rho)


if __name__ == "__main__":
    main()
