"""Small graphs and a tiny, fast GODM configuration shared by the augmentation tests."""

from __future__ import annotations

import pytest

from graphguard.augment import GODMConfig

FAST = dict(hidden=32, latent_dim=8, heads=2, epochs=2, min_steps=8, batch_size=256, fanout=4,
            diff_hidden=64, diff_layers=2, diff_steps=60, diff_batch=128, num_steps=8, checkpoint_every=20, seed=5)


@pytest.fixture(scope="session")
def fast_config() -> GODMConfig:
    return GODMConfig(**FAST)


@pytest.fixture(scope="session")
def small_hetero():
    from graphguard.data.synthetic import make_hetero_fraud_graph

    return make_hetero_fraud_graph(num_nodes=500, num_users=80, seed=3)


@pytest.fixture(scope="session")
def small_homo():
    from graphguard.data.synthetic import make_fraud_graph

    return make_fraud_graph(num_nodes=500, seed=3)


@pytest.fixture(scope="session")
def fitted_homo(small_homo, fast_config):
    from graphguard.augment import GODM

    return GODM(fast_config).fit(small_homo)


@pytest.fixture(scope="session")
def fitted_hetero(small_hetero, fast_config):
    from graphguard.augment import GODM

    return GODM(fast_config).fit(small_hetero)
