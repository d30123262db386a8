"""Graphs that are not molecules: the interactome and its hop distances, disease modules.

>>> import drugscreen as ds
>>> net = ds.network.Interactome.from_file("interactome.tsv")   # doctest: +SKIP
"""

from drugscreen.network.interactome import Interactome, LoadReport, compute_distances

__all__ = ["Interactome", "LoadReport", "compute_distances"]
