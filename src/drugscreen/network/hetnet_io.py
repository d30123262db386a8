"""Reading a heterogeneous network's node and edge tables into one sparse matrix per metaedge.

Kind abbreviations are read from the metaedge names by majority over the records whose nodes
are known; an undirected metaedge written both ways is one; bad records are counted and dropped.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.network.metagraph import Metagraph
from drugscreen.validate import user_path

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


def read_tsv(path: str | os.PathLike[str], required: tuple[str, ...], what: str) -> pd.DataFrame:
    """A tab-separated table with a header, every value as text (``~`` in ``path`` expanded;
    no comment lines: ``#`` is data)."""
    path = user_path(path)
    if not path.is_file():
        raise InputError(f"{what}: no such file {path} (or not a file)")
    try:
        table = pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, comment=None, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise InputError(f"{what} {path}: not a readable tab-separated table ({exc})") from exc
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{what} {path}: no {missing} column(s) (columns: {list(table.columns)})")
    return table


def _initials(kind: str) -> str:
    return "".join(word[0].upper() for word in re.split(r"[\s_-]+", kind.strip()) if word)


def with_metaedges(
    edges: pd.DataFrame, kind_of: pd.Series, abbreviations: dict[str, str], directed: set[str]
) -> pd.DataFrame:
    """The edge table with a ``metaedge`` abbreviation column (derived from ``relation`` if needed)."""
    for column in ("source", "target"):
        if column not in edges.columns:
            raise InputError(f"edge table: no {column!r} column (columns: {list(edges.columns)})")
    edges = edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))
    if "metaedge" in edges.columns:
        return orient_undirected(edges[["source", "metaedge", "target"]].astype({"metaedge": str}))
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
    # "?" marks a record naming an unknown node; build_adjacencies reports it
    out = pd.DataFrame({"source": edges["source"], "metaedge": metaedge, "target": edges["target"]})
    return orient_undirected(out)


def orient_undirected(edges: pd.DataFrame) -> pd.DataFrame:
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


def kind_abbreviations(
    edges: pd.DataFrame, kind_of: pd.Series, abbreviations: dict[str, str], kinds: set[str]
) -> dict[str, str]:
    """Kind → abbreviation, by majority over the records whose nodes are known.

    A record of the wrong kind (``g1 CbG c1``) is outvoted and then dropped by build_adjacencies.
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


def build_adjacencies(
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
