"""New uses for approved drugs: network proximity of drug targets to disease genes.

>>> import drugscreen as ds
>>> table = ds.repurpose.proximity(net, drug_targets, disease_genes)   # doctest: +SKIP
"""

from drugscreen.repurpose.proximity import DISTANCES, degree_bins, proximity, target_contributions

__all__ = ["DISTANCES", "degree_bins", "proximity", "target_contributions"]
