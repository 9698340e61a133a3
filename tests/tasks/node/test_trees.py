"""Tree detectors: quality floors on real data, persistence, and the failure modes of fit/predict."""

import numpy as np
import pytest
import torch

from graphguard.data import load_graph
from graphguard.errors import DataError, NotFittedError
from graphguard.metrics import node_metrics
from graphguard.tasks.node import load_detector, make_detector

TREES = ["graphgbm", "graphgbm-stack", "xgbgraph", "rfgraph", "xgboost"]


@pytest.fixture(scope="module")
def tolokers(data_dir):
    return load_graph(data_dir / "tolokers" / "tolokers.npz", split=0)


def _test_metrics(det, g):
    s = det.decision_function(g)
    m = g.test_mask.numpy()
    return node_metrics(g.y.numpy()[m], s[m])


def test_graphgbm_floor_on_tolokers_split0(tolokers):
    """GraphGBM beats GADBench's published best for Tolokers (0.835 AUROC) on the official split 0."""
    res = _test_metrics(make_detector("graphgbm").fit(tolokers), tolokers)
    assert res["auroc"] >= 0.845 and res["auprc"] >= 0.57, res


@pytest.mark.parametrize("trial", [0, 2])
def test_graphgbm_floor_with_few_labels_on_tolokers(tolokers, trial):
    """GADBench's semi-supervised split (20 + 80 training labels): the leaf-size cap lets the booster
    split; with the full-split leaf size of 40 these trials scored 0.654 and 0.500 AUROC."""
    from graphguard.data.graph import set_masks
    from graphguard.data.splits import gadbench_split, trial_seed

    g = set_masks(tolokers.clone(), *gadbench_split(tolokers.y.numpy(), "semi", trial))
    assert int(g.train_mask.sum()) == 100
    res = _test_metrics(make_detector("graphgbm", seed=trial_seed(trial)).fit(g), g)
    assert res["auroc"] >= 0.72 and res["auprc"] >= 0.38, res


def test_xgbgraph_reference_floor_on_tolokers(tolokers):
    res = _test_metrics(make_detector("xgbgraph").fit(tolokers), tolokers)
    assert 0.80 <= res["auroc"] <= 0.86, res  # GADBench recipe reproduces ~0.83


def test_graph_features_beat_raw_features(fraud_graph):
    raw = _test_metrics(make_detector("xgboost").fit(fraud_graph), fraud_graph)
    gbm = _test_metrics(make_detector("graphgbm", stack=False).fit(fraud_graph), fraud_graph)
    assert gbm["auprc"] > raw["auprc"], (gbm, raw)
    assert gbm["auroc"] > 0.9


@pytest.mark.parametrize("name", TREES)
def test_save_load_round_trip_gives_identical_scores(name, fraud_graph, tmp_path):
    det = make_detector(name).fit(fraud_graph)
    det.save(tmp_path / name)
    assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["config.json", "weights.safetensors"]
    again = load_detector(tmp_path / name)
    assert type(again) is type(det)
    np.testing.assert_array_equal(again.decision_function(fraud_graph), det.decision_function(fraud_graph))
    np.testing.assert_array_equal(again.predict(fraud_graph), det.predict(fraud_graph))


def test_predict_proba_and_predict_agree(fraud_graph):
    det = make_detector("xgbgraph").fit(fraud_graph)
    p = det.predict_proba(fraud_graph)
    assert p.shape == (fraud_graph.num_nodes, 2)
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert set(np.unique(det.predict(fraud_graph))) <= {0, 1}
    assert ((p[:, 1] >= det.threshold_) == det.predict(fraud_graph).astype(bool)).all()


def test_fit_does_not_modify_the_callers_graph(fraud_graph):
    before = {k: v.clone() for k, v in fraud_graph.items() if isinstance(v, torch.Tensor)}
    make_detector("graphgbm", stack=True, n_estimators=50).fit(fraud_graph)
    for k, v in before.items():
        assert torch.equal(v, fraud_graph[k]), k


