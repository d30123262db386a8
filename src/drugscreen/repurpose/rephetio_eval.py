"""Honest evaluation of a Rephetio-style model: held-out edges removed before features.

Cross-validating a path-based model on the graph it was trained on leaks: a held-out treats
edge still shapes the held-out pair's own features (its compound's treats degree, paths
through the edge's neighbours, the prior). :func:`cross_validate` removes each fold's
held-out treats edges from the network, recomputes every feature that depends on them
(metapaths that use the treats metaedge, the prior) and only then fits and scores.
:func:`metapath_aurocs` gives each metapath's own AUROC, on the network and on a
degree-preserving permutation of it; :func:`baselines` the simple scores that any model must
beat (degrees, the prior, network distance).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.metrics import average_precision_score, roc_auc_score

from drugscreen.backends.progress import progress_bar
from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.network.metagraph import Metapath
from drugscreen.network.permute import permute_edges, permute_hetnet
from drugscreen.repurpose.dwpc import check_damping
from drugscreen.repurpose.rephetio import Rephetio
from drugscreen.repurpose.rephetio_features import degree_prior, metapath_block
from drugscreen.repurpose.rephetio_pairs import pair_labels, sample_pairs, without_pairs
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

#: The baselines :func:`baselines` computes, by name.
BASELINES = ("compound_degree", "disease_degree", "degree_product", "prior", "network_distance")


@dataclass
class CVResult:
    """Per-fold metrics and out-of-fold scores of a cross-validation.

    Attributes
    ----------
    folds : DataFrame
        ``fold, model, auroc, auprc, n_positives, n_negatives``; ``model`` is ``rephetio``
        or a baseline name.
    predictions : DataFrame
        ``source, target, label, fold`` and one score column per model, for every held-out pair.
    """

    folds: pd.DataFrame
    predictions: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation over folds of AUROC and AUPRC, per model."""
        grouped = self.folds.groupby("model", sort=False)[["auroc", "auprc"]]
        table = grouped.agg(["mean", "std"])
        table.columns = [f"{column[0]}_{column[1]}" for column in table.columns]
        return table.reset_index()


