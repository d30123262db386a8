"""Clustering of fingerprint sets: ``ds.cluster.butina`` (Taylor-Butina, identical to RDKit)."""

from drugscreen.cluster.butina import butina

__all__ = ["butina"]
