"""Hits of a search as ``(query, row, score)`` arrays: accumulated per tile or heap, and merged
exactly across row sets (shards, segments, GPU blocks) in the order every search returns them:
by query, score descending, then row ascending."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


class Hits:
    """Accumulates hits as (query, row, score) arrays."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, q: np.ndarray, rows: np.ndarray, scores: np.ndarray) -> None:
        if len(q):
            self.parts.append((q, rows, scores))

    def add_tile(
        self, tile: np.ndarray, ncols: int, threshold: float, col_rows: np.ndarray, label: int
    ) -> None:
        """Hits of a one-row (fused) score tile."""
        keep = np.nonzero(tile[0, :ncols] >= threshold)[0]
        self.add(np.full(len(keep), label, dtype=np.int64), col_rows[keep], tile[0, keep])

    def add_heaps(self, heap_s: np.ndarray, heap_r: np.ndarray, heap_n: np.ndarray, offset: int) -> None:
        """Best ``k`` of per-chunk heaps ``[chunks, Q, k]`` (a single heap is one chunk)."""
        k = heap_s.shape[-1]
        heap_s, heap_r, heap_n = (
            heap_s.reshape(-1, *heap_s.shape[-2:]),
            heap_r.reshape(-1, *heap_r.shape[-2:]),
            heap_n.reshape(-1, heap_n.shape[-1]),
        )
        for qi in range(heap_n.shape[1]):
            s = np.concatenate([heap_s[c, qi, : heap_n[c, qi]] for c in range(len(heap_n))])
            r = np.concatenate([heap_r[c, qi, : heap_n[c, qi]] for c in range(len(heap_n))])
            best = np.lexsort((r, -s))[:k]
            self.add(np.full(len(best), qi + offset, dtype=np.int64), r[best], s[best])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All hits sorted by query, score descending, row ascending."""
        if not self.parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
        q, r, s = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        order = np.lexsort((r, -s, q))
        return q[order], r[order], s[order]


def merge_hits(parts: Sequence[Arrays], k: int | None) -> Arrays:
    """Merge sorted results of disjoint row sets exactly as one search would have returned them.

    Threshold hits are concatenated; with ``k`` each query keeps its best ``k`` by the rule every
    search follows (score descending, then row ascending). Fused searches merge the same way:
    a row's fused score does not depend on the other rows.
    """
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    q, r, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((r, -s, q))
    q, r, s = q[order], r[order], s[order]
    if k is not None and len(q):
        # position of each hit within its query's run: keep the first k of each run
        starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
        run_start = np.repeat(starts, np.diff(np.r_[starts, len(q)]))
        keep = np.arange(len(q)) - run_start < k
        q, r, s = q[keep], r[keep], s[keep]
    return q, r, s
