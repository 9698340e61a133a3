"""The scikit-learn estimator contract of node detectors and regressors: parameters, clone, loading the
right model directory, regressor input, ``classes_`` and the score dtype."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone

from graphguard.errors import ConfigError, DataError, NotFittedError
from graphguard.tasks.node import DETECTORS, load_detector, make_detector
from graphguard.tasks.node.registry import detector_class, detector_parameters
from graphguard.tasks.node.regressors import GraphGBMRegressor, NodeRegressor, XGBGraphRegressor

TINY = {"graphgbm": dict(n_estimators=20, early_stopping=5), "graphgbm-stack": dict(n_estimators=20, stack_folds=2),
        "xgbgraph": dict(n_estimators=5), "rfgraph": dict(n_estimators=5), "xgboost": dict(n_estimators=5)}
TINY_GNN = dict(hidden=8, epochs=2, patience=2)


def _tiny(name: str) -> dict:
    return TINY.get(name, TINY_GNN)


@pytest.fixture(scope="module")
def small_graph():
    from graphguard.data.synthetic import make_fraud_graph

    return make_fraud_graph(num_nodes=400, seed=0)


@pytest.fixture(scope="module")
def target(small_graph):
    return small_graph.x[:, 0].numpy() * 3 + np.random.default_rng(0).normal(size=small_graph.num_nodes)


# ---------------------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_get_params_returns_every_constructor_parameter(name):
    det = make_detector(name, seed=5)
    params = det.get_params()
    assert list(params) == detector_parameters(type(det))
    assert params["seed"] == 5


@pytest.mark.parametrize("name,own", [("gat", "heads"), ("hgt", "heads"), ("bwgnn", "order")])
def test_gnn_with_own_parameter_keeps_the_shared_ones(name, own):
    det = make_detector(name, epochs=3, hidden=8, seed=5)
    params = det.get_params()
    assert (params["epochs"], params["hidden"], params["seed"]) == (3, 8, 5) and own in params
    assert "hidden=8" in repr(det) and "epochs=3" in repr(det)


def test_a_copy_built_from_get_params_scores_the_same(small_graph):
    det = make_detector("gat", epochs=3, hidden=8, seed=5).fit(small_graph)
    copy = type(det)(**det.get_params()).fit(small_graph)
    np.testing.assert_array_equal(copy.decision_function(small_graph), det.decision_function(small_graph))


def test_save_keeps_every_parameter(small_graph, tmp_path):
    det = make_detector("gat", epochs=3, hidden=8, seed=5, dropout=0.3).fit(small_graph)
    det.save(tmp_path / "gat")
    saved = json.loads((tmp_path / "gat" / "config.json").read_text())["params"]
    assert (saved["hidden"], saved["epochs"], saved["seed"], saved["dropout"], saved["heads"]) == (8, 3, 5, 0.3, 4)
    back = load_detector(tmp_path / "gat")
    assert back.get_params() == det.get_params()
    np.testing.assert_array_equal(back.classes_, [0, 1])


def test_set_params_refuses_an_unknown_parameter():
    det = make_detector("xgbgraph", n_estimators=10)
    with pytest.raises(ConfigError, match=r"XGBGraph has no parameter 'n_estimator' \(its parameters: .*n_estimators"):
        det.set_params(n_estimator=500)
    assert det.n_estimators == 10 and not hasattr(det, "n_estimator")
    assert det.set_params(n_estimators=7) is det and det.n_estimators == 7


def test_regressor_set_params_refuses_an_unknown_parameter():
    reg = GraphGBMRegressor()
    assert reg.set_params(seed=3) is reg and reg.seed == 3
    with pytest.raises(ConfigError, match="GraphGBMRegressor has no parameter 'n_estimator'"):
        reg.set_params(n_estimator=5)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_sklearn_clone_copies_a_detector_unfitted(name, small_graph):
    det = make_detector(name, seed=3)
    copy = clone(det)
    assert type(copy) is type(det) and copy is not det and copy.get_params() == det.get_params()


@pytest.mark.parametrize("cls", [GraphGBMRegressor, XGBGraphRegressor])
def test_sklearn_clone_copies_a_regressor(cls):
    reg = cls(n_estimators=11, seed=2)
    copy = clone(reg)
    assert type(copy) is cls and copy.get_params() == reg.get_params()


# ---------------------------------------------------------------------------------------- loading
@pytest.fixture(scope="module")
def saved(small_graph, target, tmp_path_factory):
    """One model directory per detector used below, and one regressor's."""
    root = tmp_path_factory.mktemp("saved")
    dirs = {}
    for name in ("xgboost", "xgbgraph", "gcn", "graphsage"):
        dirs[name] = make_detector(name, **_tiny(name)).fit(small_graph).save(root / name)
    dirs["regressor"] = GraphGBMRegressor(n_estimators=10).fit(small_graph, target).save(root / "regressor")
    return dirs


