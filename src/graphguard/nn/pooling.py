"""Graph readouts: sum, mean or attention pooling of node embeddings into one vector per graph.

Sum keeps multiset information (the GIN argument of Xu et al. 2019); mean is robust to graph
size; attention learns which nodes matter (a gate network, as in Li et al. 2016).
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import AttentionalAggregation, global_add_pool, global_mean_pool

from graphguard.errors import ConfigError

POOLINGS = ("sum", "mean", "attention")


class GraphPooling(nn.Module):
    def __init__(self, kind: str, dim: int):
        super().__init__()
        if kind not in POOLINGS:
            raise ConfigError(f"unknown pooling '{kind}' (choose from {', '.join(POOLINGS)})")
        self.kind = kind
        if kind == "attention":
            self.att = AttentionalAggregation(gate_nn=nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 1)))

    def forward(self, h: torch.Tensor, batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
        if self.kind == "sum":
            return global_add_pool(h, batch, size=num_graphs)
        if self.kind == "mean":
            return global_mean_pool(h, batch, size=num_graphs)
        return self.att(h, batch, dim_size=num_graphs)
