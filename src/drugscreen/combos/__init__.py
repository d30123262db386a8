"""Drug combinations: dose–response synergy, network separation and exposure classes,
multi-ingredient entities and formulas.

>>> import drugscreen as ds
>>> scores = ds.combos.synergy(blocks)                                    # doctest: +SKIP
>>> pairs = ds.combos.exposure_classes(net, drug_targets, disease_genes)   # doctest: +SKIP
>>> scored = ds.combos.score_formulas(net, "formulas.tsv", disease_genes)  # doctest: +SKIP
"""

from drugscreen.combos.formulas import FormulaScores, score_formulas
from drugscreen.combos.formulas_io import druglikeness, read_formulas
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
    "FormulaScores",
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
    "read_formulas",
    "druglikeness",
    "score_formulas",
]