@pytest.mark.parametrize("loader,held", [("xgboost", "xgbgraph"), ("xgbgraph", "xgboost"), ("gcn", "graphsage"),
                                         ("gat", "gcn")])
def test_a_detector_class_refuses_another_detectors_directory(saved, loader, held):
    cls = detector_class(loader)
    with pytest.raises(DataError, match=rf"^{saved[held]}: holds a '{held}' node detector, not the '{loader}' "
                                        rf"that {cls.__name__}.load reads") as e:
        cls.load(saved[held])
    assert "\n" not in str(e.value)


def test_a_detector_class_loads_its_own_directory(saved, small_graph):
    det = detector_class("gcn").load(saved["gcn"])
    assert det.decision_function(small_graph).shape == (small_graph.num_nodes,)


def test_load_detector_refuses_a_regressors_directory(saved):
    with pytest.raises(DataError, match=rf"^{saved['regressor']}: holds a 'graphgbm' node regressor, not a node "
                                        "detector; load it with NodeRegressor.load"):
        load_detector(saved["regressor"])


def test_regressor_loaders_refuse_other_directories(saved):
    with pytest.raises(DataError, match=rf"^{saved['gcn']}: holds a 'gcn' node detector, not a node regressor"):
        NodeRegressor.load(saved["gcn"])
    with pytest.raises(DataError, match="holds a 'graphgbm' node regressor, not the 'xgbgraph'"):
        XGBGraphRegressor.load(saved["regressor"])
    assert type(NodeRegressor.load(saved["regressor"])) is GraphGBMRegressor


# ---------------------------------------------------------------------------------------- regressor input
def test_regressor_save_before_fit_is_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError, match="GraphGBMRegressor is not fitted"):
        GraphGBMRegressor().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_regressor_refuses_a_typed_graph_in_one_line(target):
    from graphguard.data.synthetic import make_hetero_fraud_graph

    h = make_hetero_fraud_graph(300, num_users=50, seed=0)
    with pytest.raises(DataError, match="node regression supports homogeneous graphs") as e:
        XGBGraphRegressor(n_estimators=5).fit(h, np.zeros(300))
    assert "\n" not in str(e.value)


def _features_of_width(g, cols):
    out = g.clone()
    if cols:
        out.x = torch.randn(g.num_nodes, cols, generator=torch.Generator().manual_seed(0))
    else:
        del out.x
    return out


@pytest.mark.parametrize("cls", [GraphGBMRegressor, XGBGraphRegressor])
def test_regressor_refuses_a_graph_without_x_or_of_another_width_as_the_detectors_do(small_graph, target, cls,
                                                                                    tmp_path):
    """Before: an AttributeError on a graph without x (fit and predict), and its own wording for another width."""
    with pytest.raises(DataError, match=rf"^fit: graph has no features \(x\); {cls.name} needs them$"):
        cls(n_estimators=5).fit(_features_of_width(small_graph, 0), target)
    reg = cls(n_estimators=5).fit(small_graph, target)
    cols = small_graph.x.shape[1]
    for model in (reg, NodeRegressor.load(reg.save(tmp_path / cls.name))):
        with pytest.raises(DataError, match=rf"^predict: graph had x with {cols} columns at fit, has none now$"):
            model.predict(_features_of_width(small_graph, 0))
        with pytest.raises(DataError, match=rf"^predict: graph had x with {cols} columns at fit, has 3 now$"):
            model.predict(_features_of_width(small_graph, 3))


@pytest.mark.parametrize("as_given", [list, torch.as_tensor, "mask"])
def test_regressor_takes_index_lists_tensors_and_masks(small_graph, target, as_given):
    tr, va = np.arange(0, 250), np.arange(250, 320)
    ref = XGBGraphRegressor(n_estimators=10).fit(small_graph, target, tr, va).predict(small_graph)
    if as_given == "mask":
        mask = np.zeros(small_graph.num_nodes, dtype=bool)
        given = [mask.copy(), mask.copy()]
        given[0][tr], given[1][va] = True, True
    else:
        given = [as_given(tr), as_given(va)]
    got = XGBGraphRegressor(n_estimators=10).fit(small_graph, target, *given).predict(small_graph)
    np.testing.assert_array_equal(got, ref)


def test_regressor_defaults_to_the_graphs_masks(small_graph, target):
    g = small_graph
    tr, va = np.flatnonzero(g.train_mask.numpy()), np.flatnonzero(g.val_mask.numpy())
    ref = GraphGBMRegressor(n_estimators=30).fit(g, target, tr, va)
    got = GraphGBMRegressor(n_estimators=30).fit(g, target)
    np.testing.assert_array_equal(got.predict(g), ref.predict(g))
    assert got.booster_.best_iteration == ref.booster_.best_iteration  # early-stopped on val_mask too
    alone = GraphGBMRegressor(n_estimators=30).fit(g, target, tr)  # own training nodes: no validation
    assert alone.booster_.best_iteration == 0 and ref.booster_.best_iteration > 0


