"""``drugscreen demo``: the main job on data shipped with drugscreen."""

from __future__ import annotations

import argparse
from typing import Any

from drugscreen.cli.options import add_jobs
from drugscreen.validate import user_path


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="the main jobs on the bundled MOSES subset, ending with a campaign report to open",
        description="The main job on data shipped with drugscreen: prepare a sample (standardise, "
        "Lipinski and PAINS flags), build a 25,000-molecule database, screen it against a handful "
        "of known drugs, cluster it, pick 100 diverse molecules and run the virtual-screening "
        "protocol on a toy target; then score drugs against a disease module on a generated "
        "interactome (network proximity), generated dose-response blocks (synergy), a generated "
        "knowledge graph (Rephetio-style model), ligand sets taken from the library's clusters (SEA) "
        "and a D-MPNN trained on logP computed in code (property model scoring the hits); finally the "
        "shipped ADMET panel for the drugs and the hits, and last the main job: a screening campaign "
        "(toy sulfonamide target) from library and assay to a ranked, diverse shortlist and its "
        "report.html, after a repurposing campaign on a generated knowledge graph (ranked drugs with "
        "their evidence, drug pairs and herbal formulas in its own report.html).",
    )
    demo.add_argument("--out", default="demo-output", help="output directory [demo-output]")
    demo.add_argument(
        "--quick",
        action="store_true",
        help="a faster look: the campaign screens 4,000 library molecules instead of 24,000",
    )
    add_jobs(demo)
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.screen.demo import DEMO_DRUGS, MODEL_TEST, MODEL_TRAIN, run_demo

    result = run_demo(user_path(args.out), n_jobs=args.jobs, progress=not args.quiet)
    print(
        f"Screened {len(result.hits['query'].unique())} drugs against {result.n_molecules} MOSES molecules "
        "(Morgan r2, 2048 bits, Tanimoto). Top hits:"
    )
    with_cols = result.hits[["query", "id", "score", "smiles"]]
    print(with_cols.groupby("query", sort=False).head(3).to_string(index=False, float_format="%.3f"))
    sizes = result.clusters.groupby("cluster").size()
    print(
        f"\nButina clustering of the library at distance 0.35: {len(sizes)} clusters, "
        f"{int((sizes == 1).sum())} singletons, largest {int(sizes.max())} molecules."
    )
    prepared = result.prepared
    print(
        f"\nPrepared {len(prepared)} library molecules (standardised): {int(prepared['pass_ro5'].sum())} pass "
        f"Lipinski, {int((~prepared['pass_pains']).sum())} carry a PAINS alert."
    )
    picks = result.picks
    print(
        f"MaxMin picked {len(picks)} diverse molecules; every pair is at distance >= "
        f"{picks['distance'].iloc[-1]:.3f}."
    )
    summary = result.vs.summary()
    first = result.vs.runs.iloc[0]
    ranked = int(first["n_actives"] + first["n_inactives"])
    print(f"Virtual screen of a toy target (sulfonamides), {ranked} molecules ranked, 20 draws of 5 queries:")
    print(summary.round(3).to_string())
    prox = result.proximity
    top = prox.head(8)
    print(
        f"\nNetwork proximity of {prox.drug.nunique()} drugs to a disease module (generated 2,000-gene "
        f"interactome, 200 randomisations): {int(top.near_module.sum())} of the 8 most proximal drugs "
        "are the ones given targets next to the module. Top 5:"
    )
    print(
        prox[["drug", "d", "z", "n_targets", "near_module"]]
        .head(5)
        .to_string(index=False, float_format="%.2f")
    )
    scores = result.synergy.pivot(index=["block_id", "drug_col"], columns="model", values="score")
    print("\nSynergy scores of three generated blocks (1 Bliss-independent, 2 synergistic, 3 antagonistic):")
    print(scores.round(1).to_string())
    candidates = result.repurpose
    print(
        f"\nKnowledge-graph repurposing (generated graph, Rephetio-style model): the 10 best new candidates "
        f"for Disease::0; {int(candidates.shares_a_gene.sum())} of them share a gene with it (the generator's rule):"
    )
    print(
        candidates[["compound", "score", "prior", "shares_a_gene"]]
        .head(5)
        .to_string(index=False, float_format="%.3f")
    )
    print("Paths behind the first (CbGaD):")
    print(result.paths[["path", "share"]].to_string(index=False, float_format="%.3f"))
    best = result.targets[["query", "target", "e_value", "max_tc"]]
    print("\nSEA: each drug's most significant ligand set among the library's 30 largest clusters:")
    print(best.to_string(index=False, float_format="%.3g"))
    job = result.screen
    top = job.hits().groupby("query").head(20)
    hits_per_drug = top.groupby("query", sort=False).size()
    print(
        f"\nStreaming screening job: {job.summary['records']:,} records read in chunks of 5,000 (each "
        f"checkpointed; rerun the same job and it resumes), {job.summary['records_per_second']:,.0f} "
        f"records/s, {int(hits_per_drug.sum())} hits (top 20 of each drug); the 5 per drug above are its first 5: "
        f"{_same_as_database(result, top)}"
    )
    m = result.model_metrics
    print(
        f"\nProperty model: a D-MPNN ensemble (2 members) trained on {MODEL_TRAIN} library molecules to "
        f"predict Crippen logP; test RMSE {m['rmse']:.2f}, R² {m['r2']:.2f} on {MODEL_TEST} others. "
        "The first hits scored by it:"
    )
    print(result.scored_hits.head(5).to_string(index=False, float_format="%.2f"))
    admet = result.admet
    print(
        f"\nADMET panel (shipped, 34 endpoints) for the {len(DEMO_DRUGS)} drugs and "
        f"{len(admet) - len(DEMO_DRUGS)} distinct hits; the drugs (probabilities, _pct = percentile among "
        "2,628 approved drugs, ood = outside the model's domain):"
    )
    shown = ["id", "herg", "herg_pct", "ames", "dili", "solubility_aqsoldb", "solubility_aqsoldb_pct", "bbbp"]
    print(admet[shown].head(len(DEMO_DRUGS)).to_string(index=False, float_format="%.2f"))
    print(
        f"\nDatabase: {result.database}\nAll hits: {result.hits_file}\nClusters: {result.clusters_file}"
        f"\nPrepared: {result.prepared_file}\nPicks: {result.picks_file}\nVS runs: {result.vs_file}"
        f"\nProximity: {result.proximity_file}\nSynergy: {result.synergy_file}"
        f"\nRepurposing: {result.repurpose_file}\nTargets: {result.targets_file}"
        f"\nProperty model: {result.model_dir}\nScored hits: {result.scored_hits_file}"
        f"\nADMET panel: {result.admet_file}"
        f"\nScreening job: {job.out_dir} (hits.parquet, rejects.csv, summary.json)"
    )
    _repurpose_campaign(args)
    _targets_campaign(args)
    _campaign(args)
    return 0


