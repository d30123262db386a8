"""Virtual-screening evaluation.

Metrics equal to ``rdkit.ML.Scoring`` (``auroc``, ``enrichment_factor``, ``bedroc``, ``rie``),
curves for plots, and the retrospective ligand-based protocol (``evaluate``, ``compare``).
"""

from drugscreen.vs.compare import Comparison, compare, comparison_table
from drugscreen.vs.data import load_benchmark
from drugscreen.vs.metrics import (
    auroc,
    bedroc,
    enrichment_curve,
    enrichment_factor,
    ranked_labels,
    rie,
    roc_curve,
)
from drugscreen.vs.protocol import DEFAULT_METHODS, DEFAULT_METRICS, VSResult, evaluate

__all__ = [
    "DEFAULT_METHODS",
    "DEFAULT_METRICS",
    "Comparison",
    "VSResult",
    "auroc",
    "bedroc",
    "compare",
    "comparison_table",
    "enrichment_curve",
    "enrichment_factor",
    "evaluate",
    "load_benchmark",
    "ranked_labels",
    "rie",
    "roc_curve",
]
