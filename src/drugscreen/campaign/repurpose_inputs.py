"""A repurposing campaign's inputs: the knowledge graph, the interactome, the diseases, the drugs.

Ids are kept in one namespace across the graph and the tables: a graph node id loses its
``<kind>::`` prefix (``Gene::7157`` → ``7157``, ``Compound::DB00945`` → ``DB00945``,
``Disease::DOID:1612`` → ``DOID:1612``), so a drug–target table, a gene set or an interactome
with bare ids (Entrez genes, DrugBank drugs, as Hetionet's) matches the graph.

A disease given as a gene set (``disease.genes`` or a GMT entry) is added to the graph as a
new disease node with an ``associates`` edge to each of its genes in the graph (and a
``treats`` edge from each drug of ``disease.treatments``), so the knowledge-graph model scores
it as it scores a graph disease: with the zero-shot head when it has no known treatment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from drugscreen.campaign.repurpose_config import RepurposeConfig
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")


def bare(node_id: str, kind: str) -> str:
    """A graph node id without its ``<kind>::`` prefix."""
    prefix = f"{kind}::"
    return node_id[len(prefix) :] if node_id.startswith(prefix) else node_id


def node(bare_id: str, kind: str) -> str:
    """The graph node id of a bare id (``7157`` → ``Gene::7157``)."""
    return bare_id if bare_id.startswith(f"{kind}::") else f"{kind}::{bare_id}"


@dataclass
class Disease:
    """One disease of the campaign: its genes, known treatments and where it came from."""

    id: str
    name: str
    genes: list[str]
    treatments: list[str] = field(default_factory=list)
    added: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "genes": self.genes,
                "treatments": self.treatments, "added": self.added}  # fmt: skip


def read_graph_tables(cfg: RepurposeConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph's node table and all its edge files as one edge table."""
    from drugscreen.network.hetnet_io import read_tsv

    assert cfg.network.nodes is not None
    nodes = read_tsv(cfg.resolve(cfg.network.nodes), ("id", "kind"), "node table")
    edges = [
        read_tsv(cfg.resolve(p), ("source", "metaedge", "target"), "edge file") for p in cfg.network.edges
    ]
    return nodes, pd.concat(edges, ignore_index=True) if len(edges) > 1 else edges[0]


def graph_diseases(cfg: RepurposeConfig, nodes: pd.DataFrame, edges: pd.DataFrame) -> list[Disease]:
    """The graph diseases named by ``disease.ids`` (or all), with their associated genes."""
    net = cfg.network
    kinds = nodes.set_index("id")["kind"]
    names = nodes.set_index("id")["name"] if "name" in nodes.columns else kinds.index.to_series()
    all_ids = nodes.loc[nodes["kind"] == net.disease_kind, "id"].tolist()
    assert cfg.disease.ids is not None
    wanted = all_ids if cfg.disease.ids == ["all"] else [node(i, net.disease_kind) for i in cfg.disease.ids]
    if cfg.disease.ids != ["all"]:
        for given, wanted_id in zip(cfg.disease.ids, wanted, strict=True):
            if kinds.get(wanted_id) != net.disease_kind:
                raise InputError(f"config: disease.ids: {given!r} is not a {net.disease_kind} of the graph")
    assoc = edges[edges["metaedge"] == net.associates]
    treats = edges[edges["metaedge"] == net.treats]
    out = []
    for disease_id in wanted:
        genes = assoc.loc[assoc["source"] == disease_id, "target"].tolist()
        genes += assoc.loc[assoc["target"] == disease_id, "source"].tolist()
        drugs = treats.loc[treats["target"] == disease_id, "source"].tolist()
        out.append(
            Disease(
                id=bare(disease_id, net.disease_kind),
                name=str(names.get(disease_id, disease_id)),
                genes=sorted({bare(g, net.gene_kind) for g in genes}),
                treatments=sorted({bare(d, net.drug_kind) for d in drugs}),
            )
        )
    return out


def user_diseases(cfg: RepurposeConfig) -> list[Disease]:
    """The diseases given as a gene set (``disease.genes``) or GMT / table entries."""
    from drugscreen.network.edgelist import read_gene_sets

    d = cfg.disease
    if d.genes is not None:
        assert d.name is not None
        sets = {d.name: d.genes}
    else:
        assert d.gmt is not None
        sets = read_gene_sets(cfg.resolve(d.gmt), what="disease gene set")
        if d.entries is not None:
            missing = [e for e in d.entries if e not in sets]
            if missing:
                raise InputError(f"config: disease.entries: {missing[0]!r} is not an entry of {d.gmt}")
            sets = {e: sets[e] for e in d.entries}
        if not sets:
            raise InputError(f"config: disease.gmt: {d.gmt} holds no gene set")
    treatments = sorted({bare(t, cfg.network.drug_kind) for t in d.treatments or []})
    out = []
    for name, genes in sets.items():
        disease_id = bare(name, cfg.network.disease_kind)  # "Disease::x" and "x" are one id
        out.append(Disease(id=disease_id, name=disease_id, genes=sorted({bare(g, cfg.network.gene_kind) for g in genes}),
                           treatments=treatments, added=True))  # fmt: skip
    return out


