"""The torch neighbour sampler: real neighbours only, fanouts respected, exact with full fanout."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import GATConv, SAGEConv

from graphguard.errors import ConfigError
from graphguard.train.sampler import NeighborSampler, link_loader, node_loader


def _edge_set(ei: torch.Tensor) -> set[tuple[int, int]]:
    return set(map(tuple, ei.t().tolist()))


def test_sampled_edges_are_real_and_fanout_respected(fraud_graph):
    g = fraud_graph
    fan = [4, 2]
    loader = node_loader(g, g.train_mask, fan, batch_size=64, shuffle=True, seed=0)
    real = _edge_set(g.edge_index)
    indeg = torch.bincount(g.edge_index[1], minlength=g.num_nodes)
    batches = 0
    for b in loader:
        batches += 1
        glob = b.n_id[b.edge_index]
        assert _edge_set(glob) <= real
        assert torch.equal(g.edge_index[:, b.e_id], glob)  # e_id points at the same original edge
        assert b.e_id.unique().numel() == b.e_id.numel()  # without replacement
        assert b.n_id.unique().numel() == b.n_id.numel()
        seeds = b.n_id[: b.batch_size]
        assert torch.equal(seeds, g.train_mask.nonzero().flatten()[b.input_id])
        # hop 1: every seed gets min(in-degree, fanout) distinct neighbours
        e1 = b.num_sampled_edges[0]
        got = torch.bincount(b.edge_index[1, :e1], minlength=b.batch_size)[: b.batch_size]
        assert torch.equal(got, indeg[seeds].clamp(max=fan[0]))
        # hop 2: destinations are the hop-1 nodes, each capped at the fanout
        e2 = b.edge_index[1, e1:]
        assert e2.min() >= b.batch_size
        assert torch.bincount(e2).max() <= fan[1]
        if batches == 3:
            break


def test_hub_sampling_is_without_replacement():
    hub_deg = 5000
    src = torch.arange(1, hub_deg + 1)
    ei = torch.stack([src, torch.zeros_like(src)])
    s = NeighborSampler(torch_geometric_data(ei, hub_deg + 1), [7, 40], seed=3)
    from torch_geometric.sampler import NodeSamplerInput

    out = s.sample_from_nodes(NodeSamplerInput(None, torch.tensor([0])))
    assert out.num_sampled_edges[0] == 7 and out.row.unique().numel() == 7
    # a medium segment (deg between k and 8k) also yields exactly k distinct neighbours
    ei2 = torch.stack([torch.arange(1, 21), torch.zeros(20, dtype=torch.long)])
    s2 = NeighborSampler(torch_geometric_data(ei2, 21), [6], seed=0)
    out2 = s2.sample_from_nodes(NodeSamplerInput(None, torch.tensor([0])))
    assert out2.edge.numel() == 6 and out2.edge.unique().numel() == 6


def torch_geometric_data(ei, n):
    from torch_geometric.data import Data

    return Data(edge_index=ei, num_nodes=n)


@pytest.mark.parametrize("conv", ["sage", "gat"])
def test_full_fanout_minibatch_equals_full_batch(fraud_graph, conv):
    torch.manual_seed(0)
    g = fraud_graph
    if conv == "sage":
        l1, l2 = SAGEConv(g.num_features, 16), SAGEConv(16, 8)
    else:
        l1, l2 = GATConv(g.num_features, 8, heads=2), GATConv(16, 8, heads=1)

    def run(x, ei):
        return l2(l1(x, ei).relu(), ei)

    with torch.no_grad():
        full = run(g.x, g.edge_index)
        seeds = g.test_mask.nonzero().flatten()
        for b in node_loader(g, seeds, [-1, -1], batch_size=200):
            out = run(b.x, b.edge_index)[: b.batch_size]
            assert torch.allclose(out, full[b.n_id[: b.batch_size]], atol=1e-5)


def test_hetero_sampling_respects_types_and_relations(hetero_fraud_graph):
    h = hetero_fraud_graph
    loader = node_loader(h, h["review"].train_mask, [3, 2], batch_size=50, shuffle=True, seed=0)
    b = next(iter(loader))
    assert b["review"].batch_size == 50
    for et in h.edge_types:
        s, _, d = et
        glob = torch.stack([b[s].n_id[b[et].edge_index[0]], b[d].n_id[b[et].edge_index[1]]])
        assert _edge_set(glob) <= _edge_set(h[et].edge_index)
        if b[et].edge_index.numel():
            assert torch.bincount(b[et].edge_index[1]).max() <= 3
    # relation-specific fanout: only users for the first hop through 'writes'
    fan = {et: ([0, 0] if et[1] != "writes" else [2, 0]) for et in h.edge_types}
    b = next(iter(node_loader(h, h["review"].train_mask, fan, batch_size=20)))
    assert b["review", "related", "review"].edge_index.numel() == 0
    assert b["user", "writes", "review"].edge_index.size(1) <= 40


def test_link_loader_seeds_and_negatives(fraud_graph):
    g = fraud_graph
    pos = g.edge_index[:, :200]
    b = next(iter(link_loader(g, pos, [3], batch_size=50, neg_sampling_ratio=1.0, seed=0)))
    assert b.edge_label.tolist() == [1.0] * 50 + [0.0] * 50
    glob = b.n_id[b.edge_label_index[:, :50]]
    assert _edge_set(glob) <= _edge_set(g.edge_index)
    assert _edge_set(b.n_id[b.edge_index]) <= _edge_set(g.edge_index)


def test_bad_sampler_inputs(fraud_graph, hetero_fraud_graph):
    from torch_geometric.sampler import NodeSamplerInput

    s = NeighborSampler(fraud_graph, [2])
    with pytest.raises(ConfigError, match="distinct"):
        s.sample_from_nodes(NodeSamplerInput(None, torch.tensor([1, 1])))
    with pytest.raises(ConfigError, match="at least one hop"):
        NeighborSampler(fraud_graph, [])
    with pytest.raises(ConfigError, match="no fanout for relation"):
        NeighborSampler(hetero_fraud_graph, {"related": [2]})
