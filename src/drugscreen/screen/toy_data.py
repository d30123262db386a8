"""Network-medicine and combination data made in code, for the demo (no download needed).

A scale-free interactome grown by preferential attachment, a disease module planted around one
gene, drugs of which a few have targets next to the module, and dose–response blocks made from
Hill curves (one Bliss-independent, one synergistic, one antagonistic), and a small knowledge
graph whose treats edges follow Compound–binds–Gene–associates–Disease paths. Toy data: they show
the calls and what the scores pick up, nothing about real biology.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugscreen.network.hetnet import Hetnet
from drugscreen.network.interactome import Interactome


def toy_network(n_genes: int = 2000, links: int = 3, seed: int = 7) -> Interactome:
    """A preferential-attachment network: each new gene links to ``links`` earlier genes."""
    rng = np.random.default_rng(seed)
    edges: list[tuple[str, str]] = []
    ends = list(range(links + 1))  # each gene appears once per link end: picks follow degree
    for new in range(links + 1, n_genes):
        chosen = {int(g) for g in rng.choice(ends, size=links)}
        edges += [(f"G{new}", f"G{old}") for old in chosen]
        ends += [*chosen, *([new] * links)]
    return Interactome.from_edges(edges)


def toy_repurposing(
    net: Interactome, n_drugs: int = 40, n_near: int = 8, seed: int = 7
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Drug targets (``drug, gene, near_module``) and one disease module (``disease X``).

    The module is 40 genes within two links of the network's 250th gene; the first ``n_near``
    drugs have targets on or next to it, the others anywhere.
    """
    rng = np.random.default_rng(seed)
    dist = np.asarray(net.distances)
    centre = net.index.get("G250", 0)
    near = np.flatnonzero(dist[centre] <= 2)
    module = list(net.genes[rng.choice(near, size=min(40, len(near)), replace=False)])
    around = np.flatnonzero(dist[net.resolve(module)[0]].min(axis=0) <= 1)
    rows = []
    for i in range(n_drugs):
        pool = around if i < n_near else np.arange(net.n_genes)
        for gene in rng.choice(pool, size=int(rng.integers(1, 6)), replace=False):
            rows.append({"drug": f"drug{i:02d}", "gene": net.genes[gene], "near_module": i < n_near})
    return pd.DataFrame(rows), {"disease X": module}


def toy_blocks(seed: int = 7, noise: float = 1.0) -> pd.DataFrame:
    """Three 6 x 6 dose-response blocks (% inhibition): Bliss-independent (block 1),
    synergistic (2: 60 % of the cells Bliss expects alive survive) and antagonistic (3)."""
    rng = np.random.default_rng(seed)
    doses = np.array([0, 0.1, 0.3, 1, 3, 10])

    def hill(x: float, ec50: float, h: float) -> float:
        return float(100 * x**h / (x**h + ec50**h))

    rows = []
    for block, factor, partner in ((1, 1.0, "drugB"), (2, 0.6, "drugC"), (3, 1.5, "drugD")):
        for x1 in doses:
            for x2 in doses:
                alive = (1 - hill(x1, 1.0, 1.2) / 100) * (1 - hill(x2, 2.0, 0.9) / 100)
                if x1 > 0 and x2 > 0:
                    alive = min(1.0, alive * factor)
                rows.append(
                    {
                        "block_id": block,
                        "drug_row": "drugA",
                        "drug_col": partner,
                        "conc_row": x1,
                        "conc_col": x2,
                        "response": 100 * (1 - alive) + rng.normal(0, noise),
                    }
                )
    return pd.DataFrame(rows)


def toy_hetnet(seed: int = 0, n_compounds: int = 60, n_genes: int = 80, n_diseases: int = 16) -> Hetnet:
    """A network where treats edges follow Compound–binds–Gene–associates–Disease paths.

    Each compound binds 3 genes and each disease is associated with 6; a compound treats a
    disease with probability 0.6 when they share a gene and 0.01 otherwise. Gene–gene and
    compound–compound edges are noise.
    """
    rng = np.random.default_rng(seed)
    kinds = {"Compound": n_compounds, "Gene": n_genes, "Disease": n_diseases}
    nodes = pd.DataFrame(
        [
            {"id": f"{kind}::{i}", "name": f"{kind[0].lower()}{i}", "kind": kind}
            for kind, n in kinds.items()
            for i in range(n)
        ]
    )
    binds = [rng.choice(n_genes, 3, replace=False) for _ in range(n_compounds)]
    genes = [rng.choice(n_genes, 6, replace=False) for _ in range(n_diseases)]
    rows = [(f"Compound::{c}", "CbG", f"Gene::{g}") for c in range(n_compounds) for g in binds[c]]
    rows += [(f"Disease::{d}", "DaG", f"Gene::{g}") for d in range(n_diseases) for g in genes[d]]
    for c in range(n_compounds):
        for d in range(n_diseases):
            shared = len(set(binds[c]) & set(genes[d])) > 0
            if rng.random() < (0.6 if shared else 0.01):
                rows.append((f"Compound::{c}", "CtD", f"Disease::{d}"))
    for _ in range(2 * n_genes):
        a, b = rng.choice(n_genes, 2, replace=False)
        rows.append((f"Gene::{a}", "GiG", f"Gene::{b}"))
    for _ in range(n_compounds):
        a, b = rng.choice(n_compounds, 2, replace=False)
        rows.append((f"Compound::{a}", "CrC", f"Compound::{b}"))
    edges = pd.DataFrame(rows, columns=["source", "metaedge", "target"]).drop_duplicates()
    return Hetnet.from_tables(nodes, edges)
