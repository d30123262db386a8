"""A repurposing campaign's ranking steps: rank, evidence, combinations, formulas.

The combined score of a drug for a disease is a weighted mean of percentile ranks among the
disease's drugs: of the knowledge-graph model's score (weight ``rank.knowledge``) and of the
proximity z-score, lower being better (``rank.proximity``). A drug that lacks one part is scored
by the parts it has (``evidence`` says which). Each seed of the model gives its own rank; their
range is ``rank_low`` – ``rank_high``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import StepOutput
from drugscreen.campaign.repurpose_inputs import node
from drugscreen.campaign.repurpose_steps import RepurposeContext, model

logger = logging.getLogger("drugscreen")


#: Hetionet's relation names by metaedge (its SIF abbreviates them to one letter, ambiguous:
#: ``p`` is palliates, presents and participates), for the drawn paths.
HETIONET_RELATIONS = {
    "CbG": "binds", "CtD": "treats", "CpD": "palliates", "CrC": "resembles", "DrD": "resembles",
    "DaG": "associates", "DuG": "upregulates", "DdG": "downregulates", "DlA": "localizes",
    "GiG": "interacts", "GcG": "covaries", "Gr>G": "regulates", "CuG": "upregulates",
    "CdG": "downregulates", "AuG": "upregulates", "AdG": "downregulates", "AeG": "expresses",
    "CcSE": "causes", "PCiC": "includes", "DpS": "presents", "GpPW": "participates",
}  # fmt: skip


def _percentile(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Percentile rank within each group, 1 for the best (largest); NaN stays NaN."""
    return values.groupby(groups).rank(method="average", pct=True)


def combined_score(table: pd.DataFrame, kg: str | None, weights: tuple[float, float]) -> pd.Series:
    """The weighted mean of the available parts' percentile ranks (NaN where no part is there)."""
    w_kg, w_prox = weights
    parts = []
    if kg is not None and w_kg > 0:
        parts.append((w_kg, _percentile(table[kg], table["disease"])))
    if "z" in table and w_prox > 0:
        parts.append((w_prox, _percentile(-table["z"], table["disease"])))
    num = sum((w * p.fillna(0.0) for w, p in parts), pd.Series(0.0, index=table.index))
    den = sum((w * p.notna() for w, p in parts), pd.Series(0.0, index=table.index))
    return (num / den.where(den > 0)).astype(float)


def _ranks(score: pd.Series, table: pd.DataFrame) -> pd.Series:
    """1 = best score within the disease; ties broken by drug id; NaN score → no rank."""
    order = table.assign(_s=score).sort_values(["disease", "_s", "drug"], ascending=[True, False, True])
    order = order[order["_s"].notna()]
    ranks = order.groupby("disease").cumcount() + 1
    return ranks.reindex(table.index).astype("Int64")


