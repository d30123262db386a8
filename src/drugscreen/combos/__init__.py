"""Drug combinations: dose–response synergy, network separation and exposure classes,
multi-ingredient entities.

>>> import drugscreen as ds
>>> scores = ds.combos.synergy(blocks)                                    # doctest: +SKIP
>>> pairs = ds.combos.exposure_classes(net, drug_targets, disease_genes)   # doctest: +SKIP
"""

from drugscreen.combos.hill import HillFit, fit_hill
from drugscreen.combos.musyc import MusycFit, MusycParams, fit_musyc, musyc, musyc_surface
from drugscreen.combos.separation import (
    EXPOSURE_ORDER,
    EntityScore,
    classify,
    drug_separation,
    exposure_classes,
    score_entity,
)
from drugscreen.combos.synergy import MODELS, SynergyResult, synergy

__all__ = [
    "EXPOSURE_ORDER",
    "MODELS",
    "EntityScore",
    "HillFit",
    "MusycFit",
    "MusycParams",
    "SynergyResult",
    "fit_hill",
    "fit_musyc",
    "musyc",
    "musyc_surface",
    "synergy",
    "classify",
    "drug_separation",
    "exposure_classes",
    "score_entity",
]