def cross_validate(
    model: Rephetio,
    hetnet: Hetnet,
    *,
    labels: sparse.sparray | np.ndarray | None = None,
    n_folds: int = 5,
    seed: int = 0,
    permute: bool = False,
    with_baselines: bool = True,
    progress: bool = True,
) -> CVResult:
    """k-fold cross-validation over the treats edges, each fold's edges removed first.

    With ``permute=True`` this is the degree-preserving permutation control: every other
    metaedge is permuted once (XSwap, :func:`~drugscreen.network.permute_hetnet`)
    and each fold's remaining treats edges are permuted after the held-out ones are
    removed, so the features keep every degree of the reduced network and nothing else;
    labels stay the real treats edges. What the model still scores then is degree alone.

    Parameters
    ----------
    model : Rephetio
        Its settings are used (it is not fitted in place).
    hetnet : Hetnet
        The network.
    labels : matrix, optional
        ``[n_source, n_target]`` positives; default the network's treats edges.
    n_folds : int
        Folds over the positives and over the sampled negatives (each pair held out once).
    seed : int
        Seeds the fold assignment and the permutations.
    permute : bool
        Run the permutation control instead (see above).
    with_baselines : bool
        Also score the held-out pairs with :func:`baselines`, computed on the same reduced
        network.

    Every held-out pair is scored by the model's ``"treated"`` head, also where a fold leaves
    a disease with no treats edge; the zero-shot setting is measured by the evaluation
    harness's leave-diseases-out protocol (``drugscreen.repurpose.harness``).
    """
    if not isinstance(model, Rephetio):
        raise InputError(f"cross_validate needs a Rephetio model, got {type(model).__name__}")
    n_folds = check_number("n_folds", n_folds, integer=True)
    if n_folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {n_folds}")
    seed = check_number("seed", seed, low=0, integer=True)
    model.check_params()
    paths = model.resolve_metapaths(hetnet)
    treats = model.treats
    source, target = hetnet.metagraph.kind(model.source), hetnet.metagraph.kind(model.target)
    y = pair_labels(hetnet, source, target, treats, labels)
    if permute:
        others = [m for m in hetnet.metagraph.metaedges if m != treats]
        hetnet, _ = permute_hetnet(hetnet, seed=seed, metaedges=others)
    using = [i for i, p in enumerate(paths) if treats in p.metaedges]
    fixed = sorted(set(range(len(paths))) - set(using))
    raw = np.empty((*y.shape, len(paths)), dtype=np.float32)
    raw[:, :, fixed] = metapath_block(hetnet, [paths[i] for i in fixed], model.damping, source, target)
    rows = model.training_rows(y)
    rng = np.random.default_rng(seed)
    fold = np.empty(len(rows), dtype=np.int64)
    positive = y.ravel()[rows]
    for mask in (positive, ~positive):
        fold[mask] = rng.permutation(np.arange(mask.sum()) % n_folds)
    if positive.sum() < n_folds:
        raise InputError(f"{int(positive.sum())} positives cannot fill {n_folds} folds")
    distance = network_distance(hetnet, source, target) if with_baselines else None
    metrics, held_out = [], []
    for k in progress_bar(range(n_folds), desc="CV folds", enabled=progress):
        test = rows[fold == k]
        train = rows[fold != k]
        reduced = without_pairs(hetnet, treats, test[y.ravel()[test]], raw.shape[:2])
        if permute:
            matrix, _ = permute_edges(reduced.adjacency(treats), symmetric=False, seed=seed + 1 + k)
            reduced = reduced.replace(treats, matrix)
        raw[:, :, using] = metapath_block(reduced, [paths[i] for i in using], model.damping, source, target)
        features = model.features(reduced, raw, paths)
        if model.feature_folds is None:
            x_train = features.values[train]
        else:  # cross-fitted as in Rephetio.fit: no training pair's features see its own edge
            edges = reduced.adjacency(treats).toarray().astype(bool)
            x_train = model.crossfit_features(reduced, raw, paths, edges, train)
        classifier = model.fit_classifier(x_train, y.ravel()[train], features.names)
        scores = {"rephetio": classifier.decision_function(features.values[test])}
        if with_baselines:
            found = baselines(
                reduced, treats, source, target, distance, prior=features.prior, seed=model.random_state
            )
            for name, values in found.items():
                scores[name] = values.ravel()[test]
        truth = y.ravel()[test]
        for name, score in scores.items():
            metrics.append({"fold": k, "model": name, **_metrics(truth, score)})
        i, j = np.divmod(test, raw.shape[1])
        held_out.append(
            pd.DataFrame(
                {
                    "source": hetnet.node_ids(source)[i],
                    "target": hetnet.node_ids(target)[j],
                    "label": truth,
                    "fold": k,
                    **scores,
                }
            )
        )
    return CVResult(pd.DataFrame(metrics), pd.concat(held_out, ignore_index=True))


def _metrics(truth: np.ndarray, score: np.ndarray) -> dict[str, float | int]:
    score = np.nan_to_num(
        np.asarray(score, dtype=np.float64), nan=-1e300, neginf=-1e300, posinf=1e300
    )  # NaN ranks last
    return {
        "auroc": float(roc_auc_score(truth, score)),
        "auprc": float(average_precision_score(truth, score)),
        "n_positives": int(truth.sum()),
        "n_negatives": int((~truth).sum()),
    }


