"""A virtual node joined to every node of a graph (Gilmer et al. 2017; OGB's "-virtual" models).

It gives each layer a shared global summary, which helps on large, sparse molecules.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import global_add_pool


class VirtualNode(nn.Module):
    def __init__(self, dim: int, dropout: float = 0.0):
        super().__init__()
        self.emb = nn.Parameter(torch.zeros(1, dim))
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim), nn.ReLU(), nn.Dropout(dropout))

    def init_state(self, num_graphs: int) -> torch.Tensor:
        return self.emb.expand(num_graphs, -1)

    def update(self, h: torch.Tensor, vn: torch.Tensor, batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
        """New virtual-node state from the sum of its graph's nodes."""
        return vn + self.mlp(global_add_pool(h, batch, size=num_graphs) + vn)
