"""Drug combinations: network separation and exposure classes, multi-ingredient entities.

>>> import drugscreen as ds
>>> pairs = ds.combos.exposure_classes(net, drug_targets, disease_genes)   # doctest: +SKIP
"""

from drugscreen.combos.separation import (
    EXPOSURE_ORDER,
    EntityScore,
    classify,
    drug_separation,
    exposure_classes,
    score_entity,
)

__all__ = [
    "EXPOSURE_ORDER",
    "EntityScore",
    "classify",
    "drug_separation",
    "exposure_classes",
    "score_entity",
]
