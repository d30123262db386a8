"""Sums over paths that never revisit a node, by inclusion–exclusion over walk sums.

A walk along a metapath may pass a node twice when node kinds repeat (``CbGiGaD`` visits
two Genes, ``CrCrCtD`` three Compounds). Counting only *paths* exactly: let ``g(π)`` be
the sum over walks in which the positions of each block of a partition ``π`` hold the same
node (other positions free). Möbius inversion on the lattice of partitions of same-kind
positions gives the sum over walks whose nodes are all distinct,

    paths = Σ_π μ(π) · g(π),   μ(π) = Π_blocks (−1)^(|B|−1) (|B|−1)!

Each ``g(π)`` is a small tensor contraction — the path with the positions of each block
merged — evaluated by sparse matrix products, Hadamard products (two steps between the same
pair of merged positions) and diagonals (a step from a position to itself), eliminating one
merged position at a time, cheapest first. Every metapath of length ≤ 4 reduces this way;
longer ones whose merged pattern has no position of degree ≤ 2 are refused.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import numpy as np
from scipy import sparse

from drugscreen.errors import InputError

#: A dense array or a CSR array (scipy is untyped, so this is Any to the type checker).
Matrix: TypeAlias = Any

#: A sparse product denser than this becomes a dense array (when it is small enough to hold).
DENSE_FRACTION = 0.15
#: Largest product (elements) turned dense: 2**27 float64 = 1 GiB.
DENSE_LIMIT = 2**27


def set_partitions(items: Sequence[int]) -> Iterator[list[list[int]]]:
    """Every partition of ``items`` into non-empty blocks (Bell-number many)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for i in range(len(partition)):
            yield partition[:i] + [[first, *partition[i]]] + partition[i + 1 :]


def revisit_patterns(kinds: Sequence[str]) -> list[tuple[int, tuple[int, ...]]]:
    """``(μ, labels)`` for every way positions of the same kind can hold the same node.

    ``labels[i]`` names the merged position that position ``i`` belongs to; the first
    pattern has every label distinct (plain walks, μ = 1).
    """
    groups: dict[str, list[int]] = {}
    for position, kind in enumerate(kinds):
        groups.setdefault(kind, []).append(position)
    per_kind = [list(set_partitions(positions)) for positions in groups.values()]
    patterns = []
    for combination in itertools.product(*per_kind):
        labels = [0] * len(kinds)
        coefficient = 1
        for block_id, block in enumerate(b for partition in combination for b in partition):
            for position in block:
                labels[position] = block_id
            coefficient *= (-1) ** (len(block) - 1) * math.factorial(len(block) - 1)
        patterns.append((coefficient, tuple(labels)))
    patterns.sort(key=lambda p: -len(set(p[1])))  # plain walks first
    return patterns


def path_sum(matrices: Sequence[Matrix], kinds: Sequence[str]) -> Matrix:
    """Σ over paths (no node twice) of the product of step weights, first × last position.

    ``matrices[i]`` holds the weights of step ``i`` (rows: nodes at position ``i``, columns:
    nodes at ``i + 1``); ``kinds[i]`` the kind at position ``i``. Weights must be non-negative
    (DWPC factors, counts). Returns a dense array when the result is small enough, else a CSR
    array. Values within rounding of zero (relative to the magnitude of the terms that
    cancelled) are set to exactly zero.
    """
    shape = (matrices[0].shape[0], matrices[-1].shape[1])
    dense = shape[0] * shape[1] <= DENSE_LIMIT
    total: Matrix | None = None
    magnitude: Matrix | None = None
    for coefficient, labels in revisit_patterns(kinds):
        term = pattern_sum(matrices, labels)
        if term is None:
            continue
        if dense and sparse.issparse(term):
            term = term.toarray()
        total = coefficient * term if total is None else total + coefficient * term
        magnitude = abs(coefficient) * term if magnitude is None else magnitude + abs(coefficient) * term
    dtype = np.result_type(*[m.dtype for m in matrices])
    if total is None or magnitude is None:
        return np.zeros(shape, dtype=dtype) if dense else sparse.csr_array(shape, dtype=dtype)
    # cancellation leaves ±(a few ulps of the terms) where the true sum is 0
    tolerance = 64 * np.finfo(dtype).eps
    if sparse.issparse(total):
        total = sparse.csr_array(total)
        bound = sparse.csr_array(magnitude).multiply(tolerance)
        keep = (total - bound) > 0
        total = sparse.csr_array(total.multiply(keep))
        total.eliminate_zeros()
        return total
    total = np.asarray(total)
    total[total <= tolerance * np.asarray(magnitude)] = 0
    return total.astype(dtype, copy=False)


