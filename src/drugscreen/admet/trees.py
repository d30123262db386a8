"""Gradient-boosted trees read from LightGBM's model text and evaluated by a numba kernel.

The panel's models are stored in LightGBM's own plain-text format; predicting them needs no
LightGBM at all: this module parses the numerical trees into flat arrays and
``drugscreen.kernels.trees_cpu.predict_trees`` walks them, all members of an ensemble in one
pass over the rows (LightGBM would convert every row again for every model). The tests check
the outputs against LightGBM's own ``predict`` on random data with missing values and zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drugscreen.errors import InputError


@dataclass(frozen=True)
class TreeEnsemble:
    """The trees of ``n_members`` boosted models (see ``kernels/trees_cpu.py`` for the layout).

    ``objective`` is ``"binary"`` (outputs are probabilities: ``1 / (1 + exp(-sigmoid * raw))``)
    or ``"regression"`` (outputs are the raw sums).
    """

    feature: np.ndarray
    threshold: np.ndarray
    decision: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_value: np.ndarray
    node_start: np.ndarray
    leaf_start: np.ndarray
    member_start: np.ndarray
    n_features: int
    objective: str
    sigmoid: float

    @property
    def n_members(self) -> int:
        return int(len(self.member_start) - 1)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """``float64[n, n_members]``: each member's summed leaf values for the rows of ``X``."""
        from drugscreen.kernels.trees_cpu import predict_trees

        X = np.ascontiguousarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise InputError(f"the trees take {self.n_features} features, got an array of shape {X.shape}")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        out = np.empty((X.shape[0], self.n_members))
        predict_trees(
            X,
            self.feature,
            self.threshold,
            self.decision,
            self.left,
            self.right,
            self.leaf_value,
            self.node_start,
            self.leaf_start,
            self.member_start,
            out,
        )
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``float64[n, n_members]``: each member's prediction (probability for binary)."""
        raw = self.raw(X)
        if self.objective == "binary":
            return 1.0 / (1.0 + np.exp(-self.sigmoid * raw))  # type: ignore[no-any-return]
        return raw


def _fields(block: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


def parse_models(texts: list[str]) -> TreeEnsemble:
    """One :class:`TreeEnsemble` from LightGBM model texts (one per member, same objective).

    Raises
    ------
    InputError
        For a model this evaluator does not cover (categorical splits, linear trees, several
        classes, another objective), naming what it found.
    """
    nodes: dict[str, list[np.ndarray]] = {
        k: [] for k in ("feature", "threshold", "decision", "left", "right")
    }
    leaves: list[np.ndarray] = []
    node_start, leaf_start, member_start = [0], [0], [0]
    objectives, n_features = set(), set()
    for text in texts:
        head, _, body = text.partition("\nTree=")
        header = _fields(head)
        objectives.add(header.get("objective", ""))
        n_features.add(int(header["max_feature_idx"]) + 1)
        if header.get("num_class", "1") != "1" or header.get("num_tree_per_iteration", "1") != "1":
            raise InputError("only single-output LightGBM models can be evaluated")
        for block in ("Tree=" + body).split("\nTree=")[0:]:
            block = block.split("end of trees")[0]
            if not block.strip():
                continue
            tree = _fields(block)
            if tree.get("num_cat", "0") != "0" or tree.get("is_linear", "0") != "0":
                raise InputError("trees with categorical splits or linear leaves cannot be evaluated")
            leaf = np.array(tree["leaf_value"].split(), dtype=np.float64)
            leaves.append(leaf)
            leaf_start.append(leaf_start[-1] + len(leaf))
            if int(tree["num_leaves"]) > 1:
                nodes["feature"].append(np.array(tree["split_feature"].split(), dtype=np.int32))
                nodes["threshold"].append(np.array(tree["threshold"].split(), dtype=np.float64))
                decision = np.array(tree["decision_type"].split(), dtype=np.int64)
                if (decision & 1).any():
                    raise InputError("trees with categorical splits cannot be evaluated")
                nodes["decision"].append(decision.astype(np.uint8))
                nodes["left"].append(np.array(tree["left_child"].split(), dtype=np.int32))
                nodes["right"].append(np.array(tree["right_child"].split(), dtype=np.int32))
                node_start.append(node_start[-1] + len(nodes["feature"][-1]))
            else:
                node_start.append(node_start[-1])
        member_start.append(len(leaves))
    if len(objectives) != 1 or len(n_features) != 1:
        raise InputError(
            f"the members disagree: objectives {sorted(objectives)}, features {sorted(n_features)}"
        )
    objective = objectives.pop().split()
    if objective[0] not in ("binary", "regression"):
        raise InputError(f"LightGBM objective {objective[0]!r} cannot be evaluated (binary or regression)")
    sigmoid = float(dict(p.split(":") for p in objective[1:]).get("sigmoid", 1.0))

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return TreeEnsemble(
        feature=cat(nodes["feature"], np.int32),
        threshold=cat(nodes["threshold"], np.float64),
        decision=cat(nodes["decision"], np.uint8),
        left=cat(nodes["left"], np.int32),
        right=cat(nodes["right"], np.int32),
        leaf_value=cat(leaves, np.float64),
        node_start=np.array(node_start, dtype=np.int64),
        leaf_start=np.array(leaf_start, dtype=np.int64),
        member_start=np.array(member_start, dtype=np.int64),
        n_features=n_features.pop(),
        objective=objective[0],
        sigmoid=sigmoid,
    )
