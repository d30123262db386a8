"""Graphs that are not molecules: the interactome and its hop distances, disease modules.

>>> import drugscreen as ds
>>> net = ds.network.Interactome.from_file("interactome.tsv")   # doctest: +SKIP
"""

from drugscreen.network.interactome import Interactome, LoadReport, compute_distances
from drugscreen.network.modules import (
    ModuleSignificance,
    adjacency_matrix,
    diamond,
    largest_component,
    module_significance,
)
from drugscreen.network.randomize import degree_bins

__all__ = [
    "Interactome",
    "LoadReport",
    "ModuleSignificance",
    "adjacency_matrix",
    "compute_distances",
    "degree_bins",
    "diamond",
    "largest_component",
    "module_significance",
]