def _targets_campaign(args: argparse.Namespace) -> None:
    """A target-discovery campaign on a generated network, with hidden disease genes to find."""
    import pandas as pd

    from drugscreen.campaign.targets_demo import demo_targets

    result = demo_targets(user_path(args.out), progress=not args.quiet)
    hidden = set(pd.read_csv(user_path(args.out) / "targets-inputs" / "hidden_genes.csv", dtype=str)["gene"])
    short = result.shortlist
    found = int(short["gene"].isin(hidden).sum())
    cv = pd.read_parquet(result.directory / "steps" / "validation.parquet").groupby("method")["auroc"].mean()
    print(
        f"\nTarget discovery campaign (generated network, 24 known genes): {len(short)} targets shortlisted, "
        f"{found} of the {len(hidden)} hidden disease genes among them; the method's 5-fold AUROC on the "
        f"known genes {cv.drop('degree').iloc[0]:.3f} (degree alone {cv['degree']:.3f}). Top 5:"
    )
    top = short[["rank", "gene", "score", "is_seed", "network", "genetics", "tractability"]].head(5)
    print(top.to_string(index=False, float_format="%.3f"))
    print(f"Targets report: {result.report_path}")


def _repurpose_campaign(args: argparse.Namespace) -> None:
    """A repurposing campaign on a generated knowledge graph, with hidden indications to find."""
    import pandas as pd

    from drugscreen.campaign.repurpose_demo import demo_repurpose

    result = demo_repurpose(user_path(args.out), n_jobs=args.jobs, progress=not args.quiet)
    hidden = pd.read_csv(user_path(args.out) / "repurpose-inputs" / "hidden_indications.csv", dtype=str)
    short = result.shortlist
    found = short.merge(hidden, on=["drug", "disease"])
    wanted = hidden[hidden["disease"].isin(short["disease"])]
    print(
        f"\nRepurposing campaign (generated knowledge graph): {short['disease'].nunique()} diseases, "
        f"{len(short)} candidates shortlisted; {len(found)} of the {len(wanted)} hidden indications of "
        "these diseases (drugs whose treats edge the generator left out) are on the shortlist. Top 3 each:"
    )
    top = short.groupby("disease").head(3)[["disease", "rank", "drug", "score", "kg_score", "z"]]
    print(top.to_string(index=False, float_format="%.3f"))
    print(f"Repurposing report: {result.report_path}")


def _campaign(args: argparse.Namespace) -> None:
    """The main job last: a screening campaign from library and assay to a report."""
    from drugscreen.campaign.demo import ASSAYED, QUICK_LIBRARY, demo_campaign

    size = QUICK_LIBRARY if args.quick else None
    result = demo_campaign(user_path(args.out), n_jobs=args.jobs, progress=not args.quiet, library_size=size)
    steps = result.steps()
    act = steps["activity"]["info"]
    counts = {name: record["counts"] for name, record in steps.items()}
    print(
        f"\nScreening campaign (toy target: sulfonamides): {counts['screen']['records']:,} library molecules "
        f"screened against the {act['n_active']} actives of {ASSAYED:,} assayed ones (group fusion, max "
        f"Tanimoto); activity model CV AUROC {act['cv_auroc']:.3f}; {counts['candidates']['candidates']} "
        f"candidates through the ADMET panel, {counts['rules']['passed']} pass the rules, "
        f"{counts['select']['shortlist']} shortlisted from {counts['select']['clusters']} clusters. Top 5:"
    )
    top = result.shortlist[["rank", "id", "score", "activity", "similarity", "herg", "qed"]].head(5)
    print(top.to_string(index=False, float_format="%.3f"))
    print(f"\nCampaign directory: {result.directory}\nReport (open it in a browser): {result.report_path}")


def _same_as_database(result: Any, top: Any) -> str:
    """Whether the job's best 5 per drug are the database search's (they must be)."""
    first5 = top.groupby("query", sort=False).head(5)
    same = first5["id"].tolist() == result.hits["id"].tolist()
    return "identical" if same else "DIFFERENT (a bug: please report it)"
