"""Graphs that are not molecules: the interactome and its hop distances, disease modules,
heterogeneous knowledge graphs (Hetionet) and their degree-preserving permutations.

>>> import drugscreen as ds
>>> net = ds.network.Interactome.from_file("interactome.tsv")   # doctest: +SKIP
>>> kg = ds.network.Hetnet.from_files("nodes.tsv.gz", "edges.sif.gz")   # doctest: +SKIP
"""

from drugscreen.network.hetnet import Hetnet, HetnetReport
from drugscreen.network.interactome import Interactome, LoadReport, compute_distances
from drugscreen.network.metagraph import Metaedge, Metagraph, Metapath, Step
from drugscreen.network.modules import (
    ModuleSignificance,
    adjacency_matrix,
    diamond,
    largest_component,
    module_significance,
)
from drugscreen.network.permute import permute_edges, permute_hetnet
from drugscreen.network.randomize import degree_bins

__all__ = [
    "Hetnet",
    "HetnetReport",
    "Interactome",
    "LoadReport",
    "Metaedge",
    "Metagraph",
    "Metapath",
    "ModuleSignificance",
    "Step",
    "adjacency_matrix",
    "compute_distances",
    "degree_bins",
    "diamond",
    "largest_component",
    "module_significance",
    "permute_edges",
    "permute_hetnet",
]
