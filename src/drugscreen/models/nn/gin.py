"""GINE: the graph isomorphism network with edge features (Xu et al. 2019; Hu et al. 2020).

Each layer updates every atom from the sum of its neighbours' states shifted by the bond
between them, ``h_v' = MLP((1 + eps) h_v + sum_{u -> v} ReLU(h_u + W_e e_uv))``, with a
learned ``eps``, batch normalisation and a residual connection; the readout pools the last
layer's atom states.
"""

from __future__ import annotations

import torch
from torch import nn

from drugscreen.models.nn.readout import readout
from drugscreen.models.nn.scatter import segment_sum


class _GINELayer(nn.Module):
    def __init__(self, hidden_size: int, bond_dim: int, dropout: float) -> None:
        super().__init__()
        self.edge = nn.Linear(bond_dim, hidden_size)
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(
            nn.Linear(hidden_size, hidden_size),
            nn.BatchNorm1d(hidden_size),
            nn.ReLU(),
            nn.Linear(hidden_size, hidden_size),
        )
        self.norm = nn.BatchNorm1d(hidden_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, e: torch.Tensor, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        messages = torch.relu(h[src] + self.edge(e))
        update = self.mlp((1 + self.eps) * h + segment_sum(messages, dst, h.shape[0]))
        return h + self.dropout(torch.relu(self.norm(update)))


class GINEncoder(nn.Module):
    """Molecule graphs -> one ``hidden_size`` vector per molecule."""

    def __init__(
        self,
        atom_dim: int,
        bond_dim: int,
        hidden_size: int = 300,
        depth: int = 4,
        dropout: float = 0.0,
        aggregation: str = "mean",
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(atom_dim, hidden_size)
        self.layers = nn.ModuleList(_GINELayer(hidden_size, bond_dim, dropout) for _ in range(depth))
        self.aggregation = aggregation
        self.out_dim = hidden_size

    def forward(self, g: dict[str, torch.Tensor], n_mols: int) -> torch.Tensor:
        src, dst = g["edge_index"][0], g["edge_index"][1]
        h = self.embed(g["atom_features"])
        for layer in self.layers:
            h = layer(h, g["bond_features"], src, dst)
        return readout(h, g["atom_to_mol"], n_mols, self.aggregation)