def test_regressor_refuses_bad_targets_and_masks(small_graph, target):
    with pytest.raises(DataError, match="y has 10 entries for 400 nodes"):
        XGBGraphRegressor().fit(small_graph, target[:10])
    with pytest.raises(DataError, match="train_idx has 3 entries for 400 nodes"):
        XGBGraphRegressor().fit(small_graph, target, np.array([True, False, True]))
    with pytest.raises(DataError, match=r"train_idx holds node indices outside 0\.\.399"):
        XGBGraphRegressor().fit(small_graph, target, [0, 1, 400])
    with pytest.raises(DataError, match="validation nodes overlap the training nodes"):
        XGBGraphRegressor().fit(small_graph, target, np.arange(10), np.arange(5, 20))


# ---------------------------------------------------------------------------------------- classes_, dtype
@pytest.mark.parametrize("name", ["xgbgraph", "gcn", "hgt"])
def test_fitted_detector_has_classes_and_float64_scores(name, small_graph):
    det = make_detector(name, **_tiny(name)).fit(small_graph)
    np.testing.assert_array_equal(det.classes_, [0, 1])
    assert det.decision_function(small_graph).dtype == np.float64
    assert det.predict_proba(small_graph).dtype == np.float64


@pytest.mark.parametrize("loader", ["LinkPredictor", "DrugRepurposer", "GraphEstimator", "DocumentParser"])
def test_other_task_loaders_name_the_node_model_a_directory_holds(saved, loader):
    from graphguard.tasks.graph.base import GraphEstimator
    from graphguard.tasks.graph.document import DocumentParser
    from graphguard.tasks.link.drugrepo import DrugRepurposer
    from graphguard.tasks.link.estimator import LinkPredictor

    cls = {c.__name__: c for c in (LinkPredictor, DrugRepurposer, GraphEstimator, DocumentParser)}[loader]
    with pytest.raises(DataError, match=rf"^{saved['gcn']}: holds a 'gcn' node detector, not a {loader}$"):
        cls.load(saved["gcn"])


# ------------------------------------------------------------------------- set_params after fit, then save
def _saved_params(folder) -> tuple[dict, dict]:
    cfg = json.loads((folder / "config.json").read_text())
    return cfg["params"], cfg.get("params_set_after_fit", {})


@pytest.mark.parametrize("name,change", [("gcn", {"hidden": 16}), ("hgt", {"hidden": 16, "heads": 4}),
                                         ("graphgbm", {"num_hops": 1}), ("xgbgraph", {"num_layers": 1}),
                                         ("rfgraph", {"num_layers": 1})])
def test_set_params_after_fit_keeps_the_fitted_model_through_save_and_load(name, change, small_graph, tmp_path):
    """As in scikit-learn, set_params after fit changes the next fit, not the fitted model: it scores as
    fitted, the directory's params agree with its weights, and load gives back the change for the next fit."""
    det = make_detector(name, **_tiny(name)).fit(small_graph)
    fitted = det.get_params()
    before = det.decision_function(small_graph)
    det.set_params(**change)
    np.testing.assert_array_equal(det.decision_function(small_graph), before)
    det.save(tmp_path / name)
    assert _saved_params(tmp_path / name) == (fitted, change)
    back = load_detector(tmp_path / name)
    np.testing.assert_array_equal(back.decision_function(small_graph), before)
    assert back.get_params() == det.get_params()
    back.save(tmp_path / "again")  # a loaded model saves what it was loaded from
    assert _saved_params(tmp_path / "again") == (fitted, change)


def test_a_refit_makes_the_changed_parameters_the_fitted_ones(small_graph, tmp_path):
    det = make_detector("xgbgraph", **TINY["xgbgraph"]).fit(small_graph)
    det.set_params(num_layers=1).fit(small_graph)
    det.save(tmp_path / "m")
    assert _saved_params(tmp_path / "m") == (det.get_params(), {})
    assert load_detector(tmp_path / "m").transform(small_graph).shape[1] == 2 * small_graph.x.shape[1]


@pytest.mark.parametrize("cls,kw,change", [(GraphGBMRegressor, dict(n_estimators=20), {"num_hops": 1}),
                                           (XGBGraphRegressor, dict(n_estimators=5), {"num_layers": 1})])
def test_regressor_set_params_after_fit_keeps_the_fitted_model_through_save_and_load(cls, kw, change, small_graph,
                                                                                     target, tmp_path):
    reg = cls(**kw).fit(small_graph, target)
    fitted, before = reg.get_params(), reg.predict(small_graph)
    reg.set_params(**change)
    np.testing.assert_array_equal(reg.predict(small_graph), before)
    reg.save(tmp_path / "r")
    assert _saved_params(tmp_path / "r") == (fitted, change)
    back = NodeRegressor.load(tmp_path / "r")
    np.testing.assert_array_equal(back.predict(small_graph), before)
    assert back.get_params() == reg.get_params()
