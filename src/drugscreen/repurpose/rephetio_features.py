"""Features of a Rephetio-style model for every source × target pair (compound × disease).

Three groups, as in Himmelstein et al. (eLife 2017):

- ``dwpc_<metapath>``: ``arcsinh(DWPC / mean DWPC)``, the mean over all pairs of the network
  the features are computed on;
- ``degree_<metaedge>``: ``arcsinh`` of the compound's (or disease's) degree in each metaedge
  that touches it, the labelled metaedge (treats) excluded unless the training features are
  cross-fitted (then a training pair's own edge is never counted);
- ``prior_logit``: the logit of a degree-based prior — the chance that a pair is joined by a
  treats edge in degree-preserving permutations of the treats edges alone, averaged over the
  pairs with the same (compound degree, disease degree).

Rows are pairs in compound-major order: row ``i * n_diseases + j`` is compound ``i``, disease
``j`` of the node table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from drugscreen.network.hetnet import Hetnet
from drugscreen.network.metagraph import Metapath
from drugscreen.network.permute import permute_edges
from drugscreen.repurpose.dwpc import dwpc_features
from drugscreen.validate import check_number

#: The prior is clipped to [PRIOR_FLOOR, 1 - PRIOR_FLOOR] before its logit (never-treated degrees give 0).
PRIOR_FLOOR = 1e-5


def degree_prior(
    treats: sparse.sparray | sparse.spmatrix,
    n_permutations: int = 100,
    multiplier: float = 10.0,
    seed: int = 0,
) -> np.ndarray:
    """Probability of a treats edge for each pair given only the two nodes' treats degrees.

    Permutes the edges ``n_permutations`` times (XSwap, degrees kept) and, for each
    (compound degree, disease degree) combination, divides the edges it received by the
    number of pairs with it and by ``n_permutations``.
    """
    n_permutations = check_number("n_permutations", n_permutations, low=1, integer=True)
    multiplier = check_number("multiplier", multiplier, low=0)
    seed = check_number("seed", seed, low=0, integer=True)
    treats = sparse.csr_array(treats)
    deg_rows = np.asarray(treats.sum(axis=1)).ravel().astype(np.int64)
    deg_cols = np.asarray(treats.sum(axis=0)).ravel().astype(np.int64)
    width = int(deg_cols.max(initial=0)) + 1
    group = deg_rows[:, None] * width + deg_cols[None, :]
    n_groups = int(group.max(initial=0)) + 1
    sizes = np.bincount(group.ravel(), minlength=n_groups)
    hits = np.zeros(n_groups)
    if treats.nnz == 0:
        return np.zeros(treats.shape)
    streams = np.random.SeedSequence(seed).generate_state(n_permutations, dtype=np.uint64)
    for stream in streams:
        permuted, _ = permute_edges(treats, symmetric=False, multiplier=multiplier, seed=int(stream))
        coo = sparse.coo_array(permuted)
        hits += np.bincount(group[coo.row, coo.col], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(sizes > 0, hits / (np.maximum(sizes, 1) * n_permutations), 0.0)
    return rate[group]


def logit(p: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` of ``p`` clipped to ``[PRIOR_FLOOR, 1 - PRIOR_FLOOR]``."""
    p = np.clip(p, PRIOR_FLOOR, 1 - PRIOR_FLOOR)
    return np.log(p / (1 - p))


@dataclass
class PairFeatures:
    """The feature matrix of every pair (``float32[n_pairs, n_features]``) and its column names."""

    values: np.ndarray
    names: list[str]
    shape: tuple[int, int]  # (n_sources, n_targets)
    prior: np.ndarray | None = None  # the degree prior itself, [n_sources, n_targets]


def metapath_block(
    hetnet: Hetnet,
    metapaths: Sequence[Metapath],
    damping: float,
    source: str,
    target: str,
    progress: bool = False,
) -> np.ndarray:
    """Raw DWPC ``float32[n_source, n_target, m]`` of the metapaths (computed in float64)."""
    if not metapaths:
        return np.zeros((len(hetnet.node_ids(source)), len(hetnet.node_ids(target)), 0), dtype=np.float32)
    values, _ = dwpc_features(hetnet, metapaths, damping, progress=progress, out_dtype=np.float32)
    return values


def transform_dwpc(raw: np.ndarray) -> np.ndarray:
    """``arcsinh(DWPC / mean DWPC)`` per metapath over all pairs (a metapath with no path stays 0)."""
    mean = raw.reshape(-1, raw.shape[-1]).mean(axis=0, dtype=np.float64)
    scale = np.where(mean > 0, 1.0 / np.where(mean > 0, mean, 1.0), 0.0).astype(np.float32)
    return np.arcsinh(raw * scale)


def degree_columns(
    hetnet: Hetnet, source: str, target: str, treats: str, with_treats: bool = False
) -> tuple[np.ndarray, list[str]]:
    """``arcsinh`` degrees of each pair's source and target node in every metaedge touching them.

    The labelled metaedge (``treats``) is left out unless ``with_treats``: a training pair's own
    edge would count in it, which is safe only when training features are cross-fitted.
    """
    n_s, n_t = len(hetnet.node_ids(source)), len(hetnet.node_ids(target))
    columns, names = [], []
    for name, edge in sorted(hetnet.metagraph.metaedges.items()):
        if name == treats and not with_treats:
            continue
        for kind, repeat in ((source, "rows"), (target, "cols")):
            if kind not in (edge.source, edge.target):
                continue
            degree = np.arcsinh(hetnet.degree(name, kind).to_numpy(dtype=np.float64)).astype(np.float32)
            grid = np.repeat(degree, n_t) if repeat == "rows" else np.tile(degree, n_s)
            columns.append(grid)
            # the target side is marked when the metaedge could be read as the source's too
            # (a metaedge within one kind, or one joining the two kinds such as treats)
            both = edge.source == edge.target or {source, target} == {edge.source, edge.target}
            names.append(f"degree_{name}_target" if both and kind == target else f"degree_{name}")
    values = np.column_stack(columns) if columns else np.zeros((n_s * n_t, 0), dtype=np.float32)
    return values, names


def pair_features(
    hetnet: Hetnet,
    raw_dwpc: np.ndarray,
    metapaths: Sequence[Metapath],
    *,
    source: str,
    target: str,
    treats: str,
    degrees: bool = True,
    treats_degrees: bool = False,
    prior: bool = True,
    prior_permutations: int = 100,
    seed: int = 0,
) -> PairFeatures:
    """Every feature of every pair, from a raw DWPC block computed on ``hetnet``."""
    n_s, n_t, m = raw_dwpc.shape
    parts = [transform_dwpc(raw_dwpc).reshape(n_s * n_t, m)]
    names = [f"dwpc_{p}" for p in metapaths]
    if degrees:
        values, degree_names = degree_columns(hetnet, source, target, treats, treats_degrees)
        parts.append(values)
        names += degree_names
    p = None
    if prior:
        p = degree_prior(hetnet.adjacency(treats), prior_permutations, seed=seed)
        parts.append(logit(p).reshape(-1, 1).astype(np.float32))
        names.append("prior_logit")
    return PairFeatures(np.hstack(parts), names, (n_s, n_t), p)
