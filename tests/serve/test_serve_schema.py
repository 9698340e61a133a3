"""Every answer of a live server fits the schema its ``/openapi.json`` declares, for each kind of run.

A node regression run answered ``/v1/predict/nodes`` with ``{"target", "predictions": [{"id", "value"}]}`` while the
schema promised ``threshold`` and per-node ``score``/``label``; the other success answers were an untyped object.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from live_server import start_server, stop_server
from schema_check import answer_schema, schema_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from tasks_data import make_regression_tables, make_smiles_csv, make_triples  # noqa: E402

JOBS = {  # small runs of the other tasks; the node classification run is conftest's
    "node_regression": ("data: {path: tables, format: tables}\ntarget: {property: target}\nmetric: rmse\n"
                        "model:\n  candidates: [xgbgraph]\n  params: {xgbgraph: {n_estimators: 30}}\n",
                        lambda root: make_regression_tables(root / "tables")),
    "link_prediction": ("data: {path: kg, format: triples}\nmodel:\n  candidates: [complex]\n"
                        "  params: {complex: {dim: 16, epochs: 20, batch_size: 64}}\n",
                        lambda root: make_triples(root / "kg")),
    "graph_classification": ("data: {path: mols.csv, format: smiles}\ntarget: {property: acid}\n"
                             "split: {train: 0.5, val: 0.25, test: 0.25, seed: 0}\n"
                             "model:\n  candidates: [wl]\n  params: {wl: {n_estimators: 30}}\n",
                             lambda root: make_smiles_csv(root / "mols.csv")),
}
NODES = {"ids": ["acct-00001", "acct-00002"],
         "nodes": [{"id": "new-1", "properties": {"age": 30, "country": "DE"}, "edges": ["acct-00001"]}]}
CALLS = {  # (method, path, body) of every endpoint, and the task whose runs answer it with 200
    "model": ("get", "/v1/model", None, None),
    "health": ("get", "/healthz", None, None),
    "nodes": ("post", "/v1/predict/nodes", NODES, ("node_classification",)),
    "values": ("post", "/v1/predict/nodes", {"ids": ["n1", "n2"]}, ("node_regression",)),
    "explain": ("post", "/v1/explain/node", {"id": "acct-00003", "top": 3}, ("node_classification",)),
    "links": ("post", "/v1/predict/links", {"head": "e3", "relation": "next", "k": 20, "include_known": True},
              ("link_prediction",)),
    "graphs": ("post", "/v1/predict/graphs", {"smiles": ["CCCC(=O)O", "CCCC"]}, ("graph_classification",)),
}


@pytest.fixture(scope="module")
def served(request, tmp_path_factory, api_key):
    """``(base_url, headers)`` of a live server on a finished run of the task ``request.param``."""
    task = request.param
    if task == "node_classification":
        base, _ = request.getfixturevalue("server")
        yield base, {"X-API-Key": api_key}
        return
    from graphguard.workflow.run import run_job

    job, make_data = JOBS[task]
    root = tmp_path_factory.mktemp(task)
    make_data(root)
    (root / "job.yaml").write_text(f"name: schema_{task}\ntask: {task}\n{job}budget: {{trials: 1}}\n")
    run = run_job(root / "job.yaml", root / "run", report=False)
    proc, base = start_server(run, root / "server.log")
    yield base, {}
    stop_server(proc)


@pytest.mark.parametrize("served", ["node_classification", "node_regression", "link_prediction",
                                    "graph_classification"], indirect=True)
def test_every_answer_fits_the_schema_it_declares(served):
    base, headers = served
    schema = httpx.get(f"{base}/openapi.json").json()
    components = schema["components"]["schemas"]
    task = httpx.get(f"{base}/v1/model", headers=headers).json()["task"]
    problems = []
    for name, (method, path, body, tasks) in CALLS.items():
        if path == "/v1/predict/nodes" and (task in CALLS["nodes"][3]) != (name == "nodes"):
            continue  # a node run is asked with its own kind of ids
        r = httpx.request(method, f"{base}{path}", json=body, headers=headers, timeout=60)
        status = 200 if tasks is None or task in tasks else 404
        assert r.status_code == status, (task, name, r.text)
        declared = answer_schema(schema, path, method, status)
        if "$ref" not in declared:
            problems.append(f"{path}: the {status} answer is an undocumented {declared.get('type', 'value')}")
        errors = schema_errors(r.json(), declared, components)
        if errors:
            problems.append(f"{path} answered {r.text[:200]}, which its schema refuses: {errors[:3]}")
    assert not problems, f"{task} run:\n" + "\n".join(problems)


def test_the_checker_refuses_what_the_schema_does_not_say():
    """The check above is only as good as this: missing, extra and mistyped fields are all reported."""
    components = {"P": {"type": "object", "properties": {"id": {"type": "string"}, "s": {"type": "number"},
                                                         "k": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
                        "required": ["id", "s"]}}
    node = {"type": "array", "items": {"$ref": "#/components/schemas/P"}}
    assert schema_errors([{"id": "a", "s": 1, "k": None}, {"id": "b", "s": 0.5, "k": 3}], node, components) == []
    assert schema_errors([{"id": "a"}], node, components) == ["$[0]: missing required 's'"]
    assert schema_errors([{"id": "a", "s": 1, "value": 2}], node, components) == ["$[0]: 'value' is not in the schema"]
    assert schema_errors([{"id": "a", "s": True}], node, components) == ["$[0].s: bool True is not number"]
    assert schema_errors([{"id": "a", "s": 1, "k": 1.5}], node, components)[0].startswith("$[0].k: fits no branch")


def test_the_explanation_schema_allows_null_only_where_the_server_sends_it(client):
    """``bias`` and ``important_edges`` are left out where they do not apply, never null; ``known_label`` is null for
    an unlabelled node. The schema allowed null for both, and ``signed: true``, which is never sent either."""
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    declared = answer_schema(schema, "/v1/explain/node", "post")
    answer = client.post("/v1/explain/node", json={"id": "acct-00003", "top": 3}).json()
    assert "bias" in answer and "important_edges" not in answer  # a tree model's answer
    assert schema_errors(answer, declared, components) == []
    explanation = components[declared["$ref"].rsplit("/", 1)[1]]
    optional = {k: v for k, v in explanation["properties"].items() if k not in explanation["required"]}
    nullable = {k for k, v in optional.items() if not schema_errors(None, v, components)}
    assert nullable == {"known_label"}
    assert schema_errors(True, optional["signed"], components)
    assert not [k for k, v in optional.items() if "default" in v]  # an absent key is not the value null
