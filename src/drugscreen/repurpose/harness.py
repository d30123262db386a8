"""Does a repurposing model hold on indications it never saw? Three protocols, one table.

A compound–disease scorer is judged the way a user meets it: rank every pair it was not
trained on and count the true indications near the top. :func:`~drugscreen.repurpose.harness.evaluate` runs any number of
scorers under the same splits:

``"diseases"`` (leave diseases out)
    Diseases are dealt into folds; every treats edge of a fold's diseases is removed from the
    network before any feature is computed, and all of those diseases' pairs are ranked —
    the "zero-shot" setting of TxGNN's disease-area splits: the model has seen no treatment of
    the disease.
``"edges"`` (leave edges out)
    Treats edges are dealt into folds and removed before features; every pair without a
    training edge is ranked.
``"external"``
    Fit on the whole network; the positives are an indication set that is not an edge of it
    (e.g. MEDI, KEGG and NDF-RT indications mapped to the network's disease ids), ranked
    among every pair without a treats edge of the diseases the set covers.

Metrics (``ranking_metrics``): AUROC, AUPRC with its prevalence, mean per-disease AUROC,
precision at k and hits among the top N pairs. Ties are broken neither for nor against a
scorer: a tie group that straddles a cut-off counts its positives pro rata (their expectation
under a random order), as path-count baselines tie on many pairs.

A scorer is a callable ``scorer(hetnet) -> score matrix`` (``[n_compounds, n_diseases]``,
higher = more likely to treat) that learns from ``hetnet``'s treats edges only;
:func:`~drugscreen.repurpose.harness.baseline_scorers` gives the simple ones every model must beat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from drugscreen.backends.progress import progress_bar
from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.repurpose.harness_metrics import (  # noqa: F401  (part of this module's API)
    PRECISION_AT,
    TOP_SHARE,
    expected_hits,
    ranking_metrics,
)
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

#: A compound–disease scorer: learns from ``hetnet``'s treats edges, scores every pair.
Scorer = Callable[[Hetnet], np.ndarray]

#: The protocols ``evaluate`` knows.
PROTOCOLS = ("diseases", "edges", "external")

#: Path-count baselines (number of paths, no node twice), by metapath.
PATH_BASELINES = ("CbGaD", "CbGbCtD", "CrCtD", "CtDrD")


@dataclass(frozen=True)
class Split:
    """One evaluation: the treats edges to learn from, the pairs to rank and their truth.

    Attributes
    ----------
    protocol, fold : str, int
    train : ndarray of bool
        ``[n_compounds, n_diseases]``: the treats edges left in the network.
    ranked : ndarray of bool
        The pairs the scorer is judged on.
    positive : ndarray of bool
        The true pairs (a subset of ``ranked``).
    hidden : ndarray of bool, optional
        Diseases whose edges of the metaedges named by ``hide`` in :func:`evaluate` are
        removed too (the held-out diseases of :func:`disease_splits`).
    """

    protocol: str
    fold: int
    train: np.ndarray
    ranked: np.ndarray
    positive: np.ndarray
    hidden: np.ndarray | None = None


def disease_splits(labels: np.ndarray, n_folds: int = 5, seed: int = 0) -> list[Split]:
    """Leave diseases out: the diseases with a treats edge dealt into ``n_folds`` folds.

    Diseases are dealt in order of treats degree (ties in random order) so that every fold
    gets its share of well- and little-treated diseases.
    """
    labels = _check_labels(labels)
    n_folds = _check_folds(n_folds)
    degree = labels.sum(axis=0)
    treated = np.flatnonzero(degree > 0)
    if len(treated) < n_folds:
        raise InputError(f"{len(treated)} treated diseases cannot fill {n_folds} folds")
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    order = treated[np.lexsort((rng.random(len(treated)), -degree[treated]))]
    offset = rng.integers(n_folds)
    fold_of = np.full(labels.shape[1], -1)
    fold_of[order] = (np.arange(len(order)) + offset) % n_folds
    splits = []
    for k in range(n_folds):
        held = fold_of == k
        train = labels & ~held[None, :]
        ranked = np.broadcast_to(held[None, :], labels.shape).copy()
        splits.append(Split("diseases", k, train, ranked, labels & ranked, hidden=held))
    return splits


def edge_splits(labels: np.ndarray, n_folds: int = 5, seed: int = 0) -> list[Split]:
    """Leave edges out: the treats edges dealt at random into ``n_folds`` folds."""
    labels = _check_labels(labels)
    n_folds = _check_folds(n_folds)
    rows, cols = np.nonzero(labels)
    if len(rows) < n_folds:
        raise InputError(f"{len(rows)} treats edges cannot fill {n_folds} folds")
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    fold = rng.permutation(np.arange(len(rows)) % n_folds)
    splits = []
    for k in range(n_folds):
        held = np.zeros_like(labels)
        held[rows[fold == k], cols[fold == k]] = True
        train = labels & ~held
        splits.append(Split("edges", k, train, ~train, held))
    return splits


def external_split(
    labels: np.ndarray,
    external: np.ndarray,
    covered: np.ndarray | None = None,
    known: np.ndarray | None = None,
) -> Split:
    """Fit on every treats edge; positives are ``external`` pairs that are not treats edges.

    Ranked are the pairs without a treats edge of the diseases the external source covers:
    ``covered`` (bool per disease), by default those with at least one external pair — a
    disease the source never mentions says nothing about which of its pairs are negatives.
    ``known`` (bool per pair) are other pairs the network already records (e.g. palliates
    edges): neither ranked nor positives, as they are not new.
    """
    labels = _check_labels(labels)
    external = _check_labels(external, "external")
    if external.shape != labels.shape:
        raise InputError(f"external pairs have shape {external.shape}, the pairs are {labels.shape}")
    diseases: np.ndarray
    if covered is None:
        diseases = np.asarray(external.any(axis=0))
    else:
        diseases = np.asarray(covered)
        if diseases.dtype != bool or diseases.shape != (labels.shape[1],):
            raise InputError(
                f"covered must be one True/False per disease ({labels.shape[1]}), "
                f"got {diseases.dtype} of shape {diseases.shape}"
            )
    other = np.zeros_like(labels) if known is None else _check_labels(known, "known")
    if other.shape != labels.shape:
        raise InputError(f"known pairs have shape {other.shape}, the pairs are {labels.shape}")
    ranked = ~labels & ~other & diseases[None, :]
    positive = external & ranked
    if not positive.any():
        raise InputError("no external pair is new: every one is already a known pair")
    return Split("external", 0, labels.copy(), ranked, positive)


def _check_labels(labels: object, name: str = "labels") -> np.ndarray:
    dense = sparse.csr_array(labels).toarray() if sparse.issparse(labels) else np.asarray(labels)
    if dense.ndim != 2:
        raise InputError(f"{name} must be a [n_compounds, n_diseases] matrix, got {dense.ndim} dimension(s)")
    if dense.dtype != bool and not np.isin(dense, (0, 1)).all():
        raise InputError(f"{name} must hold only 0/1 (or True/False) values")
    return dense.astype(bool)


def _check_folds(n_folds: object) -> int:
    return int(check_number("n_folds", n_folds, low=2, integer=True))


def baseline_scorers(
    treats: str = "CtD",
    *,
    paths: Sequence[str] = PATH_BASELINES,
    distance: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, Scorer]:
    """The simple scorers a model must beat, each learning from the network it is given.

    ``compound_degree``, ``disease_degree`` (treats edges of each side), ``degree_product``,
    ``prior`` (:func:`~drugscreen.repurpose.degree_prior`), one path count per metapath in
    ``paths`` (those the network can walk) and, when ``distance`` is given (see
    :func:`~drugscreen.repurpose.network_distance`; it uses no treats edge), ``network_distance``
    = minus that distance.
    """
    from drugscreen.repurpose.dwpc import path_counts
    from drugscreen.repurpose.rephetio_features import degree_prior

    def degrees(net: Hetnet) -> tuple[np.ndarray, np.ndarray]:
        matrix = net.adjacency(treats)
        return (
            np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel(),
            np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel(),
        )

    def compound_degree(net: Hetnet) -> np.ndarray:
        rows, cols = degrees(net)
        return np.repeat(rows[:, None], len(cols), axis=1)

    def disease_degree(net: Hetnet) -> np.ndarray:
        rows, cols = degrees(net)
        return np.repeat(cols[None, :], len(rows), axis=0)

    def degree_product(net: Hetnet) -> np.ndarray:
        rows, cols = degrees(net)
        return rows[:, None] * cols[None, :]

    def prior(net: Hetnet) -> np.ndarray:
        return degree_prior(net.adjacency(treats), seed=seed)

    scorers: dict[str, Scorer] = {
        "compound_degree": compound_degree,
        "disease_degree": disease_degree,
        "degree_product": degree_product,
        "prior": prior,
    }
    for metapath in paths:

        def count(net: Hetnet, metapath: str = metapath) -> np.ndarray:
            return np.asarray(path_counts(net, metapath), dtype=np.float64)

        scorers[metapath] = count
    if distance is not None:
        negative = -np.asarray(distance, dtype=np.float64)
        scorers["network_distance"] = lambda net: negative
    return scorers


def evaluate(
    scorers: Mapping[str, Scorer],
    hetnet: Hetnet,
    splits: Sequence[Split],
    *,
    treats: str = "CtD",
    source: str = "Compound",
    target: str = "Disease",
    top: int | None = None,
    hide: Sequence[str] = (),
    progress: bool = True,
) -> pd.DataFrame:
    """Every scorer on every split: one row per (protocol, fold, scorer) of
    :func:`~drugscreen.repurpose.harness.ranking_metrics`.

    For each split the network's treats edges are replaced by ``split.train`` before any
    scorer sees it, so nothing a scorer computes can use a held-out edge. Per-disease AUROC
    groups the ranked pairs by disease. ``top`` fixes N of the hits (default: the share
    ``TOP_SHARE`` of the ranked pairs). ``hide`` names other metaedges whose edges at a split's
    ``hidden`` diseases are removed too — e.g. ``("CpD",)`` so that a held-out disease's
    palliative treatments do not describe it either.
    """
    if not scorers:
        raise InputError("no scorers to evaluate")
    shape = (len(hetnet.node_ids(source)), len(hetnet.node_ids(target)))
    disease = np.broadcast_to(np.arange(shape[1])[None, :], shape)
    rows = []
    for split in progress_bar(list(splits), desc="evaluation splits", enabled=progress):
        name = f"split {split.protocol}/{split.fold}"
        if not split.train.shape == split.ranked.shape == split.positive.shape == shape:
            raise InputError(f"{name}: train, ranked and positive must all have shape {shape}")
        if (split.positive & split.train).any() or (split.positive & ~split.ranked).any():
            raise InputError(f"{name}: a positive pair is a training edge or is not ranked")
        net = hetnet.replace(treats, sparse.csr_array(split.train.astype(np.float64)))
        if split.hidden is not None:
            for metaedge in hide:
                net = _without_target_edges(net, metaedge, target, split.hidden)
        truth = split.positive[split.ranked]
        for name, scorer in scorers.items():
            scores = np.asarray(scorer(net), dtype=np.float64)
            if scores.shape != shape:
                raise InputError(f"scorer {name!r} returned shape {scores.shape}, expected {shape}")
            metrics = ranking_metrics(truth, scores[split.ranked], disease[split.ranked], top=top)
            rows.append({"protocol": split.protocol, "fold": split.fold, "scorer": name, **metrics})
            logger.info(
                "%s fold %d %s: AUROC %.3f, hits %.1f", split.protocol, split.fold, name,
                metrics["auroc"], metrics["hits_top"],
            )  # fmt: skip
    return pd.DataFrame(rows)


def _without_target_edges(net: Hetnet, metaedge: str, target: str, hidden: np.ndarray) -> Hetnet:
    """``net`` without the ``metaedge`` edges that touch the ``hidden`` nodes of kind ``target``."""
    edge = net.metaedge(metaedge)
    kind = net.metagraph.kind(target)
    if kind not in (edge.source, edge.target) or edge.source == edge.target:
        raise InputError(f"hide: {metaedge} does not join {kind} nodes to another kind")
    matrix = sparse.csr_array(net.adjacency(metaedge)).toarray()
    if edge.target == kind:
        matrix[:, hidden] = 0
    else:
        matrix[hidden, :] = 0
    return net.replace(metaedge, sparse.csr_array(matrix))


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean over folds of each metric, per protocol and scorer (hits summed over folds)."""
    if results.empty:
        raise InputError("no results to summarise")
    metrics = [c for c in results.columns if c not in ("protocol", "fold", "scorer")]
    summed = {"hits_top", "n_positives", "n_pairs", "top"}
    agg = {m: ("sum" if m in summed else "mean") for m in metrics}
    return results.groupby(["protocol", "scorer"], sort=False).agg(agg).reset_index()


