"""The steps of a repurposing campaign (``kind = "repurpose"``), their keys and their context.

=============  ===========================================================================
step           table (``steps/<step>.parquet``)
=============  ===========================================================================
inputs         every drug: name, SMILES, targets; the diseases (genes, treatments) in its facts
sea            SEA target predictions for drugs with a structure and no target in the network
knowledge      the knowledge-graph model's score of every drug for every disease, per seed
proximity      closest-distance network proximity d, z, p of every drug to every disease
rank           every drug × disease: combined score and rank, rank range over seeds, known
               indication, the most similar drug already treating the disease, shortlist flag
evidence       for the shortlist: top metapaths, example paths, contributing targets
combinations   Cheng 2019 exposure classes of pairs of top candidates and current treatments
formulas       multi-ingredient formulas scored as entities (when ``[formulas]`` is given)
=============  ===========================================================================

The ranking steps are in :mod:`drugscreen.campaign.repurpose_rank`; the runner is the
screening campaign's (:mod:`drugscreen.campaign.runner`), driven by
:func:`drugscreen.campaign.plans.plan_for`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import drugscreen
from drugscreen.campaign.context import StepOutput, StepTables
from drugscreen.campaign.keys import file_identity
from drugscreen.campaign.repurpose_config import RepurposeConfig
from drugscreen.campaign.repurpose_inputs import Disease, bare
from drugscreen.errors import InputError
from drugscreen.screen.job import digest

logger = logging.getLogger("drugscreen")

#: The steps in the order they run, the last writing the report and the tables.
ALL_STEPS = (
    "inputs",
    "sea",
    "knowledge",
    "proximity",
    "rank",
    "evidence",
    "combinations",
    "formulas",
    "report",
)


@dataclass
class RepurposeContext(StepTables):
    """What every step may read: the configuration, the directory, earlier outputs, loaded inputs."""

    config: RepurposeConfig
    directory: Path
    progress: bool
    client: Any = None
    files: dict[str, Path] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def graph_tables(self) -> tuple[pd.DataFrame, pd.DataFrame] | tuple[None, None]:
        """The graph's node and edge tables with the campaign's added diseases (None without a graph)."""
        from drugscreen.campaign import repurpose_inputs as inputs

        if not self.config.has_graph():
            return None, None

        def make() -> tuple[pd.DataFrame, pd.DataFrame]:
            nodes, edges = inputs.read_graph_tables(self.config)
            return inputs.with_user_diseases(self.config, nodes, edges, self.diseases(nodes, edges))

        return self._once("graph_tables", make)  # type: ignore[no-any-return]

    def hetnet(self) -> Any:
        """The knowledge graph as a :class:`~drugscreen.network.Hetnet` (added diseases included)."""
        from drugscreen.network.hetnet import Hetnet

        nodes, edges = self.graph_tables()
        if nodes is None or edges is None:
            raise InputError("this campaign has no knowledge graph (network.nodes, network.edges)")
        return self._once("hetnet", lambda: Hetnet.from_tables(nodes, edges))

    def interactome(self) -> Any:
        """The interaction network the proximity is measured on."""
        from drugscreen.campaign import repurpose_inputs as inputs

        return self._once("interactome", lambda: inputs.interactome(self.config, self.graph_tables()[1]))

    def diseases(self, nodes: pd.DataFrame | None = None, edges: pd.DataFrame | None = None) -> list[Disease]:
        """The campaign's diseases (read from the inputs step once it has run)."""
        if "inputs" in self.infos:
            fields = Disease.__dataclass_fields__
            return [
                Disease(**{k: v for k, v in d.items() if k in fields})
                for d in self.infos["inputs"]["diseases"]
            ]
        from drugscreen.campaign import repurpose_inputs as inputs

        if self.config.disease.ids is not None:
            if nodes is None or edges is None:
                nodes, edges = inputs.read_graph_tables(self.config)
            return inputs.graph_diseases(self.config, nodes, edges)
        return inputs.user_diseases(self.config)

    def targets(self) -> dict[str, list[str]]:
        """Each drug's targets in the network: its own, else SEA's predictions (drugs without none)."""

        def make() -> dict[str, list[str]]:
            drugs = self.table("inputs")
            own = {d: t.split(";") for d, t in zip(drugs["drug"], drugs["targets"], strict=True) if t}
            sea = self.table("sea")
            for drug, group in sea.groupby("drug", sort=False):
                own.setdefault(str(drug), group["gene"].astype(str).tolist())
            return own

        return self._once("targets", make)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# keys


