"""Slow, obviously-correct NumPy versions of the kernels, used as the test oracle."""

import numpy as np
import numpy.typing as npt


def unpack_bits(fps: npt.NDArray[np.uint64], nbits: int | None = None) -> npt.NDArray[np.bool_]:
    """``uint64[n, words]`` -> ``bool[n, nbits]`` with bit *i* = bit ``i % 64`` of word ``i // 64``."""
    fps = np.ascontiguousarray(fps, dtype="<u8")
    bits = np.unpackbits(fps.view(np.uint8), axis=1, bitorder="little").astype(bool)
    return bits if nbits is None else bits[:, :nbits]


def pack_bits(bits: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """Inverse of :func:`unpack_bits` (pads to a multiple of 64 bits with zeros)."""
    arr = np.atleast_2d(np.asarray(bits, dtype=bool))
    n, nbits = arr.shape
    words = max(1, -(-nbits // 64))
    padded = np.zeros((n, words * 64), dtype=bool)
    padded[:, :nbits] = arr
    return np.packbits(padded, axis=1, bitorder="little").view("<u8").astype(np.uint64)


def _score(metric: str, c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    c = c.astype(float)
    a = a.astype(float)
    b = b.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "tanimoto":
            denom = a + b - c
            out = c / denom
        elif metric == "dice":
            denom = a + b
            out = 2.0 * c / denom
        elif metric == "cosine":
            denom = a * b
            out = c / np.sqrt(denom)
        elif metric == "tversky":
            denom = alpha * a + beta * b + (1.0 - alpha - beta) * c
            out = c / denom
        else:
            raise ValueError(metric)
    return np.where(denom > 0, out, 0.0)


def bit_similarity(
    queries: npt.NDArray[np.uint64],
    db: npt.NDArray[np.uint64],
    metric: str = "tanimoto",
    alpha: float = 0.5,
    beta: float = 0.5,
) -> npt.NDArray[np.float64]:
    """Dense ``[Q, N]`` similarity of binary fingerprints, from unpacked bits."""
    qb = unpack_bits(queries).astype(np.int64)
    db_bits = unpack_bits(db).astype(np.int64)
    c = qb @ db_bits.T
    a = qb.sum(axis=1)[:, None]
    b = db_bits.sum(axis=1)[None, :]
    return _score(metric, c, a, b, alpha, beta)


def count_similarity(
    queries: npt.ArrayLike, db: npt.ArrayLike, metric: str = "tanimoto"
) -> npt.NDArray[np.float64]:
    """Dense ``[Q, N]`` count similarity (sum of minima) of dense count matrices."""
    q = np.atleast_2d(np.asarray(queries, dtype=np.int64))
    d = np.atleast_2d(np.asarray(db, dtype=np.int64))
    c = np.minimum(q[:, None, :], d[None, :, :]).sum(axis=2)
    return _score(metric, c, q.sum(axis=1)[:, None], d.sum(axis=1)[None, :], 1.0, 1.0)


def threshold_hits(scores: np.ndarray, threshold: float) -> list[list[tuple[int, float]]]:
    """Per query, ``(column, score)`` of every score >= threshold, score desc then column asc."""
    out = []
    for row in np.atleast_2d(scores):
        cols = np.nonzero(row >= threshold)[0]
        out.append(sorted(((int(j), float(row[j])) for j in cols), key=lambda t: (-t[1], t[0])))
    return out


def top_k(scores: np.ndarray, k: int, threshold: float = -np.inf) -> list[list[tuple[int, float]]]:
    """Per query, the best ``k`` columns (score desc, column asc), restricted to >= threshold."""
    return [hits[:k] for hits in threshold_hits(scores, threshold)]


def maxmin_picks(fps: npt.NDArray[np.uint64], first: list[int], n: int, threshold: float = -1.0) -> list[int]:
    """MaxMin by brute force: each pick is the first row with the largest distance to its nearest pick."""
    bits = unpack_bits(fps).astype(np.int64)
    c = bits @ bits.T
    pop = bits.sum(axis=1)
    union = pop[:, None] + pop[None, :] - c
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = 1.0 - np.where(union > 0, c / np.maximum(union, 1), 0.0)
    picks = list(first)
    while len(picks) < n:
        nearest = dist[:, picks].min(axis=1)
        nearest[picks] = -1.0
        row = int(np.argmax(nearest))
        if threshold >= 0.0 and nearest[row] <= threshold:
            break
        picks.append(row)
    return picks


def hop_distances(n: int, edges: list[tuple[int, int]]) -> npt.NDArray[np.int64]:
    """All-pairs hop distances by level-by-level expansion of a dense adjacency (-1: none)."""
    adj = np.zeros((n, n), dtype=bool)
    for a, b in edges:
        if a != b:
            adj[a, b] = adj[b, a] = True
    out = np.full((n, n), -1, dtype=np.int64)
    for s in range(n):
        frontier = np.zeros(n, dtype=bool)
        frontier[s] = True
        seen = frontier.copy()
        level = 0
        while frontier.any():
            out[s, frontier] = level
            frontier = adj[frontier].any(axis=0) & ~seen
            seen |= frontier
            level += 1
    return out


def set_distance(dist: npt.NDArray[np.int64], targets: list[int], genes: list[int], kind: str) -> float:
    """One drug–disease distance of Guney et al. 2016, written out from the paper's formulas."""
    block = dist[np.ix_(targets, genes)].astype(float)
    if kind == "closest":
        return float(np.mean([min(row) for row in block]))
    if kind == "shortest":
        return float(np.mean([np.mean(row) for row in block]))
    if kind == "kernel":
        return float(np.mean([-np.log(np.mean(np.exp(-(row + 1)))) for row in block]))
    if kind == "centre":
        inner = [sum(dist[g, h] for h in genes) for g in genes]
        centres = [g for g, v in zip(genes, inner, strict=True) if v == min(inner)]
        return float(np.mean(dist[np.ix_(targets, centres)]))
    if kind == "separation":

        def within(nodes: list[int]) -> float:
            if len(nodes) == 1:
                return 0.0
            return float(np.mean([min(dist[a, b] for b in nodes if b != a) for a in nodes]))

        between = [min(row) for row in block] + [min(col) for col in block.T]
        return float(np.mean(between)) - (within(targets) + within(genes)) / 2
    raise ValueError(kind)


def metapath_paths(adjacency: list[np.ndarray], kinds: list[str], damping: float) -> np.ndarray:
    """Degree-weighted path counts by enumerating every path (no node twice), for tiny graphs.

    ``adjacency[i]`` is the dense 0/1 matrix of step ``i`` as walked (rows: nodes of kind
    ``kinds[i]``); a node is the pair (kind, index). Each path adds the product over its
    steps of ``(out-degree of the step's start · in-degree of its end) ** -damping``, degrees
    counted in that step's matrix. ``damping=0`` counts paths.
    """
    out_deg = [a.sum(axis=1) for a in adjacency]
    in_deg = [a.sum(axis=0) for a in adjacency]
    result = np.zeros((adjacency[0].shape[0], adjacency[-1].shape[1]))

    def walk(start: int, path: list[int], weight: float) -> None:
        step = len(path) - 1
        if step == len(adjacency):
            result[start, path[-1]] += weight
            return
        here = path[-1]
        for there in np.flatnonzero(adjacency[step][here]):
            seen = any(kinds[i] == kinds[step + 1] and node == there for i, node in enumerate(path))
            if seen:
                continue
            factor = (out_deg[step][here] * in_deg[step][there]) ** -damping
            walk(start, path + [int(there)], weight * factor)

    for source in range(adjacency[0].shape[0]):
        walk(source, [source], 1.0)
    return result
