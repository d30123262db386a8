"""Pooling atom vectors into molecule vectors: sum, mean, or chemprop's "norm" (sum / 100)."""

from __future__ import annotations

import torch

from drugscreen.models.nn.scatter import segment_mean, segment_sum

AGGREGATIONS = ("mean", "sum", "norm")

#: chemprop's NormAggregation divides the sum by a fixed 100 (a typical atom count).
NORM = 100.0


def readout(atoms: torch.Tensor, atom_to_mol: torch.Tensor, n_mols: int, how: str) -> torch.Tensor:
    """One vector per molecule from its atoms' vectors."""
    if how == "mean":
        return segment_mean(atoms, atom_to_mol, n_mols)
    if how == "sum":
        return segment_sum(atoms, atom_to_mol, n_mols)
    if how == "norm":
        return segment_sum(atoms, atom_to_mol, n_mols) / NORM
    raise ValueError(f"aggregation must be one of {AGGREGATIONS}, not {how!r}")
