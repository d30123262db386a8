"""Validated search options shared by every search entry point."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DrugscreenError, InputError

METRICS = ("tanimoto", "dice", "cosine", "tversky")
COUNT_METRICS = ("tanimoto", "dice")
FUSIONS = ("max", "mean")


@dataclass(frozen=True)
class SearchParams:
    """Validated search options."""

    metric: str = "tanimoto"
    threshold: float | None = None
    k: int | None = None
    alpha: float = 0.5
    beta: float = 0.5
    fusion: str | None = None

    def __post_init__(self) -> None:
        # types first: k=2.5, k="5", threshold="0.5" and k=True are mistakes, not values
        if self.k is not None and (isinstance(self.k, bool) or not isinstance(self.k, numbers.Integral)):
            raise InputError(f"k must be a whole number of hits per query, got {self.k!r}")
        for name in ("threshold", "alpha", "beta"):
            value = getattr(self, name)
            if value is None and name == "threshold":
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise InputError(f"{name} must be a number between 0 and 1, got {value!r}")
        if not isinstance(self.metric, str) or self.metric not in METRICS:
            raise DrugscreenError(f"unknown metric {self.metric!r}; choose one of {', '.join(METRICS)}")
        if self.threshold is None and self.k is None:
            raise DrugscreenError("give a threshold, a top-k (k=), or both")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise DrugscreenError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.k is not None and self.k < 1:
            raise DrugscreenError(f"k must be a positive number of hits, got {self.k}")
        if self.metric == "tversky" and not (
            0 <= self.alpha <= 1 and 0 <= self.beta <= 1 and self.alpha + self.beta > 0
        ):
            # RDKit's range; alpha = beta = 0 would make the score 0/0 for disjoint fingerprints
            raise DrugscreenError(
                f"Tversky weights must be in [0, 1] and not both 0, got alpha={self.alpha}, beta={self.beta}"
            )
        if self.fusion is not None and self.fusion not in FUSIONS:
            raise DrugscreenError(f"unknown fusion {self.fusion!r}; choose 'max' or 'mean'")

    @property
    def weights(self) -> tuple[float, float]:
        """(alpha, beta) of the Tversky form of the metric (cosine has none)."""
        return {"tanimoto": (1.0, 1.0), "dice": (0.5, 0.5)}.get(self.metric, (self.alpha, self.beta))

    def check_spec(self, spec: FingerprintSpec) -> None:
        if spec.counts and self.metric not in COUNT_METRICS:
            raise DrugscreenError(
                f"metric {self.metric!r} is not defined for count fingerprints; use one of {COUNT_METRICS}"
            )
