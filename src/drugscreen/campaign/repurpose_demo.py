"""The demo's repurposing campaign, on a small knowledge graph generated in code.

The graph is Hetionet-shaped (Compound, Gene, Disease; binds, interacts, associates, treats,
resembles edges) with a planted answer: every disease is a module of neighbouring genes, and
its drugs bind genes in or next to it. A quarter of each disease's drugs are left out of the
treats edges ("hidden indications"), so the report shows whether the campaign finds them; some
drugs have a structure but no target (SEA predicts theirs), and four generated herbal formulas
(one aimed at the module, one carried by hub genes, one by a promiscuous ingredient, one
unrelated) exercise the formula panel. It shows the job and the page, not a benchmark.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

N_GENES = 400
N_DISEASES = 8
DRUGS_PER_DISEASE = 8
#: Drugs with a structure and no target: SEA's job.
UNTARGETED = 6

DEMO_CONFIG = """\
# The demo's repurposing campaign (drugscreen demo writes and runs it; see
# docs/guide/repurposing_campaign.rst). The graph is generated: see hidden_indications.csv.
kind = "repurpose"

[disease]
ids = ["DOID:0000001", "DOID:0000002"]

[network]
nodes = "nodes.tsv"
edges = ["edges.sif"]

[drugs]
smiles = "drugs.tsv"
id_column = "drugbank_id"
sea_max_e_value = 0.05           # a small graph: few ligands per target, modest E-values

[model]
seeds = 3

[proximity]
n_random = 200
min_bin_size = 20

[rank]
knowledge = 1.0
proximity = 0.5
top = 15

[formulas]
path = "formulas.tsv"
n_random = 200