def _nearest_treatments(drugs: pd.DataFrame, diseases: list[Any]) -> pd.DataFrame:
    """For each drug with a structure: the most similar known treatment of each disease (Morgan r2 Tanimoto)."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = {}
    for drug, smiles in zip(drugs["drug"], drugs["smiles"], strict=True):
        mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) else None
        if mol is not None:
            fps[drug] = generator.GetFingerprint(mol)
    ids = list(fps)
    rows = []
    for disease in diseases:
        known = [t for t in disease.treatments if t in fps]
        if not known:
            continue
        sims = np.array([DataStructs.BulkTanimotoSimilarity(fps[t], [fps[i] for i in ids]) for t in known])
        for j, drug in enumerate(ids):
            column = sims[:, j].copy()
            column[[k for k, t in enumerate(known) if t == drug]] = -1.0  # never itself
            best = int(column.argmax())
            if column[best] >= 0:
                rows.append((disease.id, drug, known[best], float(column[best])))
    return pd.DataFrame(
        rows, columns=["disease", "drug", "nearest_treatment", "nearest_treatment_similarity"]
    )


def run_rank(ctx: RepurposeContext) -> StepOutput:
    """Every drug × disease with its evidence, the combined score and rank, and the shortlist."""
    cfg = ctx.config
    drugs = ctx.table("inputs")
    diseases = ctx.diseases()
    grid = pd.DataFrame(
        {
            "disease": np.repeat([d.id for d in diseases], len(drugs)),
            "disease_name": np.repeat([d.name for d in diseases], len(drugs)),
            "drug": np.tile(drugs["drug"].to_numpy(), len(diseases)),
            "drug_name": np.tile(drugs["name"].to_numpy(), len(diseases)),
        }
    )
    kg, prox = ctx.table("knowledge"), ctx.table("proximity")
    table = grid.merge(kg, on=["disease", "drug"], how="left").merge(prox, on=["disease", "drug"], how="left")
    treatments = {(d.id, t) for d in diseases for t in d.treatments}
    pairs = list(zip(table["disease"], table["drug"], strict=True))
    table["known"] = table["known"].fillna(False).astype(bool) | np.array([p in treatments for p in pairs])
    has_kg = not kg.empty
    weights = (cfg.rank.knowledge, cfg.rank.proximity)
    table["score"] = combined_score(table, "kg_score" if has_kg else None, weights)
    table["rank"] = _ranks(table["score"], table)
    seeds = sorted(c for c in table.columns if c.startswith("kg_seed_"))
    if seeds:
        per_seed = np.column_stack(
            [
                _ranks(combined_score(table, s, weights), table).to_numpy(dtype=float, na_value=np.nan)
                for s in seeds
            ]
        )
        # the combined rank (of the mean score) and each seed's own: the range holds them all
        per_seed = np.column_stack([table["rank"].to_numpy(dtype=float, na_value=np.nan), per_seed])
        table["rank_low"] = pd.array(np.nanmin(np.where(np.isnan(per_seed), np.inf, per_seed), axis=1))
        table["rank_high"] = pd.array(np.nanmax(np.where(np.isnan(per_seed), -np.inf, per_seed), axis=1))
        for column in ("rank_low", "rank_high"):
            table[column] = table[column].where(np.isfinite(table[column])).astype("Int64")
        table = table.drop(columns=seeds)
    else:  # without the model there is one ranking: no spread
        table["rank_low"] = table["rank"]
        table["rank_high"] = table["rank"]
    parts = [("knowledge graph", table["kg_score"].notna() & (weights[0] > 0) if has_kg else None),
             ("proximity", table["z"].notna() & (weights[1] > 0))]  # fmt: skip
    table["evidence"] = [
        " + ".join(name for name, mask in parts if mask is not None and mask.iloc[i])
        for i in range(len(table))
    ]
    nearest = _nearest_treatments(drugs, diseases)
    table = table.merge(nearest, on=["disease", "drug"], how="left")
    eligible = table["rank"].notna() & (cfg.rank.include_known | ~table["known"])
    order = table[eligible].sort_values(["disease", "rank"])
    chosen = order.groupby("disease").head(cfg.rank.top).index
    table["shortlisted"] = table.index.isin(chosen)
    table = table.sort_values(["disease", "rank", "drug"], na_position="last", kind="stable").reset_index(
        drop=True
    )
    known_ranks = table.loc[table["known"] & table["rank"].notna(), "rank"].astype(float)
    info = {"known_median_rank": float(known_ranks.median()) if len(known_ranks) else None,
            "scored_per_disease": int(table["rank"].notna().sum() // max(1, len(diseases)))}  # fmt: skip
    counts = {
        "pairs": len(table),
        "scored": int(table["rank"].notna().sum()),
        "shortlist": int(table["shortlisted"].sum()),
    }
    return StepOutput(table, counts=counts, info=info)


def _paths(ctx: RepurposeContext, metapath: str, source: str, target: str) -> list[dict[str, Any]]:
    """Up to ``report.paths`` example paths of one metapath, as node lists for drawing."""
    from drugscreen.errors import InputError
    from drugscreen.repurpose.dwpc import explain

    hetnet = ctx.hetnet()
    try:
        table = explain(hetnet, metapath, source, target, limit=ctx.config.report.paths)
    except InputError as exc:  # too many paths to enumerate: say so rather than stall
        logger.info("evidence: %s %s→%s: %s", metapath, source, target, exc)
        return []
    path = hetnet.parse(metapath)
    names = _node_names(ctx)
    relations = [HETIONET_RELATIONS.get(step.metaedge.abbreviation, step.metaedge.relation)
                 for step in path.steps]  # fmt: skip
    out = []
    for row in table.to_dict("records"):
        ids = [str(row[f"node_{i}"]) for i in range(len(path.kinds))]
        nodes = [{"id": i, "name": names.get(i, i), "kind": k} for i, k in zip(ids, path.kinds, strict=True)]
        out.append({"nodes": nodes, "relations": relations, "share": float(row["share"])})
    return out


def _node_names(ctx: RepurposeContext) -> dict[str, str]:
    """Graph node id → name (empty without a graph)."""

    def make() -> dict[str, str]:
        nodes, _ = ctx.graph_tables()
        return {} if nodes is None else dict(zip(nodes["id"], nodes["name"].astype(str), strict=True))

    return ctx._once("node_names", make)  # type: ignore[no-any-return]


def _near_targets(ctx: RepurposeContext, drug_targets: list[str], genes: list[str]) -> list[dict[str, Any]]:
    """A drug's targets nearest the disease module, with those genes (graph names where known)."""
    from drugscreen.repurpose.proximity import target_contributions

    names, kind = _node_names(ctx), ctx.config.network.gene_kind

    def label(gene: str) -> str:
        name = names.get(node(gene, kind))
        return f"{name} ({gene})" if name and name != gene else gene

    table = target_contributions(ctx.interactome(), drug_targets, genes).head(5)
    return [{"target": label(str(t["target"])), "distance": float(t["distance"]),
             "nearest_genes": [label(g) for g in str(t["nearest_genes"]).split(";")[:5]]}
            for t in table.to_dict("records")]  # fmt: skip


