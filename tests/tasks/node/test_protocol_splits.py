"""GADBench splits of an augmented file: synthetic nodes are training data, never validation or test."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.augment import RandomOversampler
from graphguard.data.splits import gadbench_ratios
from graphguard.data.synthetic import make_fraud_graph
from graphguard.tasks.node.protocol import ProtocolConfig, trial_masks


@pytest.fixture(scope="module")
def real_and_augmented():
    real = make_fraud_graph(num_nodes=1500, fraud_ratio=0.08, seed=3)
    aug = RandomOversampler(ratio=1.0, seed=0).augment(real)
    assert aug.is_synthetic.sum() > 0
    return real, aug


@pytest.mark.parametrize("protocol", ["full", "semi"])
def test_resplitting_keeps_synthetic_nodes_in_training(real_and_augmented, protocol):
    real, aug = real_and_augmented
    n = real.num_nodes
    cfg = ProtocolConfig(protocol=protocol)
    for trial in range(3):
        tr, va, te = trial_masks(aug, cfg, trial)
        syn = aug.is_synthetic.numpy()
        assert tr[syn].all() and not va[syn].any() and not te[syn].any()
        # the real nodes get exactly the split they get without augmentation
        for got, want in zip((tr, va, te), trial_masks(real, cfg, trial)):
            assert np.array_equal(got[:n], want)


@pytest.mark.parametrize("path,ratios", [
    ("data/tolokers", (0.5, 0.25, 0.25)),               # GADBench's preprocess.ipynb: 0.5 / 0.25 / rest
    ("data/tolokers/tolokers.npz", (0.5, 0.25, 0.25)),
    ("data/Questions/graph.npz", (0.5, 0.25, 0.25)),
    ("data/t-finance", (0.4, 0.2, 0.4)),
    ("data/T_Social.npz", (0.4, 0.2, 0.4)),
    ("data/yelpchi", (0.4, 0.2, 0.4)),                   # not one of GADBench's ratio datasets: the default
    ("my_graph.npz", (0.4, 0.2, 0.4)),
])
def test_full_protocol_ratios_follow_gadbench_per_dataset(path, ratios):
    assert gadbench_ratios(path) == ratios
