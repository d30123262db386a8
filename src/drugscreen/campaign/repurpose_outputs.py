"""A repurposing campaign's last step: ``all_scores.parquet``, ``candidates.csv``,
``combinations.csv``, ``formulas.csv`` (with ``[formulas]``) and ``report.html``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pandas as pd

import drugscreen
from drugscreen.campaign.repurpose_steps import RepurposeContext
from drugscreen.report.repurpose_page import DiseaseView, RepurposePage, write_repurpose_report

#: The candidate table's columns (``candidates.csv``), with labels.
COLUMNS = [
    ("rank", "rank"), ("rank_low", "best rank over seeds"), ("rank_high", "worst rank over seeds"),
    ("drug", "drug"), ("drug_name", "name"), ("score", "combined score"), ("evidence", "evidence"),
    ("kg_score", "KG model"), ("kg_sd", "KG sd over seeds"), ("head", "model head"),
    ("z", "proximity z"), ("d", "proximity d"), ("p", "proximity p"), ("n_targets", "targets in network"),
    ("target_source", "targets from"), ("top_metapaths", "top metapaths"), ("nearest targets", "nearest targets"),
    ("nearest_treatment", "most similar treatment"), ("nearest_treatment_similarity", "its Tanimoto"),
    ("known", "known indication"),
]  # fmt: skip
#: The columns of the page's ranked tables (every column is in ``candidates.csv``).
PAGE_COLUMNS = [
    ("rank", "rank"), ("seeds", "rank over seeds"), ("drug_name", "drug"), ("drug", "id"),
    ("score", "combined score"), ("kg_score", "KG model"), ("z", "proximity z"),
    ("target_source", "targets from"), ("top_metapaths", "top metapaths"), ("nearest targets", "nearest targets"),
    ("nearest_treatment", "most similar treatment"), ("nearest_treatment_similarity", "Tanimoto"),
]  # fmt: skip
#: Drug pairs listed on the page per disease (all are in ``combinations.csv``).
PAGE_PAIRS = 25
LIMITATIONS = [
    "A rank is a hypothesis for a chemist or clinician to weigh, not a prediction of efficacy: the "
    "evidence is what the graph and the interactome hold, with their study biases (well-studied genes "
    "and drugs have more edges).",
    "The validation figures are the harness's on Hetionet v1.0 (benchmarks/bench_repurpose.py); they "
    "are not recomputed for this campaign's graph. On diseases it never saw the model loses precision "
    "in the top 10 and 100 to the simple 'drugs treating a similar disease' path count.",
    "Proximity z uses degree-matched random target sets (Guney et al. 2016); its Monte-Carlo error is "
    "about 1/sqrt(n_random) and is not part of the rank range, which is the knowledge-graph model's "
    "spread over seeds.",
    "SEA targets of drugs without a known target are predictions from ligand similarity, marked "
    "'SEA' in 'targets from'.",
]


def _targets_text(value: str) -> str:
    near = json.loads(value) if isinstance(value, str) else []
    return "; ".join(f"{t['target']} (d={t['distance']:g})" for t in near[:3])


def candidates(ctx: RepurposeContext) -> pd.DataFrame:
    """The shortlist of every disease with its evidence in readable columns."""
    rank = ctx.table("rank")
    table = rank[rank["shortlisted"]].copy()
    sea = set(ctx.table("sea")["drug"])
    drugs = ctx.table("inputs").set_index("drug")
    source = drugs["target_source"].to_dict()
    table["target_source"] = [
        ("SEA" if d in sea and not source.get(d) else source.get(d, "")) for d in table["drug"]
    ]
    evidence = ctx.table("evidence")
    table = table.merge(evidence, on=["disease", "drug"], how="left")
    table["top_metapaths"] = [
        ", ".join(m["metapath"] for m in json.loads(v)) if isinstance(v, str) else ""
        for v in table["metapaths"]
    ]
    table["nearest targets"] = table["targets_near"].map(_targets_text)
    return table


def _disease_view(
    ctx: RepurposeContext, disease: Any, table: pd.DataFrame, facts: dict[str, Any]
) -> DiseaseView:
    rows = table[table["disease"] == disease.id]
    records = []
    evidence = {}
    for r in rows.to_dict("records"):
        ev = {"metapaths": json.loads(r["metapaths"]) if isinstance(r["metapaths"], str) else [],
              "targets_near": json.loads(r["targets_near"]) if isinstance(r["targets_near"], str) else []}  # fmt: skip
        evidence[r["drug"]] = ev
        record = {k: _plain(r.get(k)) for k, _ in COLUMNS}
        low, high = record["rank_low"], record["rank_high"]
        record["seeds"] = "" if low is None else (f"{low}" if low == high else f"{low}–{high}")
        records.append(record)
    combos = ctx.table("combinations")
    combos = combos[combos["disease"] == disease.id].head(PAGE_PAIRS).to_dict("records")
    formulas = ctx.table("formulas")
    formula_rows = []
    if "disease" in formulas and len(formulas):
        for f in formulas[formulas["disease"] == disease.id].to_dict("records"):
            f = {k: _plain(v) for k, v in f.items()}
            f["ingredients"] = json.loads(f.get("ingredients") or "[]")
            f["warnings"] = json.loads(f.get("warnings") or "[]")
            formula_rows.append(f)
    rank = ctx.table("rank")
    known = rank[(rank["disease"] == disease.id) & rank["known"] & rank["rank"].notna()]["rank"].astype(float)
    scored = int(rank[(rank["disease"] == disease.id)]["rank"].notna().sum())
    view_facts = [("genes", f"{len(disease.genes):,} ({facts.get('n_network_genes', 0):,} in the interactome)"),
                  ("known treatments", f"{len(disease.treatments):,}"),
                  ("drugs scored", f"{scored:,}")]  # fmt: skip
    if len(known):
        view_facts.append(
            ("known treatments' ranks", f"median {known.median():.0f} of {scored:,} (a check of the ranking)")
        )
    if disease.added:
        view_facts.append(
            ("in the graph", "added from its gene set (scored by the zero-shot head if untreated)")
        )
    return DiseaseView(id=disease.id, name=disease.name, facts=view_facts, candidates=records,
                       evidence=evidence, combinations=[{k: _plain(v) for k, v in c.items()} for c in combos],
                       formulas=formula_rows)  # fmt: skip


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _validation() -> tuple[list[dict[str, Any]], str]:
    from drugscreen.repurpose.validation import harness_summary

    summary = harness_summary()
    names = {"auroc": "AUROC", "auprc": "AUPRC", "mean_group_auroc": "per-disease AUROC",
             "precision_at_10": "precision@10", "precision_at_100": "precision@100", "hits_top": "hits in top 1.58 %"}  # fmt: skip
    protocols = {
        "diseases": "leave diseases out",
        "edges": "leave edges out",
        "external": "external indications",
    }
    rows = [
        {"protocol": protocols.get(w["protocol"], w["protocol"]), "metric": names.get(w["metric"], w["metric"]),
         "model": w["model"], "baseline": w["best baseline"], "its value": w["its value"],
         "model wins": w["model wins"]}
        for w in summary.get("wins", []) if w["network"] == "16 types"
    ]  # fmt: skip
    caption = (f"Hetionet v1.0, 16 edge types; {summary.get('command', '')}, {summary.get('date', '')}. "
               "Not recomputed for this campaign's graph.") if rows else ""  # fmt: skip
    return rows, caption


def _started(ctx: RepurposeContext) -> str:
    """The campaign's start date (``campaign.json``): a resumed run writes the same page."""
    try:
        record = json.loads((ctx.directory / "campaign.json").read_text(encoding="utf-8"))
        return str(record.get("started", ""))[:10]
    except (OSError, ValueError):
        return datetime.date.today().isoformat()


