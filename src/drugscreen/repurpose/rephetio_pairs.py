"""Which pairs train a Rephetio-style model: labels, sampled negatives, cross-fitting folds.

:func:`crossfit` deals the training pairs into folds and gathers each fold's features from a
network without that fold's treats edges (``by="edges"``) or without every treats edge of the
fold's diseases (``by="diseases"``), so that no training pair's features see its own label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse

from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.repurpose.rephetio_features import PairFeatures
from drugscreen.validate import check_number


def crossfit(
    labels: np.ndarray,
    rows: np.ndarray,
    n_folds: int,
    seed: int,
    by: str,
    features_of: Callable[[np.ndarray], PairFeatures],
) -> np.ndarray:
    """Features of the training ``rows``, each fold's from ``features_of(held pair rows)``.

    ``by="edges"`` deals the rows into ``n_folds`` folds (positives and negatives each evenly)
    and holds out the fold's own treats edges; ``by="diseases"`` deals the target nodes
    (diseases) into folds and holds out every treats edge of the fold's diseases, so the rows
    look like pairs of a disease with no known treatment.
    """
    if by not in ("edges", "diseases"):
        raise InputError(f"by must be 'edges' or 'diseases', got {by!r}")
    flat = labels.ravel()
    positive = flat[rows]
    rng = np.random.default_rng(seed)
    if by == "edges":
        if positive.sum() < n_folds:
            raise InputError(f"{int(positive.sum())} positive pairs cannot fill {n_folds} feature folds")
        fold = np.empty(len(rows), dtype=np.int64)
        for mask in (positive, ~positive):
            fold[mask] = rng.permutation(np.arange(mask.sum()) % n_folds)
    else:
        n_targets = labels.shape[1]
        target_fold = rng.permutation(np.arange(n_targets) % n_folds)
        fold = target_fold[rows % n_targets]
    values: np.ndarray | None = None
    for k in range(n_folds):
        in_fold = fold == k
        if by == "edges":
            held = rows[in_fold & positive]
        else:
            held = np.flatnonzero(flat & (target_fold[np.arange(flat.size) % labels.shape[1]] == k))
        features = features_of(held)
        if values is None:
            values = np.empty((len(rows), features.values.shape[1]), dtype=features.values.dtype)
        values[in_fold] = features.values[rows[in_fold]]
    assert values is not None
    return values


def without_pairs(hetnet: Hetnet, treats: str, rows: np.ndarray, shape: tuple[int, int]) -> Hetnet:
    """The network without the treats edges of the given pairs (row numbers; those that are edges)."""
    matrix = sparse.csr_array(hetnet.adjacency(treats))
    # unique: a pair given twice would make the mask 2 and leave the edge in (1 - 2 = -1 != 0)
    i, j = np.divmod(np.unique(np.asarray(rows, dtype=np.int64)), shape[1])
    mask = sparse.csr_array((np.ones(len(i)), (i, j)), shape=shape)
    kept = sparse.csr_array(matrix - matrix.multiply(mask))
    kept.eliminate_zeros()
    return hetnet.replace(treats, kept)


def sample_pairs(labels: np.ndarray, n_negatives: int | None, seed: int) -> np.ndarray:
    """Rows (pair numbers) of every positive and of ``n_negatives`` others drawn with ``seed``."""
    if n_negatives is not None:
        n_negatives = check_number("n_negatives", n_negatives, low=1, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    flat = labels.ravel().astype(bool)
    positives = np.flatnonzero(flat)
    negatives = np.flatnonzero(~flat)
    if n_negatives is not None and n_negatives < len(negatives):
        rng = np.random.default_rng(seed)
        negatives = np.sort(rng.choice(negatives, n_negatives, replace=False))
    return np.concatenate([positives, negatives])


def pair_labels(hetnet: Hetnet, source: str, target: str, treats: str, labels: Any = None) -> np.ndarray:
    """``bool[n_source, n_target]``: the given labels, or the network's ``treats`` edges."""
    shape = (len(hetnet.node_ids(source)), len(hetnet.node_ids(target)))
    labels = hetnet.adjacency(treats) if labels is None else labels
    dense = sparse.csr_array(labels).toarray() if sparse.issparse(labels) else np.asarray(labels)
    if dense.shape != shape:
        raise InputError(f"labels have shape {dense.shape}, the pairs are {shape}")
    return dense.astype(bool)
