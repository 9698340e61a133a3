"""Message-passing encoders that turn a batch of graphs into one vector per graph.

``GraphEncoder`` stacks GIN, GINE (GIN with edge features, Hu et al. 2020), GCN or GraphSAGE
layers with batch norm, ReLU and dropout, optionally a virtual node, and a readout from
``nn.pooling``. ``GraphClassifierNet`` adds a prediction head.

With ``jk=True`` (the default) the readout pools every layer, the input projection included, and
the head scores each layer's pooled vector with its own linear layer and sums the scores: the
readout of Xu et al. (2019), eq. 4.2, so shallow and deep substructures both reach the head. With
``jk=False`` only the last layer is pooled. ``train_eps=False`` is GIN-0 (the paper's best
variant); ``layer_dropout`` sets dropout between message-passing layers (the paper uses none and
puts ``dropout`` on the head only; OGB's molecule GINs use it in every layer).
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GCNConv, GINConv, GINEConv, SAGEConv

from graphguard.errors import ConfigError
from graphguard.nn.pooling import GraphPooling
from graphguard.nn.virtual_node import VirtualNode

CONVS = ("gin", "gine", "gcn", "sage")


def _mlp(i: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Linear(o, o))


def make_conv(kind: str, dim: int, edge_dim: int | None, train_eps: bool = False) -> nn.Module:
    if kind == "gin":
        return GINConv(_mlp(dim, dim), train_eps=train_eps)
    if kind == "gine":
        if not edge_dim:
            raise ConfigError("model 'gine' needs edge features (edge_attr); use 'gin' for graphs without them")
        return GINEConv(_mlp(dim, dim), train_eps=train_eps, edge_dim=edge_dim)
    if kind == "gcn":
        return GCNConv(dim, dim)
    if kind == "sage":
        return SAGEConv(dim, dim)
    raise ConfigError(f"unknown graph model '{kind}' (choose from {', '.join(CONVS)})")


class GraphEncoder(nn.Module):
    def __init__(self, in_dim: int, hidden: int = 64, layers: int = 4, conv: str = "gin", pooling: str = "sum",
                 virtual_node: bool = False, dropout: float = 0.5, edge_dim: int | None = None, jk: bool = True,
                 train_eps: bool = False):
        super().__init__()
        self.conv_kind, self.jk, self.hidden = conv, jk, hidden
        self.input = nn.Linear(in_dim, hidden)
        self.convs = nn.ModuleList(make_conv(conv, hidden, edge_dim, train_eps) for _ in range(layers))
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in range(layers))
        self.vns = nn.ModuleList(VirtualNode(hidden, dropout) for _ in range(max(layers - 1, 1))) if virtual_node else None
        self.pools = nn.ModuleList(GraphPooling(pooling, hidden) for _ in range(layers + 1 if jk else 1))
        self.dropout = nn.Dropout(dropout)
        self.out_dim = hidden * len(self.pools)

    def node_embeddings(self, x, edge_index, batch, edge_attr=None, num_graphs=None):
        """Per-layer node states (input projection first)."""
        num_graphs = int(batch.max()) + 1 if num_graphs is None else num_graphs
        h = self.input(x)
        states = [h]
        vn = self.vns[0].init_state(num_graphs) if self.vns is not None else None
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            if vn is not None:
                h = h + vn[batch]
            if self.conv_kind == "gine":
                h_new = conv(h, edge_index, edge_attr)
            else:
                h_new = conv(h, edge_index)
            h_new = self.dropout(torch.relu(norm(h_new)))
            if vn is not None and i < len(self.convs) - 1:
                vn = self.vns[i].update(h, vn, batch, num_graphs)
            h = h_new
            states.append(h)
        return states

    def forward(self, x, edge_index, batch, edge_attr=None, num_graphs=None):
        num_graphs = int(batch.max()) + 1 if num_graphs is None else num_graphs
        states = self.node_embeddings(x, edge_index, batch, edge_attr, num_graphs)
        if not self.jk:
            states = states[-1:]
        return torch.cat([pool(h, batch, num_graphs) for pool, h in zip(self.pools, states)], dim=1)


class GraphClassifierNet(nn.Module):
    """Encoder + head; ``out_dim`` is the number of classes (or 1 for regression).

    The head holds one linear layer per pooled layer; each layer's score goes through ``dropout``
    and the scores are summed (Xu et al. 2019). ``layer_dropout`` (default: ``dropout``) is the
    encoder's dropout between layers.
    """

    def __init__(self, in_dim: int, out_dim: int, dropout: float = 0.5, layer_dropout: float | None = None,
                 **encoder_kwargs):
        super().__init__()
        self.encoder = GraphEncoder(in_dim, dropout=dropout if layer_dropout is None else layer_dropout,
                                    **encoder_kwargs)
        self.heads = nn.ModuleList(nn.Linear(self.encoder.hidden, out_dim) for _ in self.encoder.pools)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, edge_index, batch, edge_attr=None, num_graphs=None):
        pooled = self.encoder(x, edge_index, batch, edge_attr, num_graphs).split(self.encoder.hidden, dim=1)
        return sum(self.dropout(head(p)) for head, p in zip(self.heads, pooled))
