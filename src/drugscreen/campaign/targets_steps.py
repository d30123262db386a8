"""The steps of a target-discovery campaign (``kind = "targets"``), their keys and their context.

===========  ================================================================================
step         table (``steps/<step>.parquet``)
===========  ================================================================================
inputs       the disease's seed genes: gene, weight, in_network
propagation  every gene: the network method's score, permutation z / p, rank, degree rank
genetics     the evidence rows of the disease (``disease, gene, source, score``), checked
validation   k-fold recovery of the disease's own genes: the method and the degree baseline
rank         every gene: combined score and its parts, tractability, drugs, shortlist flag
===========  ================================================================================

The runner is the screening campaign's (:mod:`drugscreen.campaign.runner`), driven by
:func:`drugscreen.campaign.plans.plan_for`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import drugscreen
from drugscreen.campaign.context import StepOutput, StepTables
from drugscreen.campaign.keys import file_identity
from drugscreen.campaign.targets_config import TargetsConfig
from drugscreen.errors import InputError
from drugscreen.screen.job import digest

logger = logging.getLogger("drugscreen")

ALL_STEPS = ("inputs", "propagation", "genetics", "validation", "rank", "report")


@dataclass
class TargetsContext(StepTables):
    """What every step may read: the configuration, the directory, earlier outputs, the network."""

    config: TargetsConfig
    directory: Path
    progress: bool
    client: Any = None
    files: dict[str, Path] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def interactome(self) -> Any:
        """The gene network (largest component), read once."""
        from drugscreen.network.interactome import Interactome

        if "net" not in self._cache:
            self._cache["net"] = Interactome.from_file(self.config.resolve(self.config.interactome))
        return self._cache["net"]

    @property
    def name(self) -> str:
        """The disease's name."""
        return self.config.disease.name or str(self.config.disease.entry)


def targets_keys(cfg: TargetsConfig) -> dict[str, str]:
    """The key of every step: the digest of what decides its output, chained through what it reads."""
    files = {k: file_identity(cfg.resolve(v)) if v else None
             for k, v in [("interactome", cfg.interactome), ("seeds", cfg.disease.seeds),
                          ("targets", cfg.drugs.targets), ("library", cfg.drugs.library),
                          ("ligands", cfg.drugs.ligands)]}  # fmt: skip
    evidence = [file_identity(cfg.resolve(t)) for t in cfg.genetics.tables]
    keys: dict[str, str] = {}
    keys["inputs"] = digest(
        {"net": files["interactome"], "seeds": files["seeds"], "disease": asdict(cfg.disease)}
    )
    keys["propagation"] = digest({"inputs": keys["inputs"], "propagation": asdict(cfg.propagation),
                                  "seed": cfg.run.seed})  # fmt: skip
    keys["genetics"] = digest({"tables": evidence, "name": cfg.disease.name or cfg.disease.entry})
    method = {k: getattr(cfg.propagation, k) for k in ("method", "restart", "time")}  # what the folds use
    keys["validation"] = digest({"inputs": keys["inputs"], "validation": asdict(cfg.validation),
                                 "method": method, "seed": cfg.run.seed})  # fmt: skip
    keys["rank"] = digest({"propagation": keys["propagation"], "genetics": keys["genetics"],
                           "weights": cfg.genetics.weights, "rank": asdict(cfg.rank),
                           "drugs": [files["targets"], files["library"]]})  # fmt: skip
    keys["report"] = digest({**{k: keys[k] for k in ALL_STEPS[:-1]}, "report": asdict(cfg.report),
                             "ligands": files["ligands"], "drugscreen": drugscreen.__version__})  # fmt: skip
    return keys


def run_inputs(ctx: TargetsContext) -> StepOutput:
    """The disease's seed genes, each marked in or out of the network."""
    from drugscreen.targets.seeds import read_seed_sets

    cfg = ctx.config.disease
    if cfg.genes is not None:
        table = read_seed_sets({ctx.name: cfg.genes})
    else:
        assert cfg.seeds is not None
        table = read_seed_sets(ctx.config.resolve(cfg.seeds))
        wanted = cfg.entry or cfg.name
        if wanted not in set(table["set"]):
            names = ", ".join(sorted(set(table["set"]))[:5])
            raise InputError(
                f"config: disease: {wanted!r} is not an entry of disease.seeds (entries: {names} ...)"
            )
        table = table[table["set"] == wanted]
    net = ctx.interactome()
    seeds = table.drop_duplicates("gene")[["gene", "weight", "source"]].reset_index(drop=True)
    seeds["in_network"] = seeds["gene"].isin(net.index)
    n_in = int(seeds["in_network"].sum())
    if n_in == 0:
        raise InputError(f"disease {ctx.name!r}: none of its {len(seeds)} genes is in the interactome "
                         f"(ids as the interactome's, e.g. {list(net.genes[:2])})")  # fmt: skip
    counts = {"seeds": len(seeds), "seeds_in_network": n_in}
    return StepOutput(
        seeds, counts=counts, info={"network": {"genes": int(net.n_genes), "edges": int(net.n_edges)}}
    )


