"""The report step of a target-discovery campaign: ``targets.csv``, ``all_genes.parquet``,
``report.html`` and, when ligands are given, ``top_target_actives.smi`` (the known ligands of
the best-ranked shortlisted target that has any: the actives of a follow-up screening campaign).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

import drugscreen
from drugscreen.campaign.repurpose_outputs import _started
from drugscreen.campaign.targets_steps import TargetsContext
from drugscreen.report.targets_page import TargetsPage, TargetView, write_targets_report

#: The ranked table's columns (key, label) on the page and in ``targets.csv``.
COLUMNS = [("rank", "rank"), ("gene", "gene"), ("score", "score"), ("is_seed", "known gene"),
           ("network", "network"), ("genetics", "genetics"), ("tractability", "tractability"),
           ("network_z", "network z"), ("tractability_class", "tractability class"), ("drugs", "drugs"),
           ("n_compounds", "library compounds"), ("degree", "degree")]  # fmt: skip

LIMITATIONS = [
    "Network propagation ranks genes near the known ones: it recovers held-out genes of a disease "
    "(see the validation figures) but cannot tell a cause from a bystander; hubs sit near everything, "
    "which the permutation z (degree-matched random seed sets) corrects.",
    "A known disease gene scores 1 on the network part: the shortlist mixes known genes and new "
    "candidates (rank.include_seeds).",
    "Genetic evidence is aggregated as given (harmonic sum per source); its quality is the tables'.",
    "Tractability is only what the drug-target and library tables say; an empty class is not "
    "evidence that a target is undruggable.",
]


def _validation(ctx: TargetsContext) -> tuple[list[dict[str, object]], str]:
    tests = ctx.table("validation")
    if tests.empty:
        return [], ""
    rows = tests.groupby("method", sort=False)[["auroc", "recall_20", "recall_100"]].mean().reset_index()
    rows["folds"] = int(tests["fold"].nunique())
    caption = (f"{ctx.config.validation.folds}-fold cross-validation on this disease's "
               f"{int(tests['n_seeds'].iloc[0] + tests['n_positives'].iloc[0])} network genes; "
               "adjacent genes sharing most neighbours stay in one fold; 'degree' ranks by degree alone.")  # fmt: skip
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")], caption


def _views(ctx: TargetsContext, table: pd.DataFrame) -> list[TargetView]:
    net = ctx.interactome()
    seeds = set(table.loc[table["is_seed"], "gene"])
    shortlisted = table[table["shortlist"]]
    candidates = set(shortlisted["gene"])
    evidence = ctx.table("genetics")
    limit = ctx.config.report.neighbours
    views = []
    for row in shortlisted.itertuples(index=False):
        gene = str(row.gene)
        neighbours = []
        for g in net.neighbors(gene) if gene in net.index else []:
            role = "seed" if g in seeds else ("candidate" if g in candidates else "other")
            neighbours.append({"gene": g, "label": g, "role": role})
        order = {"seed": 0, "candidate": 1, "other": 2}
        neighbours.sort(key=lambda n: (order[n["role"]], n["gene"]))
        rows = evidence[evidence["gene"] == gene].sort_values("score", ascending=False)
        drugs = str(getattr(row, "drugs", "") or "")
        facts = [("rank", str(row.rank)), ("score", f"{row.score:.3f}"),
                 ("known disease gene", "yes" if row.is_seed else "no"),
                 ("neighbours", f"{len(neighbours)} ({sum(n['role'] == 'seed' for n in neighbours)} known disease genes)")]  # fmt: skip
        views.append(TargetView(gene=gene, neighbours=neighbours[:limit],
                                evidence=_records(rows[["source", "score", "table"]]),
                                drugs=[d for d in drugs.split(";") if d],
                                n_compounds=int(getattr(row, "n_compounds", 0) or 0), facts=facts))  # fmt: skip
    return views


def top_target_actives(ctx: TargetsContext, table: pd.DataFrame) -> tuple[str, pd.DataFrame] | None:
    """The best-ranked shortlisted target with ligands in ``drugs.ligands``, and its ligands."""
    from drugscreen.network.edgelist import gene_id, read_table

    if ctx.config.drugs.ligands is None:
        return None
    ligands = read_table(ctx.config.resolve(ctx.config.drugs.ligands), "ligand")
    for column in ("gene", "smiles"):
        if column not in ligands.columns:
            from drugscreen.errors import InputError

            raise InputError(f"drugs.ligands: no column {column!r}; columns are {list(ligands.columns)}")
    ligands = ligands.assign(gene=ligands["gene"].map(gene_id))
    for gene in table.loc[table["shortlist"], "gene"]:
        rows = ligands[ligands["gene"] == gene]
        if len(rows):
            ids = rows["id"] if "id" in rows.columns else [f"{gene}_ligand_{i + 1}" for i in range(len(rows))]
            return str(gene), pd.DataFrame({"smiles": rows["smiles"].to_numpy(), "id": list(ids)})
    return None


def build_page(ctx: TargetsContext, table: pd.DataFrame, top: tuple[str, pd.DataFrame] | None) -> TargetsPage:
    """What the page shows, from the steps' tables and facts."""
    cfg = ctx.config
    inputs = ctx.infos["inputs"]
    p = cfg.propagation
    setting = {"rwr": f"restart {p.restart:g}", "heat": f"time {p.time:g}"}.get(p.method, "")
    provenance = [
        ("disease", ctx.name),
        ("known genes", f"{inputs['counts']['seeds']:,} ({inputs['counts']['seeds_in_network']:,} in the network)"),
        ("interactome", f"{inputs['network']['genes']:,} genes, {inputs['network']['edges']:,} edges"),
        ("network method", f"{p.method} {setting}; {p.n_permutations if p.method != 'diamond' else 0} "
                           "degree-matched permutations"),
        ("genetic evidence", f"{ctx.infos['genetics']['counts']['evidence_rows']:,} rows, "
                             f"{len(cfg.genetics.tables)} table(s)"),
        ("weights", f"network {cfg.rank.network:g}, genetics {cfg.rank.genetics:g}, "
                    f"tractability {cfg.rank.tractability:g}"),
        ("versions", f"drugscreen {drugscreen.__version__}"),
        ("started", _started(ctx)),  # type: ignore[arg-type]
    ]  # fmt: skip
    validation, caption = _validation(ctx)
    shortlist = table[table["shortlist"]]
    rows = _records(shortlist[[k for k, _ in COLUMNS if k in table.columns]])
    columns = [(k, label) for k, label in COLUMNS if k in table.columns]
    next_steps = []
    if top is not None:
        next_steps = [f"top target with known ligands: {top[0]} ({len(top[1])} ligands in top_target_actives.smi)",
                      "set actives.path = \"top_target_actives.smi\" (and library.path) in a screening "
                      "config (examples/campaign.toml), then: drugscreen campaign run screening.toml -o screen-out"]  # fmt: skip
    return TargetsPage(title=cfg.report.title, subtitle=f"targets for {ctx.name}", provenance=provenance,
                       columns=columns, rows=rows, targets=_views(ctx, table), validation=validation,
                       validation_caption=caption, next_steps=next_steps, limitations=LIMITATIONS,
                       config_text=json.dumps(cfg.to_dict(), indent=2, default=str))  # fmt: skip


