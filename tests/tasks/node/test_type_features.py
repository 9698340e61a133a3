"""Per-type feature presence and width at predict time: what HGT reads, and the target type for every detector.

HGT projects each node type's ``x`` (all ones for a type without one), so a type that gains, loses or
changes the width of ``x`` since fit would be read wrongly; the others read the target type's ``x`` only.
Each difference is a one-line error naming the node type, never a KeyError or a shape mismatch.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from graphguard.errors import DataError
from graphguard.tasks.node import make_detector
from graphguard.tasks.node.base import NodeDetector
from graphguard.tasks.node.registry import DETECTORS

FAST = {"graphgbm": dict(n_estimators=20, early_stopping=5),
        "graphgbm-stack": dict(n_estimators=20, early_stopping=5, stack_folds=2),
        "xgbgraph": dict(n_estimators=10), "xgboost": dict(n_estimators=10), "rfgraph": dict(n_estimators=10)}
GNN = dict(hidden=8, epochs=2)
NOT_HGT = [n for n in DETECTORS if n != "hgt"]


def _detector(name: str):
    return make_detector(name, **FAST.get(name, GNN))


def without_x(h, nt):
    g = h.clone()
    del g[nt].x
    return g


def with_width(h, nt, cols):
    g = h.clone()
    g[nt].x = torch.randn(g[nt].num_nodes, cols, generator=torch.Generator().manual_seed(0))
    return g


@pytest.fixture(scope="module")
def fitted(small_hetero):
    """``fitted(name, without_user_x=False)``: a detector fitted once per module on ``small_hetero``."""
    @functools.cache
    def fit(name, without_user_x=False):
        return _detector(name).fit(without_x(small_hetero, "user") if without_user_x else small_hetero)
    return fit


@pytest.mark.parametrize("fit_without,predict,message", [
    (False, lambda h: without_x(h, "user"), "node type 'user' had x with 4 columns at fit, has none now"),
    (True, lambda h: h, "node type 'user' had no x at fit, has 4 columns now"),
    (False, lambda h: with_width(h, "user", 5), "node type 'user' had x with 4 columns at fit, has 5 now"),
], ids=["lost", "gained", "width"])
def test_hgt_refuses_a_non_target_type_whose_features_changed(fitted, small_hetero, fit_without, predict, message,
                                                             tmp_path):
    det = fitted("hgt", fit_without)
    fit_graph = without_x(small_hetero, "user") if fit_without else small_hetero
    assert np.isfinite(det.decision_function(fit_graph.clone())).all()  # the fitted schema still scores
    back = NodeDetector.load(det.save(tmp_path / "hgt"))
    for model in (det, back):
        with pytest.raises(DataError, match=rf"^predict: {message}$"):
            model.decision_function(predict(small_hetero))


@pytest.mark.parametrize("name", list(DETECTORS))
@pytest.mark.parametrize("predict,message", [
    (lambda h: without_x(h, "review"), "had x with 16 columns at fit, has none now"),
    (lambda h: with_width(h, "review", 5), "had x with 16 columns at fit, has 5 now"),
], ids=["lost", "width"])
def test_target_type_without_x_or_of_another_width_is_refused_naming_it(fitted, small_hetero, name, predict,
                                                                       message):
    with pytest.raises(DataError, match=rf"^predict: node type 'review' {message}$"):
        fitted(name).decision_function(predict(small_hetero))


@pytest.mark.parametrize("name", NOT_HGT)
def test_fit_without_target_features_is_a_one_line_error(small_hetero, name):
    with pytest.raises(DataError, match=rf"^<graph>: node type 'review' has no features \(x\); {name} needs them$"):
        _detector(name).fit(without_x(small_hetero, "review"))


def test_hgt_fits_a_target_type_without_features_and_refuses_them_later(small_hetero):
    g = without_x(small_hetero, "review")
    det = _detector("hgt").fit(g)
    assert np.isfinite(det.decision_function(g)).all()
    with pytest.raises(DataError, match=r"^predict: node type 'review' had no x at fit, has 16 columns now$"):
        det.decision_function(small_hetero)


@pytest.mark.parametrize("name", NOT_HGT)
def test_detectors_reading_the_target_type_only_ignore_other_types_features(fitted, small_hetero, name):
    """Their features are the target's x and degree columns: another type's x is not read, so it may change."""
    det = fitted(name)
    want = det.decision_function(small_hetero)
    for g in (without_x(small_hetero, "user"), with_width(small_hetero, "user", 5)):
        assert np.array_equal(det.decision_function(g), want)
