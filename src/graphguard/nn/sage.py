"""GraphSAGE (Hamilton et al.) with mean aggregation and a separate root weight."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import SAGEConv
from torch_geometric.utils import spmm

from graphguard.nn.stack import ConvStack


class EdgeCountSAGEConv(SAGEConv):
    """``SAGEConv`` whose sparse path reads the CSR values as edge counts (:func:`~graphguard.nn.stack.to_adj_t`).

    On ``edge_index`` PyG aggregates over edges, so a neighbour joined by two parallel edges counts
    twice in a mean or a sum. PyG's own sparse mean divides by the stored entries instead (distinct
    neighbours) and its max/min scale each neighbour by its value; this keeps both paths equal.
    """

    def message_and_aggregate(self, adj_t: Tensor, x) -> Tensor:
        x = x[0] if isinstance(x, tuple) else x
        if self.aggr == "mean":  # PyG's fused mean kernel, rescaled from entries to edges (1 on simple graphs)
            edges_in = torch.segment_reduce(adj_t.values(), "sum", offsets=adj_t.crow_indices())
            entries_in = adj_t.crow_indices().diff()
            return spmm(adj_t, x, reduce="mean") * (entries_in / edges_in.clamp(min=1)).unsqueeze(-1)
        if self.aggr in ("max", "min"):  # parallel edges repeat a value: the extreme is that of distinct ones
            adj_t = torch.sparse_csr_tensor(adj_t.crow_indices(), adj_t.col_indices(),
                                            torch.ones_like(adj_t.values()), adj_t.shape)
        return spmm(adj_t, x, reduce=self.aggr)


class GraphSAGE(ConvStack):
    def make_conv(self, i: int, dim: int):
        return EdgeCountSAGEConv(dim, dim, aggr=self.conv_kw.get("aggr", "mean"))
