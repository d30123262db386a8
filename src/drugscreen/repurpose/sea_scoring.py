"""SEA's scoring of query sets against every target set: raw scores, maximum similarities and
set sizes computed in blocks of query molecules against all ligands at once (exact
leave-one-out by removing a ligand before the per-target sums), then turned into the rows of
the result table (z-score, p-value, E-value), filtered and sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.repurpose.sea_background import Background, evd_pvalue
from drugscreen.similarity.matrix import bulk_similarity


@dataclass
class TargetSets:
    """Ligand fingerprints with their ``[n_ligands, n_targets]`` 0/1 membership matrix."""

    fingerprints: FingerprintArray
    membership: sp.csr_matrix
    threshold: float

    def __post_init__(self) -> None:
        self.by_target = self.membership.tocsc()
        self.sizes = np.asarray(self.membership.sum(axis=0), dtype=np.int64).ravel()

    def block_rows(self, block_bytes: int) -> int:
        """Query rows per block: a row holds per-ligand sums and maxima and per-target results."""
        n_l, nnz = self.membership.shape[0], self.by_target.nnz
        return max(1, int(block_bytes) // (8 * (3 * n_l + 2 * nnz)))

    def score(
        self, fps: FingerprintArray, ptr: np.ndarray, rows: int, drop: list[np.ndarray], n_jobs: int | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw scores, max similarities and set sizes ``[n_sets, n_targets]`` of query sets.

        Set ``i`` holds fingerprint rows ``ptr[i] - ptr[0]:ptr[i + 1] - ptr[0]`` of ``fps``;
        ``drop[i]`` lists ligand positions removed from every target set for it. Scores are
        computed ``rows`` query rows at a time and reduced per set over the ligands first, so
        a query's raw scores do not depend on the block size (unless its own set is larger
        than a block: then only up to rounding).
        """
        n_sets, n_l = len(ptr) - 1, self.membership.shape[0]
        v_sum = np.zeros((n_sets, n_l))
        v_max = np.full((n_sets, n_l), -np.inf)
        owner_of = np.repeat(np.arange(n_sets), np.diff(ptr))
        for r0 in range(0, int(ptr[-1] - ptr[0]), rows):
            r1 = min(int(ptr[-1] - ptr[0]), r0 + rows)
            scores = bulk_similarity(fps.take(np.arange(r0, r1) + ptr[0]), self.fingerprints, n_jobs=n_jobs)
            owner = owner_of[r0:r1]
            starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
            which = owner[starts]
            v_max[which] = np.maximum(v_max[which], np.maximum.reduceat(scores, starts, axis=0))
            scores[scores < self.threshold] = 0.0
            v_sum[which] += np.add.reduceat(scores, starts, axis=0)
        removed = np.zeros((n_sets, n_l), dtype=bool)
        for i, lig in enumerate(drop):
            removed[i, lig] = True
        # a removed ligand adds exactly 0.0: the sums equal those of the sets without it
        v_sum[removed] = 0.0
        v_max[removed] = -np.inf
        raw = np.asarray(v_sum @ self.membership)
        n_lig = np.repeat(self.sizes[None, :], n_sets, axis=0)
        if removed.any():
            n_lig -= np.rint(removed.astype(np.float64) @ self.membership).astype(np.int64)
        by_t = self.by_target
        max_tc = np.maximum.reduceat(v_max[:, by_t.indices], by_t.indptr[:-1], axis=1)
        return raw, max_tc, n_lig


def query_chunks(sizes: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """Consecutive query sets holding at most ``rows`` molecules (a larger set alone)."""
    out, s0, n = [], 0, len(sizes)
    while s0 < n:
        s1, acc = s0 + 1, int(sizes[s0])
        while s1 < n and s1 - s0 < rows and acc + int(sizes[s1]) <= rows:
            acc += int(sizes[s1])
            s1 += 1
        out.append((s0, s1))
        s0 = s1
    return out


def result_table(
    bg: Background,
    set_ids: np.ndarray,
    sizes: np.ndarray,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray],
    max_e_value: float | None,
    top_k: int | None,
) -> pd.DataFrame:
    """Rows of one block: z, p and E of every (set, target) compared, filtered and sorted by
    set, E-value, z descending, target. ``_set`` and ``_target`` are positions."""
    raw, max_tc, n_lig = scored
    compared = n_lig > 0
    s, t = np.nonzero(compared)
    z = bg.z(raw[s, t], sizes[s] * n_lig[s, t])
    p = evd_pvalue(z)
    e = p * compared.sum(axis=1)[s]
    keep = np.ones(len(s), dtype=bool) if max_e_value is None else e <= max_e_value
    order = np.flatnonzero(keep)[np.lexsort((t[keep], -z[keep], e[keep], s[keep]))]
    if top_k is not None and len(order):
        ss = s[order]
        starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
        rank = np.arange(len(ss)) - np.repeat(starts, np.diff(np.r_[starts, len(ss)]))
        order = order[rank < top_k]
    s, t = s[order], t[order]
    columns = {"_set": set_ids[s], "_target": t, "raw_score": raw[s, t], "z": z[order]}
    columns.update({"p_value": p[order], "e_value": e[order], "n_ligands": n_lig[s, t]})
    return pd.DataFrame({**columns, "max_tc": max_tc[s, t], "n_query": sizes[s]})


def _objects(values: list[Any]) -> np.ndarray:
    """``values`` as a 1-D object array (tuples stay whole)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