def pattern_sum(matrices: Sequence[Matrix], labels: Sequence[int]) -> Matrix | None:
    """Σ over walks whose positions with equal ``labels`` hold the same node; None if zero.

    Returns a matrix over (first position, last position); when those two positions are
    merged, a diagonal CSR matrix.
    """
    unary: dict[int, np.ndarray] = {}
    binary: list[tuple[int, int, Matrix]] = []
    dims: dict[int, int] = {}
    for i, matrix in enumerate(matrices):
        a, b = labels[i], labels[i + 1]
        dims[a], dims[b] = matrix.shape
        if a == b:
            _scale(unary, a, np.asarray(matrix.diagonal()))
        else:
            binary.append((a, b, matrix))
    first, last = labels[0], labels[-1]
    while True:
        binary = _merge_parallel(binary)
        if any(not v.any() for v in unary.values()) or any(_is_empty(m) for _, _, m in binary):
            return None
        interior = {v for a, b, _ in binary for v in (a, b)} - {first, last}
        if not interior:
            break
        x = _cheapest(interior, binary, dims)
        incident = [(b if a == x else a, m.T if a == x else m) for a, b, m in binary if x in (a, b)]
        binary = [f for f in binary if x not in f[:2]]
        weights = unary.pop(x, None)
        if len(incident) == 1:
            (y, to_x), ones = incident[0], np.ones(dims[x], dtype=incident[0][1].dtype)
            _scale(unary, y, np.asarray(to_x @ (ones if weights is None else weights)).ravel())
        else:
            (y, y_to_x), (z, z_to_x) = incident
            binary.append((y, z, _product(y_to_x, weights, z_to_x.T)))
    if first == last:
        return sparse.diags_array(unary.get(first, np.ones(dims[first]))).tocsr()
    ((a, _, result),) = binary
    if a != first:
        result = result.T
    return _scale_sides(result, unary.get(first), unary.get(last))


def _cheapest(interior: set[int], binary: list[tuple[int, int, Matrix]], dims: dict[int, int]) -> int:
    """The merged position whose elimination makes the smallest new factor."""
    best: tuple[int, int] | None = None
    for x in sorted(interior):
        neighbours = [b if a == x else a for a, b, _ in binary if x in (a, b)]
        if len(neighbours) > 2:
            continue
        cost = math.prod(dims[y] for y in neighbours)
        if best is None or cost < best[0]:
            best = (cost, x)
    if best is None:
        raise InputError("this metapath's revisit pattern cannot be reduced to matrix products (length > 4?)")
    return best[1]


def _merge_parallel(binary: list[tuple[int, int, Matrix]]) -> list[tuple[int, int, Matrix]]:
    """One factor per pair of merged positions: parallel steps multiplied elementwise."""
    merged: dict[frozenset[int], tuple[int, int, Matrix]] = {}
    for a, b, matrix in binary:
        key = frozenset((a, b))
        if key not in merged:
            merged[key] = (a, b, matrix)
            continue
        a0, b0, other = merged[key]
        aligned = matrix if (a, b) == (a0, b0) else matrix.T
        merged[key] = (a0, b0, _hadamard(other, aligned))
    return list(merged.values())


def _is_empty(matrix: Matrix) -> bool:
    return sparse.issparse(matrix) and matrix.nnz == 0


def _scale(unary: dict[int, np.ndarray], label: int, values: np.ndarray) -> None:
    unary[label] = values if label not in unary else unary[label] * values


def _hadamard(a: Matrix, b: Matrix) -> Matrix:
    if sparse.issparse(a):
        return sparse.csr_array(a.multiply(b))
    if sparse.issparse(b):
        return sparse.csr_array(b.multiply(a))
    return a * b


def _scale_sides(matrix: Matrix, rows: np.ndarray | None, cols: np.ndarray | None) -> Matrix:
    if rows is None and cols is None:
        return matrix
    if sparse.issparse(matrix):
        if rows is not None:
            matrix = sparse.diags_array(rows) @ matrix
        if cols is not None:
            matrix = matrix @ sparse.diags_array(cols)
        return sparse.csr_array(matrix)
    out = matrix
    if rows is not None:
        out = out * rows[:, None]
    if cols is not None:
        out = out * cols[None, :]
    return out


def _product(left: Matrix, weights: np.ndarray | None, right: Matrix) -> Matrix:
    """``left @ diag(weights) @ right``, dense once it fills in."""
    if weights is not None:
        left = _scale_sides(left, None, weights)
    if sparse.issparse(left) and sparse.issparse(right):
        out = sparse.csr_array(left @ right)
        size = out.shape[0] * out.shape[1]
        if out.nnz > DENSE_FRACTION * size and size <= DENSE_LIMIT:
            return out.toarray()
        return out
    if sparse.issparse(right):
        # dense @ sparse: scipy computes (rightᵀ @ leftᵀ)ᵀ; a C-ordered result keeps later steps fast
        return np.ascontiguousarray(np.asarray(left @ right))
    return np.asarray(left @ right)
