"""The degree cap of generated anomalies follows the real anomalies' degrees, unless set explicitly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.augment import GODM
from graphguard.augment.fidelity import degrees
from graphguard.augment.godm import degree_caps
from graphguard.errors import ConfigError


def test_degree_caps_are_class_conditional_quantiles():
    deg = torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [100.0, 5.0], [200.0, 7.0], [300.0, 9.0]])
    y = torch.tensor([0, 0, 0, 1, 1, 1])
    train = torch.ones(6, dtype=torch.bool)
    caps = degree_caps(torch.log1p(deg), y, train, q=1.0)
    assert caps.tolist() == [[3.0, 0.0], [300.0, 9.0]]
    mid = degree_caps(torch.log1p(deg), y, train, q=0.5)
    assert mid[1].tolist() == [200.0, 7.0]
    assert degree_caps(torch.log1p(deg), y, train, q=0.5, override=4).tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_hub_anomalies_get_hub_degrees(fast_config):
    """Anomalies with ~120 neighbours: the data-driven cap lets synthetic ones reach that (the old fixed cap of
    50 could not); an explicit max_degree still wins."""
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=400, fraud_ratio=0.1, timestamps=False, seed=1)
    y = g.y
    fraud = torch.nonzero(y == 1).squeeze(1)
    normal = torch.nonzero(y == 0).squeeze(1)
    gen = torch.Generator().manual_seed(0)
    src = fraud.repeat_interleave(120)
    dst = normal[torch.randint(0, normal.numel(), (src.numel(),), generator=gen)]
    g.edge_index = torch.cat([g.edge_index, torch.stack([src, dst]), torch.stack([dst, src])], 1)
    model = GODM(fast_config, epochs=6, min_steps=60, diff_steps=150).fit(g)
    real = degrees(g)[(g.train_mask & (y == 1)).numpy()]
    assert float(model.degree_cap_[1, 0]) >= np.quantile(real, 0.9)  # out-degree cap of anomalies
    a = model.augment(g)
    syn = degrees(a, incoming=True)[a.is_synthetic.numpy()]  # what a synthetic node receives, for any merge
    assert syn.mean() > 0.5 * real.mean()
    capped = GODM(model.config.replace(max_degree=5))
    capped.__dict__.update({k: v for k, v in model.__dict__.items() if k != "config"})
    syn5 = capped.sample(50).degree
    assert float(syn5.max()) <= 5


def test_bad_degree_options():
    with pytest.raises(ConfigError, match="degree_quantile"):
        GODM(degree_quantile=0.0)
    with pytest.raises(ConfigError, match="max_degree"):
        GODM(max_degree=-1)