[report]
title = "drugscreen demo: repurposing on a generated knowledge graph"
"""


def _interactome(rng: np.random.Generator) -> list[tuple[int, int]]:
    """A connected preferential-attachment graph (hubs, as real interactomes have)."""
    edges = [(0, 1)]
    degree = np.zeros(N_GENES)
    degree[[0, 1]] = 1
    for g in range(2, N_GENES):
        targets = rng.choice(g, size=min(g, 2), replace=False, p=(degree[:g] + 1) / (degree[:g] + 1).sum())
        for t in targets:
            edges.append((int(t), g))
            degree[[t, g]] += 1
    return edges


def _module(rng: np.random.Generator, adjacency: dict[int, set[int]], size: int) -> list[int]:
    """A connected gene module grown from a random seed by breadth-first steps."""
    start = int(rng.integers(N_GENES))
    module, frontier = [start], [start]
    while frontier and len(module) < size:
        gene = frontier.pop(0)
        for n in sorted(adjacency[gene]):
            if n not in module and len(module) < size and rng.random() < 0.6:
                module.append(n)
                frontier.append(n)
    return module


def demo_tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The generated graph's node and edge tables, drug structures, formulas, hidden indications."""
    from drugscreen.screen.demo import demo_library

    rng = np.random.default_rng(seed)
    gig = _interactome(rng)
    adjacency: dict[int, set[int]] = {g: set() for g in range(N_GENES)}
    for a, b in gig:
        adjacency[a].add(b)
        adjacency[b].add(a)
    genes = [f"Gene::{1000 + g}" for g in range(N_GENES)]
    diseases = [f"Disease::DOID:{d + 1:07d}" for d in range(N_DISEASES)]
    modules = [_module(rng, adjacency, 25) for _ in diseases]
    with gzip.open(demo_library(), "rt") as handle:
        smiles = [line.split()[0] for line in handle.read().splitlines()[1:400] if line.strip()]
    edges: list[tuple[str, str, str]] = [(genes[a], "GiG", genes[b]) for a, b in gig]
    drugs: list[str] = []
    hidden: list[tuple[str, str]] = []
    structures: list[tuple[str, str, str]] = []
    for d, module in enumerate(modules):
        edges += [(diseases[d], "DaG", genes[g]) for g in module]
        members = []
        for k in range(DRUGS_PER_DISEASE):
            drug = f"Compound::DB{d * DRUGS_PER_DISEASE + k + 1:05d}"
            members.append(drug)
            near = module + [n for g in module for n in adjacency[g]]
            for t in rng.choice(near, size=int(rng.integers(1, 4)), replace=False):
                edges.append((drug, "CbG", genes[int(t)]))
            if k % 4 == 3:  # a hidden indication: the campaign should find it
                hidden.append((drug, diseases[d]))
            else:
                edges.append((drug, "CtD", diseases[d]))
        drugs += members
        edges += [(a, "CrC", b) for a, b in zip(members[:-1], members[1:], strict=True) if rng.random() < 0.5]
    for d in range(N_DISEASES - 1):
        if set(modules[d]) & set(modules[d + 1]):
            edges.append((diseases[d], "DrD", diseases[d + 1]))
    for i, drug in enumerate(drugs):
        structures.append((drug.split("::")[1], f"drug {i + 1}", smiles[i]))
    for i in range(UNTARGETED):  # a structure like a targeted drug's, and no target
        twin = structures[i * DRUGS_PER_DISEASE]
        structures.append((f"DB9{i:04d}", f"untargeted {i + 1}", twin[2]))
    nodes = pd.DataFrame(
        [(g, f"G{g.split('::')[1]}", "Gene") for g in genes]
        + [(d, f"disease {i + 1}", "Disease") for i, d in enumerate(diseases)]
        + [(f"Compound::{s[0]}", s[1], "Compound") for s in structures],
        columns=["id", "name", "kind"],
    )
    edge_table = pd.DataFrame(edges, columns=["source", "metaedge", "target"])
    hidden_table = pd.DataFrame(hidden, columns=["drug", "disease"])
    hidden_table = hidden_table.map(lambda x: x.split("::", 1)[1])
    hubs = sorted(range(N_GENES), key=lambda g: -len(adjacency[g]))[:6]
    target = modules[0]
    formulas = [("aimed", "herb A", "ingredient A1", target[0]), ("aimed", "herb A", "ingredient A2", target[1]),
                ("aimed", "herb B", "ingredient B1", target[2]),
                ("hub-carried", "herb C", "ingredient C1", hubs[0]), ("hub-carried", "herb C", "ingredient C1", hubs[1]),
                ("hub-carried", "herb D", "ingredient D1", hubs[2]),
                ("unrelated", "herb E", "ingredient E1", modules[-1][0]), ("unrelated", "herb E", "ingredient E2", modules[-1][1])]  # fmt: skip
    # quercetin-like: many targets, some in the module, which carry the formula's score
    many = sorted({*target[3:9], *hubs[3:6], *range(0, N_GENES, 25)})
    formulas += [("promiscuous", "herb F", "quercetin-like", g) for g in many]
    formulas += [("promiscuous", "herb G", "ingredient G1", modules[-2][0])]
    formula_table = pd.DataFrame(formulas, columns=["formula", "herb", "ingredient", "gene"])
    formula_table["gene"] = formula_table["gene"].map(lambda g: str(1000 + int(g)))
    drug_table = pd.DataFrame(structures, columns=["drugbank_id", "name", "smiles"])
    return {"nodes": nodes, "edges": edge_table, "drugs": drug_table, "formulas": formula_table,
            "hidden": hidden_table}  # fmt: skip


def write_repurpose_inputs(directory: Path) -> Path:
    """The demo campaign's generated files and TOML in ``directory``; returns the TOML."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = demo_tables()
    tables["nodes"].to_csv(directory / "nodes.tsv", sep="\t", index=False)
    tables["edges"].to_csv(directory / "edges.sif", sep="\t", index=False)
    tables["drugs"].to_csv(directory / "drugs.tsv", sep="\t", index=False)
    tables["formulas"].to_csv(directory / "formulas.tsv", sep="\t", index=False)
    tables["hidden"].to_csv(directory / "hidden_indications.csv", index=False)
    config = directory / "repurpose.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    return config


def demo_repurpose(out: Path, *, n_jobs: int | None = -1, progress: bool = True) -> Any:
    """Write the inputs to ``out/repurpose-inputs`` and run the campaign in ``out/repurpose``."""
    import dataclasses

    from drugscreen.campaign.config import load_config
    from drugscreen.campaign.runner import run

    config = load_config(write_repurpose_inputs(out / "repurpose-inputs"))
    config = dataclasses.replace(config, run=dataclasses.replace(config.run, n_jobs=n_jobs if n_jobs else -1))
    return run(config, out / "repurpose", progress=progress)
