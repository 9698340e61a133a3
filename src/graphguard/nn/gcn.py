"""GCN (Kipf & Welling) with the symmetric normalisation computed on the graph it runs on.

Normalising in ``prepare`` (not inside each conv) lets layer-wise inference reuse the weights of
the full graph, so chunked scoring equals a full-batch pass exactly.
"""

from __future__ import annotations

from torch import Tensor
from torch_geometric.nn import GCNConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from graphguard.nn.stack import ConvStack


class GCN(ConvStack):
    def make_conv(self, i: int, dim: int):
        return GCNConv(dim, dim, normalize=False)

    def prepare(self, edge_index: Tensor, num_nodes: int, edge_type=None) -> dict:
        ei, w = gcn_norm(edge_index, None, num_nodes, add_self_loops=True)
        return {"edge_index": ei, "edge_weight": w}

    def conv(self, i, h, edges):
        if "adj_t" in edges:
            return self.convs[i](h, edges["adj_t"])
        return self.convs[i](h, edges["edge_index"], edges["edge_weight"])
