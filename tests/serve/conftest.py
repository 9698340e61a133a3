"""A small finished run and a real uvicorn server on 127.0.0.1 serving it, for the endpoint tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import httpx
import pytest
from live_server import start_server, stop_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
API_KEY = "test-key-7f3a9c"
JOB = """\
name: served
task: node_classification
data: {path: export, format: neptune}
target: {node_type: account, property: is_fraud}
model:
  candidates: [xgbgraph]
  params: {xgbgraph: {n_estimators: 40}}
budget: {trials: 1}
"""


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    from graphguard.workflow.run import run_job

    spec = importlib.util.spec_from_file_location("make_fraud_export", EXAMPLES / "make_fraud_export.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    root = tmp_path_factory.mktemp("served")
    mod.make_export(root / "export", num_accounts=500, seed=5)
    (root / "job.yaml").write_text(JOB)
    return run_job(root / "job.yaml", root / "run", report=False)


@pytest.fixture(scope="session")
def server(run_dir, tmp_path_factory):
    """``(base_url, log_path)`` of ``graphguard serve RUN_DIR`` with an API key from the environment."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    proc, base = start_server(run_dir, log, dict(os.environ, GRAPHGUARD_API_KEY=API_KEY))
    yield base, log
    stop_server(proc)


@pytest.fixture
def client(server):
    base, _ = server
    with httpx.Client(base_url=base, headers={"X-API-Key": API_KEY}, timeout=60) as c:
        yield c