def test_hetero_graph_uses_relations(hetero_fraud_graph):
    det = make_detector("graphgbm", stack=False).fit(hetero_fraud_graph)
    s = det.decision_function(hetero_fraud_graph)
    m = hetero_fraud_graph["review"].test_mask.numpy()
    res = node_metrics(hetero_fraud_graph["review"].y.numpy()[m], s[m])
    assert s.shape[0] == hetero_fraud_graph["review"].num_nodes
    assert res["auroc"] > 0.9


def test_single_class_training_labels_is_a_clear_error(fraud_graph):
    g = fraud_graph.clone()
    g.y = torch.zeros_like(g.y)
    with pytest.raises(DataError, match="single class"):
        make_detector("xgbgraph").fit(g)


def test_test_node_inside_training_labels_is_rejected(fraud_graph):
    g = fraud_graph.clone()
    first_test = int(g.test_mask.nonzero()[0])
    g.train_mask[first_test] = True
    with pytest.raises(DataError, match="train_mask and test_mask overlap"):
        make_detector("xgbgraph").fit(g)


def test_nan_features_are_rejected(fraud_graph):
    g = fraud_graph.clone()
    g.x[5, 2] = float("nan")
    with pytest.raises(DataError, match="NaN or inf"):
        make_detector("xgbgraph").fit(g)


def test_unfitted_and_feature_mismatch(fraud_graph):
    with pytest.raises(NotFittedError):
        make_detector("xgbgraph").decision_function(fraud_graph)
    det = make_detector("xgboost").fit(fraud_graph)
    g = fraud_graph.clone()
    g.x = g.x[:, :3]
    with pytest.raises(DataError, match=r"^predict: graph had x with 16 columns at fit, has 3 now$"):
        det.decision_function(g)


def test_unknown_detector_name():
    from graphguard.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown detector 'nope'"):
        make_detector("nope")


def test_stacked_variant_keeps_its_params_through_save(fraud_graph, tmp_path):
    det = make_detector("graphgbm-stack", num_leaves=7, n_estimators=60).fit(fraud_graph)
    det.save(tmp_path / "s")
    again = load_detector(tmp_path / "s")
    assert again.stack and again.num_leaves == 7 and again.n_estimators == 60
    np.testing.assert_array_equal(again.decision_function(fraud_graph), det.decision_function(fraud_graph))


def test_save_refuses_a_folder_of_other_files_and_saves_again_over_its_own_model(fraud_graph, tmp_path):
    det = make_detector("xgboost").fit(fraud_graph)
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    with pytest.raises(DataError, match=rf"^{project}: is a folder with other files and not a graphguard model"):
        det.save(project)
    assert [p.name for p in project.iterdir()] == ["config.json"]
    assert (project / "config.json").read_text() == '{"project": "mine"}'
    det.save(tmp_path / "m")
    det.save(tmp_path / "m")  # re-saving over an earlier model is normal
    np.testing.assert_array_equal(load_detector(tmp_path / "m").decision_function(fraud_graph),
                                  det.decision_function(fraud_graph))


# --------------------------------------------------------------------------- relations of a HeteroData
RELATIONAL_TREES = ["graphgbm", "graphgbm-stack", "xgbgraph", "rfgraph"]
SMALL = {"graphgbm": dict(n_estimators=100), "graphgbm-stack": dict(n_estimators=100, early_stopping=30),
         "xgbgraph": dict(n_estimators=20), "rfgraph": dict(n_estimators=20), "xgboost": dict(n_estimators=20)}


