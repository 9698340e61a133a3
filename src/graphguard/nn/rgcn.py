"""RGCN (Schlichtkrull et al.): one weight per relation, for the relations of ``to_relational``."""

from __future__ import annotations

from torch_geometric.nn import RGCNConv

from graphguard.nn.stack import ConvStack


class RGCN(ConvStack):
    sparse = False  # needs per-edge computation

    def make_conv(self, i: int, dim: int):
        return RGCNConv(dim, dim, num_relations=int(self.conv_kw.get("num_relations", 1)), aggr="mean")

    def prepare(self, edge_index, num_nodes, edge_type=None) -> dict:
        if edge_type is None:
            edge_type = edge_index.new_zeros(edge_index.shape[1])
        return {"edge_index": edge_index, "edge_type": edge_type}

    def conv(self, i, h, edges):
        return self.convs[i](h, edges["edge_index"], edges["edge_type"])