def write_outputs(ctx: TargetsContext) -> list[Path]:
    """Write the report step's files (each atomically) and return their paths."""
    from drugscreen.chem.tables import write_table
    from drugscreen.durable import atomic_path

    d = ctx.directory
    table = ctx.table("rank")
    top = top_target_actives(ctx, table)
    page = build_page(ctx, table, top)  # first: a failure leaves the old files whole
    shortlist = table[table["shortlist"]][[k for k, _ in COLUMNS if k in table.columns]]
    paths = [write_table(table, d / "all_genes.parquet"), write_table(shortlist, d / "targets.csv")]
    actives = d / "top_target_actives.smi"
    if top is not None:
        with atomic_path(actives) as tmp:
            tmp.write_text("".join(f"{s} {i}\n" for s, i in zip(top[1]["smiles"], top[1]["id"], strict=True)))
        paths.append(actives)
    elif actives.is_file():  # this campaign's own file from an earlier run: it no longer applies
        actives.unlink()
    paths.append(write_targets_report(page, d / "report.html"))
    return paths


def report_counts(ctx: TargetsContext) -> dict[str, int]:
    """The report step's counts: the shortlist's size."""
    return {"shortlist": int(ctx.infos["rank"]["counts"]["shortlist"])}


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (what the page's cells format)."""
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in table.to_dict("records")
    ]
