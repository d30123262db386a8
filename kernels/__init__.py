"""Numeric core of drugscreen: numba kernels and their NumPy references.

Installed as ``drugscreen.kernels``. Modules here take and return numeric arrays only
(no RDKit, torch or pandas), never allocate per-row Python objects and never print.

- :mod:`drugscreen.kernels.pairs_cpu` -- pair scores, popcounts and bounds every kernel inlines.
- :mod:`drugscreen.kernels.search_cpu` -- ``@njit(parallel=True)`` score tiles, threshold scans, fusion.
- :mod:`drugscreen.kernels.topk_cpu` -- top-k heaps.
- ``cluster_cpu``, ``pick_cpu``, ``vs_cpu`` -- Butina, leader picking, VS metrics.
- :mod:`drugscreen.kernels.reference` -- slow, obviously-correct NumPy versions that the
  tests compare every kernel against.
"""

#: Metric codes shared by the kernels and the Python layer.
TANIMOTO = 0
DICE = 1
COSINE = 2
TVERSKY = 3

METRIC_CODES = {"tanimoto": TANIMOTO, "dice": DICE, "cosine": COSINE, "tversky": TVERSKY}
