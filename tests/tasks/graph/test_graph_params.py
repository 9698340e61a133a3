"""scikit-learn parameter protocol of the graph-level estimators and the document parser: get_params(deep),
set_params through the constructor, and sklearn.base.clone."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch_geometric.data import Data

from graphguard.errors import ConfigError
from graphguard.tasks.graph.base import GraphEstimator
from graphguard.tasks.graph.baselines import FingerprintClassifier, WLClassifier
from graphguard.tasks.graph.document import DocumentParser
from graphguard.tasks.graph.ensemble import GraphEnsemble
from graphguard.tasks.graph.gnn import GNNGraphClassifier, GNNGraphRegressor
from graphguard.tasks.graph.wl_kernel import WLKernelSVM

ESTIMATORS = [
    (GNNGraphClassifier, dict(model="sage", hidden=8, epochs=3, seed=4)),
    (GNNGraphRegressor, dict(layers=2)),
    (WLClassifier, dict(iterations=2, classifier="linear")),
    (WLKernelSVM, dict(iteration_grid=(1, 2), C_grid=[0.1, 1.0], inner_folds=3)),
    (FingerprintClassifier, dict(radius=3)),
    (GraphEnsemble, dict(members=[{"model": "wl"}, {"model": "gin", "epochs": 2}], weights=[2, 1])),
    (GraphEnsemble, {}),
    (DocumentParser, dict(n_estimators=7, pair_threshold=0.4)),
]


@pytest.mark.parametrize("klass,kwargs", ESTIMATORS)
def test_sklearn_clone_keeps_every_option(klass, kwargs):
    est = klass(**kwargs)
    c = clone(est)
    assert type(c) is klass and c is not est and c.get_params(deep=True) == est.get_params()
    assert {k: c.get_params()[k] for k in kwargs} == kwargs


@pytest.mark.parametrize("klass,kwargs", ESTIMATORS)
def test_set_params_refuses_an_unknown_name_listing_the_valid_ones(klass, kwargs):
    est = klass(**kwargs)
    with pytest.raises(ValueError, match=rf"^invalid parameter 'bogus' for {klass.__name__} \(valid: "):
        est.set_params(bogus=1)
    assert est.get_params() == klass(**kwargs).get_params()


def test_set_params_changes_options_through_the_constructor():
    est = GNNGraphClassifier(hidden=8)
    assert est.set_params(hidden=16, epochs=2) is est and (est.hidden, est.epochs) == (16, 2)
    with pytest.raises(ConfigError, match="GNNGraphRegressor is for regression"):
        GNNGraphRegressor().set_params(task="classification")
    assert DocumentParser().set_params(seed=3).seed == 3


def _rings_and_paths(n: int = 24) -> list[Data]:
    """Rings (class 1) and paths (class 0) of 4-7 nodes with one constant feature."""
    graphs = []
    for i in range(n):
        k = 4 + i % 4
        src = list(range(k - 1)) + ([k - 1] if i % 2 else [])
        dst = list(range(1, k)) + ([0] if i % 2 else [])
        graphs.append(Data(x=torch.ones(k, 1), edge_index=torch.tensor([src + dst, dst + src]),
                           y=torch.tensor([i % 2]), num_nodes=k))
    return graphs


@pytest.mark.parametrize("klass,kwargs,change", [
    (GNNGraphClassifier, dict(model="gin", hidden=8, layers=2, epochs=2), {"hidden": 16, "layers": 3}),
    (WLClassifier, dict(iterations=2, n_estimators=10), {"iterations": 1}),
])
def test_set_params_after_fit_keeps_the_fitted_model_through_save_and_load(klass, kwargs, change, tmp_path):
    """set_params after fit changes the next fit: save writes the parameters the weights were fitted with
    (load used to rebuild the network from the new ones and fail, or WL features of another depth) and
    keeps the change apart, so the loaded estimator predicts as fitted and carries the change."""
    graphs = _rings_and_paths()
    est = klass(**kwargs).fit(graphs)
    fitted, before = est.get_params(), est.predict_proba(graphs)
    est.set_params(**change)
    np.testing.assert_allclose(est.predict_proba(graphs), before, atol=1e-6)
    est.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert (cfg["params"], cfg["params_set_after_fit"]) == (fitted, change)
    back = GraphEstimator.load(tmp_path / "m")
    np.testing.assert_allclose(back.predict_proba(graphs), before, atol=1e-6)
    assert back.get_params() == est.get_params()


def test_a_classifier_changed_after_fit_saves_the_fitted_one(tmp_path):
    """The WL model's weights are saved in the form of the classifier that was fitted (saving used to read the
    new ``classifier`` and fail on xgboost's missing coef_); the loaded estimator scores as the saved one does."""
    graphs = _rings_and_paths()
    est = WLClassifier(iterations=2, n_estimators=10).fit(graphs).set_params(classifier="linear")
    est.save(tmp_path / "m")
    back = GraphEstimator.load(tmp_path / "m")
    assert back.classifier == "linear" and back.model_.__class__ is est.model_.__class__
    np.testing.assert_allclose(back.predict_proba(graphs), est.predict_proba(graphs), atol=1e-6)
