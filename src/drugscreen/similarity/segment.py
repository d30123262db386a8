"""Segments: database rows sorted by popcount, the unit every search kernel scans.

The same type serves an in-memory :class:`~drugscreen.FingerprintArray`, each shard of an
on-disk :class:`~drugscreen.FingerprintDB` and (later) a Dask worker's shard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec


@dataclass
class Segment:
    """Database rows sorted by popcount.

    Attributes
    ----------
    data : ndarray or csr_matrix
        ``uint64[n, words]`` bits or CSR counts, in popcount order.
    pop : ndarray
        ``int64[n]`` popcounts (count sums), ascending.
    rows : ndarray
        ``int64[n]`` global row number of each position.
    word_pop : ndarray or None
        ``uint8[n, words]`` popcount of each 64-bit word (bits only): lets threshold searches
        skip rows whose bound on the common bits cannot reach the threshold without
        reading their fingerprints. ``None`` scores every row in the popcount range.
    """

    data: Any
    pop: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    word_pop: npt.NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self.pop.shape[0])

    @property
    def max_pop(self) -> int:
        """Largest popcount in the segment (0 if empty)."""
        return int(self.pop[-1]) if len(self) else 0

    @classmethod
    def from_array(cls, fps: FingerprintArray, row_offset: int = 0) -> Segment:
        """Sort an in-memory fingerprint array into a segment (stable: ties keep row order)."""
        pop = fps.popcounts()
        order = np.argsort(pop, kind="stable")
        data = fps.data[order]
        return cls(data, pop[order], order.astype(np.int64) + row_offset, word_popcounts_of(fps.spec, data))


def word_popcounts_of(spec: FingerprintSpec, data: Any) -> npt.NDArray[np.uint8] | None:
    """``uint8[n, words]`` popcount of each 64-bit word of binary fingerprints; None for counts."""
    if spec.counts:
        return None
    from drugscreen.kernels.pairs_cpu import word_popcounts

    return word_popcounts(np.ascontiguousarray(data))  # type: ignore[no-any-return]
