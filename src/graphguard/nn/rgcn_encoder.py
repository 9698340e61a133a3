"""A relational GCN encoder (Schlichtkrull et al., 2018) for link prediction with any KGE scorer.

The encoder turns initial entity vectors (a learned table, or node features when the graph has
them) into context-aware representations by message passing over the *training* triples and
their reciprocals; ``graphguard.nn.kge.KGEModel`` then scores them with TransE, DistMult, ComplEx
or RotatE as the decoder. This is the GraphStorm / Neptune ML link-prediction setup.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import RGCNConv


class RGCNEncoder(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, num_relations: int, edge_index: torch.Tensor,
                 edge_type: torch.Tensor, *, hidden: int | None = None, layers: int = 2, num_bases: int | None = 8,
                 dropout: float = 0.1, residual: bool = True):
        super().__init__()
        self.in_channels = in_channels
        hidden = hidden or out_channels
        # message passing runs over both directions; reciprocal edges get their own relation ids
        ei = torch.cat([edge_index, edge_index.flip(0)], 1)
        et = torch.cat([edge_type, edge_type + num_relations])
        self.register_buffer("edge_index", ei)
        self.register_buffer("edge_type", et)
        dims = [in_channels] + [hidden] * (layers - 1) + [out_channels]
        nb = None if num_bases is None else min(num_bases, 2 * num_relations)
        self.convs = nn.ModuleList(RGCNConv(a, b, 2 * num_relations, num_bases=nb) for a, b in zip(dims[:-1], dims[1:]))
        self.skip = nn.Linear(in_channels, out_channels, bias=False) if residual else None
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, conv in enumerate(self.convs):
            h = conv(self.drop(h), self.edge_index, self.edge_type)
            if i < len(self.convs) - 1:
                h = torch.relu(h)
        return h + self.skip(x) if self.skip is not None else h
