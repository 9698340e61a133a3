"""GAT (Velickovic et al.): multi-head attention over in-neighbours, heads concatenated."""

from __future__ import annotations

from torch_geometric.nn import GATConv

from graphguard.nn.stack import ConvStack


class GAT(ConvStack):
    sparse = False  # needs per-edge computation

    def make_conv(self, i: int, dim: int):
        heads = int(self.conv_kw.get("heads", 4))
        if dim % heads:
            heads = 1
        return GATConv(dim, dim // heads, heads=heads)
