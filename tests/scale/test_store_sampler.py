"""The sampler and layer-wise scoring read a store's CSR in place and agree with the edge_index path."""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.sampler import NodeSamplerInput

from graphguard.data.store import homogeneous_view, to_pyg
from graphguard.nn.sage import GraphSAGE
from graphguard.train.csc import attached, mapped_file
from graphguard.train.sampler import NeighborSampler, node_loader


def _plain(g: Data) -> Data:
    """The same graph as an ordinary in-memory Data (edge_index only, no store adjacency)."""
    return Data(x=g.x.clone(), y=g.y.clone(), train_mask=g.train_mask.clone(),
                edge_index=g.edge_index.clone(), num_nodes=g.num_nodes)


def test_sampler_on_store_reads_the_maps_and_matches_edge_index(small_store):
    plain = _plain(homogeneous_view(small_store))
    g = homogeneous_view(small_store, edge_index=False)
    assert "edge_index" not in g
    a, b = NeighborSampler(plain, [6, 3], seed=5), NeighborSampler(g, [6, 3], seed=5)
    csc = b.csc[("_", "_", "_")]
    assert csc.src.dtype == torch.int32 and csc.eid is None  # the store's int32 array, not a sorted copy
    assert mapped_file(csc.src).endswith("account__transfers__account/indices.npy")
    assert mapped_file(a.csc[("_", "_", "_")].src) is None  # the edge_index path sorted a private copy
    seeds = torch.from_numpy(np.flatnonzero(g.train_mask.numpy())[:300])
    for chunk in seeds.split(100):
        oa = a.sample_from_nodes(NodeSamplerInput(None, chunk))
        ob = b.sample_from_nodes(NodeSamplerInput(None, chunk))
        for f in ("node", "row", "col", "edge"):
            assert torch.equal(getattr(oa, f), getattr(ob, f)), f
        assert oa.num_sampled_edges == ob.num_sampled_edges


def test_loader_batches_from_a_store_without_edge_index(small_store):
    plain = _plain(homogeneous_view(small_store))
    g = homogeneous_view(small_store, edge_index=False)
    la = node_loader(plain, plain.train_mask, [5, 2], batch_size=128, seed=1)
    lb = node_loader(g, g.train_mask, [5, 2], batch_size=128, seed=1)
    for i, (ba, bb) in enumerate(zip(la, lb)):
        assert torch.equal(ba.edge_index, bb.edge_index) and torch.equal(ba.n_id, bb.n_id)
        assert torch.equal(ba.x, bb.x) and torch.equal(bb.e_id, ba.e_id)
        assert torch.equal(plain.edge_index[:, bb.e_id], bb.n_id[bb.edge_index])  # e_id = store edge order
        if i == 2:
            break


def test_hetero_store_sampling_needs_no_edge_index(small_store):
    h = to_pyg(small_store, edge_index=False)
    full = to_pyg(small_store)
    loader = node_loader(h, h["account"].train_mask, [4, 2], batch_size=64, seed=0)
    b = next(iter(loader))
    for et in h.edge_types:
        if b[et].num_edges:
            glob = torch.stack([b[et[0]].n_id[b[et].edge_index[0]], b[et[2]].n_id[b[et].edge_index[1]]])
            assert torch.equal(full[et].edge_index[:, b[et].e_id], glob)
    assert b["account"].batch_size == 64


def test_layerwise_scoring_reads_the_store_csc(small_store):
    plain = _plain(homogeneous_view(small_store))
    g = homogeneous_view(small_store, edge_index=False)
    torch.manual_seed(0)
    m = GraphSAGE(plain.num_features, 16, num_layers=2, out_dim=2)
    assert torch.allclose(m.layerwise(plain, 512), m.layerwise(g, 512), atol=1e-5)


def test_a_replaced_edge_index_is_not_shadowed_by_the_store_csc(small_store):
    g = homogeneous_view(small_store)
    assert attached(g) is not None
    g.edge_index = g.edge_index[:, :10]
    assert attached(g) is None  # the sampler then rebuilds from the new edges
    s = NeighborSampler(g, [-1], seed=0)
    assert s.csc[("_", "_", "_")].num_edges == 10


def test_save_store_round_trips_an_in_memory_graph(tmp_path):
    from graphguard.data.store import save_store
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=300, seed=2)
    s = save_store(g, tmp_path / "s")
    v = homogeneous_view(s)
    assert torch.equal(v.x, g.x) and torch.equal(v.y, g.y) and torch.equal(v.test_mask, g.test_mask)
    assert _edge_set(v.edge_index) == _edge_set(g.edge_index)  # same edges, now grouped by destination
    assert bool((v.edge_index[1][1:] >= v.edge_index[1][:-1]).all())


def _edge_set(ei):
    return set(map(tuple, ei.t().tolist()))


def test_gnn_detector_fits_a_hetero_store_in_place_like_its_edge_index(small_store):
    """What ``node train --data STORE`` does: no edge_index loaded, degree columns from the CSCs, same model."""
    from graphguard.data.graph import to_relational
    from graphguard.tasks.node.detectors.gnn import GraphSAGEDetector
    from graphguard.train.csc import store_backed

    eager, lazy = to_pyg(small_store), to_pyg(small_store, edge_index=False)
    assert store_backed(lazy) and not store_backed(eager)
    assert len(lazy.edge_types) == 5 and not any("edge_index" in lazy[et] for et in lazy.edge_types)
    xe, eis_e, names_e = to_relational(eager)
    xl, eis_l, names_l = to_relational(lazy)  # the same-type relation materialised from its CSC
    assert names_e == names_l == ["transfers"] and torch.equal(xe, xl)
    assert torch.equal(eis_e[0], eis_l[0])
    kw = dict(hidden=16, epochs=2, patience=0, batch_size=256, num_neighbors=[5, 3], seed=0)
    a, b = GraphSAGEDetector(**kw).fit(eager), GraphSAGEDetector(**kw).fit(lazy)
    view = b._view(lazy, fit=False)
    assert "edge_index" not in view and mapped_file(attached(view).src).endswith("transfers__account/indices.npy")
    assert np.allclose(a.decision_function(eager), b.decision_function(lazy), atol=1e-5)
    assert not any("edge_index" in lazy[et] for et in lazy.edge_types)  # fitting and scoring loaded none
