"""A damaged or foreign run directory: serve, report and explain stop with one DataError naming the file."""

from __future__ import annotations

import pytest

from graphguard.errors import DataError


def _serve(run):
    from graphguard.serve.app import load_served

    load_served(run)


def _report(run):
    from graphguard.report import write_report

    write_report(run)


def _explain(run):
    from graphguard.explain import explain_node

    explain_node(run, "acct-00001")


DAMAGED = {
    "not JSON": ("{bad", "not valid JSON"),
    "no task": ('{"job": {"name": "x"}}', "job.task"),
    "unknown task": ('{"job": {"name": "x", "task": "clustering"}}', "'clustering'"),
    "not an object": ('{"job": [1]}', "job.task"),
}


@pytest.mark.parametrize("command", [_serve, _report, _explain], ids=["serve", "report", "explain"])
@pytest.mark.parametrize("damage", list(DAMAGED))
def test_damaged_config_is_one_line_naming_it(tmp_path, command, damage):
    text, needle = DAMAGED[damage]
    (tmp_path / "config.json").write_text(text)
    for name in ("metrics.json", "predictions.csv"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "model").mkdir()
    with pytest.raises(DataError) as e:
        command(tmp_path)
    assert "config.json" in str(e.value) and needle in str(e.value) and "\n" not in str(e.value)


def _damage(run_dir, tmp_path, name: str, text: str):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    (run / name).write_text(text)
    return run


@pytest.mark.parametrize("command", [_serve, _report, _explain], ids=["serve", "report", "explain"])
@pytest.mark.parametrize("text", ['{"columns": 5}', '{"columns": [{"column": "age"}]}', "[]"])
def test_damaged_encodings_are_one_line_naming_them(run_dir, tmp_path, command, text):
    run = _damage(run_dir, tmp_path, "encodings.json", text)
    with pytest.raises(DataError, match="encodings.json"):
        command(run)


def test_report_on_a_damaged_graph_is_one_line_naming_it(run_dir, tmp_path):
    run = _damage(run_dir, tmp_path, "graph.npz", "junk")
    with pytest.raises(DataError, match="graph.npz"):
        _report(run)


def test_report_on_metrics_without_a_threshold_is_one_line_naming_them(run_dir, tmp_path):
    run = _damage(run_dir, tmp_path, "metrics.json", '{"detector": "xgbgraph"}')
    with pytest.raises(DataError, match="metrics.json: .*threshold"):
        _report(run)


@pytest.mark.parametrize("text", ["", "a,b\n1,2\n", 'id,score\n"x,1\n'], ids=["empty", "other columns", "bad quote"])
def test_report_on_damaged_predictions_is_one_line_naming_them(run_dir, tmp_path, text):
    run = _damage(run_dir, tmp_path, "predictions.csv", text)
    with pytest.raises(DataError, match="predictions.csv"):
        _report(run)


@pytest.mark.parametrize("task,columns", [("node_regression", "split"), ("link_prediction", "tail_rank"),
                                          ("graph_classification", "split")])
def test_task_reports_on_damaged_predictions_are_one_line(tmp_path, task, columns):
    from graphguard.report.runs import REPORTS

    (tmp_path / "config.json").write_text('{"job": {"name": "x", "task": "%s"}}' % task)
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "predictions.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=f"predictions.csv: .*{columns}"):
        REPORTS[task](tmp_path)
    (tmp_path / "predictions.csv").write_text("")
    with pytest.raises(DataError, match="predictions.csv"):
        REPORTS[task](tmp_path)


@pytest.mark.parametrize("text", ["", "a,b\n1,2\n"], ids=["empty", "other columns"])
def test_serving_a_regression_run_with_damaged_predictions_is_one_line(tmp_path, text):
    from graphguard.serve.regression import ServedRegression

    (tmp_path / "config.json").write_text('{"job": {"name": "x", "task": "node_regression"}}')
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "model").mkdir()
    (tmp_path / "predictions.csv").write_text(text)
    with pytest.raises(DataError, match="predictions.csv"):
        ServedRegression(tmp_path)


def test_a_port_in_use_is_one_line_before_the_model_loads(run_dir):
    """uvicorn logged the bind error after 'serving ... on http://...' and the model load, and exited 3."""
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "graphguard", "serve", str(run_dir), "--host", "127.0.0.1",
                            "--port", str(port)], capture_output=True, text=True, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: 127.0.0.1:{port}: ") and "in use" in lines[0]


def test_an_id_of_another_node_type_says_which_nodes_the_run_scores(run_dir):
    """A device id was 'unknown node id' although the input data has it: the run scores accounts only."""
    from graphguard.explain import explain_node
    from graphguard.serve.model import ServedModel, UnknownIds

    with pytest.raises(DataError, match="unknown node id 'dev-00001'.*this run scores 'account' nodes"):
        explain_node(run_dir, "dev-00001")
    with pytest.raises(UnknownIds, match="this run scores 'account' nodes"):
        ServedModel(run_dir).lookup(["acct-00001", "dev-00001"])


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_report_to_an_unwritable_path_is_one_line_and_leaves_nothing(run_dir, tmp_path, where):
    from graphguard.report import write_report

    out = tmp_path / "no" / "such" / "r.html" if where == "missing folder" else tmp_path
    with pytest.raises(DataError, match="report|folder|directory"):
        write_report(run_dir, out)
    assert not list(tmp_path.parent.glob(f"{tmp_path.name}*.tmp")) and not list(tmp_path.rglob("*.tmp"))