def rephetio_scorer(model: object, hetnet: Hetnet) -> Scorer:
    """A :class:`~drugscreen.repurpose.Rephetio` model as a scorer: fitted anew on each network given.

    The DWPC of the metapaths that do not use the treats metaedge is computed on ``hetnet``
    once (on the first call) and reused on a split's network only where each of the
    metapath's metaedges is the very same matrix there; the others (the treats edges, any
    hidden edge type) are recomputed. The model itself is cloned, never fitted in place.
    """
    from sklearn.base import clone

    from drugscreen.repurpose.rephetio import Rephetio
    from drugscreen.repurpose.rephetio_features import metapath_block

    if not isinstance(model, Rephetio):
        raise InputError(f"rephetio_scorer needs a Rephetio model, got {type(model).__name__}")
    model.check_params()
    paths = model.resolve_metapaths(hetnet)
    source, target = hetnet.metagraph.kind(model.source), hetnet.metagraph.kind(model.target)
    fixed = [i for i, p in enumerate(paths) if model.treats not in p.metaedges]
    shared: dict[str, np.ndarray] = {}

    def score(net: Hetnet) -> np.ndarray:
        if "raw" not in shared:  # the metapaths without treats edges, on the network given here
            raw = np.zeros((len(net.node_ids(source)), len(net.node_ids(target)), len(paths)), np.float32)
            raw[:, :, fixed] = metapath_block(
                hetnet, [paths[i] for i in fixed], model.damping, source, target
            )
            shared["raw"] = raw
        raw = shared["raw"].copy()
        # reused only where every metaedge of the metapath is the very same matrix as in
        # ``hetnet`` (Hetnet.replace shares the untouched ones): the treats edges, and any edge
        # type a split hid or changed, are recomputed on this network
        reused = set(fixed) & {
            i
            for i, p in enumerate(paths)
            if all(net.adjacency(m) is hetnet.adjacency(m) for m in p.metaedges)
        }
        changed = [i for i in range(len(paths)) if i not in reused]
        if changed:
            raw[:, :, changed] = metapath_block(
                net, [paths[i] for i in changed], model.damping, source, target
            )
        fitted = clone(model).fit(net, dwpc=raw)
        return fitted.predict()["score"].to_numpy().reshape(raw.shape[:2])

    return score
