"""Filtered link-prediction ranks and their summaries, as PyKEEN's rank-based evaluator.

For a test triple ``(h, r, t)`` the *tail* rank is the place of ``t`` among all entities ``e``
scored as ``(h, r, e)``, the *head* rank that of ``h`` among ``(e, r, t)``. In the *filtered*
setting every other entity that makes a known true triple (a test triple or one of the filter
triples, usually the training and validation triples) is removed from the candidates first, so
a model is not penalised for ranking another true answer higher. Ties are counted
"realistically": the rank is the mean of the optimistic rank (1 + the candidates scored higher)
and the pessimistic rank (the candidates scored at least as high, the true one included), the
expected rank when ties are ordered at random. "Both" pools the head and the tail ranks.

Nothing here imports torch: a model is two functions that score every entity as a head or a
tail of a batch of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from drugscreen.errors import DrugscreenError, InputError

#: ``score(a, b) -> [len(a), n_entities]``: ``score_tails(h, r)`` or ``score_heads(r, t)``.
SideScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: The sides :func:`rank_summary` pools.
SIDES = ("both", "head", "tail")


def _known_index(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Known answers sorted by query key (for :func:`_known_mask`)."""
    order = np.lexsort((values, keys))
    return keys[order], values[order]


def _known_mask(
    sorted_keys: np.ndarray, sorted_values: np.ndarray, query: np.ndarray, true: np.ndarray, n_entities: int
) -> np.ndarray:
    """``[B, n_entities]``: True at every known answer of each query but its own true one."""
    lo = np.searchsorted(sorted_keys, query, side="left")
    hi = np.searchsorted(sorted_keys, query, side="right")
    counts = hi - lo
    rows = np.repeat(np.arange(len(query)), counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    cols = sorted_values[starts + np.arange(len(rows))]
    mask = np.zeros((len(query), n_entities), dtype=bool)
    mask[rows, cols] = True
    mask[np.arange(len(query)), true] = False
    return mask


def _side_ranks(scores: np.ndarray, true: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if not np.isfinite(scores).all():
        raise DrugscreenError(
            "the model gave non-finite scores: training diverged (try a lower learning_rate)"
        )
    true_score = scores[np.arange(len(true)), true][:, None]
    keep = ~mask
    higher = ((scores > true_score) & keep).sum(axis=1)
    at_least = ((scores >= true_score) & keep).sum(axis=1)  # the true candidate included
    return (1.0 + higher + at_least) / 2.0


def _check_triples(name: str, triples: np.ndarray, n_entities: int, n_relations: int) -> np.ndarray:
    array = np.asarray(triples)
    if array.ndim != 2 or array.shape[1] != 3 or not np.issubdtype(array.dtype, np.integer):
        raise InputError(f"{name} must be an integer array of shape [n, 3], got {array.dtype} {array.shape}")
    array = array.astype(np.int64)
    bad = (
        (array < 0).any(axis=1) | (array[:, [0, 2]] >= n_entities).any(axis=1) | (array[:, 1] >= n_relations)
    )
    if bad.any():
        raise InputError(f"{name}: row {int(np.argmax(bad))} {array[bad][0].tolist()} has an id out of range")
    return array


def filtered_ranks(
    score_heads: SideScorer,
    score_tails: SideScorer,
    triples: np.ndarray,
    filter_triples: np.ndarray | None,
    n_entities: int,
    n_relations: int,
    *,
    batch_size: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Realistic filtered ranks of the true head and the true tail of each triple.

    Parameters
    ----------
    score_heads, score_tails : callable
        ``score_heads(r, t)`` and ``score_tails(h, r)`` (int arrays of length ``B``) return the
        ``[B, n_entities]`` scores of every entity as the head, the tail; higher = more likely.
    triples : ndarray of int
        ``[n, 3]`` test triples (head, relation, tail ids).
    filter_triples : ndarray of int, optional
        ``[m, 3]`` other true triples to remove from the candidates (the test triples are
        always removed too, as PyKEEN does); None: the test triples only.
    n_entities, n_relations : int
    batch_size : int
        Queries scored at once.

    Returns
    -------
    head_ranks, tail_ranks : ndarray of float
        ``[n]`` each; 1 is best; a half-integer when the true entity ties with others.

    Examples
    --------
    >>> scores = np.array([[0.0, 1.0, 1.0]])   # every query: entity 1 and 2 tie, 0 lowest
    >>> both = lambda a, b: np.repeat(scores, len(a), axis=0)
    >>> filtered_ranks(both, both, np.array([[0, 0, 1]]), None, 3, 1)
    (array([3.]), array([1.5]))
    """
    triples = _check_triples("triples", triples, n_entities, n_relations)
    known = triples
    if filter_triples is not None:
        extra = _check_triples("filter_triples", filter_triples, n_entities, n_relations)
        known = np.unique(np.concatenate((triples, extra)), axis=0)
    h, r, t = known.T
    tail_index = _known_index(h * n_relations + r, t)
    head_index = _known_index(t * n_relations + r, h)
    heads = np.empty(len(triples))
    tails = np.empty(len(triples))
    for start in range(0, len(triples), max(1, int(batch_size))):
        bh, br, bt = triples[start : start + batch_size].T
        stop = start + len(bh)
        mask = _known_mask(*tail_index, bh * n_relations + br, bt, n_entities)
        tails[start:stop] = _side_ranks(np.asarray(score_tails(bh, br)), bt, mask)
        mask = _known_mask(*head_index, bt * n_relations + br, bh, n_entities)
        heads[start:stop] = _side_ranks(np.asarray(score_heads(br, bt)), bh, mask)
    return heads, tails


def rank_summary(
    head_ranks: np.ndarray, tail_ranks: np.ndarray, side: str = "both", ks: Sequence[int] = (1, 3, 10)
) -> dict[str, float]:
    """MRR, Hits@k and the mean rank of one side's ranks, or of both pooled.

    Hits@k counts a realistic rank ``<= k`` (a true entity tied across the cut-off at rank
    10.5 is no hit at 10), as PyKEEN's realistic Hits@k.

    >>> rank_summary(np.array([1.0, 2.0]), np.array([4.0, 1.5]), ks=(1, 3))
    {'mrr': 0.6041666666666666, 'hits_at_1': 0.25, 'hits_at_3': 0.75, 'mean_rank': 2.125, 'n': 4}
    """
    if side not in SIDES:
        raise InputError(f"side must be one of {SIDES}, got {side!r}")
    parts = {"head": [head_ranks], "tail": [tail_ranks], "both": [head_ranks, tail_ranks]}[side]
    ranks = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])
    if len(ranks) == 0:
        raise InputError("no ranks to summarise")
    out: dict[str, float] = {"mrr": float(np.mean(1.0 / ranks))}
    for k in ks:
        out[f"hits_at_{int(k)}"] = float(np.mean(ranks <= k))
    out["mean_rank"] = float(ranks.mean())
    out["n"] = len(ranks)
    return out