def build_page(ctx: RepurposeContext, table: pd.DataFrame) -> RepurposePage:
    """What the page shows, from the steps' tables and facts."""
    cfg = ctx.config
    inputs = ctx.infos["inputs"]
    facts = {d["id"]: d for d in inputs["diseases"]}
    diseases = ctx.diseases()
    validation, caption = _validation()
    counts = inputs["counts"]
    knowledge = ctx.infos.get("knowledge", {})
    provenance = [
        ("diseases", f"{len(diseases):,}"),
        ("drugs", f"{counts['drugs']:,} ({counts['drugs_with_targets']:,} with a target in the network)"),
        ("SEA-predicted targets", f"{ctx.infos['sea']['counts'].get('predicted_drugs', 0):,} drugs"),
        ("interactome", f"{inputs['network']['genes']:,} genes, {inputs['network']['edges']:,} edges"),
        ("knowledge-graph model", f"{knowledge.get('counts', {}).get('seeds', 0)} seeds, "
                                  f"{knowledge.get('metapaths', 0)} metapaths" if knowledge.get("counts", {}).get("seeds") else "off"),
        ("proximity", f"closest distance, {cfg.proximity.n_random:,} degree-matched draws" if cfg.proximity.enabled else "off"),
        ("weights", f"knowledge graph {cfg.rank.knowledge:g}, proximity {cfg.rank.proximity:g}"),
        ("versions", f"drugscreen {drugscreen.__version__}"),
        ("started", _started(ctx)),
    ]  # fmt: skip
    shown = diseases[: cfg.report.max_diseases]
    views = [_disease_view(ctx, d, table, facts.get(d.id, {})) for d in shown]
    notes = []
    if len(shown) < len(diseases):  # each disease's drawings cost about 0.4 MB of page
        notes.append(f"The page shows the first {len(shown)} of {len(diseases)} diseases (report.max_diseases); "
                     "every disease's candidates, pairs and formulas are in candidates.csv, combinations.csv, "
                     "formulas.csv and all_scores.parquet.")  # fmt: skip
    names = ", ".join(d.name for d in diseases[:3]) + (
        f" and {len(diseases) - 3} more" if len(diseases) > 3 else ""
    )
    config_text = json.dumps(cfg.to_dict(), indent=2, default=str)
    return RepurposePage(title=cfg.report.title, subtitle=f"drugs for {names}", provenance=provenance,
                         columns=PAGE_COLUMNS, diseases=views, validation=validation, validation_caption=caption,
                         notes=notes, limitations=LIMITATIONS, config_text=config_text)  # fmt: skip


def write_outputs(ctx: RepurposeContext) -> list[Path]:
    """Write the report step's files (each atomically) and return their paths."""
    from drugscreen.chem.tables import write_table

    d = ctx.directory
    table = candidates(ctx)
    page = build_page(ctx, table)  # first: a failure leaves the old files whole
    keep = [k for k, _ in COLUMNS if k in table.columns]
    shortlist = table[["disease", "disease_name", *keep]]
    paths = [
        write_table(ctx.table("rank"), d / "all_scores.parquet"),
        write_table(shortlist, d / "candidates.csv"),
    ]
    paths.append(write_table(ctx.table("combinations"), d / "combinations.csv"))
    if ctx.config.formulas.path is not None:
        paths.append(write_table(ctx.table("formulas"), d / "formulas.csv"))
    elif (d / "formulas.csv").is_file():
        # this campaign's own file from a run with [formulas]: it no longer describes the campaign
        (d / "formulas.csv").unlink()
    paths.append(write_repurpose_report(page, d / "report.html"))
    return paths


def report_counts(ctx: RepurposeContext) -> dict[str, int]:
    """The report step's counts: the shortlist's size."""
    return {"shortlist": int(ctx.infos["rank"]["counts"]["shortlist"])}
