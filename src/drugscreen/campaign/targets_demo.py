"""The demo's target-discovery campaign, on a gene network generated in code.

The network is the repurposing demo's (preferential attachment, 400 genes, hubs included) with
a planted disease module of 40 neighbouring genes: 24 are the disease's known genes (the seeds),
16 are hidden (``hidden_genes.csv``) — the campaign should rank them high. Genetic evidence
(GWAS locus-to-gene scores and a rare-variant burden test) covers some hidden genes, some seeds
and some unrelated genes, as real evidence does; a drug-target table, library hits and ligands
give tractability and the follow-up screening's actives. It shows the job and the page, not a
benchmark (see ``benchmarks/bench_targets.py``).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.repurpose_demo import N_GENES, _interactome, _module

DEMO_CONFIG = """\
# The demo's target-discovery campaign (drugscreen demo writes and runs it; see
# docs/guide/target_campaign.rst). The network is generated: see hidden_genes.csv.
kind = "targets"
interactome = "interactome.tsv"

[disease]
name = "demo disease"
seeds = "disease_genes.gmt"

[propagation]
method = "heat"
n_permutations = 200

[genetics]
tables = ["gwas_l2g.csv", "burden.csv"]
weights = { gwas = 1.0, burden = 0.8 }

[drugs]
targets = "drug_targets.csv"
library = "library_hits.csv"
ligands = "ligands.csv"

[rank]
top = 20

[report]
title = "drugscreen demo: targets for a generated disease"
"""


def demo_tables(seed: int = 11) -> dict[str, Any]:
    """The generated network, seeds, hidden genes, evidence, drug targets, library hits, ligands."""
    from drugscreen.screen.demo import demo_library

    rng = np.random.default_rng(seed)
    edges = _interactome(rng)
    adjacency: dict[int, set[int]] = {g: set() for g in range(N_GENES)}
    for a, b in edges:
        adjacency[a].add(b)
        adjacency[b].add(a)
    gene = [str(1000 + g) for g in range(N_GENES)]
    module = _module(rng, adjacency, 40)
    order = rng.permutation(len(module))
    seeds = [gene[module[i]] for i in order[:24]]
    hidden = [gene[module[i]] for i in order[24:]]
    others = [g for g in gene if g not in set(seeds) | set(hidden)]
    noise = list(rng.choice(others, size=12, replace=False))
    gwas = [(g, round(float(rng.uniform(0.5, 0.95)), 3)) for g in hidden[:9]]
    gwas += [(g, round(float(rng.uniform(0.3, 0.9)), 3)) for g in seeds[:6]]
    gwas += [(g, round(float(rng.uniform(0.1, 0.6)), 3)) for g in noise[:8]]
    burden = [(g, round(float(rng.uniform(0.6, 1.0)), 3)) for g in hidden[5:9] + noise[8:10]]
    hubs = sorted(range(N_GENES), key=lambda g: -len(adjacency[g]))[:3]
    drug_targets = [(f"DB{10001 + i:05d}", g, i % 2 == 0) for i, g in enumerate(hidden[:4] + seeds[:3])]
    drug_targets += [(f"DB{20001 + i:05d}", gene[h], True) for i, h in enumerate(hubs)]
    library = [(f"CMP{i + 1:04d}", g) for i, g in enumerate(hidden[2:8] + noise[:4])]
    with gzip.open(demo_library(), "rt") as handle:
        smiles = [line.split()[0] for line in handle.read().splitlines()[1:60] if line.strip()]
    ligands = [(g, smiles[5 * k + j], f"{g}_L{j + 1}") for k, g in enumerate(hidden[:8]) for j in range(5)]
    return {
        "edges": pd.DataFrame([(gene[a], gene[b]) for a, b in edges], columns=["gene_a", "gene_b"]),
        "seeds": seeds,
        "hidden": pd.DataFrame({"gene": hidden}),
        "gwas": pd.DataFrame([("demo disease", g, "gwas", s) for g, s in gwas], columns=["disease", "gene", "source", "score"]),
        "burden": pd.DataFrame([("demo disease", g, "burden", s) for g, s in burden],
                               columns=["disease", "gene", "source", "score"]),
        "drug_targets": pd.DataFrame(drug_targets, columns=["drug", "gene", "approved"]),
        "library": pd.DataFrame(library, columns=["compound", "gene"]),
        "ligands": pd.DataFrame(ligands, columns=["gene", "smiles", "id"]),
    }  # fmt: skip


def write_targets_inputs(directory: Path) -> Path:
    """The demo campaign's generated files and TOML in ``directory``; returns the TOML."""
    directory.mkdir(parents=True, exist_ok=True)
    t = demo_tables()
    t["edges"].to_csv(directory / "interactome.tsv", sep="\t", index=False, header=False)
    (directory / "disease_genes.gmt").write_text("demo disease\tgenerated\t" + "\t".join(t["seeds"]) + "\n")
    t["hidden"].to_csv(directory / "hidden_genes.csv", index=False)
    t["gwas"].to_csv(directory / "gwas_l2g.csv", index=False)
    t["burden"].to_csv(directory / "burden.csv", index=False)
    t["drug_targets"].to_csv(directory / "drug_targets.csv", index=False)
    t["library"].to_csv(directory / "library_hits.csv", index=False)
    t["ligands"].to_csv(directory / "ligands.csv", index=False)
    config = directory / "targets.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    return config


def demo_targets(out: Path, *, progress: bool = True) -> Any:
    """Write the inputs to ``out/targets-inputs`` and run the campaign in ``out/targets``."""
    from drugscreen.campaign.config import load_config
    from drugscreen.campaign.runner import run

    return run(load_config(write_targets_inputs(out / "targets-inputs")), out / "targets", progress=progress)