@pytest.mark.parametrize("name", RELATIONAL_TREES)
def test_relations_listed_in_another_order_score_identically(name, small_hetero, tmp_path, rebuild):
    det = make_detector(name, **SMALL[name]).fit(small_hetero)
    reordered = rebuild(small_hetero, list(reversed(small_hetero.edge_types)))
    assert reordered.edge_types != small_hetero.edge_types
    expected = det.decision_function(small_hetero)
    np.testing.assert_array_equal(det.decision_function(reordered), expected)
    det.save(tmp_path / name)
    np.testing.assert_array_equal(load_detector(tmp_path / name).decision_function(reordered), expected)


@pytest.mark.parametrize("name", RELATIONAL_TREES)
def test_renamed_or_missing_relation_is_a_one_line_error(name, small_hetero, rebuild):
    det = make_detector(name, **SMALL[name]).fit(small_hetero)
    renamed = rebuild(small_hetero, small_hetero.edge_types,
                      rename={("review", "same_user", "review"): ("review", "same_device", "review")})
    with pytest.raises(DataError, match=r"^predict: graph has relation \(review, same_device, review\) the model was "
                                        r"not fitted on \(known: .*\(review, same_user, review\)"):
        det.decision_function(renamed)
    dropped = rebuild(small_hetero, [et for et in small_hetero.edge_types if et[1] != "written_by"])
    with pytest.raises(DataError, match=r"^predict: graph lacks relation \(review, written_by, user\) the model was "
                                        r"fitted on \(known: "):
        det.predict(dropped)


@pytest.mark.parametrize("name", RELATIONAL_TREES)
def test_model_fitted_on_a_heterodata_refuses_a_data_saying_what_it_was_fitted_on(name, small_hetero):
    from torch_geometric.data import Data

    det = make_detector(name, **SMALL[name]).fit(small_hetero)
    r = small_hetero["review"]
    homo = Data(x=r.x, y=r.y, edge_index=small_hetero["review", "related", "review"].edge_index, num_nodes=r.num_nodes)
    with pytest.raises(DataError, match=r"^predict: graph is a homogeneous Data; the model was fitted on a HeteroData "
                                        r"with target type 'review' and relations \(review, related, review\)"):
        det.decision_function(homo)


def _forget_relations(model_dir):
    """Rewrite a saved model's config as models saved before relations were recorded."""
    import json

    cfg = json.loads((model_dir / "config.json").read_text())
    for key in ("relations", "target_type", "num_columns"):
        cfg["state"].pop(key, None)
    (model_dir / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize("name", RELATIONAL_TREES)
def test_model_saved_without_relations_loads_and_scores_as_before(name, small_hetero, tmp_path):
    det = make_detector(name, **SMALL[name]).fit(small_hetero)
    det.save(tmp_path / name)
    _forget_relations(tmp_path / name)
    old = load_detector(tmp_path / name)
    assert old.relations_ is None
    np.testing.assert_array_equal(old.decision_function(small_hetero), det.decision_function(small_hetero))


@pytest.mark.parametrize("name", ["graphgbm", "graphgbm-stack", "xgbgraph"])  # boosters know their width
def test_model_saved_without_relations_gives_a_width_mismatch_in_one_line(name, small_hetero, tmp_path, rebuild):
    make_detector(name, **SMALL[name]).fit(small_hetero).save(tmp_path / name)
    _forget_relations(tmp_path / name)
    old = load_detector(tmp_path / name)
    dropped = rebuild(small_hetero, [et for et in small_hetero.edge_types if et[1] != "written_by"])
    with pytest.raises(DataError, match=r"^predict: graph gives \d+ tree features, the model was fitted on \d+ "
                                        r"\(a graph with other relations\?\)$"):
        old.decision_function(dropped)


def test_raw_xgboost_reads_no_relations(small_hetero, rebuild):
    """The graph-free baseline sees only the target features, so the relations may differ."""
    det = make_detector("xgboost", **SMALL["xgboost"]).fit(small_hetero)
    dropped = rebuild(small_hetero, [et for et in small_hetero.edge_types if et[1] != "same_user"])
    np.testing.assert_array_equal(det.decision_function(dropped), det.decision_function(small_hetero))


# --------------------------------------------------------------------------- stacked threshold
def test_stacked_threshold_is_best_f1_on_the_scores_decision_function_gives(fraud_graph):
    """The threshold comes from the validation scores predict compares it to (the second stage sees
    out-of-fold first-stage scores only while fitting)."""
    from sklearn.metrics import f1_score, precision_recall_curve

    g = fraud_graph
    det = make_detector("graphgbm-stack", n_estimators=300, early_stopping=50).fit(g)
    va = g.val_mask.numpy()
    y, s = g.y.numpy()[va], det.decision_function(g)[va]
    prec, rec, thr = precision_recall_curve(y, s)
    f1 = 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12)
    assert det.threshold_ == thr[int(np.argmax(f1))]
    np.testing.assert_array_equal(det.predict(g)[va], (s >= det.threshold_).astype(np.int64))
    assert f1_score(y, det.predict(g)[va]) == pytest.approx(f1.max())


