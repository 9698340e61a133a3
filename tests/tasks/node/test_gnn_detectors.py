"""GNN detectors end to end: quality floors, homogeneous and typed graphs, save/load, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.errors import DataError, NotFittedError
from graphguard.metrics import auprc, auroc
from graphguard.tasks.node import load_detector
from graphguard.tasks.node.registry import make_detector

FAST = dict(hidden=32, epochs=40, patience=20)


def _fast(name: str) -> dict:
    return dict(FAST, epochs=20, hidden=16) if name == "hgt" else FAST


def _test_scores(det, g):
    s = det.decision_function(g)
    store = g[g.target_node_type] if hasattr(g, "target_node_type") else g
    te = store.test_mask.numpy()
    return store.y.numpy()[te], s[te]


@pytest.mark.parametrize("name", ["gcn", "graphsage", "gat", "rgcn", "hgt", "bwgnn"])
def test_quality_floor_on_generated_graph(fraud_graph, name):
    det = make_detector(name, **_fast(name)).fit(fraud_graph)
    y, s = _test_scores(det, fraud_graph)
    assert auroc(y, s) > 0.85, name
    assert auprc(y, s) > 0.35, name  # base rate 0.05
    assert det.train_result_["mode"] == "full"
    assert 0 <= det.train_result_["best_epoch"] < _fast(name)["epochs"]


@pytest.mark.parametrize("name", ["graphsage", "rgcn", "hgt", "bwgnn"])
def test_typed_graph(hetero_fraud_graph, name):
    det = make_detector(name, **_fast(name)).fit(hetero_fraud_graph)
    y, s = _test_scores(det, hetero_fraud_graph)
    assert s.shape[0] == int(hetero_fraud_graph["review"].test_mask.sum())
    assert auroc(y, s) > 0.8, name


def test_minibatch_training_reaches_the_floor(fraud_graph):
    det = make_detector("graphsage", batch_size=256, num_neighbors=[10, 5], **dict(FAST, epochs=20)).fit(fraud_graph)
    y, s = _test_scores(det, fraud_graph)
    assert det.train_result_["mode"] == "minibatch"
    assert auroc(y, s) > 0.85


@pytest.mark.parametrize("name,graph", [("graphsage", "fraud_graph"), ("bwgnn", "hetero_fraud_graph"),
                                        ("hgt", "hetero_fraud_graph"), ("gat", "fraud_graph")])
def test_save_load_gives_identical_scores(tmp_path, request, name, graph):
    g = request.getfixturevalue(graph)
    det = make_detector(name, hidden=16, epochs=5).fit(g)
    det.save(tmp_path / name)
    from graphguard.tasks.node.base import NodeDetector

    back = NodeDetector.load(tmp_path / name)
    assert type(back) is type(det)
    assert np.array_equal(back.decision_function(g), det.decision_function(g))
    assert np.array_equal(back.predict(g), det.predict(g))
    assert back.get_params() == det.get_params()


def test_bad_inputs_give_one_line_errors(fraud_graph, hetero_fraud_graph):
    det = make_detector("rgcn", hidden=8, epochs=2)
    with pytest.raises(NotFittedError):
        det.decision_function(fraud_graph)
    det.fit(hetero_fraud_graph)
    other = hetero_fraud_graph.clone()
    del other["review", "same_user", "review"]
    with pytest.raises(DataError, match=r"^predict: graph lacks relation \(review, same_user, review\) the model "
                                        r"was fitted on \(known: ") as e:
        det.decision_function(other)
    assert "\n" not in str(e.value)
    hgt = make_detector("hgt", hidden=8, epochs=2).fit(hetero_fraud_graph)
    with pytest.raises(DataError, match=r"^predict: graph has node type node the model was not fitted on "
                                        r"\(known: review, user\)$"):
        hgt.decision_function(fraud_graph)
    unlabelled = fraud_graph.clone()
    del unlabelled.y
    with pytest.raises(DataError, match="no labels"):
        make_detector("gcn").fit(unlabelled)


def test_homogeneous_view_counts_an_edge_in_several_relations_once():
    """The view merges the target-type relations into one edge list without duplicates, sorted."""
    import torch
    from torch_geometric.data import HeteroData

    gen = torch.Generator().manual_seed(0)
    n = 50
    g = HeteroData()
    g["review"].x = torch.randn(n, 3, generator=gen)
    g["review"].y = torch.randint(0, 2, (n,), generator=gen)
    a = torch.randint(0, n, (2, 300), generator=gen)
    b = torch.cat([a[:, :100], torch.randint(0, n, (2, 100), generator=gen)], 1)  # 100 edges in both
    g["review", "a", "review"].edge_index = a
    g["review", "b", "review"].edge_index = b
    g.target_node_type = "review"
    ei = make_detector("graphsage")._view(g, fit=True).edge_index
    assert torch.equal(ei, torch.unique(torch.cat([a, b], 1), dim=1))
    assert ei.shape[1] < a.shape[1] + b.shape[1]


# --------------------------------------------------------------------------- types of a HeteroData, by name
@pytest.mark.parametrize("name", ["graphsage", "rgcn", "hgt"])  # plain, relation-aware, typed
def test_types_listed_in_another_order_score_the_same(name, small_hetero, rebuild, tmp_path):
    """PyG keys a HeteroData by name: reversing its node and edge types (which also swaps the two user
    relations' degree columns) changes nothing, before and after save/load."""
    det = make_detector(name, hidden=16, epochs=5).fit(small_hetero)
    reordered = rebuild(small_hetero, list(reversed(small_hetero.edge_types)),
                        node_types=list(reversed(small_hetero.node_types)))
    assert reordered.node_types != small_hetero.node_types and reordered.edge_types != small_hetero.edge_types
    expected = det.decision_function(small_hetero)
    np.testing.assert_allclose(det.decision_function(reordered), expected, rtol=1e-6, atol=1e-7)
    det.save(tmp_path / name)
    np.testing.assert_allclose(load_detector(tmp_path / name).decision_function(reordered), expected,
                               rtol=1e-6, atol=1e-7)


def test_degree_relations_in_another_order_keep_their_columns(small_hetero, rebuild):
    """Only the two user relations swap places: their degree columns must not swap with them."""
    det = make_detector("gcn", hidden=16, epochs=5).fit(small_hetero)
    et = small_hetero.edge_types
    swapped = rebuild(small_hetero, [e for e in et if e[0] == e[2]] + [e for e in reversed(et) if e[0] != e[2]])
    np.testing.assert_allclose(det.decision_function(swapped), det.decision_function(small_hetero),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["gcn", "bwgnn"])
def test_unknown_or_missing_relation_is_a_one_line_error(name, small_hetero, rebuild):
    det = make_detector(name, hidden=8, epochs=2).fit(small_hetero)
    renamed = rebuild(small_hetero, rename={("user", "writes", "review"): ("user", "likes", "review")})
    with pytest.raises(DataError, match=r"^predict: graph has relation \(user, likes, review\) the model was not "
                                        r"fitted on \(known: .*\(user, writes, review\).*\)$"):
        det.decision_function(renamed)
    dropped = rebuild(small_hetero, [e for e in small_hetero.edge_types if e[1] != "related"])
    with pytest.raises(DataError, match=r"^predict: graph lacks relation \(review, related, review\) the model was "
                                        r"fitted on"):
        det.decision_function(dropped)


def test_typed_model_names_an_unknown_edge_type_or_a_missing_node_type(small_hetero, rebuild):
    det = make_detector("hgt", hidden=8, epochs=2).fit(small_hetero)
    renamed = rebuild(small_hetero, rename={("review", "same_user", "review"): ("review", "same_ip", "review")})
    with pytest.raises(DataError, match=r"^predict: graph has edge type \(review, same_ip, review\) the model was "
                                        r"not fitted on \(known: "):
        det.decision_function(renamed)
    reviews_only = rebuild(small_hetero, [e for e in small_hetero.edge_types if "user" not in (e[0], e[2])],
                           node_types=["review"])
    with pytest.raises(DataError, match=r"^predict: graph lacks node type user the model was fitted on "
                                        r"\(known: review, user\)$"):
        det.decision_function(reviews_only)


def test_model_saved_with_relation_names_only_scores_as_before(small_hetero, rebuild, tmp_path):
    """Models saved before relations were kept by name hold the same-type relation names: they load,
    score the graph they were fitted on as before, and refuse other names."""
    import json

    det = make_detector("rgcn", hidden=8, epochs=2).fit(small_hetero)
    det.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["state"].pop("target_type")
    cfg["state"]["relations"] = ["related", "same_user"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    old = load_detector(tmp_path / "m")
    np.testing.assert_array_equal(old.decision_function(small_hetero), det.decision_function(small_hetero))
    dropped = rebuild(small_hetero, [e for e in small_hetero.edge_types if e[1] != "related"])
    with pytest.raises(DataError, match=r"relations \['same_user'\] differ from the fitted ones"):
        old.decision_function(dropped)
