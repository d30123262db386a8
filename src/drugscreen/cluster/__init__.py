"""Clustering and diversity picking.

``ds.cluster.butina``, ``ds.cluster.maxmin`` and ``ds.cluster.leader`` are identical to RDKit's;
``ds.cluster.sphere_exclusion`` clusters libraries whose neighbour lists do not fit in memory.
"""

from drugscreen.cluster.butina import butina
from drugscreen.cluster.pick import leader, maxmin
from drugscreen.cluster.sphere import sphere_exclusion

__all__ = ["butina", "leader", "maxmin", "sphere_exclusion"]
