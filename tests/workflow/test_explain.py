"""Explanations of detectors on a small generated graph: GNNExplainer for GNNs, occlusion as the fallback."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.errors import ConfigError
from graphguard.explain import explain_node, format_explanation


@pytest.fixture(scope="module")
def small_graph():
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=300, num_features=6, seed=1)
    del g.node_id
    return g


def test_gnn_explanations_use_gnnexplainer(small_graph, tmp_path):
    from graphguard.tasks.node.registry import make_detector

    try:
        det = make_detector("gcn", epochs=10, hidden=16)
    except ConfigError as e:
        pytest.skip(f"GNN detectors not in this build yet ({e})")
    det.fit(small_graph)
    i = int(np.flatnonzero(small_graph.y.numpy() == 1)[0])
    e = explain_node(tmp_path, "n", detector=det, graph=small_graph, index=i, top=4, max_neighbours=3)
    assert e["method"].startswith("GNNExplainer") and e["signed"] is False
    assert len(e["contributions"]) == 4 and all(0 <= c["contribution"] <= 1 for c in e["contributions"])
    nbrs = set(small_graph.edge_index[0, small_graph.edge_index[1] == i].tolist())
    first = e["important_edges"][0]
    assert int(first["to"]) in nbrs | {i}  # the strongest edge carries messages towards the node
    assert "important edges (GNNExplainer)" in format_explanation(e)


@pytest.fixture(scope="module")
def multigraph(small_graph):
    """The small graph with a repeated edge and a self-loop, as exports of repeated transfers have."""
    import torch

    g = small_graph.clone()
    i = int(np.flatnonzero(g.y.numpy() == 1)[0])
    repeated = g.edge_index[:, g.edge_index[1] == i][:, :2]
    g.edge_index = torch.cat([g.edge_index, repeated, torch.tensor([[i], [i]])], 1)
    return g, i


@pytest.mark.parametrize("name", ["gcn", "graphsage", "bwgnn"])
def test_gnnexplainer_edges_line_up_with_the_graph(multigraph, tmp_path, name):
    """The edge mask must reach the messages of the edges it was made for (sparse products reorder and merge them)."""
    from graphguard.tasks.node.registry import make_detector

    g, i = multigraph
    det = make_detector(name, epochs=10, hidden=16)
    det.fit(g)
    e = explain_node(tmp_path, "n", detector=det, graph=g, index=i, top=4, max_neighbours=3)
    assert e["method"].startswith("GNNExplainer")
    assert len(e["contributions"]) == 4 and all(0 <= c["contribution"] <= 1 for c in e["contributions"])
    edges = set(zip(g.edge_index[0].tolist(), g.edge_index[1].tolist()))
    into_i = {u for u, v in edges if v == i}
    # two propagation steps: only edges into the node or into its in-neighbours can change its score
    assert e["important_edges"] and all((int(r["from"]), int(r["to"])) in edges and int(r["to"]) in into_i | {i}
                                        for r in e["important_edges"])
    assert e["neighbours"] and all(int(r["id"]) in into_i for r in e["neighbours"])


class _Boom(Exception):
    pass


def test_failed_explanation_leaves_scoring_unchanged(small_graph, tmp_path, monkeypatch):
    """A server explains with the model it scores with: a failure half-way must not leave explain masks on it."""
    import torch
    from torch_geometric.explain import GNNExplainer

    from graphguard.tasks.node.registry import make_detector

    det = make_detector("gcn", epochs=10, hidden=16)
    det.fit(small_graph)
    unseen = small_graph.subgraph(torch.arange(200))  # like a server's inductive request: edges it never cached
    before = det.decision_function(unseen)

    def fail(*args, **kwargs):
        raise _Boom

    monkeypatch.setattr(GNNExplainer, "_loss", fail)  # fails after the masks are set
    with pytest.raises(_Boom):
        explain_node(tmp_path, "n", detector=det, graph=small_graph, index=3)
    np.testing.assert_array_equal(det.decision_function(unseen), before)


class _MeanOfFirstFeature:
    """A tiny detector stand-in whose score is the node's first feature: occlusion must find it."""

    name = "toy"
    threshold_ = 0.0

    def decision_function(self, graph, nodes=None):
        return graph.x[:, 0].numpy().astype(float)


def test_occlusion_fallback_finds_the_feature_that_matters(small_graph, tmp_path):
    i = 3
    e = explain_node(tmp_path, "n3", detector=_MeanOfFirstFeature(), graph=small_graph, index=i, top=6,
                     feature_names=[f"p{j}" for j in range(6)])
    assert e["method"].startswith("occlusion")
    top = e["contributions"][0]
    mean0 = float(small_graph.x[small_graph.train_mask, 0].mean())
    assert top["feature"] == "p0 (own value)"
    assert abs(top["contribution"] - (float(small_graph.x[i, 0]) - mean0)) < 1e-5
    assert all(abs(c["contribution"]) < 1e-9 for c in e["contributions"][1:])
    assert all(abs(r["effect"]) < 1e-9 for r in e["neighbours"])  # edges do not matter to this score
