"""Endpoint contracts over real HTTP (200/401/404/413/422), and inductive scoring equal to offline scoring."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest


def test_health_and_docs_need_no_key(server):
    base, _ = server
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    schema = httpx.get(f"{base}/openapi.json").json()
    assert {"/v1/predict/nodes", "/v1/predict/links", "/v1/explain/node", "/v1/model"} <= set(schema["paths"])
    assert httpx.get(f"{base}/docs").status_code == 200


def test_missing_or_wrong_key_is_401_and_key_never_logged(server, api_key):
    base, log = server
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.post(f"{base}/v1/predict/nodes", json={"ids": ["acct-00000"]}, headers=headers)
        assert r.status_code == 401 and "X-API-Key" in r.json()["detail"]
        assert httpx.get(f"{base}/v1/model", headers=headers).status_code == 401
    assert api_key not in log.read_text()


def test_predict_known_ids_matches_predictions_file(client, run_dir):
    pred = pd.read_csv(run_dir / "predictions.csv", dtype={"id": str}).set_index("id")
    ids = pred.index[:100].tolist()
    r = client.post("/v1/predict/nodes", json={"ids": ids})
    assert r.status_code == 200
    body = r.json()
    got = pd.DataFrame(body["predictions"]).set_index("id")
    assert got.index.tolist() == ids and not got["new"].any()
    assert np.allclose(got["score"], pred.loc[ids, "score"], atol=1e-5)
    assert (got["label"] == (got["score"] >= body["threshold"])).all()


def test_unknown_ids_are_404(client):
    r = client.post("/v1/predict/nodes", json={"ids": ["acct-00001", "nobody", "ghost"]})
    assert r.status_code == 404
    assert r.json()["unknown"] == ["nobody", "ghost"] and "2 of 3" in r.json()["detail"]
    assert client.post("/v1/explain/node", json={"id": "nobody"}).status_code == 404
    # a new node linked to a node that does not exist
    r = client.post("/v1/predict/nodes", json={"nodes": [{"id": "n1", "properties": {"age": 30},
                                                          "edges": ["acct-00001", "nobody"]}]})
    assert r.status_code == 404 and r.json()["unknown"] == ["nobody"]


@pytest.mark.parametrize("body,needle", [
    ({"ids": "acct-00001"}, "ids: Input should be a valid list"),
    ({"ids": [1, 2]}, "ids.0: Input should be a valid string"),
    ({}, "give at least one id in 'ids' or one new node in 'nodes'"),
    ({"ids": ["acct-00001"], "limit": 3}, "limit: Extra inputs are not permitted"),
    ({"nodes": [{"id": "n1", "edges": []}]}, "give exactly one of 'properties' or 'features'"),
    ({"nodes": [{"id": "n1", "features": [1.0, 2.0]}]}, "'features' has 2 values, the model expects"),
    ({"nodes": [{"id": "n1", "properties": {"colour": "red"}}]}, "unknown property 'colour'"),
    ({"nodes": [{"id": "acct-00001", "properties": {"age": 30}}]}, "already exists; new nodes need new ids"),
    # values the batch readers reject were scored as if missing
    ({"nodes": [{"id": "n1", "properties": {"age": "old"}}]}, "property 'age' = 'old' is not a valid numeric value"),
    ({"nodes": [{"id": "n1", "properties": {"balance": "NaN"}}]}, "property 'balance' = 'NaN' is not a valid numeric"),
    ({"nodes": [{"id": "n1", "properties": {"signup": "not a date"}}]}, "property 'signup' = 'not a date' is not a "
                                                                       "valid datetime value"),
    # a finite value that overflows the float32 features was a 500 (NaN/inf features)
    ({"nodes": [{"id": "n1", "properties": {"age": 1e308}}]}, "property 'age' = 1e+308 is out of range"),
    ({"nodes": [{"id": "n1", "properties": {"tags": [["vpn"]]}}]}, "property 'tags' = [['vpn']] is not a valid"),
    ({"nodes": [{"id": "n1", "features": [1e39] * 57}]}, "'features' has values outside the float32 range"),
])
def test_bad_requests_are_422_with_a_clear_line(client, body, needle):
    r = client.post("/v1/predict/nodes", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("invalid request: ") and needle in detail, detail


@pytest.mark.parametrize("content,ctype,needle", [
    (b'{"ids": ["acct-00001"', "application/json", "the body is not valid JSON"),
    (b'{"ids": ["acct-00001"]}', "text/plain", "send the body as JSON with Content-Type: application/json"),
])
def test_unreadable_bodies_say_what_to_send(client, content, ctype, needle):
    """These were 'invalid request: 23: JSON decode error' and 'body: Input should be a valid dictionary'."""
    r = client.post("/v1/predict/nodes", content=content, headers={"content-type": ctype})
    assert r.status_code == 422 and needle in r.json()["detail"], r.text


def test_request_size_is_bounded(client):
    r = client.post("/v1/predict/nodes", json={"ids": ["x" * 100] * 60_000})
    assert r.status_code == 413
    r = client.post("/v1/predict/nodes", json={"ids": ["acct-00001"] * 10_001})
    assert r.status_code == 422 and "at most 10000" in r.json()["detail"]


def test_model_info_and_links_on_a_node_run(client):
    info = client.get("/v1/model").json()
    assert info["task"] == "node_classification" and info["detector"] == "xgbgraph" and info["nodes"] == 500
    assert "test" in info["metrics"] and "age" in info["inductive"]["properties"]
    r = client.post("/v1/predict/links", json={"head": "a", "relation": "r", "k": 5})
    assert r.status_code == 404
    assert r.json()["detail"] == ("this run is a node_classification run; /v1/predict/links needs a link_prediction "
                                  "run (use POST /v1/predict/nodes)")


def test_explain_over_http(client):
    r = client.post("/v1/explain/node", json={"id": "acct-00003", "top": 4})
    assert r.status_code == 200
    e = r.json()
    assert len(e["contributions"]) == 4 and "pred_contribs" in e["method"]
    assert {"id", "score", "effect"} <= set(e["neighbours"][0])


NEW = [
    {"id": "new-1", "properties": {"age": 23, "balance": 15.5, "country": "NG", "tags": "vpn;new",
                                   "bio": "crypto investment guaranteed returns", "signup": "2025-05-20",
                                   "verified": "false"}, "edges": ["acct-00010", "acct-00042", "new-2"]},
    {"id": "new-2", "properties": {"age": 51, "country": "DE", "bio": "gardening and books"},
     "edges": ["acct-00100"]},
]


def test_inductive_scores_equal_offline_scores_of_the_grown_graph(client, run_dir):
    from graphguard.serve.model import NewNode, ServedModel

    r = client.post("/v1/predict/nodes", json={"ids": ["acct-00010"], "nodes": NEW})
    assert r.status_code == 200, r.text
    got = {p["id"]: p for p in r.json()["predictions"]}
    assert [p["id"] for p in r.json()["predictions"]] == ["acct-00010", "new-1", "new-2"]
    assert got["new-1"]["new"] and not got["acct-00010"]["new"]
    # offline: encode the same properties with the run's encodings, grow the whole graph, score it all
    model = ServedModel(run_dir)
    nodes = [NewNode(n["id"], n["properties"], None, n["edges"]) for n in NEW]
    g, idx = model.grown_graph(nodes)
    offline = model.detector.decision_function(g)[idx]
    assert np.allclose([got["new-1"]["score"], got["new-2"]["score"]], offline, atol=1e-6)
    assert not np.allclose(offline[0], offline[1])  # the two new nodes are told apart


def test_a_list_property_is_encoded_like_its_separated_string(run_dir):
    """Neptune's String[] values may come as a JSON list; they were encoded as one unknown item."""
    from graphguard.serve.model import NewNode, ServedModel

    model = ServedModel(run_dir)
    props = NEW[0]["properties"]
    as_text = model.encode([NewNode("a", props)])
    as_list = model.encode([NewNode("b", {**props, "tags": ["vpn", "new"]})])
    other = model.encode([NewNode("c", {**props, "tags": "web"})])
    assert np.array_equal(as_text, as_list) and not np.array_equal(as_text, other)


@pytest.mark.parametrize("dense_fraction", [1.01, 0.0], ids=["neighbourhood", "whole-graph"])
def test_both_inductive_paths_match_offline(run_dir, dense_fraction):
    from graphguard.serve.model import NewNode, ServedModel

    model = ServedModel(run_dir)
    model.dense_fraction = dense_fraction
    nodes = [NewNode(n["id"], n["properties"], None, n["edges"]) for n in NEW]
    nodes.append(NewNode("new-3", None, model.graph.x[7].tolist(), ["acct-00300", "acct-00301"]))
    g, idx = model.grown_graph(nodes)
    assert np.allclose(model.score_new(nodes), model.detector.decision_function(g)[idx], atol=1e-6)