def repurpose_keys(cfg: RepurposeConfig) -> dict[str, str]:
    """The key of every step: the digest of what decides its output, chained through what it reads."""
    files: dict[str, Any] = {
        name: file_identity(cfg.resolve(path)) if path else None
        for name, path in [
            ("nodes", cfg.network.nodes),
            ("interactome", cfg.network.interactome),
            ("targets", cfg.drugs.targets),
            ("smiles", cfg.drugs.smiles),
            ("gmt", cfg.disease.gmt),
            ("formulas", cfg.formulas.path),
        ]  # fmt: skip
    }
    files["edges"] = [file_identity(cfg.resolve(p)) for p in cfg.network.edges]
    disease = {k: v for k, v in asdict(cfg.disease).items() if k != "min_genes"}
    drugs = {k: v for k, v in asdict(cfg.drugs).items() if not k.startswith("sea")}
    genes = cfg.disease.min_genes
    keys: dict[str, str] = {}
    # what the knowledge graph (with the added diseases) is made of: the model reads only this
    graph = digest({"files": {k: files[k] for k in ("nodes", "edges", "gmt")}, "disease": disease,
                    "network": asdict(cfg.network)})  # fmt: skip
    keys["inputs"] = digest({"graph": graph, "files": files, "drugs": drugs})
    sea = {k: v for k, v in asdict(cfg.drugs).items() if k.startswith("sea")}
    keys["sea"] = digest({"inputs": keys["inputs"], "sea": sea, "seed": cfg.run.seed})
    keys["knowledge"] = digest({"graph": graph, "model": asdict(cfg.model), "seed": cfg.run.seed})
    keys["proximity"] = digest({"sea": keys["sea"], "proximity": asdict(cfg.proximity), "seed": cfg.run.seed,
                                "min_genes": genes})  # fmt: skip
    keys["rank"] = digest({"inputs": keys["inputs"], "knowledge": keys["knowledge"], "proximity": keys["proximity"],
                           "rank": asdict(cfg.rank)})  # fmt: skip
    explain = {"paths": cfg.report.paths, "metapaths": cfg.report.metapaths}
    keys["evidence"] = digest({"rank": keys["rank"], "explain": explain, "min_genes": genes})
    keys["combinations"] = digest({"rank": keys["rank"], "combinations": asdict(cfg.combinations),
                                   "min_bin_size": cfg.proximity.min_bin_size, "min_genes": genes})  # fmt: skip
    keys["formulas"] = digest({"inputs": keys["inputs"], "formulas": asdict(cfg.formulas), "seed": cfg.run.seed,
                               "min_bin_size": cfg.proximity.min_bin_size, "min_genes": genes})  # fmt: skip
    keys["report"] = digest({**{k: keys[k] for k in ALL_STEPS[:-1]}, "report": asdict(cfg.report),
                             "drugscreen": drugscreen.__version__})  # fmt: skip
    return keys


# ---------------------------------------------------------------------------------------------
# steps


def run_inputs(ctx: RepurposeContext) -> StepOutput:
    """Read the graph, the interactome, the diseases and the drugs; check they meet."""
    from drugscreen.campaign.repurpose_inputs import drug_table

    nodes, edges = ctx.graph_tables()
    diseases = ctx.diseases(nodes, edges)
    drugs = drug_table(ctx.config, nodes, edges)
    if nodes is not None and edges is not None:
        check_graph(ctx.config, nodes, edges)
    net = ctx.interactome()
    in_net = set(net.genes)
    facts: list[dict[str, Any]] = []
    for d in diseases:
        n = sum(g in in_net for g in d.genes)
        if d.added and n == 0:
            raise InputError(
                f"disease {d.id!r}: none of its {len(d.genes)} genes is in the interactome "
                f"(ids as the interactome's, e.g. {sorted(in_net)[:2]})"
            )
        facts.append(d.to_dict() | {"n_network_genes": n})
        if n < ctx.config.disease.min_genes:
            logger.warning("disease %s: %d of its genes are in the interactome (fewer than "
                           "disease.min_genes = %d): no proximity", d.id, n, ctx.config.disease.min_genes)  # fmt: skip
    targeted = sum(any(t in in_net for t in ts.split(";")) for ts in drugs["targets"] if ts)
    logger.info(
        "inputs: %d drugs (%d with a target in the network), %d diseases", len(drugs), targeted, len(diseases)
    )
    counts = {"drugs": len(drugs), "drugs_with_targets": int(targeted), "diseases": len(diseases)}
    info = {"diseases": facts, "network": {"genes": int(net.n_genes), "edges": int(net.n_edges)}}
    return StepOutput(drugs, counts=counts, info=info)


