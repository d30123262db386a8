"""Speed of a repurposing campaign on Hetionet v1.0, and what its shortlists hold.

Runs ``kind = "repurpose"`` campaigns on ``../shared/data/hetionet`` (16 shipped edge types,
the graph's gene-gene edges as the interactome, the compounds' SMILES for SEA and similarity):

1. one disease (breast cancer, DOID:1612), cold: every step from the files;
2. the same campaign again with new ranking weights: only the ranking and later steps rerun
   (what a user does after the first run);
3. every disease of the graph (137) in one run.

For each it records the seconds per step and the peak memory, and checks the shortlists
against the external indications of ``external_indications.py`` (Guney 2016 MEDI/KEGG/NDF-RT
pairs that are not Hetionet treats or palliates edges): how many of the shortlisted drugs are
such a new indication, against the number a random shortlist of the same size would hold.

    python benchmarks/bench_repurpose_campaign.py            # all three (about 10 minutes)
    python benchmarks/bench_repurpose_campaign.py --skip-all # the first two only
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from common import SHARED, write_report
from external_indications import guney_indications

import drugscreen as ds

HETIONET = SHARED / "hetionet"


def config(diseases: list[str], **rank: Any) -> dict[str, Any]:
    return {
        "kind": "repurpose",
        "disease": {"ids": diseases},
        "network": {
            "nodes": str(HETIONET / "hetionet-v1.0-nodes.tsv.gz"),
            "edges": [str(HETIONET / "hetionet-v1.0-edges-partial.sif.gz")],
        },
        "drugs": {"smiles": str(HETIONET / "hetionet-v1.0-compounds-smiles.tsv"), "id_column": "drugbank_id"},
        "model": {"seeds": 3},
        "proximity": {"n_random": 1000},
        "rank": {"top": 25, **rank},
    }


def timed(raw: dict[str, Any], out: Path) -> tuple[Any, float, dict[str, float]]:
    t0 = time.perf_counter()
    result = ds.campaign.run(raw, out, progress=False)
    seconds = time.perf_counter() - t0
    steps = {name: float(record.get("seconds", 0.0)) for name, record in result.steps().items()}
    return result, seconds, steps


def new_indications(shortlist: pd.DataFrame, scores: pd.DataFrame, external: pd.DataFrame) -> dict[str, Any]:
    """Shortlisted pairs that are external new indications, and a random shortlist's expectation."""
    pairs = set(zip(external["compound"].str[10:], external["disease"].str[9:], strict=True))
    hits = sum((d, s) in pairs for d, s in zip(shortlist["drug"], shortlist["disease"], strict=True))
    pool = scores[scores["rank"].notna() & ~scores["known"]]
    in_pool = sum((d, s) in pairs for d, s in zip(pool["drug"], pool["disease"], strict=True))
    expected = 0.0
    for disease, group in pool.groupby("disease"):
        n_short = int((shortlist["disease"] == disease).sum())
        n_pos = sum((d, disease) in pairs for d in group["drug"])
        expected += n_short * n_pos / max(1, len(group))
    return {"new indications shortlisted": hits, "random expectation": round(expected, 2),
            "new indications among candidates": in_pool}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-all", action="store_true", help="skip the campaign over every disease")
    args = parser.parse_args()
    nodes = pd.read_csv(HETIONET / "hetionet-v1.0-nodes.tsv.gz", sep="\t")
    pairs, _, _ = guney_indications(nodes)
    external = pairs[pairs["category"] == ""]
    work = Path(tempfile.mkdtemp(prefix="bench-repurpose-campaign-"))
    rows = []
    try:
        result, seconds, steps = timed(config(["DOID:1612"]), work / "one")
        rows.append({"run": "1 disease, cold", "seconds": seconds, "steps": json.dumps(steps),
                     **new_indications(result.shortlist, result.all_scores, external)})  # fmt: skip
        print(rows[-1], flush=True)
        result, seconds, steps = timed(config(["DOID:1612"], proximity=0.5), work / "one")
        rows.append({"run": "1 disease, new rank weights (resumed)", "seconds": seconds, "steps": json.dumps(steps),
                     **new_indications(result.shortlist, result.all_scores, external)})  # fmt: skip
        print(rows[-1], flush=True)
        if not args.skip_all:
            result, seconds, steps = timed(config(["all"]), work / "all")
            rows.append({"run": f"all {result.all_scores['disease'].nunique()} diseases, cold", "seconds": seconds,
                         "steps": json.dumps(steps), **new_indications(result.shortlist, result.all_scores, external)})  # fmt: skip
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(
        "repurpose_campaign",
        "Repurposing campaign on Hetionet v1.0 (16 types): seconds and new indications shortlisted",
        rows,
        {"peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20},
    )


if __name__ == "__main__":
    main()
