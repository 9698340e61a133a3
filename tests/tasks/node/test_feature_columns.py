"""A saved detector reads another export's columns by name, not by position."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.data.synthetic import make_fraud_graph
from graphguard.errors import DataError
from graphguard.tasks.node import load_detector, make_detector

NAMES = ["age", "balance", "country=DE", "country=FR", "age__missing"] + [f"f{j}" for j in range(11)]


@pytest.fixture(scope="module")
def graph_and_model(tmp_path_factory):
    g = make_fraud_graph(num_nodes=600, num_features=16, seed=4)
    g.feature_names = list(NAMES)
    det = make_detector("xgboost", seed=0).fit(g)
    path = det.save(tmp_path_factory.mktemp("m") / "model")
    return g, load_detector(path)


def _with_columns(g, names):
    """``g`` as another export would give it: the columns ``names``, in that order."""
    h = g.clone()
    pos = {n: j for j, n in enumerate(NAMES)}
    h.x = torch.stack([g.x[:, pos[n]] if n in pos else torch.zeros(g.num_nodes) for n in names], 1)
    h.feature_names = list(names)
    return h


def test_reordered_columns_give_the_same_scores(graph_and_model):
    g, det = graph_and_model
    names = NAMES[3:4] + NAMES[:3] + NAMES[4:][::-1]  # country=FR first, as a reader would after more FR rows
    assert np.array_equal(det.decision_function(_with_columns(g, names)), det.decision_function(g))


def test_derived_columns_may_come_and_go(graph_and_model):
    g, det = graph_and_model
    h = _with_columns(g, [n for n in NAMES if n != "country=FR"] + ["country=JP"])  # FR absent, JP unseen
    expected = g.clone()
    expected.x[:, NAMES.index("country=FR")] = 0.0
    assert np.array_equal(det.decision_function(h), det.decision_function(expected))


def test_a_missing_or_unknown_property_is_one_line(graph_and_model):
    g, det = graph_and_model
    with pytest.raises(DataError, match=r"^predict: feature columns differ from the fitted ones: the data lacks "
                                        r"balance and has income, unknown to the model$"):
        det.decision_function(_with_columns(g, [n if n != "balance" else "income" for n in NAMES]))


# ---------------------------------------------------------------------------------------- regressors
@pytest.fixture(scope="module", params=["graphgbm", "xgbgraph"])
def graph_and_regressor(request, tmp_path_factory):
    from graphguard.tasks.node.regressors import regressor_class

    g = make_fraud_graph(num_nodes=400, num_features=16, seed=5)
    g.feature_names = list(NAMES)
    y = g.x[:, 0].double().numpy() * 2 + g.x[:, 1].double().numpy()
    reg = regressor_class(request.param)(n_estimators=20).fit(g, y)
    return g, reg, reg.save(tmp_path_factory.mktemp("r") / request.param)


def test_a_regressor_reads_reordered_columns_by_name(graph_and_regressor):
    """Before: the permuted columns were read by position, so the predictions changed silently."""
    from graphguard.tasks.node.regressors import NodeRegressor

    g, reg, path = graph_and_regressor
    h = _with_columns(g, NAMES[3:4] + NAMES[:3] + NAMES[4:][::-1])
    for model in (reg, NodeRegressor.load(path)):
        assert np.array_equal(model.predict(h), reg.predict(g))


def test_a_regressor_missing_a_property_is_one_line(graph_and_regressor):
    g, reg, _ = graph_and_regressor
    with pytest.raises(DataError, match=r"^predict: feature columns differ from the fitted ones: the data lacks "
                                        r"balance and has income, unknown to the model$"):
        reg.predict(_with_columns(g, [n if n != "balance" else "income" for n in NAMES]))


def test_a_regressor_saved_without_names_reads_columns_by_position(graph_and_regressor, tmp_path):
    import json
    import shutil

    from graphguard.tasks.node.regressors import NodeRegressor

    g, reg, path = graph_and_regressor
    old = shutil.copytree(path, tmp_path / "old")
    config = json.loads((old / "config.json").read_text())
    del config["feature_names"]
    (old / "config.json").write_text(json.dumps(config))
    h = g.clone()
    h.feature_names = [f"renamed{j}" for j in range(len(NAMES))]
    assert np.array_equal(NodeRegressor.load(old).predict(h), reg.predict(g))
