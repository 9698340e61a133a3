"""Neighbour-label fidelity: whom a node connects to, counted exactly on a hand-built graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from graphguard.augment import fidelity
from graphguard.augment.fidelity import neighbour_labels


def _graph():
    """Edges 0-1, 1-2, 2-3, 0-2 stored in both directions; node 4 is isolated."""
    e = torch.tensor([[0, 1], [1, 2], [2, 3], [0, 2]])
    g = Data(x=torch.arange(10, dtype=torch.float).view(5, 2), edge_index=torch.cat([e, e.flip(1)]).T, num_nodes=5)
    g.y = torch.tensor([0, 1, 1, 1, 0])
    g.train_mask = torch.tensor([True, True, False, True, True])  # node 2 is labelled, but not for training
    g.is_synthetic = torch.tensor([False, False, True, False, False])
    return g


def test_fractions_are_means_over_connected_nodes():
    g = _graph()
    anomaly = np.array([0, 1, 0, 1, 0], bool)
    out = neighbour_labels(g, [0, 2, 4], anomaly, g.is_synthetic.numpy())
    # node 0: neighbours {1, 2} -> anomaly 1/2, synthetic 1/2; node 2: {1, 3, 0} -> 2/3, 0; node 4 is left out
    assert out["isolated"] == 1
    assert out["anomaly_frac"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert out["synthetic_frac"] == pytest.approx(1 / 4)


def test_fidelity_counts_only_real_training_anomalies():
    g = _graph()
    out = fidelity(g, real_idx=[1, 3], syn_idx=[2])
    # training anomalies are nodes 1 and 3 (node 2 is synthetic and not a training node)
    # node 1: {0, 2} -> 0; node 3: {2} -> 0; synthetic node 2: {1, 3, 0} -> 2/3, no synthetic neighbour
    assert out["neighbour_train_anomaly_frac_real"] == 0.0
    assert out["neighbour_train_anomaly_frac_synthetic"] == pytest.approx(2 / 3)
    assert out["neighbour_synthetic_frac_synthetic"] == 0.0
    assert out["isolated_synthetic"] == 0


def test_incoming_reads_in_edges_of_a_directed_graph():
    """An inbound-merged node has in-edges only: out-edge counts see it isolated, in-edge counts do not."""
    from graphguard.augment.fidelity import degrees

    g = _graph()
    keep = g.edge_index[0] != 2  # drop node 2's out-edges, as the inbound merge drops synthetic -> real edges
    g.edge_index = g.edge_index[:, keep]
    assert degrees(g).tolist() == [2, 2, 0, 1, 0]
    assert degrees(g, incoming=True).tolist() == [1, 1, 3, 0, 0]
    anomaly = np.array([0, 1, 0, 1, 0], bool)
    assert neighbour_labels(g, [2], anomaly)["isolated"] == 1
    out = neighbour_labels(g, [2], anomaly, incoming=True)
    assert out["isolated"] == 0 and out["anomaly_frac"] == pytest.approx(2 / 3)
