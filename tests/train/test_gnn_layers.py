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


def _multigraph(num_nodes: int = 40, num_edges: int = 400, seed: int = 0):
    """A random graph where many edges come two or three times, as in a CSV that repeats a transfer."""
    from torch_geometric.data import Data

    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, num_nodes, (2, num_edges), generator=g)
    ei = torch.cat([ei, ei[:, : num_edges // 2], ei[:, : num_edges // 8]], 1)
    ei = ei[:, torch.randperm(ei.shape[1], generator=g)]
    return Data(x=torch.randn(num_nodes, 6, generator=g), edge_index=ei, num_nodes=num_nodes)


def test_sparse_sage_mean_counts_parallel_edges_like_pyg():
    """Edges 1,1,2,3 -> 0: the mean over edges is (2*x1 + x2 + x3) / 4, as SAGEConv computes on edge_index."""
    from torch_geometric.nn import SAGEConv

    from graphguard.nn.stack import to_adj_t

    torch.manual_seed(0)
    x, ei = torch.randn(4, 3), torch.tensor([[1, 1, 2, 3], [0, 0, 0, 0]])
    m = GraphSAGE(3, 3, 1).eval()
    reference = SAGEConv(3, 3)
    reference.load_state_dict(m.convs[0].state_dict())
    with torch.no_grad():
        expect = reference(x, ei)
        assert torch.allclose(m.convs[0](x, to_adj_t(ei, 4)), expect, atol=1e-6)
        m.convs[0].lin_r.weight.zero_()
        mean = m.convs[0](x, to_adj_t(ei, 4))[0] - m.convs[0].lin_l.bias
        assert torch.allclose(mean, m.convs[0].lin_l.weight @ ((2 * x[1] + x[2] + x[3]) / 4), atol=1e-6)


@pytest.mark.parametrize("aggr", ["mean", "sum", "max", "min"])
def test_sparse_sage_equals_edge_index_on_parallel_edges_for_every_aggregation(aggr):
    from torch_geometric.nn import SAGEConv

    from graphguard.nn.stack import to_adj_t

    g = _multigraph()
    torch.manual_seed(0)
    m = GraphSAGE(6, 6, 1, aggr=aggr).eval()
    reference = SAGEConv(6, 6, aggr=aggr)
    reference.load_state_dict(m.convs[0].state_dict())
    with torch.no_grad():
        assert torch.allclose(m.convs[0](g.x, to_adj_t(g.edge_index, g.num_nodes)), reference(g.x, g.edge_index),
                              atol=1e-5)


@pytest.mark.parametrize("cls", [GCN, GraphSAGE, GAT, RGCN, BWGNN])
def test_parallel_edges_count_on_every_path(cls):
    """Sparse products, edge by edge (explanations), layer-wise inference and full-neighbourhood mini-batches
    all aggregate over edges, so a graph with parallel edges gets the same logits on each."""
    import copy

    from graphguard.train.sampler import node_loader

    g = _multigraph()
    torch.manual_seed(0)
    sparse = cls(g.num_features, 16, 2).eval()
    edgewise = copy.deepcopy(sparse)
    edgewise.sparse = False
    seeds = torch.tensor([0, 7, 21, 39])
    batch = next(iter(node_loader(g, input_nodes=seeds, num_neighbors=[-1, -1], batch_size=4, seed=0)))
    with torch.no_grad():
        full = sparse(g)
        assert torch.allclose(full, edgewise(g), atol=1e-5)
        assert torch.allclose(full, sparse.layerwise(g, chunk=7), atol=1e-5)
        if cls in (GraphSAGE, GAT, RGCN):  # GCN / BWGNN normalise by degrees, which a subgraph cuts short
            assert torch.allclose(full[seeds], sparse(batch)[:4], atol=1e-5)


def test_hgt_counts_parallel_edges_in_layerwise_inference():
    from torch_geometric.data import HeteroData

    g = _multigraph()
    h = HeteroData()
    h["acct"].x = g.x
    h["acct", "pays", "acct"].edge_index = g.edge_index
    torch.manual_seed(0)
    m = HGT({"acct": 6}, h.metadata(), "acct", 16).eval()
    with torch.no_grad():
        assert torch.allclose(m(h), m.layerwise(h, chunk=7), atol=1e-5)
