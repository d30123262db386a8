"""Small random heterogeneous networks made in code, shared by the hetnet, DWPC and Rephetio tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugscreen.network.hetnet import Hetnet

#: Node kinds and how many of each; metaedges over them (one directed, two within a kind).
KINDS = {"Compound": 6, "Gene": 7, "Disease": 5, "Anatomy": 3}
METAEDGES = {
    "CbG": ("Compound", "Gene"),
    "CrC": ("Compound", "Compound"),
    "CtD": ("Compound", "Disease"),
    "DaG": ("Disease", "Gene"),
    "GiG": ("Gene", "Gene"),
    "Gr>G": ("Gene", "Gene"),
    "DlA": ("Disease", "Anatomy"),
    "AeG": ("Anatomy", "Gene"),
    "DrD": ("Disease", "Disease"),
}


def random_hetnet(seed: int, density: float = 0.35, kinds: dict[str, int] | None = None) -> Hetnet:
    """A random network with every metaedge of METAEDGES; ids like ``Compound::3``."""
    rng = np.random.default_rng(seed)
    kinds = kinds or KINDS
    nodes = pd.DataFrame(
        [
            {"id": f"{kind}::{i}", "name": f"{kind[0].lower()}{i}", "kind": kind}
            for kind, n in kinds.items()
            for i in range(n)
        ]
    )
    rows = []
    for metaedge, (src, tgt) in METAEDGES.items():
        for i in range(kinds[src]):
            for j in range(kinds[tgt]):
                if src == tgt and (i == j or (j < i and ">" not in metaedge)):
                    continue
                if rng.random() < density:
                    rows.append((f"{src}::{i}", metaedge, f"{tgt}::{j}"))
    edges = pd.DataFrame(rows, columns=["source", "metaedge", "target"])
    return Hetnet.from_tables(nodes, edges)


def planted_hetnet(seed: int = 0, n_compounds: int = 60, n_genes: int = 80, n_diseases: int = 16) -> Hetnet:
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


def write_hetnet(net: Hetnet, directory) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Write a network as Hetionet's node TSV and gzipped edge SIF; returns the two paths."""
    nodes = f"{directory}/nodes.tsv"
    edges = f"{directory}/edges.sif.gz"
    net.nodes.to_csv(nodes, sep="\t", index=False)
    table = pd.concat([net.edges(m).assign(metaedge=m) for m in net.metagraph.metaedges])
    table[["source", "metaedge", "target"]].to_csv(edges, sep="\t", index=False)
    return nodes, edges
