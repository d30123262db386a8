"""AttentiveFP (Xiong et al., J. Med. Chem. 2020): graph attention with GRU updates, on atoms
and then on a virtual molecule node.

Atom layers: the first attends over neighbours with the bond in the message (GATE-style,
``a_uv = LeakyReLU(w_s . x'_u + w_d . h_v)``, ``x'_u = LeakyReLU(W [h_u, e_uv])``); later ones
are plain graph attention; each updates atom states with a GRU. Molecule steps: a super node,
started from the sum of atom states, attends over its atoms and is updated by another GRU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from drugscreen.models.nn.scatter import segment_softmax, segment_sum


class _Attention(nn.Module):
    """Softmax attention from segment members (``src`` rows) to segment owners (``dst``)."""

    def __init__(self, in_dim: int, hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.value = nn.Linear(in_dim, hidden_size, bias=False)
        self.score_src = nn.Linear(in_dim, 1, bias=False)
        self.score_dst = nn.Linear(hidden_size, 1, bias=False)
        self.bias = nn.Parameter(torch.zeros(hidden_size))
        self.dropout = nn.Dropout(dropout)  # a module, so MC dropout samples it too

    def forward(self, members: torch.Tensor, owners: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        scores = F.leaky_relu(self.score_src(members) + self.score_dst(owners)[dst], 0.01)
        alpha = segment_softmax(scores, dst, owners.shape[0])
        alpha = self.dropout(alpha)
        return segment_sum(alpha * self.value(members), dst, owners.shape[0]) + self.bias


class AttentiveFPEncoder(nn.Module):
    """Molecule graphs -> one ``hidden_size`` vector per molecule."""

    def __init__(
        self,
        atom_dim: int,
        bond_dim: int,
        hidden_size: int = 200,
        depth: int = 2,
        timesteps: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(atom_dim, hidden_size)
        self.edge_message = nn.Linear(hidden_size + bond_dim, hidden_size)
        self.atom_attention = nn.ModuleList(
            [_Attention(hidden_size, hidden_size, dropout) for _ in range(depth)]
        )
        self.atom_grus = nn.ModuleList([nn.GRUCell(hidden_size, hidden_size) for _ in range(depth)])
        self.mol_attention = _Attention(hidden_size, hidden_size, dropout)
        self.mol_gru = nn.GRUCell(hidden_size, hidden_size)
        self.timesteps = timesteps
        self.dropout = nn.Dropout(dropout)
        self.out_dim = hidden_size

    def forward(self, g: dict[str, torch.Tensor], n_mols: int) -> torch.Tensor:
        src, dst = g["edge_index"][0], g["edge_index"][1]
        h = F.leaky_relu(self.embed(g["atom_features"]), 0.01)
        for i, (attention, gru) in enumerate(zip(self.atom_attention, self.atom_grus, strict=True)):
            if i == 0:  # the bond takes part in the first layer's messages
                members = F.leaky_relu(self.edge_message(torch.cat([h[src], g["bond_features"]], 1)), 0.01)
            else:
                members = h[src]
            context = F.elu(attention(members, h, dst))
            h = torch.relu(gru(self.dropout(context), h))
        atom_to_mol = g["atom_to_mol"]
        mol = torch.relu(segment_sum(h, atom_to_mol, n_mols))
        for _ in range(self.timesteps):
            context = F.elu(self.mol_attention(h, mol, atom_to_mol))
            mol = torch.relu(self.mol_gru(self.dropout(context), mol))
        return self.dropout(mol)
