"""The training loop: mode choice, class weights, early stopping with restore, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.train.early_stopping import EarlyStopping
from graphguard.train.loop import TrainConfig, _class_weights, choose_mode, fanouts


def test_mode_is_full_for_small_graphs_and_minibatch_when_forced_or_large(fraud_graph):
    assert choose_mode(fraud_graph, TrainConfig()) == "full"
    assert choose_mode(fraud_graph, TrainConfig(batch_size=128)) == "minibatch"
    assert choose_mode(fraud_graph, TrainConfig(full_batch_max_edges=10)) == "minibatch"
    assert fanouts(TrainConfig(num_neighbors=[7]), 3) == [7, 7, 7]
    assert fanouts(TrainConfig(), 2) == [25, 10]


def test_class_weights_balance_the_classes():
    y = np.array([0] * 90 + [1] * 10)
    w = _class_weights(y)
    assert torch.allclose(w, torch.tensor([100 / 180, 100 / 20]))
    assert float(w[0] * 90) == pytest.approx(float(w[1] * 10))


def test_early_stopping_restores_the_best_weights():
    m = torch.nn.Linear(2, 1)
    es = EarlyStopping(patience=2)
    with torch.no_grad():
        m.weight.fill_(1.0)
    assert not es.step(0.5, 0, m)
    with torch.no_grad():
        m.weight.fill_(2.0)
    assert not es.step(0.4, 1, m)
    assert es.step(0.3, 2, m)  # two epochs without improvement
    es.restore(m)
    assert torch.all(m.weight == 1.0) and es.best_epoch == 0


def test_training_is_reproducible_for_a_seed(fraud_graph):
    from graphguard.tasks.node.detectors.gnn import GraphSAGEDetector

    kw = dict(hidden=8, epochs=3, batch_size=256, num_neighbors=[5, 5])
    a = GraphSAGEDetector(seed=3, **kw).fit(fraud_graph).decision_function(fraud_graph)
    b = GraphSAGEDetector(seed=3, **kw).fit(fraud_graph).decision_function(fraud_graph)
    c = GraphSAGEDetector(seed=4, **kw).fit(fraud_graph).decision_function(fraud_graph)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
