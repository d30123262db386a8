"""A heterogeneous network (knowledge graph): typed nodes and one sparse adjacency per edge type.

Nodes keep the order of the node table within their kind: row ``i`` of every matrix whose
rows are Compounds is the ``i``-th Compound of the table. An undirected edge type joining a
kind to itself (Gene–interacts–Gene) is stored symmetric; a directed one (``Gr>G``) as given,
source in rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.network.metagraph import Metaedge, Metagraph, Metapath, Step

logger = logging.getLogger("drugscreen")

_METAEDGE = re.compile(r"^([A-Z]+)<?[a-z]+>?([A-Z]+)$")
_UNDIRECTED = re.compile(r"^([A-Z]+)([a-z]+)([A-Z]+)$")

#: Hetionet's abbreviations, used for these kinds when no edge names them.
HETIONET_KINDS = {
    "Anatomy": "A",
    "Biological Process": "BP",
    "Cellular Component": "CC",
    "Compound": "C",
    "Disease": "D",
    "Gene": "G",
    "Molecular Function": "MF",
    "Pathway": "PW",
    "Pharmacologic Class": "PC",
    "Side Effect": "SE",
    "Symptom": "S",
}


@dataclass(frozen=True)
class HetnetReport:
    """What building a :class:`~drugscreen.network.Hetnet` kept and dropped.

    Attributes
    ----------
    n_edges_read : int
        Edge records read.
    n_unknown_nodes : int
        Records naming a node id missing from the node table (dropped).
    n_wrong_kind : int
        Records whose ends are not of the kinds their metaedge joins (dropped).
    n_duplicates : int
        Records repeating an edge already read (an undirected edge in either direction).
    n_self_loops : int
        Records joining a node to itself (kept: paths that use them revisit a node and are
        never counted).
    examples : list of str
        Up to five dropped records with the reason, for the log and the user.
    """

    n_edges_read: int
    n_unknown_nodes: int
    n_wrong_kind: int
    n_duplicates: int
    n_self_loops: int
    examples: list[str] = field(default_factory=list)


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
    def from_files(cls, nodes: str | Path, edges: str | Path) -> Hetnet:
        """Read a node table (``id``, ``name``, ``kind``; TSV, gzip allowed) and an edge SIF.

        The edge file has columns ``source``, ``metaedge``, ``target`` (tab-separated, with a
        header), as Hetionet's ``hetionet-v1.0-edges.sif.gz``.
        """
        node_table = _read_tsv(nodes, ("id", "kind"), "node table")
        edge_table = _read_tsv(edges, ("source", "metaedge", "target"), "edge file")
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
        edges = _with_metaedges(edges, kind_of, dict(abbreviations or {}), set(directed))
        kinds = _kind_abbreviations(edges, kind_of, dict(abbreviations or {}), set(nodes["kind"]))
        metagraph = Metagraph(kinds, pd.unique(edges.loc[edges["metaedge"] != "?", "metaedge"]))
        index = {
            str(kind): pd.Index(group["id"].to_numpy()) for kind, group in nodes.groupby("kind", sort=False)
        }
        adjacency, report = _adjacencies(edges, kind_of, metagraph, index)
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


# ---------------------------------------------------------------------- loading helpers
def _read_tsv(path: str | Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what}: no such file {path}")
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment=None)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise InputError(f"{what} {path}: not a readable tab-separated table ({exc})") from exc
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{what} {path}: no {missing} column(s) (columns: {list(table.columns)})")
    return table


def _initials(kind: str) -> str:
    return "".join(word[0].upper() for word in re.split(r"[\s_-]+", kind.strip()) if word)


def _with_metaedges(
    edges: pd.DataFrame, kind_of: pd.Series, abbreviations: dict[str, str], directed: set[str]
) -> pd.DataFrame:
    """The edge table with a ``metaedge`` abbreviation column (derived from ``relation`` if needed)."""
    for column in ("source", "target"):
        if column not in edges.columns:
            raise InputError(f"edge table: no {column!r} column (columns: {list(edges.columns)})")
    edges = edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))
    if "metaedge" in edges.columns:
        return _orient_undirected(edges[["source", "metaedge", "target"]].astype({"metaedge": str}))
    if "relation" not in edges.columns:
        raise InputError("edge table: needs a 'metaedge' (e.g. 'CbG') or a 'relation' column")
    relation = edges["relation"].astype(str)
    rel_abbr = {r: abbreviations.get(r, r[:1].lower()) for r in pd.unique(relation)}
    unknown_directed = directed - set(rel_abbr)
    if unknown_directed:
        raise InputError(f"directed= names relations not in the edge table: {sorted(unknown_directed)}")
    src_kind = edges["source"].map(kind_of)
    tgt_kind = edges["target"].map(kind_of)
    kind_abbr = {k: abbreviations.get(k) or HETIONET_KINDS.get(k) or _initials(k) for k in pd.unique(kind_of)}
    names = {}
    triples = pd.DataFrame({"s": src_kind, "r": relation, "t": tgt_kind}).dropna().drop_duplicates()
    for src, rel, tgt in triples.itertuples(index=False):
        arrow = ">" if rel in directed else ""
        names[(src, rel, tgt)] = f"{kind_abbr[src]}{rel_abbr[rel]}{arrow}{kind_abbr[tgt]}"
    by_name: dict[str, tuple[str, str, str]] = {}
    for key, name in names.items():
        other = by_name.setdefault(name, key)
        if other != key and (other[2], other[1], other[0]) != key:
            raise InputError(
                f"relations {other} and {key} would both be abbreviated {name!r}; pass abbreviations="
            )
    metaedge = [
        names.get((s, r, t), "?") if isinstance(s, str) and isinstance(t, str) else "?"
        for s, r, t in zip(src_kind, relation, tgt_kind, strict=True)
    ]
    # "?" marks a record naming an unknown node; _adjacencies reports it
    out = pd.DataFrame({"source": edges["source"], "metaedge": metaedge, "target": edges["target"]})
    return _orient_undirected(out)


def _orient_undirected(edges: pd.DataFrame) -> pd.DataFrame:
    """One name per undirected metaedge given both ways (``CbG`` and ``GbC``): the more common one.

    Records under the other name are flipped. Ties go to the name that sorts first.
    """
    counts = edges["metaedge"].value_counts()
    canonical: dict[str, str] = {}
    for name in counts.index:
        match = _UNDIRECTED.match(str(name))
        if match is None or match.group(1) == match.group(3):
            continue
        src, relation, tgt = match.groups()
        reverse = f"{tgt}{relation}{src}"
        if reverse not in counts.index or name in canonical or reverse in canonical:
            continue
        keep, drop = sorted((name, reverse), key=lambda n: (-counts[n], n))
        canonical[drop] = keep
    if not canonical:
        return edges
    edges = edges.copy()
    flip = edges["metaedge"].isin(list(canonical)).to_numpy()
    edges.loc[flip, ["source", "target"]] = edges.loc[flip, ["target", "source"]].to_numpy()
    edges.loc[flip, "metaedge"] = edges.loc[flip, "metaedge"].map(canonical)
    logger.info(
        "hetnet: %s written both ways; read as %s", sorted(canonical), sorted(set(canonical.values()))
    )
    return edges


def _kind_abbreviations(
    edges: pd.DataFrame, kind_of: pd.Series, abbreviations: dict[str, str], kinds: set[str]
) -> dict[str, str]:
    """Kind → abbreviation, by majority over the records whose nodes are known.

    A record of the wrong kind (``g1 CbG c1``) is outvoted and then dropped by _adjacencies.
    """
    known = edges[
        (edges["metaedge"] != "?") & edges["source"].isin(kind_of.index) & edges["target"].isin(kind_of.index)
    ]
    votes: dict[tuple[str, str], int] = {}
    for name in pd.unique(edges.loc[edges["metaedge"] != "?", "metaedge"]):
        if _METAEDGE.match(str(name)) is None:
            raise InputError(f"edge table: {name!r} is not a metaedge abbreviation such as 'CbG' or 'Gr>G'")
    table = pd.DataFrame(
        {
            "metaedge": known["metaedge"].to_numpy(),
            "src": known["source"].map(kind_of).to_numpy(),
            "tgt": known["target"].map(kind_of).to_numpy(),
        }
    )
    for key, n in table.value_counts().items():
        name, src_kind, tgt_kind = (str(k) for k in key)  # type: ignore[attr-defined]
        match = _METAEDGE.match(name)
        assert match is not None
        for kind, abbr in ((src_kind, match.group(1)), (tgt_kind, match.group(2))):
            votes[(kind, abbr)] = votes.get((kind, abbr), 0) + int(n)

    def default(kind: str) -> str:
        return abbreviations.get(kind) or HETIONET_KINDS.get(kind) or _initials(kind)

    # most votes first; a tie goes to the kind's usual abbreviation; each abbreviation names one kind
    found: dict[str, str] = {}
    owners: dict[str, str] = {}
    for (kind, abbr), _ in sorted(
        votes.items(), key=lambda kv: (-kv[1], kv[0][1] != default(kv[0][0]), kv[0])
    ):
        if kind not in found and abbr not in owners:
            found[kind], owners[abbr] = abbr, kind
    for kind in sorted(kinds):
        found.setdefault(kind, default(kind))
    return found


def _adjacencies(
    edges: pd.DataFrame, kind_of: pd.Series, metagraph: Metagraph, index: dict[str, pd.Index]
) -> tuple[dict[str, sparse.csr_array], HetnetReport]:
    adjacency = {}
    examples: list[str] = []
    n_unknown = n_wrong = n_dup = n_loops = 0
    known = edges["source"].isin(kind_of.index) & edges["target"].isin(kind_of.index)
    n_unknown = int((~known).sum())
    for row in edges[~known].head(5).itertuples(index=False):
        examples.append(f"{row.source} {row.metaedge} {row.target}: unknown node id")
    edges = edges[known]
    for name, group in edges.groupby("metaedge", sort=False):
        edge = metagraph.metaedges[str(name)]
        ok = (group["source"].map(kind_of) == edge.source).to_numpy() & (
            group["target"].map(kind_of) == edge.target
        ).to_numpy()
        if not ok.all():
            n_wrong += int((~ok).sum())
            for row in group[~ok].head(5 - min(5, len(examples))).itertuples(index=False):
                examples.append(
                    f"{row.source} {row.metaedge} {row.target}: ends are not {edge.source}, {edge.target}"
                )
        group = group[ok]
        rows = index[edge.source].get_indexer(pd.Index(group["source"]))
        cols = index[edge.target].get_indexer(pd.Index(group["target"]))
        n_loops += int(((rows == cols) & (edge.source == edge.target)).sum())
        shape = (len(index[edge.source]), len(index[edge.target]))
        if edge.source == edge.target and not edge.directed:
            lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
            keys = np.unique(lo.astype(np.int64) * shape[1] + hi)
            n_dup += len(rows) - len(keys)
            lo, hi = keys // shape[1], keys % shape[1]
            rows, cols = np.concatenate([lo, hi[lo != hi]]), np.concatenate([hi, lo[lo != hi]])
        else:
            keys = np.unique(rows.astype(np.int64) * shape[1] + cols)
            n_dup += len(rows) - len(keys)
            rows, cols = keys // shape[1], keys % shape[1]
        adjacency[edge.abbreviation] = sparse.csr_array(
            (np.ones(len(rows)), (rows, cols)), shape=shape, dtype=np.float64
        )
    for edge in metagraph.metaedges.values():
        if edge.abbreviation not in adjacency:
            shape = (len(index.get(edge.source, [])), len(index.get(edge.target, [])))
            adjacency[edge.abbreviation] = sparse.csr_array(shape, dtype=np.float64)
    report = HetnetReport(len(edges) + n_unknown, n_unknown, n_wrong, n_dup, n_loops, examples)
    return adjacency, report
