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
from sklearn.metrics import average_precision_score, roc_auc_score

from drugscreen.backends.progress import progress_bar
from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

#: A compound–disease scorer: learns from ``hetnet``'s treats edges, scores every pair.
Scorer = Callable[[Hetnet], np.ndarray]

#: The protocols ``evaluate`` knows.
PROTOCOLS = ("diseases", "edges", "external")

#: Hits are counted in the top ``TOP_SHARE`` of the ranked pairs: Rephetio's 3,301 of 209,168.
TOP_SHARE = 3301 / 209_168

#: Precision is reported at these ranks.
PRECISION_AT = (10, 100)

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


def ranking_metrics(
    truth: np.ndarray,
    score: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    top: int | None = None,
    precision_at: Sequence[int] = PRECISION_AT,
) -> dict[str, float]:
    """AUROC, AUPRC, prevalence, mean per-group AUROC, precision at k and hits in the top N.

    Parameters
    ----------
    truth : ndarray of bool
        The labels of the ranked pairs.
    score : ndarray
        Higher = more likely; NaN ranks last.
    groups : ndarray, optional
        A group (disease) per pair for ``mean_group_auroc``: the mean AUROC over groups with
        at least one positive and one negative (NaN when there is none).
    top : int, optional
        N of ``hits_top``; default ``round(TOP_SHARE · n)``, at least 1.
    precision_at : sequence of int
        The k of ``precision_at_<k>``.

    Returns
    -------
    dict
        ``auroc, auprc, prevalence, mean_group_auroc, hits_top, top, precision_at_<k>...,
        n_positives, n_pairs``. Hits and precisions count a tie group straddling the cut-off
        pro rata.
    """
    truth = np.asarray(truth, dtype=bool).ravel()
    score = _finite(score).ravel()
    if truth.shape != score.shape:
        raise InputError(f"{truth.size} labels but {score.size} scores")
    n_pos = int(truth.sum())
    if n_pos == 0 or n_pos == truth.size:
        raise InputError("ranking metrics need at least one positive and one negative pair")
    n = truth.size
    top = max(1, round(TOP_SHARE * n)) if top is None else int(check_number("top", top, low=1, integer=True))
    out: dict[str, float] = {
        "auroc": float(roc_auc_score(truth, score)),
        "auprc": float(average_precision_score(truth, score)),
        "prevalence": n_pos / n,
        "mean_group_auroc": _mean_group_auroc(truth, score, groups),
        "top": float(min(top, n)),
        "hits_top": expected_hits(truth, score, top),
    }
    for k in precision_at:
        k = int(check_number("precision_at", k, low=1, integer=True))
        out[f"precision_at_{k}"] = expected_hits(truth, score, k) / min(k, n)
    out["n_positives"] = float(n_pos)
    out["n_pairs"] = float(n)
    return out


def expected_hits(truth: np.ndarray, score: np.ndarray, k: int) -> float:
    """Positives among the ``k`` best scores, a tie group at the cut-off counted pro rata."""
    truth = np.asarray(truth, dtype=bool).ravel()
    score = _finite(score).ravel()
    if truth.shape != score.shape:
        raise InputError(f"{truth.size} labels but {score.size} scores")
    k = min(int(check_number("k", k, low=0, integer=True)), score.size)
    if k <= 0:
        return 0.0
    threshold = np.partition(score, score.size - k)[score.size - k]
    above = score > threshold
    tied = score == threshold
    room = k - int(above.sum())
    return float(truth[above].sum() + room * truth[tied].sum() / tied.sum())


def _finite(score: np.ndarray) -> np.ndarray:
    """Scores as float64 with NaN below every number and infinities clipped to the finite range."""
    lowest = -np.finfo(np.float64).max
    return np.nan_to_num(np.asarray(score, dtype=np.float64), nan=lowest, neginf=-1e300, posinf=1e300)


def _mean_group_auroc(truth: np.ndarray, score: np.ndarray, groups: np.ndarray | None) -> float:
    if groups is None:
        return float("nan")
    groups = np.asarray(groups).ravel()
    if groups.shape != truth.shape:
        raise InputError(f"{groups.size} groups for {truth.size} pairs")
    values = []
    for group in np.unique(groups):
        mask = groups == group
        n_pos = truth[mask].sum()
        if 0 < n_pos < mask.sum():
            values.append(roc_auc_score(truth[mask], score[mask]))
    return float(np.mean(values)) if values else float("nan")


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
