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
