"""Synthetic nodes' degrees follow the real class-conditional degree distribution, not the decoder's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from graphguard.augment import GODM
from graphguard.augment.degrees import calibrated_degrees, class_degree_pool
from graphguard.augment.fidelity import degrees
from graphguard.errors import ConfigError


def test_calibrated_degrees_keep_the_pool_marginal_and_the_decoded_order():
    pool = torch.tensor([[1.0, 0.0], [5.0, 1.0], [50.0, 3.0], [200.0, 9.0]])
    decoded = torch.tensor([[900.0, 40.0], [0.5, 0.0], [30.0, 2.0], [3.0, 1.0], [400.0, 9.0], [10.0, 0.0]])
    out = calibrated_degrees(decoded, pool, torch.Generator().manual_seed(0))
    assert all(any(torch.equal(row, p) for p in pool) for row in out)  # every row is a real degree row
    total = torch.log1p(out).sum(1)
    order = torch.argsort(torch.log1p(decoded).sum(1))
    assert bool((total[order].diff() >= 0).all())  # a larger decoded degree never gets a smaller draw
    y = torch.tensor([0, 0, 1, 1])
    rows = class_degree_pool(torch.log1p(pool), y, torch.ones(4, dtype=torch.bool), 1)
    assert rows.tolist() == [[50.0, 3.0], [200.0, 9.0]]


def _spread_hub_graph():
    """Anomalies with 10-150 extra neighbours among normal nodes: a wide class-specific degree law."""
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=600, fraud_ratio=0.1, timestamps=False, seed=2)
    fraud = torch.nonzero(g.y == 1).squeeze(1)
    normal = torch.nonzero(g.y == 0).squeeze(1)
    gen = torch.Generator().manual_seed(0)
    extra = torch.randint(10, 150, (fraud.numel(),), generator=gen)
    src = fraud.repeat_interleave(extra)
    dst = normal[torch.randint(0, normal.numel(), (src.numel(),), generator=gen)]
    ei = torch.cat([g.edge_index, torch.stack([src, dst]), torch.stack([dst, src])], 1)
    g.edge_index = torch.unique(ei, dim=1)
    return g


def test_synthetic_degrees_follow_the_class_conditional_distribution(fast_config):
    g = _spread_hub_graph()
    model = GODM(fast_config, epochs=4, min_steps=40, diff_steps=100).fit(g)
    real = np.log1p(degrees(g))
    fraud = real[(g.train_mask & (g.y == 1)).numpy()]
    normal = real[(g.train_mask & (g.y == 0)).numpy()]
    a = model.augment(g)
    syn = np.log1p(degrees(a, incoming=True))[a.is_synthetic.numpy()]  # received edges, for any merge
    w_fraud = wasserstein_distance(fraud, syn)
    assert w_fraud < 0.3, w_fraud  # real anomalies' log-degrees range over ~2.5 units
    assert w_fraud < 0.25 * wasserstein_distance(normal, syn)
    assert abs(np.expm1(syn).mean() / np.expm1(fraud).mean() - 1) < 0.2


def test_bad_degree_mode():
    with pytest.raises(ConfigError, match="degree_mode"):
        GODM(degree_mode="uniform")
