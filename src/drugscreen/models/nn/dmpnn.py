"""D-MPNN: the directed message-passing network of Yang et al. (J. Chem. Inf. Model. 2019).

Hidden states live on directed bonds. A bond ``v -> w`` starts from its source atom's and its
own features, ``h0 = ReLU(W_i [x_v, e_vw])``, and for ``depth - 1`` steps collects the states
of the bonds arriving at ``v`` except its own reverse, ``m_vw = sum_{k -> v} h_kv - h_wv``,
``h = ReLU(h0 + W_h m)``. Atoms then sum their incoming bond states, ``h_v = ReLU(W_o [x_v,
m_v])``, and a readout pools atoms into one vector per molecule. The arithmetic is chemprop
v2's ``BondMessagePassing`` (depth counts ``W_i`` as the first step).
"""

from __future__ import annotations

import torch
from torch import nn

from drugscreen.models.nn.readout import readout
from drugscreen.models.nn.scatter import segment_sum


class DMPNNEncoder(nn.Module):
    """Molecule graphs -> one ``hidden_size`` vector per molecule."""

    def __init__(
        self,
        atom_dim: int,
        bond_dim: int,
        hidden_size: int = 300,
        depth: int = 3,
        dropout: float = 0.0,
        aggregation: str = "mean",
    ) -> None:
        super().__init__()
        self.depth = depth
        self.aggregation = aggregation
        self.W_i = nn.Linear(atom_dim + bond_dim, hidden_size, bias=False)
        self.W_h = nn.Linear(hidden_size, hidden_size, bias=False)
        self.W_o = nn.Linear(atom_dim + hidden_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.out_dim = hidden_size

    def forward(self, g: dict[str, torch.Tensor], n_mols: int) -> torch.Tensor:
        x, e = g["atom_features"], g["bond_features"]
        src, dst = g["edge_index"][0], g["edge_index"][1]
        rev = g["rev_index"]
        n_atoms = x.shape[0]
        h0 = self.W_i(torch.cat([x[src], e], dim=1))
        h = torch.relu(h0)
        for _ in range(1, self.depth):
            incoming = segment_sum(h, dst, n_atoms)  # per atom: every bond arriving at it
            message = incoming[src] - h[rev]  # bonds into v except the reverse of v -> w
            h = self.dropout(torch.relu(h0 + self.W_h(message)))
        atom_messages = segment_sum(h, dst, n_atoms)
        atoms = self.dropout(torch.relu(self.W_o(torch.cat([x, atom_messages], dim=1))))
        return readout(atoms, g["atom_to_mol"], n_mols, self.aggregation)