def run_evidence(ctx: RepurposeContext) -> StepOutput:
    """For each shortlisted drug: the model's top metapaths with example paths, and the targets
    nearest the disease module."""
    cfg = ctx.config
    rank = ctx.table("rank")
    short = rank[rank["shortlisted"]]
    use_kg = not ctx.table("knowledge").empty and cfg.report.metapaths > 0
    fitted = model(ctx) if use_kg and not short.empty else None
    in_net = set(ctx.interactome().genes)
    genes = {d.id: [g for g in d.genes if g in in_net] for d in ctx.diseases()}
    targets = ctx.targets()
    in_graph = set(fitted.hetnet_.node_ids(cfg.network.drug_kind)) if fitted is not None else set()
    rows = []
    for row in short[["disease", "drug"]].to_dict("records"):
        disease, drug = str(row["disease"]), str(row["drug"])
        metapaths: list[dict[str, Any]] = []
        if fitted is not None and node(drug, cfg.network.drug_kind) in in_graph:  # table-only drugs: no paths
            source, target = node(drug, cfg.network.drug_kind), node(disease, cfg.network.disease_kind)
            parts = fitted.contributions(source, target)
            parts = parts[parts["feature"].str.startswith("dwpc_") & (parts["contribution"] > 0)]
            for part in parts.head(cfg.report.metapaths).to_dict("records"):
                name = str(part["feature"]).removeprefix("dwpc_")
                paths = _paths(ctx, name, source, target) if cfg.report.paths else []
                metapaths.append(
                    {"metapath": name, "contribution": float(part["contribution"]), "paths": paths}
                )
        drug_targets = [t for t in targets.get(drug, []) if t in in_net]
        near = _near_targets(ctx, drug_targets, genes[disease]) if drug_targets and genes[disease] else []
        rows.append({"disease": disease, "drug": drug, "metapaths": json.dumps(metapaths),
                     "targets_near": json.dumps(near)})  # fmt: skip
    table = pd.DataFrame(rows, columns=["disease", "drug", "metapaths", "targets_near"])
    return StepOutput(table, counts={"explained": len(table)})


