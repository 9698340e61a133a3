"""HGT (Hu et al., WWW 2020) for graphs with several node types, on PyG's ``HGTConv``.

Each node type gets its own input projection (types without features get a learned constant),
then ``num_layers`` HGT layers with type- and relation-specific attention, and a head on the
target type over the concatenated layer outputs.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.data import HeteroData
from torch_geometric.nn import HGTConv


class HGT(nn.Module):
    def __init__(self, in_dims: dict[str, int], metadata, target: str, hidden: int = 64, num_layers: int = 2,
                 heads: int = 2, out_dim: int = 2, dropout: float = 0.0):
        super().__init__()
        self.target = target
        self.num_layers = num_layers
        self.dropout = dropout
        self.node_types = list(metadata[0])
        self.inp = nn.ModuleDict({nt: nn.Linear(max(1, in_dims.get(nt, 0)), hidden) for nt in self.node_types})
        heads = heads if hidden % heads == 0 else 1
        self.convs = nn.ModuleList(HGTConv(hidden, hidden, metadata, heads=heads) for _ in range(num_layers))
        self.head = nn.Sequential(nn.Linear(hidden * (num_layers + 1), hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, out_dim))

    def _input(self, data: HeteroData, nt: str, rows: Tensor | None = None) -> Tensor:
        store = data[nt]
        x = store.x if "x" in store else torch.ones(store.num_nodes, 1)
        if rows is not None:
            x = x[rows]
        return nn.functional.dropout(torch.relu(self.inp[nt](x)), self.dropout, self.training)

    def layer(self, i: int, h: dict, edge_index_dict: dict) -> dict:
        out = self.convs[i](h, edge_index_dict)
        res = {}
        for nt, v in h.items():
            o = out.get(nt)
            o = v if o is None else torch.relu(o) + v
            res[nt] = nn.functional.dropout(o, self.dropout, self.training)
        return res

    def forward(self, data: HeteroData) -> Tensor:
        h = {nt: self._input(data, nt) for nt in data.node_types if nt in self.inp}
        eid = {et: data[et].edge_index for et in data.edge_types}
        hs = [h[self.target]]
        for i in range(self.num_layers):
            h = self.layer(i, h, eid)
            hs.append(h[self.target])
        return self.head(torch.cat(hs, 1))

    @torch.no_grad()
    def layerwise(self, data: HeteroData, chunk: int = 4096) -> Tensor:
        """Logits for all target nodes; each layer runs once per node type, in chunks."""
        from graphguard.train.csc import csc_of, has_edges
        from graphguard.train.inference import hetero_one_hop_chunks

        was = self.training
        self.eval()
        num = {nt: data[nt].num_nodes for nt in data.node_types}
        eid = {et: csc_of(data, et) for et in data.edge_types if has_edges(data, et)}
        h = {nt: self._input(data, nt) for nt in data.node_types}
        hs = [h[self.target]]
        for i in range(self.num_layers):
            new = {}
            for nt in data.node_types:
                out = h[nt].clone()
                for nodes, local, size in hetero_one_hop_chunks(eid, num, nt, chunk):
                    sub_h = {t: h[t][ids] for t, ids in nodes.items()}
                    out[nodes[nt][:size]] = self.layer(i, sub_h, local)[nt][:size]
                new[nt] = out
            h = new
            hs.append(h[self.target])
        logits = self.head(torch.cat(hs, 1))
        self.train(was)
        return logits
