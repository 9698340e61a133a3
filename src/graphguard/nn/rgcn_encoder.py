"""A relational GCN encoder (Schlichtkrull et al., 2018) for link prediction with any KGE scorer.

The encoder turns initial entity vectors (a learned table, or node features when the graph has
them) into context-aware representations by message passing over the *training* triples and
their reciprocals; ``graphguard.nn.kge.KGEModel`` then scores them with TransE, DistMult, ComplEx
or RotatE as the decoder. This is the GraphStorm / Neptune ML link-prediction setup.

Three ways to run it, all with the same weights:

* :meth:`RGCNEncoder.forward`: the whole graph at once (small graphs, and the reference);
* :meth:`RGCNEncoder.forward_sampled`: a neighbour-sampled subgraph around seed entities, trimmed
  layer by layer so that the last layer computes only the seeds (memory follows the batch, not
  the graph);
* :meth:`RGCNEncoder.layerwise`: every entity, one layer at a time over chunks of destination
  entities with their whole in-neighbourhood, without gradients (ranking needs every entity).
"""

from __future__ import annotations

import torch
from torch import nn

from graphguard.nn.basis_rgcn import BasisRGCNConv


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
        self.convs = nn.ModuleList(BasisRGCNConv(a, b, 2 * num_relations, num_bases=nb) for a, b in zip(dims[:-1], dims[1:]))
        self.skip = nn.Linear(in_channels, out_channels, bias=False) if residual else None
        self.drop = nn.Dropout(dropout)
        # set (by the estimator) on graphs trained by sampling: no-grad full passes then go layer-wise
        self.layerwise_chunk: int | None = None

    @property
    def num_layers(self) -> int:
        return len(self.convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, conv in enumerate(self.convs):
            h = conv(self.drop(h), self.edge_index, self.edge_type)
            if i < len(self.convs) - 1:
                h = torch.relu(h)
        return h + self.skip(x) if self.skip is not None else h

    def forward_sampled(self, x: torch.Tensor, edge_index: torch.Tensor, edge_type: torch.Tensor,
                        num_sampled_nodes: list[int], num_sampled_edges: list[int]) -> torch.Tensor:
        """Representations of the seeds (the first ``num_sampled_nodes[0]`` rows) of a sampled subgraph.

        ``x`` holds the subgraph's nodes in sampling order (seeds, then each hop's new nodes) and
        ``edge_index``/``edge_type`` its local edges in hop order, as graphguard's
        ``NeighborSampler`` returns them. Layer ``i`` computes only the nodes that later layers
        still read (hops ``0 .. L-1-i``), from the edges into them.
        """
        node_end = torch.tensor(num_sampled_nodes).cumsum(0).tolist()
        edge_end = torch.tensor(num_sampled_edges).cumsum(0).tolist()
        L = self.num_layers
        h = x
        for i, conv in enumerate(self.convs):
            n_dst, n_src, n_e = node_end[L - 1 - i], node_end[L - i], edge_end[L - 1 - i]
            hs = self.drop(h[:n_src])
            h = conv((hs, hs[:n_dst]), edge_index[:, :n_e], edge_type[:n_e])
            if i < L - 1:
                h = torch.relu(h)
        n_seed = num_sampled_nodes[0]
        return h + self.skip(x[:n_seed]) if self.skip is not None else h

    @torch.no_grad()
    def layerwise(self, x: torch.Tensor, chunk: int = 65_536) -> torch.Tensor:
        """Every entity's representation (no dropout), one layer at a time over destination chunks.

        Peak memory is one layer's output for all entities plus one chunk's in-neighbourhood,
        instead of the whole graph's messages at once.
        """
        from graphguard.train.csc import CSC
        from graphguard.train.inference import one_hop_chunks

        n = x.shape[0]
        csc = CSC.from_edge_index(self.edge_index, n)
        h = x
        for i, conv in enumerate(self.convs):
            out = None
            for nodes, ei, eids, size in one_hop_chunks(csc, n, chunk):
                hn = h[nodes]
                o = conv((hn, hn[:size]), ei, self.edge_type[eids])
                if out is None:
                    out = torch.empty(n, o.shape[1], dtype=o.dtype)
                out[nodes[:size]] = o
            h = torch.relu(out) if i < len(self.convs) - 1 else out
        return h + self.skip(x) if self.skip is not None else h
