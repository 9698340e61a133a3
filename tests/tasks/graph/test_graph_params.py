"""scikit-learn parameter protocol of the graph-level estimators and the document parser: get_params(deep),
set_params through the constructor, and sklearn.base.clone."""

from __future__ import annotations

import pytest
from sklearn.base import clone

from graphguard.errors import ConfigError
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
