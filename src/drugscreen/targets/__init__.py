"""Target discovery: rank a disease's candidate targets from its known genes (network
propagation), genetic evidence (GWAS / biobank results, Mendelian randomisation) and
tractability, and measure how often such a ranking is right.

>>> import drugscreen as ds
>>> net = ds.network.Interactome.from_file("interactome.tsv")             # doctest: +SKIP
>>> ranked = ds.targets.prioritize(net, ["7157", "672", "675"], method="rwr")  # doctest: +SKIP
>>> cv = ds.targets.cross_validate(net, "disease_genes.gmt")             # doctest: +SKIP
"""

from drugscreen.targets.combine import combine
from drugscreen.targets.evidence import aggregate_evidence, harmonic_sum, read_evidence, score_from_pvalue
from drugscreen.targets.mr import MRResult, mendelian_randomization
from drugscreen.targets.prioritize import METHODS, prioritize
from drugscreen.targets.seeds import read_seed_sets
from drugscreen.targets.validation import Validation, cross_validate, transfer

__all__ = [
    "METHODS",
    "MRResult",
    "Validation",
    "aggregate_evidence",
    "combine",
    "cross_validate",
    "harmonic_sum",
    "mendelian_randomization",
    "prioritize",
    "read_evidence",
    "read_seed_sets",
    "score_from_pvalue",
    "transfer",
]