def _settings(ctx: TargetsContext) -> dict[str, float]:
    p = ctx.config.propagation
    return {"rwr": {"restart": p.restart}, "heat": {"time": p.time}}.get(p.method, {})


def _seeds(ctx: TargetsContext) -> dict[str, dict[str, float]]:
    seeds = ctx.table("inputs")
    seeds = seeds[seeds["in_network"]]
    return {ctx.name: dict(zip(seeds["gene"], seeds["weight"], strict=True))}


def run_propagation(ctx: TargetsContext) -> StepOutput:
    """Every gene ranked by the network method from the seeds (permutation z / p beside)."""
    from drugscreen.targets.prioritize import prioritize

    p = ctx.config.propagation
    permutations = 0 if p.method == "diamond" else p.n_permutations
    table = prioritize(ctx.interactome(), _seeds(ctx), p.method, settings=_settings(ctx),
                       n_permutations=permutations, min_bin_size=p.min_bin_size,
                       random_state=ctx.config.run.seed)  # fmt: skip
    return StepOutput(table.drop(columns="set"), counts={"genes": len(table)})


def run_genetics(ctx: TargetsContext) -> StepOutput:
    """The evidence rows of this disease from every table (one disease per table may omit the name)."""
    from drugscreen.targets.evidence import read_evidence

    frames = []
    for path in ctx.config.genetics.tables:
        rows = read_evidence(ctx.config.resolve(path))
        diseases = set(rows["disease"])
        if ctx.name in diseases:
            rows = rows[rows["disease"] == ctx.name]
        elif len(diseases) > 1:
            logger.warning("genetics table %s has no rows for %r (its diseases: %s); not used",
                           path, ctx.name, ", ".join(sorted(diseases)[:5]))  # fmt: skip
            continue
        frames.append(rows.assign(disease=ctx.name, table=Path(path).name))
    columns = ["disease", "gene", "source", "score", "table"]
    table = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    return StepOutput(table, counts={"evidence_rows": len(table), "genes": int(table["gene"].nunique())})


def run_validation(ctx: TargetsContext) -> StepOutput:
    """k-fold recovery of the disease's own genes (cliques kept together), method and degree."""
    from drugscreen.targets.validation import cross_validate

    cfg = ctx.config
    columns = ["method", "disease", "fold", "n_seeds", "n_positives", "auroc", "recall_20", "recall_100"]
    n_seeds = int(ctx.table("inputs")["in_network"].sum())
    if not cfg.validation.enabled or n_seeds < 2 * cfg.validation.folds:
        if cfg.validation.enabled:
            logger.warning(
                "validation: %d seeds in the network, fewer than 2 x validation.folds; skipped", n_seeds
            )
        return StepOutput(pd.DataFrame(columns=columns), counts={"tests": 0})
    methods = list(dict.fromkeys([cfg.propagation.method, "degree"]))
    result = cross_validate(ctx.interactome(), _seeds(ctx), methods, n_folds=cfg.validation.folds,
                            min_genes=cfg.validation.folds, settings={cfg.propagation.method: _settings(ctx)},
                            random_state=cfg.run.seed)  # fmt: skip
    return StepOutput(result.per_test[columns], counts={"tests": len(result.per_test)})


def run_rank(ctx: TargetsContext) -> StepOutput:
    """Network, genetics and tractability combined; the shortlist flagged."""
    from drugscreen.network.edgelist import read_table
    from drugscreen.targets.combine import combine
    from drugscreen.targets.evidence import aggregate_evidence

    cfg = ctx.config
    evidence = ctx.table("genetics")
    genetics = None
    if cfg.genetics.tables:
        aggregated = aggregate_evidence(evidence.drop(columns="table"), weights=cfg.genetics.weights or None)
        genetics = aggregated[["gene", "score"]]
    drugs = (
        read_table(cfg.resolve(cfg.drugs.targets), "drug target", text=False) if cfg.drugs.targets else None
    )
    library = read_table(cfg.resolve(cfg.drugs.library), "library target") if cfg.drugs.library else None
    weights = {
        "network": cfg.rank.network,
        "genetics": cfg.rank.genetics,
        "tractability": cfg.rank.tractability,
    }
    table = combine(
        ctx.table("propagation"), genetics, drug_targets=drugs, library_targets=library, weights=weights
    )
    candidates = table if cfg.rank.include_seeds else table[~table["is_seed"]]
    table["shortlist"] = table["gene"].isin(candidates["gene"].head(cfg.rank.top))
    extra = ctx.table("propagation").set_index("gene")[["score", "z", "p", "degree"]]
    table = table.join(
        extra.rename(columns={"score": "network_score", "z": "network_z", "p": "network_p"}), on="gene"
    )
    return StepOutput(table, counts={"shortlist": int(table["shortlist"].sum())})


RUNNERS = {"inputs": run_inputs, "propagation": run_propagation, "genetics": run_genetics,
           "validation": run_validation, "rank": run_rank}  # fmt: skip
