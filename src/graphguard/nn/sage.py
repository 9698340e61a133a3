"""GraphSAGE (Hamilton et al.) with mean aggregation and a separate root weight."""

from __future__ import annotations

from torch_geometric.nn import SAGEConv

from graphguard.nn.stack import ConvStack


class GraphSAGE(ConvStack):
    def make_conv(self, i: int, dim: int):
        return SAGEConv(dim, dim, aggr=self.conv_kw.get("aggr", "mean"))
