"""A served GNN run explains a node over HTTP and keeps scoring new nodes afterwards (no explain masks left behind)."""

from __future__ import annotations

import httpx
import pytest
from live_server import start_server, stop_server
from schema_check import answer_schema, schema_errors

JOB = """\
name: served_gnn
task: node_classification
data: {path: graph.npz, format: npz}
target: {property: label}
model:
  candidates: [bwgnn]
  params: {bwgnn: {epochs: 10, hidden: 16}}
budget: {trials: 1}
"""


@pytest.fixture(scope="module")
def gnn_server(tmp_path_factory):
    from graphguard.data.npz import write_npz
    from graphguard.data.synthetic import make_fraud_graph
    from graphguard.workflow.run import run_job

    root = tmp_path_factory.mktemp("served_gnn")
    write_npz(make_fraud_graph(num_nodes=400, seed=1), root / "graph.npz")
    (root / "job.yaml").write_text(JOB)
    run_dir = run_job(root / "job.yaml", root / "run", report=False)
    proc, base = start_server(run_dir, root / "server.log")
    yield base
    stop_server(proc)


def test_explain_then_score_a_new_node(gnn_server):
    def post(path, body):  # one connection per request: a 500 may close a kept-alive one
        return httpx.post(f"{gnn_server}{path}", json=body, timeout=60)

    new = {"nodes": [{"id": "new-1", "features": [0.5] * 16, "edges": ["n5", "n7"]}]}
    before = post("/v1/predict/nodes", new)
    assert before.status_code == 200, before.text
    r = post("/v1/explain/node", {"id": "n5", "top": 3})
    after = post("/v1/predict/nodes", new)
    assert (r.status_code, after.status_code) == (200, 200), (r.text, after.text)
    assert r.json()["method"].startswith("GNNExplainer") and r.json()["important_edges"]
    schema = httpx.get(f"{gnn_server}/openapi.json").json()  # its GNN-only fields are documented too
    declared = answer_schema(schema, "/v1/explain/node", "post")
    assert schema_errors(r.json(), declared, schema["components"]["schemas"]) == []
    assert after.json()["predictions"] == before.json()["predictions"]
