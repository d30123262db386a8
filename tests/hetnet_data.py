"""Small random heterogeneous networks made in code, shared by the hetnet, DWPC and Rephetio tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugscreen.network.hetnet import Hetnet
from drugscreen.screen.toy_data import toy_hetnet as planted_hetnet  # noqa: F401  (shared with the demo)

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


def write_hetnet(net: Hetnet, directory) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Write a network as Hetionet's node TSV and gzipped edge SIF; returns the two paths."""
    nodes = f"{directory}/nodes.tsv"
    edges = f"{directory}/edges.sif.gz"
    net.nodes.to_csv(nodes, sep="\t", index=False)
    table = pd.concat([net.edges(m).assign(metaedge=m) for m in net.metagraph.metaedges])
    table[["source", "metaedge", "target"]].to_csv(edges, sep="\t", index=False)
    return nodes, edges
