"""Virtual-screening evaluation: ``ds.vs.auroc``, ``enrichment_factor``, ``bedroc``, ``rie``."""

from drugscreen.vs.metrics import auroc, bedroc, enrichment_factor, ranked_labels, rie

__all__ = ["auroc", "bedroc", "enrichment_factor", "ranked_labels", "rie"]
