"""Clustering and diversity picking: ``ds.cluster.butina`` and ``ds.cluster.leader``, identical to RDKit."""

from drugscreen.cluster.butina import butina
from drugscreen.cluster.pick import leader

__all__ = ["butina", "leader"]
