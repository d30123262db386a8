"""Tree-ensemble kernel (numba): the sum of leaf values of gradient-boosted trees, per row.

The trees are LightGBM's numerical trees flattened into arrays (``drugscreen.admet.trees``
parses them): for node ``k`` of tree ``t`` (``k`` counted from ``node_start[t]``) the split
``feature[k]``, ``threshold[k]``, ``decision[k]`` (bit 1: missing values go left; bits 2-3: the
missing type, 0 none, 1 zero, 2 NaN) and its children ``left[k]`` / ``right[k]``: a child >= 0
is a node of the same tree, a child < 0 is leaf ``~child``, whose value is
``leaf_value[leaf_start[t] + ~child]``. A tree without nodes is one leaf. Trees
``member_start[m]:member_start[m + 1]`` form member ``m``; ``out[i, m]`` is that member's raw
score for row ``i``, summed in tree order as LightGBM sums it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: LightGBM's ``kZeroThreshold`` (a float, compared as a double).
ZERO = float(np.float32(1e-35))


#: Rows a task walks together: each tree is read once per block while it sits in the cache.
BLOCK = 32


@njit(cache=True, parallel=True)
def predict_trees(  # type: ignore[no-untyped-def]
    X, feature, threshold, decision, left, right, leaf_value, node_start, leaf_start, member_start, out
):
    """``out[i, m]``: raw score of member ``m`` for row ``i`` of ``X`` (float32 or float64).

    Blocks of :data:`BLOCK` rows run in parallel; within a block, tree by tree.
    """
    n = X.shape[0]
    for b in prange((n + BLOCK - 1) // BLOCK):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        for m in range(member_start.shape[0] - 1):
            for i in range(lo, hi):
                out[i, m] = 0.0
            for t in range(member_start[m], member_start[m + 1]):
                base = node_start[t]
                first_leaf = leaf_start[t]
                if node_start[t + 1] == base:  # a tree of one leaf
                    for i in range(lo, hi):
                        out[i, m] += leaf_value[first_leaf]
                    continue
                for i in range(lo, hi):
                    node = 0
                    while node >= 0:
                        k = base + node
                        value = np.float64(X[i, feature[k]])
                        missing = (decision[k] >> 2) & 3
                        if value != value and missing != 2:
                            value = 0.0  # LightGBM: NaN is zero unless NaN is the missing type
                        elif -ZERO <= value <= ZERO:
                            value = 0.0  # and so is a value within its zero threshold
                        if (missing == 1 and -ZERO <= value <= ZERO) or (missing == 2 and value != value):
                            node = left[k] if decision[k] & 2 else right[k]
                        elif value <= threshold[k]:
                            node = left[k]
                        else:
                            node = right[k]
                    out[i, m] += leaf_value[first_leaf + ~node]