def with_user_diseases(
    cfg: RepurposeConfig, nodes: pd.DataFrame, edges: pd.DataFrame, diseases: list[Disease]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph tables with each added disease as a node and its association / treats edges."""
    net = cfg.network
    new = [d for d in diseases if d.added]
    if not new:
        return nodes, edges
    ids = set(nodes["id"])
    rows, links = [], []
    for d in new:
        disease_node = node(d.id, net.disease_kind)
        if disease_node in ids:
            raise InputError(
                f"config: disease {d.id!r} is already a node of the graph: give it as disease.ids"
            )
        rows.append({"id": disease_node, "name": d.name, "kind": net.disease_kind})
        genes = [node(g, net.gene_kind) for g in d.genes if node(g, net.gene_kind) in ids]
        links += [{"source": disease_node, "metaedge": net.associates, "target": g} for g in genes]
        drugs = [node(c, net.drug_kind) for c in d.treatments if node(c, net.drug_kind) in ids]
        if len(drugs) < len(d.treatments):
            missing = sorted(set(d.treatments) - {bare(c, net.drug_kind) for c in drugs})
            logger.warning("disease %s: treatments %s are not %s nodes of the graph: known, but no treats edge",
                           d.id, ", ".join(missing[:5]), net.drug_kind)  # fmt: skip
        links += [{"source": c, "metaedge": net.treats, "target": disease_node} for c in drugs]
        logger.info("disease %s: added to the graph with %d of its %d genes", d.id, len(genes), len(d.genes))
    nodes = pd.concat([nodes, pd.DataFrame(rows)], ignore_index=True).fillna("")
    return nodes, pd.concat([edges, pd.DataFrame(links)], ignore_index=True)


def drug_table(cfg: RepurposeConfig, nodes: pd.DataFrame | None, edges: pd.DataFrame | None) -> pd.DataFrame:
    """Every drug: ``drug, name, smiles, targets`` (``;``-joined bare gene ids), ``target_source``.

    The drugs are the graph's drug nodes, the drugs of ``drugs.targets`` and of ``drugs.smiles``.
    Targets come from ``drugs.targets`` when given, else from the graph's binding edges.
    """
    from drugscreen.network.edgelist import read_table

    net, d = cfg.network, cfg.drugs
    names: dict[str, str] = {}
    targets: dict[str, set[str]] = {}
    if nodes is not None and edges is not None:
        drugs = nodes[nodes["kind"] == net.drug_kind]
        names.update(
            zip((bare(i, net.drug_kind) for i in drugs["id"]), drugs["name"].astype(str), strict=True)
        )
        if d.targets is None:
            binds = edges[edges["metaedge"] == net.binds]
            for source, target in zip(binds["source"], binds["target"], strict=True):
                targets.setdefault(bare(source, net.drug_kind), set()).add(bare(target, net.gene_kind))
    if d.targets is not None:
        table = read_table(cfg.resolve(d.targets), "drug-target table")
        if table.shape[1] < 2:
            raise InputError(f"drugs.targets {d.targets}: needs a drug column and a gene column")
        # named columns first (a "gene, drug" table is read the right way round), else the first two
        drug_col = "drug" if "drug" in table.columns else table.columns[0]
        gene = "gene" if "gene" in table.columns else next(c for c in table.columns if c != drug_col)
        table = table.dropna(subset=[drug_col, gene])
        if table.empty:
            raise InputError(f"drugs.targets {d.targets}: no drug-target row")
        for drug, target in zip(table[drug_col], table[gene], strict=True):
            drug = bare(str(drug), net.drug_kind)
            targets.setdefault(drug, set()).add(bare(str(target), net.gene_kind))
            names.setdefault(drug, drug)
    smiles: dict[str, str] = {}
    if d.smiles is not None:
        table = read_table(cfg.resolve(d.smiles), "drug structure table")
        for column in (d.id_column, d.smiles_column):
            if column not in table.columns:
                raise InputError(
                    f"drugs.smiles {d.smiles}: no column {column!r} (columns: {list(table.columns)})"
                )
        table = table.dropna(subset=[d.id_column, d.smiles_column])
        smiles = dict(zip(table[d.id_column].astype(str), table[d.smiles_column].astype(str), strict=True))
        if d.name_column in table.columns:
            for drug, name in zip(table[d.id_column].astype(str), table[d.name_column], strict=True):
                if pd.notna(name):
                    names.setdefault(drug, str(name))
        for drug in smiles:
            names.setdefault(drug, drug)
    ids = sorted(names)
    return pd.DataFrame(
        {
            "drug": ids,
            "name": [names[i] for i in ids],
            "smiles": [smiles.get(i) for i in ids],
            "targets": [";".join(sorted(targets.get(i, ()))) for i in ids],
            "target_source": [("table" if d.targets else "graph") if targets.get(i) else "" for i in ids],
        }
    )


def interactome(cfg: RepurposeConfig, edges: pd.DataFrame | None) -> Any:
    """The interaction network: ``network.interactome``, else the graph's gene–gene edges."""
    from drugscreen.network.interactome import Interactome

    net = cfg.network
    if net.interactome is not None:
        return Interactome.from_file(cfg.resolve(net.interactome))
    assert edges is not None
    links = edges[edges["metaedge"] == net.interacts]
    if links.empty:
        raise InputError(
            f"the graph has no {net.interacts} (gene-gene) edges for network proximity: "
            "give network.interactome, or set network.interacts"
        )
    pairs = zip((bare(s, net.gene_kind) for s in links["source"]), (bare(t, net.gene_kind) for t in links["target"]),
                strict=True)  # fmt: skip
    return Interactome.from_edges(list(pairs))
