"""Random splits of a graph keep a triple, its mirror and its reverse in the same split (no reverse-edge leakage)."""

from __future__ import annotations

import numpy as np
import torch

from graphguard.data.triples import TripleSet


def leaked(ts: TripleSet, reverse: dict[int, int]) -> int:
    """Valid/test triples whose mirror (same relation) or reverse (paired relation) is in train."""
    train = set(map(tuple, ts.train.tolist()))
    return sum((t, r, h) in train or (t, reverse.get(r, -1), h) in train
               for split in (ts.valid, ts.test) for h, r, t in split.tolist())


def drug_disease_graph(seed: int = 0):
    from torch_geometric.data import HeteroData

    rng = np.random.default_rng(seed)
    g = HeteroData()
    g["drug"].num_nodes, g["disease"].num_nodes = 30, 20
    treats = torch.as_tensor(np.unique(np.stack([rng.integers(0, 30, 150), rng.integers(0, 20, 150)]), axis=1))
    g["drug", "treats", "disease"].edge_index = treats
    g["disease", "treated_by", "drug"].edge_index = treats.flip(0)
    pairs = np.unique(np.sort(np.stack([rng.integers(0, 30, 80), rng.integers(0, 30, 80)]), axis=0), axis=1)
    pairs = torch.as_tensor(pairs[:, pairs[0] != pairs[1]])
    g["drug", "similar", "drug"].edge_index = torch.cat([pairs, pairs.flip(0)], 1)  # both directions
    return g


def test_reverse_and_mirror_triples_stay_in_one_split():
    ts = TripleSet.from_graph(drug_disease_graph(), valid_fraction=0.15, test_fraction=0.15, seed=0)
    rel = ts.relation_to_id
    reverse = {rel["treats"]: rel["treated_by"], rel["treated_by"]: rel["treats"]}
    assert len(ts.valid) > 20 and len(ts.test) > 20
    assert leaked(ts, reverse) == 0
    g = drug_disease_graph()
    assert len(ts.train) + len(ts.valid) + len(ts.test) == sum(g[et].edge_index.shape[1] for et in g.edge_types)


def test_undirected_homogeneous_graph_keeps_both_directions_together():
    from graphguard.data.synthetic import make_fraud_graph

    ts = TripleSet.from_graph(make_fraud_graph(num_nodes=200, seed=0), valid_fraction=0.1, test_fraction=0.1)
    assert len(ts.test) > 0 and leaked(ts, {}) == 0


def test_fdataset_split_has_no_reverse_leakage(fdataset):
    from graphguard.data.io import load_graph

    ts = TripleSet.from_graph(load_graph(fdataset), seed=0)
    rel = ts.relation_to_id
    fwd, back = rel["drug__treats__disease"], rel["disease__treated_by__drug"]
    assert (ts.test[:, 1] == fwd).sum() > 50
    assert leaked(ts, {fwd: back, back: fwd}) == 0
