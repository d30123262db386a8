"""The feed-forward head on a molecule encoder, and the whole network built from a config.

The head reads the encoder's molecule vector (with normalised RDKit descriptors appended when
the model uses them) through ``ffn_layers`` hidden layers to ``n_outputs`` numbers: one per
task (regression values, binary logits), ``n_tasks * n_classes`` logits for multiclass, or a
mean and a variance per task for mean-variance estimation (variance through softplus).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from drugscreen.models.featurize import ATOM_DIM, BOND_DIM


class FFNHead(nn.Module):
    def __init__(self, in_dim: int, n_outputs: int, hidden_size: int, layers: int, dropout: float) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        width = in_dim
        for _ in range(layers):
            blocks += [nn.Dropout(dropout), nn.Linear(width, hidden_size), nn.ReLU()]
            width = hidden_size
        blocks += [nn.Dropout(dropout), nn.Linear(width, n_outputs)]
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class PropertyNet(nn.Module):
    """Encoder + head. ``forward`` returns raw outputs; :meth:`split_mve` separates mean and
    variance where the net estimates both."""

    def __init__(
        self,
        encoder: nn.Module,
        encoder_dim: int,
        n_outputs: int,
        n_descriptors: int,
        head: dict[str, Any],
        mve: bool,
    ):
        super().__init__()
        self.encoder = encoder
        self.mve = mve
        #: numbers per molecule the network returns (twice the outputs with mean-variance)
        self.n_raw: int = 2 * n_outputs if mve else n_outputs
        self.head = FFNHead(
            encoder_dim + n_descriptors,
            self.n_raw,
            head["ffn_hidden_size"],
            head["ffn_layers"],
            head["dropout"],
        )

    def forward(
        self, g: dict[str, torch.Tensor], n_mols: int, descriptors: torch.Tensor | None = None
    ) -> torch.Tensor:
        z = self.encoder(g, n_mols)
        if descriptors is not None:
            z = torch.cat([z, descriptors], dim=1)
        return self.head(z)

    @staticmethod
    def split_mve(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, raw = out.chunk(2, dim=1)
        return mean, F.softplus(raw) + 1e-6


def build_network(
    architecture: str, params: dict[str, Any], n_outputs: int, n_descriptors: int, mve: bool
) -> PropertyNet:
    """The network of one estimator from its hyperparameters."""
    from drugscreen.models.nn.attentivefp import AttentiveFPEncoder
    from drugscreen.models.nn.dmpnn import DMPNNEncoder
    from drugscreen.models.nn.gin import GINEncoder

    common = dict(hidden_size=params["hidden_size"], depth=params["depth"], dropout=params["dropout"])
    encoder: nn.Module
    if architecture == "dmpnn":
        encoder = DMPNNEncoder(ATOM_DIM, BOND_DIM, aggregation=params["aggregation"], **common)
    elif architecture == "gin":
        encoder = GINEncoder(ATOM_DIM, BOND_DIM, aggregation=params["aggregation"], **common)
    elif architecture == "attentivefp":
        encoder = AttentiveFPEncoder(ATOM_DIM, BOND_DIM, timesteps=params["timesteps"], **common)
    else:
        raise ValueError(f"unknown architecture {architecture!r}")
    return PropertyNet(encoder, params["hidden_size"], n_outputs, n_descriptors, params, mve)