def check_graph(cfg: RepurposeConfig, nodes: pd.DataFrame, edges: pd.DataFrame) -> None:
    """The node kinds and metaedges ``[network]`` names are the graph's (one line naming the key)."""
    net = cfg.network
    kinds = set(nodes["kind"])
    for key in ("drug_kind", "disease_kind", "gene_kind"):
        if getattr(net, key) not in kinds:
            raise InputError(f"config: network.{key}: the graph has no {getattr(net, key)!r} nodes "
                             f"(its kinds: {', '.join(sorted(kinds)[:8])})")  # fmt: skip
    metaedges = set(edges["metaedge"])
    needed = [("treats", cfg.model.enabled), ("associates", cfg.disease.ids is not None),
              ("binds", cfg.drugs.targets is None)]  # fmt: skip
    for key, used in needed:
        if used and getattr(net, key) not in metaedges:
            raise InputError(f"config: network.{key}: the graph has no {getattr(net, key)!r} edges "
                             f"(its metaedges: {', '.join(sorted(metaedges)[:12])})")  # fmt: skip


def run_sea(ctx: RepurposeContext) -> StepOutput:
    """SEA target predictions for drugs with a structure and no target in the network."""
    from drugscreen.repurpose.sea import SEA

    cfg, drugs = ctx.config.drugs, ctx.table("inputs")
    columns = ["drug", "gene", "e_value", "max_tc"]
    in_net = set(ctx.interactome().genes)
    has_target = np.array(
        [any(t in in_net for t in ts.split(";")) if ts else False for ts in drugs["targets"]]
    )
    has_smiles = drugs["smiles"].notna().to_numpy()
    queries = drugs[has_smiles & ~has_target]
    ligands = drugs[has_smiles & has_target]
    if not cfg.sea or queries.empty or ligands.empty:
        return StepOutput(pd.DataFrame(columns=columns), counts={"predicted_drugs": 0})
    sets: dict[str, list[str]] = {}
    for smiles, targets in zip(ligands["smiles"], ligands["targets"], strict=True):
        for t in targets.split(";"):
            if t in in_net:
                sets.setdefault(t, []).append(smiles)
    sea = SEA(sets, seed=ctx.config.run.seed, n_jobs=ctx.config.run.n_jobs, progress=ctx.progress).fit()
    hits = sea.predict(dict(zip(queries["drug"], queries["smiles"], strict=True)),
                       max_e_value=cfg.sea_max_e_value, top_k=cfg.sea_top_k)  # fmt: skip
    hits = hits.dropna(subset=["target"]).rename(columns={"query": "drug", "target": "gene"})
    table = hits[columns].reset_index(drop=True)
    return StepOutput(
        table, counts={"queried_drugs": len(queries), "predicted_drugs": int(table["drug"].nunique())}
    )