def run_combinations(ctx: RepurposeContext) -> StepOutput:
    """Exposure classes (Cheng 2019) of pairs among the top candidates and the current treatments."""
    from drugscreen.combos.separation import EXPOSURE_ORDER, exposure_classes

    cfg, combos = ctx.config, ctx.config.combinations
    columns = ["disease", "drug_a", "drug_b", "exposure", "s_ab", "s_a", "s_b", "z_a", "z_b", "rank",
               "a_is_treatment", "b_is_treatment"]  # fmt: skip
    rank = ctx.table("rank")
    if not combos.enabled:
        return StepOutput(pd.DataFrame(columns=columns), counts={"pairs": 0})
    net = ctx.interactome()
    in_net = set(net.genes)
    targets = {d: [t for t in ts if t in in_net] for d, ts in ctx.targets().items()}
    z = rank.set_index(["disease", "drug"])["z"] if "z" in rank else pd.Series(dtype=float)
    frames = []
    for disease in ctx.diseases():
        genes = [g for g in disease.genes if g in in_net]
        rows = rank[(rank["disease"] == disease.id) & rank["drug"].map(lambda d: bool(targets.get(d)))]
        top = rows[rows["shortlisted"]].head(combos.top)["drug"].tolist()
        current = rows[rows["known"]].head(combos.treatments)["drug"].tolist()
        drugs = list(dict.fromkeys(top + current))
        if len(drugs) < 2 or len(genes) < cfg.disease.min_genes:
            continue
        table = exposure_classes(net, {d: targets[d] for d in drugs}, {disease.id: genes}, n_random=0,
                                 min_bin_size=cfg.proximity.min_bin_size, seed=cfg.run.seed,
                                 n_jobs=cfg.run.n_jobs)  # fmt: skip
        table["z_a"] = z.reindex(list(zip(table["disease"], table["drug_a"], strict=True))).to_numpy()
        table["z_b"] = z.reindex(list(zip(table["disease"], table["drug_b"], strict=True))).to_numpy()
        order = table["exposure"].map({name: i for i, name in enumerate(EXPOSURE_ORDER)})
        table = table.assign(_c=order, _w=np.fmax(table["z_a"], table["z_b"]))
        table = table.sort_values(["_c", "_w", "drug_a", "drug_b"], kind="stable").drop(columns=["_c", "_w"])
        table["rank"] = np.arange(1, len(table) + 1)
        table["a_is_treatment"] = table["drug_a"].isin(current)
        table["b_is_treatment"] = table["drug_b"].isin(current)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    complementary = int((out["exposure"] == "complementary").sum()) if len(out) else 0
    return StepOutput(out, counts={"pairs": len(out), "complementary": complementary})


def run_formulas(ctx: RepurposeContext) -> StepOutput:
    """Multi-ingredient formulas scored as entities against each disease (``[formulas]``)."""
    from drugscreen.combos.formulas import score_formulas
    from drugscreen.combos.formulas_io import read_formulas

    cfg = ctx.config
    if cfg.formulas.path is None:
        return StepOutput(pd.DataFrame(columns=["formula", "disease"]), counts={"formulas": 0})
    formulas = read_formulas(cfg.resolve(cfg.formulas.path))
    net = ctx.interactome()
    in_net = set(net.genes)
    diseases = {d.id: [g for g in d.genes if g in in_net] for d in ctx.diseases()}
    diseases = {k: v for k, v in diseases.items() if len(v) >= cfg.disease.min_genes}
    if not diseases:
        logger.warning(
            "formulas: no disease has %d genes in the interactome: none scored", cfg.disease.min_genes
        )
        return StepOutput(pd.DataFrame(columns=["formula", "disease"]), counts={"formulas": 0})
    scores = score_formulas(net, formulas, diseases, n_random=cfg.formulas.n_random,
                            min_bin_size=cfg.proximity.min_bin_size, seed=cfg.run.seed,
                            n_jobs=cfg.run.n_jobs)  # fmt: skip
    table = scores.formulas.copy()
    ingredients = scores.ingredients
    warnings = scores.warnings
    table["ingredients"] = [
        ingredients[(ingredients["formula"] == f) & (ingredients["disease"] == d)].to_json(orient="records")
        for f, d in zip(table["formula"], table["disease"], strict=True)
    ]
    table["warnings"] = [
        json.dumps(warnings.loc[(warnings["formula"] == f) & (warnings["disease"] == d), "message"].tolist())
        for f, d in zip(table["formula"], table["disease"], strict=True)
    ]
    return StepOutput(table, counts={"formulas": int(table["formula"].nunique()), "warnings": len(warnings)})


#: The steps of this module by name.
RUNNERS = {
    "rank": run_rank,
    "evidence": run_evidence,
    "combinations": run_combinations,
    "formulas": run_formulas,
}
