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
