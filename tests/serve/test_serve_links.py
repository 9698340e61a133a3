"""A link prediction run served over real HTTP: top tails (200), unknown names (404), bad bodies (422)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from live_server import start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from tasks_data import make_triples  # noqa: E402

JOB = """\
name: served_link
task: link_prediction
data: {path: kg, format: triples}
model:
  candidates: [complex]
  params: {complex: {dim: 16, epochs: 40, batch_size: 64}}
budget: {trials: 1}
"""


@pytest.fixture(scope="module")
def link_server(tmp_path_factory):
    from graphguard.workflow.run import run_job

    root = tmp_path_factory.mktemp("served_link")
    make_triples(root / "kg")
    (root / "job.yaml").write_text(JOB)
    run = run_job(root / "job.yaml", root / "run", report=False)
    proc, base = start_server(run, root / "server.log")
    yield base, run
    stop_server(proc)


def test_top_tails_exclude_known_links_unless_asked(link_server):
    base, run = link_server
    known = {line.split("\t")[2] for line in (run / "triples" / "train.txt").read_text().splitlines()
             if line.startswith("e3\tnext\t")}
    r = httpx.post(f"{base}/v1/predict/links", json={"head": "e3", "relation": "next", "k": 5})
    assert r.status_code == 200
    body = r.json()
    tails = [p["tail"] for p in body["predictions"]]
    assert body["head"] == "e3" and len(tails) == 5 and not known & set(tails)
    scores = [p["score"] for p in body["predictions"]]
    assert scores == sorted(scores, reverse=True) and not any(p["known"] for p in body["predictions"])
    r = httpx.post(f"{base}/v1/predict/links", json={"head": "e3", "relation": "next", "k": 50, "include_known": True})
    assert known <= {p["tail"] for p in r.json()["predictions"] if p["known"]}
    info = httpx.get(f"{base}/v1/model").json()
    assert info["task"] == "link_prediction" and set(info["relations"]) == {"next", "prev", "group"}
    assert "Ranked tails" in httpx.get(f"{base}/openapi.json").json()["info"]["description"]  # not "Fraud scores"


def test_unknown_entity_or_relation_is_404(link_server):
    base, _ = link_server
    r = httpx.post(f"{base}/v1/predict/links", json={"head": "nobody", "relation": "next"})
    assert r.status_code == 404 and "unknown entity 'nobody'" in r.json()["detail"]
    r = httpx.post(f"{base}/v1/predict/links", json={"head": "e3", "relation": "parent_of"})
    assert r.status_code == 404 and "unknown relation 'parent_of'" in r.json()["detail"]


@pytest.mark.parametrize("body,needle", [
    ({"relation": "next"}, "head: Field required"),
    ({"head": "e3", "relation": "next", "k": 0}, "k: Input should be greater than or equal to 1"),
    ({"head": "e3", "relation": "next", "top": 3}, "top: Extra inputs are not permitted"),
    ({"head": ["e3"], "relation": "next"}, "head: Input should be a valid string"),
])
def test_bad_bodies_are_422(link_server, body, needle):
    base, _ = link_server
    r = httpx.post(f"{base}/v1/predict/links", json=body)
    assert r.status_code == 422 and needle in r.json()["detail"]


def test_node_endpoints_say_this_is_a_link_run(link_server):
    base, _ = link_server
    for path, body in (("/v1/predict/nodes", {"ids": ["e3"]}), ("/v1/explain/node", {"id": "e3"})):
        r = httpx.post(f"{base}{path}", json=body)
        assert r.status_code == 404 and "this run is a link_prediction run" in r.json()["detail"]
        assert "/v1/predict/links" in r.json()["detail"]


def test_a_model_scoring_nan_answers_null_scores_not_500(link_server, tmp_path):
    """Before: FastAPI's default JSONResponse refused NaN (``Out of range float values are not JSON compliant``),
    so a model whose weights had gone NaN answered 500; node predictions already wrote NaN as null."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    _, run = link_server
    copy = shutil.copytree(run, tmp_path / "run")
    weights = copy / "model" / "weights.safetensors"
    tensors = load_file(weights)
    save_file({k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in tensors.items()},
              weights)
    proc, base = start_server(copy, tmp_path / "server.log")
    try:
        r = httpx.post(f"{base}/v1/predict/links", json={"head": "e3", "relation": "next", "k": 3})
        assert r.status_code == 200, r.text
        assert [p["score"] for p in r.json()["predictions"]] == [None, None, None]
    finally:
        stop_server(proc)
