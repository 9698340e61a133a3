"""The nn modules: layer-wise full-graph inference is exact, BWGNN's filters are the beta wavelets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import beta as beta_fn

from graphguard.nn import BWGNN, GAT, GCN, HGT, RGCN, GraphSAGE
from graphguard.nn.bwgnn import NormalizedAdjacency, beta_wavelet_coefficients, sym_norm_weights


@pytest.mark.parametrize("cls", [GCN, GraphSAGE, GAT, RGCN])
def test_layerwise_inference_equals_full_forward(fraud_graph, cls):
    torch.manual_seed(0)
    m = cls(fraud_graph.num_features, 16, 2).eval()
    with torch.no_grad():
        full = m(fraud_graph)
    chunked = m.layerwise(fraud_graph, chunk=317)
    assert torch.allclose(full, chunked, atol=1e-5)


def test_hgt_layerwise_inference_equals_full_forward(hetero_fraud_graph):
    h = hetero_fraud_graph
    torch.manual_seed(0)
    m = HGT({nt: h[nt].x.shape[1] for nt in h.node_types}, h.metadata(), "review", 16).eval()
    with torch.no_grad():
        full = m(h)
    assert torch.allclose(full, m.layerwise(h, chunk=250), atol=1e-5)


def test_beta_wavelet_coefficients_match_the_formula():
    order = 3
    coef = beta_wavelet_coefficients(order)
    w = np.linspace(0, 2, 7)
    for p, c in enumerate(coef):
        expect = (w / 2) ** p * (1 - w / 2) ** (order - p) / beta_fn(p + 1, order - p + 1)
        assert np.allclose(np.polyval(c[::-1], w), expect)
    assert np.allclose(beta_wavelet_coefficients(2)[0], [3.0, -3.0, 0.75])


def test_sparse_propagation_equals_dense_normalised_adjacency(fraud_graph):
    ei, n = fraud_graph.edge_index, fraud_graph.num_nodes
    h = torch.randn(n, 5)
    a = torch.zeros(n, n)
    a[ei[1], ei[0]] = 1.0  # row = destination
    d = a.sum(1).clamp(min=1).pow(-0.5)
    dense = (d[:, None] * a * d[None, :]) @ h
    w = sym_norm_weights(ei, n)
    from torch_geometric.utils import to_torch_csr_tensor

    prop = NormalizedAdjacency()
    assert torch.allclose(prop(h, ei, w), dense, atol=1e-5)
    assert torch.allclose(prop(h, to_torch_csr_tensor(ei.flip(0), w, size=(n, n))), dense, atol=1e-5)


def test_bwgnn_relations_get_their_own_filter_banks(hetero_fraud_graph):
    from graphguard.data.graph import to_relational
    from torch_geometric.data import Data

    x, eis, _ = to_relational(hetero_fraud_graph)
    et = torch.cat([torch.full((e.shape[1],), i) for i, e in enumerate(eis)])
    d = Data(x=x, edge_index=torch.cat(eis, 1), edge_type=et, num_nodes=x.shape[0])
    m = BWGNN(x.shape[1], 8, order=2, num_relations=len(eis))
    assert m.head[0].in_features == 8 * 3 * len(eis) + 8
    assert m(d).shape == (x.shape[0], 2)


@pytest.mark.parametrize("cls", [GCN, GraphSAGE, BWGNN])
def test_edge_by_edge_equals_sparse_products(fraud_graph, hetero_fraud_graph, cls):
    """Explanations run the modules edge by edge (``sparse = False``): they must compute the same logits."""
    import copy

    from graphguard.data.graph import to_relational
    from torch_geometric.data import Data

    graphs = [fraud_graph]
    if cls is BWGNN:  # several relations: each relation's messages go over all edges, 0-weighted elsewhere
        x, eis, _ = to_relational(hetero_fraud_graph)
        et = torch.cat([torch.full((e.shape[1],), i) for i, e in enumerate(eis)])
        graphs.append(Data(x=x, edge_index=torch.cat(eis, 1), edge_type=et, num_nodes=x.shape[0]))
    for g in graphs:
        torch.manual_seed(0)
        kw = {"num_relations": int(g.edge_type.max()) + 1} if "edge_type" in g else {}
        sparse = cls(g.num_features, 16, 2, **kw).eval()
        edgewise = copy.deepcopy(sparse)
        edgewise.sparse = False
        with torch.no_grad():
            assert torch.allclose(sparse(g), edgewise(g), atol=1e-5)