def run_knowledge(ctx: RepurposeContext) -> StepOutput:
    """The knowledge-graph model, fitted with ``model.seeds`` seeds: every drug's score per disease."""
    columns = ["drug", "disease", "kg_score", "kg_sd", "head", "known"]
    cfg = ctx.config
    if not (cfg.model.enabled and cfg.has_graph()):
        return StepOutput(pd.DataFrame(columns=columns), counts={"seeds": 0})
    wanted = {d.id for d in ctx.diseases()}
    scores = []
    table = pd.DataFrame()
    raw = None
    for s in range(cfg.model.seeds):
        model = fit_model(ctx, seed=cfg.run.seed + s, dwpc=raw)
        if raw is None:
            raw = model.raw_dwpc_
        table = model.predict()
        table = table.rename(columns=dict(zip(table.columns[:2], ["drug_node", "disease_node"], strict=True)))
        keep = table["disease_node"].map(lambda x: bare(x, cfg.network.disease_kind)).isin(wanted).to_numpy()
        scores.append(table.loc[keep, "score"].to_numpy())
        table = table[keep]
        if s == 0:
            ctx._cache["model"] = model
    stacked = np.vstack(scores)
    out = pd.DataFrame(
        {
            "drug": [bare(x, cfg.network.drug_kind) for x in table["drug_node"]],
            "disease": [bare(x, cfg.network.disease_kind) for x in table["disease_node"]],
            "kg_score": stacked.mean(axis=0),
            "kg_sd": stacked.std(axis=0, ddof=1) if len(scores) > 1 else np.zeros(stacked.shape[1]),
            "head": table["head"].to_numpy(),
            "known": table["known"].to_numpy(),
        }
    )
    for s, values in enumerate(scores):
        out[f"kg_seed_{s}"] = values
    counts = {"seeds": len(scores), "pairs": len(out)}
    return StepOutput(out, counts=counts, info={"metapaths": len(ctx._cache["model"].metapaths_)})


def fit_model(ctx: RepurposeContext, *, seed: int, dwpc: np.ndarray | None = None) -> Any:
    """The campaign's knowledge-graph model fitted with one seed (``raw_dwpc_`` kept for reuse)."""
    from drugscreen.repurpose.rephetio import Rephetio
    from drugscreen.repurpose.rephetio_features import metapath_block

    cfg, hetnet = ctx.config, ctx.hetnet()
    net = cfg.network
    model = Rephetio(source=net.drug_kind, target=net.disease_kind, treats=net.treats,
                     max_length=cfg.model.max_length, random_state=seed, progress=ctx.progress)  # fmt: skip
    if dwpc is None:
        kinds = hetnet.metagraph.kind(net.drug_kind), hetnet.metagraph.kind(net.disease_kind)
        dwpc = metapath_block(
            hetnet, model.resolve_metapaths(hetnet), model.damping, *kinds, progress=ctx.progress
        )
    model.fit(hetnet, dwpc=dwpc)
    model.raw_dwpc_ = dwpc
    return model


def model(ctx: RepurposeContext) -> Any:
    """The first seed's fitted model (fitted again, identically, when the campaign resumed)."""
    if "model" not in ctx._cache:
        ctx._cache["model"] = fit_model(ctx, seed=ctx.config.run.seed)
    return ctx._cache["model"]


def run_proximity(ctx: RepurposeContext) -> StepOutput:
    """Closest-distance proximity with degree-matched z-scores (Guney 2016) of every drug."""
    from drugscreen.repurpose.proximity import proximity

    cfg = ctx.config
    columns = ["drug", "disease", "d", "z", "p", "n_targets"]
    net = ctx.interactome()
    in_net = set(net.genes)
    diseases = {d.id: [g for g in d.genes if g in in_net] for d in ctx.diseases()}
    diseases = {k: v for k, v in diseases.items() if len(v) >= cfg.disease.min_genes}
    targets = {d: [t for t in ts if t in in_net] for d, ts in ctx.targets().items()}
    targets = {d: ts for d, ts in targets.items() if ts}
    if not cfg.proximity.enabled or not diseases or not targets:
        return StepOutput(pd.DataFrame(columns=columns), counts={"pairs": 0})
    table = proximity(net, targets, diseases, distance="closest", n_random=cfg.proximity.n_random,
                      min_bin_size=cfg.proximity.min_bin_size,
                      seed=cfg.run.seed, n_jobs=cfg.run.n_jobs, progress=ctx.progress)  # fmt: skip
    table = table[columns].reset_index(drop=True)
    return StepOutput(table, counts={"pairs": len(table), "drugs": len(targets), "diseases": len(diseases)})


#: The steps of this module by name (the ranking steps are in :mod:`~drugscreen.campaign.repurpose_rank`).
RUNNERS = {"inputs": run_inputs, "sea": run_sea, "knowledge": run_knowledge, "proximity": run_proximity}
