"""A heterogeneous network (knowledge graph): typed nodes and one sparse adjacency per edge type.

Nodes keep the order of the node table within their kind: row ``i`` of every matrix whose
rows are Compounds is the ``i``-th Compound of the table. An undirected edge type joining a
kind to itself (Gene–interacts–Gene) is stored symmetric; a directed one (``Gr>G``) as given,
source in rows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.network.hetnet_io import (
    HetnetReport,
    build_adjacencies,
    kind_abbreviations,
    read_tsv,
    with_metaedges,
)
from drugscreen.network.metagraph import Metaedge, Metagraph, Metapath, Step

logger = logging.getLogger("drugscreen")


class Hetnet:
    """Typed nodes and one binary sparse adjacency matrix per metaedge.

    Build with :meth:`from_files` (Hetionet's node TSV and edge SIF) or :meth:`from_tables`.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``id``, ``name``, ``kind``, in the order given.
    metagraph : Metagraph
        Node kinds and metaedges.
    report : HetnetReport
        What loading dropped.

    Examples
    --------
    >>> nodes = pd.DataFrame({"id": ["c1", "g1", "d1"], "kind": ["Compound", "Gene", "Disease"]})
    >>> edges = pd.DataFrame({"source": ["c1", "d1"], "metaedge": ["CbG", "DaG"], "target": ["g1", "g1"]})
    >>> net = Hetnet.from_tables(nodes, edges)
    >>> net.adjacency("CbG").toarray()
    array([[1.]])
    """

    def __init__(
        self,
        nodes: pd.DataFrame,
        metagraph: Metagraph,
        adjacency: Mapping[str, sparse.csr_array],
        report: HetnetReport | None = None,
    ) -> None:
        self.nodes = nodes.reset_index(drop=True)
        self.metagraph = metagraph
        self._adjacency = dict(adjacency)
        self.report = report or HetnetReport(0, 0, 0, 0, 0)
        self._ids = {
            kind: pd.Index(group["id"].to_numpy(), name=kind)
            for kind, group in self.nodes.groupby("kind", sort=False)
        }
        for kind in metagraph.kinds:
            self._ids.setdefault(kind, pd.Index([], dtype=object, name=kind))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_files(
        cls,
        nodes: str | os.PathLike[str],
        edges: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    ) -> Hetnet:
        """Read a node table (``id``, ``name``, ``kind``; TSV, gzip allowed) and edge SIF file(s).

        An edge file has columns ``source``, ``metaedge``, ``target`` (tab-separated, with a
        header), as Hetionet's ``hetionet-v1.0-edges.sif.gz``; give a list to read several
        (e.g. the partial Hetionet file and the extra edge types beside it), an edge in more
        than one counted once. A leading ``~`` in a path is the home directory.
        """
        node_table = read_tsv(nodes, ("id", "kind"), "node table")
        paths = [edges] if isinstance(edges, str | os.PathLike) else list(edges)
        if not paths:
            raise InputError("no edge file given")
        tables = [read_tsv(path, ("source", "metaedge", "target"), "edge file") for path in paths]
        edge_table = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
        return cls.from_tables(node_table, edge_table)

    @classmethod
    def from_tables(
        cls,
        nodes: pd.DataFrame,
        edges: pd.DataFrame,
        *,
        abbreviations: Mapping[str, str] | None = None,
        directed: Iterable[str] = (),
    ) -> Hetnet:
        """Build from a node table and an edge table.

        Parameters
        ----------
        nodes : DataFrame
            ``id`` and ``kind`` columns (``name`` optional); ids unique.
        edges : DataFrame
            ``source``, ``target`` and either ``metaedge`` (abbreviations such as ``"CbG"``,
            ``"Gr>G"``) or ``relation`` (any name, e.g. ``"binds"``).
        abbreviations : mapping, optional
            Abbreviations for kinds and relation names (``{"Compound": "C", "binds": "b"}``).
            By default a kind is abbreviated by the capitals of its words (``Biological
            Process`` → ``BP``) and a relation by its first letter; a clash is an error.
        directed : iterable of str
            Relation names whose edges go from source to target only (with ``relation=``).
        """
        for column in ("id", "kind"):
            if column not in nodes.columns:
                raise InputError(f"node table: no {column!r} column (columns: {list(nodes.columns)})")
        nodes = nodes.copy()
        nodes["id"] = nodes["id"].astype(str)
        nodes["kind"] = nodes["kind"].astype(str)
        if "name" not in nodes.columns:
            nodes["name"] = nodes["id"]
        duplicated = nodes["id"].duplicated()
        if duplicated.any():
            raise InputError(f"node table: id {nodes['id'][duplicated].iloc[0]!r} appears more than once")
        nodes = nodes[["id", "name", "kind"]]
        kind_of = pd.Series(nodes["kind"].to_numpy(), index=nodes["id"].to_numpy())
        edges = with_metaedges(edges, kind_of, dict(abbreviations or {}), set(directed))
        kinds = kind_abbreviations(edges, kind_of, dict(abbreviations or {}), set(nodes["kind"]))
        metagraph = Metagraph(kinds, pd.unique(edges.loc[edges["metaedge"] != "?", "metaedge"]))
        index = {
            str(kind): pd.Index(group["id"].to_numpy()) for kind, group in nodes.groupby("kind", sort=False)
        }
        adjacency, report = build_adjacencies(edges, kind_of, metagraph, index)
        if report.examples:
            logger.warning(
                "hetnet: dropped %d edge records (%d unknown node ids, %d of the wrong kind), e.g. %s",
                report.n_unknown_nodes + report.n_wrong_kind,
                report.n_unknown_nodes,
                report.n_wrong_kind,
                "; ".join(report.examples[:3]),
            )
        return cls(nodes, metagraph, adjacency, report)

    # ------------------------------------------------------------------ access
    def __repr__(self) -> str:
        n_edges = sum(self.n_edges(m) for m in self._adjacency)
        return f"Hetnet({len(self.nodes)} nodes of {len(self.metagraph.kinds)} kinds, {n_edges} edges of {len(self._adjacency)} types)"

    def node_ids(self, kind: str) -> pd.Index:
        """Ids of the nodes of ``kind`` (name or abbreviation), in node-table order."""
        return self._ids[self.metagraph.kind(kind)]

    def positions(self, kind: str, ids: Iterable[str]) -> np.ndarray:
        """Row numbers of ``ids`` among the nodes of ``kind``; an unknown id is an error naming it."""
        index = self.node_ids(kind)
        ids = [str(i) for i in ids]
        found = index.get_indexer(pd.Index(ids))
        if (found < 0).any():
            missing = [i for i, f in zip(ids, found, strict=True) if f < 0]
            raise InputError(f"{len(missing)} id(s) are not {kind} nodes, e.g. {missing[:3]}")
        return found.astype(np.int64)

    def adjacency(self, metaedge: str | Metaedge | Step) -> sparse.csr_array:
        """Binary adjacency of a metaedge (rows: source kind), or of a step as walked."""
        if isinstance(metaedge, Step):
            matrix = self.adjacency(metaedge.metaedge)
            return matrix if metaedge.forward else matrix.T.tocsr()
        name = metaedge.abbreviation if isinstance(metaedge, Metaedge) else metaedge
        if name not in self._adjacency:
            raise InputError(
                f"no metaedge {name!r} in this network (have: {', '.join(sorted(self._adjacency))})"
            )
        return self._adjacency[name]

    def n_edges(self, metaedge: str) -> int:
        """Number of edges of a metaedge (an undirected edge within a kind counted once)."""
        matrix = self.adjacency(metaedge)
        edge = self.metagraph.metaedges[metaedge]
        if edge.source == edge.target and not edge.directed:
            return int((matrix.nnz + matrix.diagonal().astype(bool).sum()) // 2)
        return int(matrix.nnz)

    def parse(self, metapath: str | Metapath) -> Metapath:
        """The metapath an abbreviation names, checked against this network's metagraph."""
        return self.metagraph.parse(metapath)

    def metapaths(self, source: str, target: str, max_length: int = 4, min_length: int = 1) -> list[Metapath]:
        """Every metapath between two node kinds (see :meth:`Metagraph.metapaths`)."""
        return self.metagraph.metapaths(source, target, max_length=max_length, min_length=min_length)

    def degree(self, metaedge: str, kind: str | None = None) -> pd.Series:
        """Edges of ``metaedge`` at each node of ``kind`` (default: its source kind), by id.

        For a directed metaedge within one kind, the source kind's degree is the out-degree;
        pass the reversed step to :meth:`adjacency` for in-degrees.
        """
        edge = self.metaedge(metaedge)
        kind = edge.source if kind is None else self.metagraph.kind(kind)
        matrix = self.adjacency(metaedge)
        if kind == edge.source:
            values = np.asarray(matrix.sum(axis=1)).ravel()
        elif kind == edge.target:
            values = np.asarray(matrix.sum(axis=0)).ravel()
        else:
            raise InputError(f"metaedge {metaedge!r} does not touch {kind} nodes")
        return pd.Series(values.astype(np.int64), index=self.node_ids(kind), name=f"degree_{metaedge}")

    def metaedge(self, name: str) -> Metaedge:
        """The metaedge of an abbreviation; an unknown one is an error listing those there are."""
        edge = self.metagraph.metaedges.get(name)
        if edge is None:
            raise InputError(
                f"no metaedge {name!r} in this network (have: {', '.join(sorted(self.metagraph.metaedges))})"
            )
        return edge

    def edges(self, metaedge: str) -> pd.DataFrame:
        """The edges of a metaedge as ``source``, ``target`` ids (an undirected edge within a kind once)."""
        edge = self.metaedge(metaedge)
        matrix = sparse.coo_array(self.adjacency(metaedge))
        rows, cols = matrix.row, matrix.col
        if edge.source == edge.target and not edge.directed:
            keep = rows <= cols
            rows, cols = rows[keep], cols[keep]
        order = np.lexsort((cols, rows))
        return pd.DataFrame(
            {
                "source": self.node_ids(edge.source)[rows[order]],
                "target": self.node_ids(edge.target)[cols[order]],
            }
        )

    def replace(self, metaedge: str, matrix: sparse.spmatrix | sparse.sparray) -> Hetnet:
        """A copy of this network with one metaedge's adjacency replaced (others shared).

        Used to hold edges out (cross-validation) or to put in permuted edges.
        """
        old = self.adjacency(metaedge)
        if matrix.shape != old.shape:
            raise InputError(f"{metaedge}: new adjacency has shape {matrix.shape}, expected {old.shape}")
        new = sparse.csr_array(matrix, dtype=np.float64, copy=True)
        new.sum_duplicates()
        new.eliminate_zeros()
        new.data[:] = 1.0
        edge = self.metagraph.metaedges[metaedge]
        if edge.source == edge.target and not edge.directed and (new != new.T).nnz:
            raise InputError(f"{metaedge} is undirected: its new adjacency must be symmetric")
        adjacency = dict(self._adjacency)
        adjacency[metaedge] = new
        return Hetnet(self.nodes, self.metagraph, adjacency, self.report)

    def without_edges(self, metaedge: str, pairs: Iterable[tuple[str, str]]) -> Hetnet:
        """A copy without the given ``(source id, target id)`` edges of one metaedge.

        For an undirected metaedge within one kind both directions go.
        """
        edge = self.metaedge(metaedge)
        pairs = list(pairs)
        matrix = self.adjacency(metaedge).tolil(copy=True)
        if pairs:
            rows = self.positions(edge.source, [p[0] for p in pairs])
            cols = self.positions(edge.target, [p[1] for p in pairs])
            matrix[rows, cols] = 0
            if edge.source == edge.target and not edge.directed:
                matrix[cols, rows] = 0
        out = sparse.csr_array(matrix)
        out.eliminate_zeros()
        return self.replace(metaedge, out)