def baselines(
    hetnet: Hetnet,
    treats: str = "CtD",
    source: str = "Compound",
    target: str = "Disease",
    distance: np.ndarray | None = None,
    *,
    prior: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Simple scores of every pair, ``[n_source, n_target]`` each, higher = more likely treats.

    ``compound_degree`` and ``disease_degree`` (treats edges of each side), their product,
    the degree ``prior`` (:func:`~drugscreen.repurpose.degree_prior`) and
    ``network_distance``: minus the closest distance between the compound's targets and the
    disease's genes (pass :func:`network_distance`'s result; skipped when None). A ``prior``
    already computed on this network is used as it is.
    """
    matrix = hetnet.adjacency(treats)
    rows = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    cols = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    out = {
        "compound_degree": np.repeat(rows[:, None], len(cols), axis=1),
        "disease_degree": np.repeat(cols[None, :], len(rows), axis=0),
        "degree_product": rows[:, None] * cols[None, :],
        "prior": degree_prior(matrix, seed=seed) if prior is None else prior,
    }
    if distance is not None:
        out["network_distance"] = -distance
    return out


def network_distance(
    hetnet: Hetnet,
    source: str = "Compound",
    target: str = "Disease",
    *,
    targets: str = "CbG",
    genes: str = "DaG",
    interactome: str = "GiG",
) -> np.ndarray | None:
    """Closest distance (Guney et al. 2016) between each compound's targets and each disease's genes.

    Over the network's gene–gene layer (``interactome``, largest component); NaN where a
    side has no gene in it. None (with a log line) when a needed metaedge is missing.
    """
    from drugscreen.network.interactome import Interactome
    from drugscreen.repurpose.set_distances import FlatSets, set_distances

    missing = [m for m in (targets, genes, interactome) if m not in hetnet.metagraph.metaedges]
    if missing:
        logger.info("no network-distance baseline: the network has no %s edges", ", ".join(missing))
        return None
    net = Interactome.from_edges(hetnet.edges(interactome))

    def gene_sets(metaedge: str, kind: str) -> list[np.ndarray]:
        matrix = hetnet.adjacency(metaedge)
        edge = hetnet.metagraph.metaedges[metaedge]
        matrix = matrix if edge.source == kind else matrix.T.tocsr()
        gene_ids = hetnet.node_ids(edge.target if edge.source == kind else edge.source).to_numpy()
        return [
            net.resolve(gene_ids[matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]]])[0]
            for r in range(matrix.shape[0])
        ]

    a, b = gene_sets(targets, source), gene_sets(genes, target)
    qa = np.repeat(np.arange(len(a)), len(b))
    qb = np.tile(np.arange(len(b)), len(a))
    flat_a, flat_b = FlatSets.of(a), FlatSets.of(b)
    closest = set_distances(net.distances, ["closest"], flat_a, flat_b, qa, qb)["closest"]
    empty = (flat_a.sizes[qa] == 0) | (flat_b.sizes[qb] == 0)
    closest[empty] = np.nan
    return closest.reshape(len(a), len(b))


def metapath_aurocs(
    hetnet: Hetnet,
    metapaths: Sequence[str | Metapath],
    *,
    labels: sparse.sparray | np.ndarray | None = None,
    treats: str = "CtD",
    damping: float = 0.4,
    permuted: Sequence[Hetnet] = (),
    n_negatives: int | None = 30_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each metapath's DWPC as a classifier of treats pairs, on the network and its permutations.

    Returns ``metapath, length, auroc`` and, with ``permuted`` networks, ``auroc_permuted``
    (their mean) and ``delta_auroc`` — the AUROC that degrees alone do not explain
    (Rephetio's ``delta_auroc``). Pairs: every positive and ``n_negatives`` sampled others.
    """
    damping = check_damping(damping)
    seed = check_number("seed", seed, low=0, integer=True)
    if n_negatives is not None:
        n_negatives = check_number("n_negatives", n_negatives, low=1, integer=True)
    paths = [hetnet.parse(m) for m in ([metapaths] if isinstance(metapaths, str) else metapaths)]
    if not paths:
        raise InputError("no metapaths given")
    source, target = paths[0].source, paths[0].target
    y = pair_labels(hetnet, source, target, treats, labels)
    rows = sample_pairs(y, n_negatives, seed)
    truth = y.ravel()[rows]

    def aurocs(net: Hetnet) -> np.ndarray:
        raw = metapath_block(net, paths, damping, source, target)
        flat = raw.reshape(-1, len(paths))[rows]
        return np.array([roc_auc_score(truth, flat[:, m]) for m in range(len(paths))])

    table = pd.DataFrame(
        {"metapath": [str(p) for p in paths], "length": [len(p) for p in paths], "auroc": aurocs(hetnet)}
    )
    if permuted:
        table["auroc_permuted"] = np.mean([aurocs(net) for net in permuted], axis=0)
        table["delta_auroc"] = table["auroc"] - table["auroc_permuted"]
    return table
