"""Does the repurposing model hold on indications it never saw? The harness table, one run.

On ``../shared/data/hetionet`` (the 16 shipped edge types, and with the 4 extra edge files:
20 types), every scorer under three protocols (:mod:`drugscreen.repurpose.harness`):

- ``diseases``: 5-fold leave-diseases-out (every treats and palliates edge of a fold's
  diseases removed before any feature; all their pairs ranked);
- ``edges``: 5-fold leave-edges-out (a fold's treats edges removed before features; every
  pair without a training edge ranked);
- ``external``: fit on all treats edges; positives are Guney et al. 2016's MEDI, KEGG and
  NDF-RT indications mapped to Hetionet's Disease Ontology ids (``external_indications.py``;
  the mapping and its coverage are written to the results) that PharmacotherapyDB does not
  class (not a treats or palliates edge, not judged a non-indication), ranked among the pairs of
  the diseases the set covers that are neither treats nor palliates edges.

Scorers: the default ``Rephetio()`` model, every baseline and (ablations, on the 16-type network)
the model without cross-fitted training features (``feature_folds=None``: the defaults before the
harness existed) and without its zero-shot head (``zero_shot=False``). The
metrics are AUROC, AUPRC (prevalence beside it), mean per-disease AUROC, precision at 10 and
100 and the (tie-fair) hits among the top 1.58 % of ranked pairs (Rephetio's 3,301 of 209,168;
summed over folds). A "wins" table says, per protocol and metric, whether the default model
beats every baseline.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import RESULTS, SHARED, machine, write_report
from external_indications import guney_indications

from drugscreen.network.hetnet import Hetnet
from drugscreen.repurpose import harness
from drugscreen.repurpose.rephetio import Rephetio
from drugscreen.repurpose.rephetio_eval import network_distance
from drugscreen.repurpose.validation import SUMMARY, summary_record

HETIONET = SHARED / "hetionet"
#: The harness figures shipped with the package (a repurposing campaign's report shows them).
SUMMARY_FILE = Path(__file__).resolve().parents[1] / "src" / "drugscreen" / "repurpose" / SUMMARY
EXTRA = ("CcSE", "PCiC", "DpS", "GpPW")
METRICS = ("auroc", "auprc", "mean_group_auroc", "precision_at_10", "precision_at_100", "hits_top")


def load(extra: bool) -> Hetnet:
    edges = [HETIONET / "hetionet-v1.0-edges-partial.sif.gz"]
    if extra:
        edges += [HETIONET / "extra-edges" / f"{name}.sif.gz" for name in EXTRA]
    return Hetnet.from_files(HETIONET / "hetionet-v1.0-nodes.tsv.gz", edges)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--networks", default="16,20", help="16 (shipped types), 20 (with extra edges) or both"
    )
    parser.add_argument("--max-length", type=int, default=None, help="metapath length (default: the model's)")
    parser.add_argument(
        "--ablations",
        default="16",
        help="networks on which the model is also run without cross-fitting and without its zero-shot "
        "head ('' for none) [16]",
    )
    args = parser.parse_args()

    nodes = pd.read_csv(HETIONET / "hetionet-v1.0-nodes.tsv.gz", sep="\t")
    pairs, mapping, coverage = guney_indications(nodes)
    RESULTS.mkdir(exist_ok=True)
    mapping.to_csv(RESULTS / "guney_mesh_to_doid.tsv", sep="\t", index=False)
    print(f"external indications: {coverage}", flush=True)

    settings = {} if args.max_length is None else {"max_length": args.max_length}
    tables, seconds = [], {}
    for types in args.networks.split(","):
        t0 = time.perf_counter()
        net = load(extra=types == "20")
        labels = net.adjacency("CtD").toarray().astype(bool)
        # the positives: mapped indications PharmacotherapyDB does not already class (DM = a treats
        # edge, SYM = a palliates edge: both known; NOT = judged no indication: stays a negative)
        new = pairs[pairs["category"] == ""]
        external = np.zeros_like(labels)
        external[net.positions("Compound", new["compound"]), net.positions("Disease", new["disease"])] = True
        covered = np.zeros(labels.shape[1], dtype=bool)
        covered[net.positions("Disease", pairs["disease"])] = True
        palliates = net.adjacency("CpD").toarray().astype(bool)
        scorers = harness.baseline_scorers(distance=network_distance(net))
        scorers["model"] = harness.rephetio_scorer(Rephetio(progress=False, **settings), net)
        if types in args.ablations.split(","):
            plain = Rephetio(progress=False, feature_folds=None, **settings)
            scorers["model without cross-fitting"] = harness.rephetio_scorer(plain, net)
            one_head = Rephetio(progress=False, zero_shot=False, **settings)
            scorers["model without zero-shot head"] = harness.rephetio_scorer(one_head, net)
        splits = [
            *harness.disease_splits(labels, args.folds, seed=0),
            *harness.edge_splits(labels, args.folds, seed=0),
            harness.external_split(labels, external, covered=covered, known=palliates),
        ]
        # a held-out disease loses its palliates edges too: no known drug of it is left to see
        results = harness.evaluate(scorers, net, splits, hide=("CpD",), progress=False)
        seconds[f"{types} types"] = time.perf_counter() - t0
        summary = harness.summarise(results).assign(network=f"{types} types")
        tables.append(summary)
        print(summary.to_string(float_format="%.3f"), flush=True)
        results.to_csv(RESULTS / f"repurpose_folds_{types}.csv", index=False)

    table = pd.concat(tables, ignore_index=True)
    baselines = [s for s in table["scorer"].unique() if not s.startswith("model")]
    wins = []
    for (network, protocol), group in table.groupby(["network", "protocol"], sort=False):
        scores = group.set_index("scorer")
        for metric in METRICS:
            best = scores.loc[baselines, metric].astype(float)
            wins.append(
                {
                    "network": network,
                    "protocol": protocol,
                    "metric": metric,
                    "model": float(scores.loc["model", metric]),
                    "best baseline": best.idxmax(),
                    "its value": float(best.max()),
                    "model wins": bool(scores.loc["model", metric] > best.max()),
                }
            )
    wins_table = pd.DataFrame(wins)
    print(wins_table.to_string(index=False, float_format="%.3f"), flush=True)
    rows = [
        {
            "network": r["network"],
            "protocol": r["protocol"],
            "scorer": r["scorer"],
            "AUROC": r["auroc"],
            "AUPRC": r["auprc"],
            "prevalence": r["prevalence"],
            "per-disease AUROC": r["mean_group_auroc"],
            "P@10": r["precision_at_10"],
            "P@100": r["precision_at_100"],
            "hits in top 1.58 %": r["hits_top"],
            "positives": r["n_positives"],
        }
        for r in table.to_dict("records")
    ]
    write_report(
        "repurpose",
        "Repurposing harness: leave-diseases-out, leave-edges-out and external (Guney 2016) indications, "
        "model vs every baseline",
        rows,
        {
            "seconds": seconds,
            "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "external_coverage": coverage,
            "wins": wins,
            "all_wins": bool(wins_table["model wins"].all()),
        },
    )
    # the figures a repurposing campaign's report shows beside its ranking
    record = summary_record(wins, date=datetime.date.today().isoformat(), machine=machine())
    SUMMARY_FILE.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
