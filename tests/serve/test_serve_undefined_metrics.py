"""A run with a metric its split cannot define (R² of equal targets) is served over real HTTP with that metric null.

Runs wrote such a metric as the bare token ``NaN``, which is not JSON: ``GET /v1/model`` then failed with a 500 in
the server's strict encoder. Runs now write ``null``, and a file an older or foreign writer left with ``NaN`` or
``Infinity`` is served as ``null`` too.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from live_server import start_server, stop_server
from schema_check import answer_schema, schema_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from tasks_data import flatten_target, make_regression_tables  # noqa: E402

JOB = """\
name: flat_target
task: node_regression
data: {path: tables, format: tables}
target: {property: target}
metric: rmse
model:
  candidates: [xgbgraph]
  params: {xgbgraph: {n_estimators: 10}}
budget: {trials: 1}
"""


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory) -> Path:
    """The smallest run with an undefined metric: every target equal, so R² divides by a zero spread."""
    from graphguard.workflow.run import run_job

    root = tmp_path_factory.mktemp("flat_target")
    flatten_target(make_regression_tables(root / "tables", n=60))
    (root / "job.yaml").write_text(JOB)
    return run_job(root / "job.yaml", root / "run")


def _model_info(run: Path, log: Path) -> httpx.Response:
    proc, base = start_server(run, log)
    try:
        info = httpx.get(f"{base}/v1/model", timeout=60)
        schema = httpx.get(f"{base}/openapi.json", timeout=60).json()
    finally:
        stop_server(proc)
    assert info.status_code == 200, info.text
    errors = schema_errors(info.json(), answer_schema(schema, "/v1/model", "get"), schema["components"]["schemas"])
    assert not errors, errors
    return info


def test_an_undefined_metric_is_written_and_served_as_null(flat_run, tmp_path):
    text = (flat_run / "metrics.json").read_text()
    assert "NaN" not in text
    written = json.loads(text)
    assert written["test"]["r2"] is None and written["test"]["rmse"] == pytest.approx(0.0, abs=1e-6)
    served = _model_info(flat_run, tmp_path / "server.log").json()["metrics"]
    assert served["test"]["r2"] is None and served["val"]["r2"] is None
    assert served["test"]["rmse"] == written["test"]["rmse"]
    assert "<div class='v'>undefined</div><div class='k'>R²</div>" in (flat_run / "report.html").read_text()


def test_nan_left_by_another_writer_is_served_as_null(flat_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(flat_run, run)
    m = json.loads((run / "metrics.json").read_text())
    m["test"].update(r2=float("nan"), rmse=float("inf"))
    (run / "metrics.json").write_text(json.dumps(m))  # Python's default: the bare tokens NaN and Infinity
    assert "NaN" in (run / "metrics.json").read_text()
    served = _model_info(run, tmp_path / "server.log").json()["metrics"]["test"]
    assert served["r2"] is None and served["rmse"] is None and served["nodes"] == m["test"]["nodes"]
