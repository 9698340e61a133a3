"""BWGNN (Tang et al., ICML 2022): band-pass beta-wavelet filters for graph anomaly detection.

Anomalies shift spectral energy to high frequencies; beta wavelets give a bank of filters that
split the spectrum into bands. With ``L = I - D^-1/2 A D^-1/2`` (eigenvalues in [0, 2]), filter
``p`` of order ``C`` is ``W_p = (L/2)^p (I - L/2)^(C-p) / B(p+1, C-p+1)``, a polynomial in ``L``.
Powers ``L^k h`` are computed once by sparse propagation (PyG message passing, no dense matrix)
and shared by all filters. For several relations, each relation gets its own filter bank (its own
normalised Laplacian) and the banks are concatenated.

With ``sparse = False`` every propagation sends one message per edge of ``edge_index``, in its
order, which is what PyG's explain edge masks (GNNExplainer) multiply.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.polynomial import Polynomial
from scipy.special import beta as beta_fn
from torch import Tensor, nn
from torch_geometric.data import Data
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import degree, spmm

from graphguard.nn.stack import to_adj_t


def beta_wavelet_coefficients(order: int) -> list[list[float]]:
    """Coefficients (in powers of ``L``) of the ``order + 1`` beta-wavelet filters."""
    out = []
    half = Polynomial([0.0, 0.5])  # L/2
    for p in range(order + 1):
        poly = half ** p * (1 - half) ** (order - p) / beta_fn(p + 1, order - p + 1)
        c = np.zeros(order + 1)
        c[: poly.coef.size] = poly.coef
        out.append(c.tolist())
    return out


class NormalizedAdjacency(MessagePassing):
    """``h -> D^-1/2 A D^-1/2 h`` by message passing.

    Given a CSR ``adj_t`` holding the normalised weights, PyG fuses message and aggregation into
    one sparse-dense product; given an ``edge_index`` it sends weighted messages edge by edge.
    """

    def __init__(self):
        super().__init__(aggr="add")

    def forward(self, h: Tensor, edge_index: Tensor, weight: Tensor | None = None) -> Tensor:
        return self.propagate(edge_index, x=h, weight=weight)

    def message(self, x_j: Tensor, weight: Tensor) -> Tensor:
        return weight.unsqueeze(-1) * x_j

    def message_and_aggregate(self, adj_t: Tensor, x: Tensor) -> Tensor:
        return spmm(adj_t, x, reduce="sum")


def sym_norm_weights(edge_index: Tensor, num_nodes: int) -> Tensor:
    deg = degree(edge_index[1], num_nodes)
    inv = deg.clamp(min=1).pow(-0.5)
    return inv[edge_index[0]] * inv[edge_index[1]]


class BWGNN(nn.Module):
    """MLP -> beta-wavelet filter bank per relation -> MLP head."""

    sparse = True  # propagate as CSR products; False: edge by edge (see the module docstring)

    def __init__(self, in_dim: int, hidden: int = 64, order: int = 2, out_dim: int = 2, dropout: float = 0.0,
                 num_relations: int = 1):
        super().__init__()
        self.order = order
        self.num_relations = num_relations
        self.dropout = dropout
        self.register_buffer("theta", torch.tensor(beta_wavelet_coefficients(order), dtype=torch.float32))
        self.inp = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.prop = NormalizedAdjacency()
        bank = hidden * (order + 1) * num_relations
        self.head = nn.Sequential(nn.Linear(bank + hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, out_dim))

    def filter_bank(self, h: Tensor, operator: tuple) -> Tensor:
        powers = [h]
        for _ in range(self.order):  # L h = h - A_norm h
            powers.append(powers[-1] - self.prop(powers[-1], *operator))
        stacked = torch.stack(powers, 0)  # [order+1, N, hidden]
        filt = torch.einsum("fk,knh->fnh", self.theta, stacked)
        return filt.permute(1, 0, 2).reshape(h.shape[0], -1)

    def forward(self, data: Data) -> Tensor:
        h = nn.functional.dropout(self.inp(data.x), self.dropout, self.training)
        banks = [self.filter_bank(h, op) for op in self._operators(data)]
        return self.head(torch.cat([h] + banks, 1))

    def _operators(self, data: Data) -> list[tuple]:
        """``prop``'s arguments for each relation's normalised adjacency, cached while the same edges are passed.

        Sparse: the relation's CSR ``adj_t``. Edge by edge: all of ``edge_index`` with the relation's
        normalised weights and 0 on other relations' edges, so every call has one message per edge.
        """
        cache = getattr(self, "_op_cache", None)
        if cache is not None and cache[0] is data.edge_index:
            return cache[1]
        n, et = data.num_nodes, data.get("edge_type")
        ops = []
        for r in range(self.num_relations):
            keep = slice(None) if et is None else et == r
            ei = data.edge_index[:, keep]
            if self.sparse:
                ops.append((to_adj_t(ei, n, sym_norm_weights(ei, n)),))
            else:
                weight = data.edge_index.new_zeros(data.edge_index.shape[1], dtype=torch.float)
                weight[keep] = sym_norm_weights(ei, n)
                ops.append((data.edge_index, weight))
        self._op_cache = (data.edge_index, ops)
        return ops

    @torch.no_grad()
    def layerwise(self, data: Data, chunk: int = 4096) -> Tensor:
        """Whole-graph scoring: every propagation step runs once over all edges."""
        was = self.training
        self.eval()
        from graphguard.train.features import scaled

        out = self.forward(scaled(data))
        self.train(was)
        return out