# --------------------------------------------------------------------------- transform reads as scoring does
def _x(g, cols=None, names=None):
    """``g`` with another ``x`` (``cols`` columns, 0: none) or with ``names`` for its columns."""
    h = g.clone()
    if names is not None:
        h.feature_names = names
    elif cols:
        h.x = torch.randn(g.num_nodes, cols, generator=torch.Generator().manual_seed(0))
    else:
        del h.x
    return h


@pytest.mark.parametrize("name", TREES)
def test_fitted_transform_refuses_what_decision_function_refuses(name, fraud_graph, small_hetero):
    """Before: transform returned rows of another width (or an AttributeError without x, or the typed graph's
    features), which score_features then failed on deep in the booster or, for the forest, scored wrongly."""
    g = _x(fraud_graph, names=[f"f{j}" for j in range(fraud_graph.x.shape[1])])
    det = make_detector(name, **SMALL[name]).fit(g)
    cols = g.x.shape[1]
    np.testing.assert_array_equal(det.score_features(det.transform(g), *([g] if name == "graphgbm-stack" else [])),
                                  det.decision_function(g))
    for bad, message in [(_x(g, 3), f"had x with {cols} columns at fit, has 3 now"),
                         (_x(g, 0), f"had x with {cols} columns at fit, has none now")]:
        with pytest.raises(DataError, match=rf"^predict: graph {message}$"):
            det.transform(bad)
    if det.reads_relations:
        with pytest.raises(DataError, match=r"^predict: .*HeteroData") as e:
            det.transform(small_hetero)
        assert "\n" not in str(e.value)
    swapped = list(g.feature_names)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    reordered = _x(g, names=swapped)
    reordered.x = g.x[:, [1, 0] + list(range(2, cols))]
    np.testing.assert_array_equal(det.transform(reordered), det.transform(g))  # read by name, as scoring reads


def test_forest_saved_without_its_width_still_refuses_narrower_rows_in_one_line(small_hetero, tmp_path, rebuild):
    """Before: an IndexError from the traversal (the rows lacked the forest's last split column)."""
    make_detector("rfgraph", **SMALL["rfgraph"]).fit(small_hetero).save(tmp_path / "rf")
    _forget_relations(tmp_path / "rf")
    old = load_detector(tmp_path / "rf")
    assert old.num_columns() is None
    dropped = rebuild(small_hetero, [et for et in small_hetero.edge_types if et[1] != "written_by"])
    with pytest.raises(DataError, match=r"^predict: graph gives 51 tree features, the forest splits on column 5\d "
                                        r"\(a graph with other relations\?\)$"):
        old.decision_function(dropped)
    narrow = small_hetero.clone()
    narrow["review"].x = narrow["review"].x[:, :3]
    with pytest.raises(DataError, match=r"^predict: node type 'review' had x with 16 columns at fit, has 3 now$"):
        old.decision_function(narrow)
