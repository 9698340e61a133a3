"""A stack of message-passing layers with a jumping-knowledge head, scored layer by layer.

Every homogeneous / relational node model here has the same shape: a node-wise input projection,
``num_layers`` graph convolutions (ReLU, dropout, residual), and a head over the concatenation of
all layer outputs (jumping knowledge keeps the node's own features visible, which matters on
heterophilous fraud graphs where fraudsters hide among benign neighbours).

Because every layer only reads the incoming edges of a node, the whole graph can be scored one
layer at a time (:meth:`ConvStack.layerwise`): each layer is computed once for all nodes, in chunks
of destination nodes with their full in-neighbourhood, instead of once per sampled subgraph.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn
from torch_geometric.data import Data
from torch_geometric.utils import to_torch_csr_tensor


class ConvStack(nn.Module):
    """Subclasses implement ``make_conv(i, dim)``; ``prepare`` may rewrite edges (e.g. GCN norms)."""

    def __init__(self, in_dim: int, hidden: int = 64, num_layers: int = 2, out_dim: int = 2,
                 dropout: float = 0.0, **conv_kw):
        super().__init__()
        self.num_layers = num_layers
        self.dropout = dropout
        self.conv_kw = conv_kw
        self.inp = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU())
        self.convs = nn.ModuleList(self.make_conv(i, hidden) for i in range(num_layers))
        self.head = nn.Sequential(nn.Linear(hidden * (num_layers + 1), hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, out_dim))

    # ------------------------------------------------------------------ hooks
    def make_conv(self, i: int, dim: int) -> nn.Module:
        raise NotImplementedError

    def prepare(self, edge_index: Tensor, num_nodes: int, edge_type: Tensor | None) -> dict:
        """Edge tensors the convolutions consume, computed on the graph they run on."""
        return {"edge_index": edge_index} if edge_type is None else {"edge_index": edge_index,
                                                                      "edge_type": edge_type}

    # run convolutions as sparse matrix products (5x faster than edge-wise scatter here); False passes
    # messages edge by edge in edge_index's order, which PyG's explain edge masks need
    sparse = True

    def operator(self, edges: dict, num_nodes: int) -> dict:
        """What the convolutions consume: the edges, plus a CSR ``adj_t`` when ``sparse``."""
        if not self.sparse:
            return edges
        return {**edges, "adj_t": to_adj_t(edges["edge_index"], num_nodes, edges.get("edge_weight"))}

    def conv(self, i: int, h: Tensor, edges: dict) -> Tensor:
        return self.convs[i](h, edges["adj_t"] if "adj_t" in edges else edges["edge_index"])

    def _ops(self, data: Data) -> dict:
        """Prepared operators for ``data``, cached while the same edge tensor is passed (full batch)."""
        cache = getattr(self, "_op_cache", None)
        if cache is not None and cache[0] is data.edge_index:
            return cache[1]
        ops = self.operator(self.prepare(data.edge_index, data.num_nodes, data.get("edge_type")), data.num_nodes)
        self._op_cache = (data.edge_index, ops)
        return ops

    # ------------------------------------------------------------------ forward
    def layer(self, i: int, h: Tensor, edges: dict) -> Tensor:
        out = self.conv(i, h, edges)
        out = torch.relu(out) + h
        return nn.functional.dropout(out, self.dropout, self.training)

    def forward(self, data: Data) -> Tensor:
        """Logits for every node of ``data`` (seeds come first in a sampled batch)."""
        edges = self._ops(data)
        hs = [nn.functional.dropout(self.inp(data.x), self.dropout, self.training)]
        for i in range(self.num_layers):
            hs.append(self.layer(i, hs[-1], edges))
        return self.head(torch.cat(hs, 1))

    @torch.no_grad()
    def layerwise(self, data: Data, chunk: int = 4096) -> Tensor:
        """Logits for all nodes, each layer computed once for the whole graph in node chunks."""
        from graphguard.train.csc import csc_of, with_edge_index
        from graphguard.train.features import features
        from graphguard.train.inference import one_hop_chunks

        was = self.training
        self.eval()
        if type(self).prepare is ConvStack.prepare and data.get("edge_type") is None:
            edges = {"edge_index": None}  # plain edges: read the CSC as it is (a store's: no copy, no sort)
            source = csc_of(data)
        else:
            data = with_edge_index(data)
            edges = self.prepare(data.edge_index, data.num_nodes, data.get("edge_type"))
            source = edges["edge_index"]
        n = data.num_nodes
        hs = [_rowwise(lambda r: self.inp(features(data, r)), torch.arange(n), chunk)]
        for i in range(self.num_layers):
            h, out = hs[-1], torch.empty(n, hs[-1].shape[1])
            for nodes, local_ei, eid, size in one_hop_chunks(source, n, chunk):
                sub = {k: (local_ei if k == "edge_index" else v[eid]) for k, v in edges.items()}
                sub = self.operator(sub, nodes.numel())
                out[nodes[:size]] = self.layer(i, h[nodes], sub)[:size]
            hs.append(out)
        logits = _rowwise(lambda r: self.head(torch.cat([h[r] for h in hs], 1)), torch.arange(n), chunk)
        self.train(was)
        return logits


def to_adj_t(edge_index: Tensor, num_nodes: int, weight: Tensor | None = None) -> Tensor:
    """The transposed adjacency (row = destination) as a torch CSR tensor, for sparse message passing.

    Parallel edges become one entry holding their summed weights, or their count when unweighted, so
    a sum over the matrix equals PyG's sum over ``edge_index`` (where each parallel edge is a message).
    """
    if weight is None:
        weight = torch.ones(edge_index.shape[1], device=edge_index.device)
    with warnings.catch_warnings():  # torch calls its CSR tensors beta on every construction
        warnings.simplefilter("ignore", UserWarning)
        return to_torch_csr_tensor(edge_index.flip(0), weight, size=(num_nodes, num_nodes))


def _rowwise(fn, x: Tensor, chunk: int) -> Tensor:
    return torch.cat([fn(x[i:i + chunk]) for i in range(0, x.shape[0], chunk)]) if x.shape[0] else fn(x)
