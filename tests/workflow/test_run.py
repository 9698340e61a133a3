"""Run directories end to end: the files, a quality floor, resuming a killed run, refusing mistakes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from graphguard.errors import ConfigError
from graphguard.workflow.run import run_job

from tasks_data import make_triples

CLI = [sys.executable, "-m", "graphguard"]


def _metrics(run) -> dict:
    m = json.loads((run / "metrics.json").read_text())
    return {k: m[k] for k in ("detector", "params", "threshold", "best_trial", "val", "test")}


@pytest.fixture(scope="module")
def whole_run(export_dir, fast_job, tmp_path_factory, cli):
    """One uninterrupted run through the CLI, shared by the tests below."""
    root = tmp_path_factory.mktemp("whole")
    (root / "export").symlink_to(export_dir, target_is_directory=True)
    job = root / "job.yaml"
    job.write_text(fast_job.replace("TRIALS", "3"))
    r = cli("run", job, "--out", root / "run")
    return job, root / "run", r


def test_run_writes_every_artifact_and_learns(whole_run):
    _, run, r = whole_run
    for name in ("job.yaml", "config.json", "encodings.json", "graph.npz", "properties.parquet", "trials.jsonl",
                 "model/config.json", "model/weights.safetensors", "predictions.csv", "metrics.json", "report.html"):
        assert (run / name).is_file(), name
    m = json.loads((run / "metrics.json").read_text())
    assert m["trials"] == 3 and m["test"]["auroc"] > 0.85  # planted fraud is learnable
    enc = json.loads((run / "encodings.json").read_text())
    assert {c["column"]: c["kind"] for c in enc["columns"]}["bio"] == "text"
    status = json.loads((run / "status.json").read_text())
    assert status["complete"] is True
    assert "test auroc" in r.stdout and "report.html" in r.stdout
    assert "[2/5] tuning" in r.stderr and "text" in r.stderr  # progress and the encodings picked


def test_killed_run_resumes_to_the_same_metrics(whole_run, tmp_path):
    job, whole, _ = whole_run
    killed = tmp_path / "killed"
    p = subprocess.Popen(CLI + ["run", str(job), "--out", str(killed), "--quiet"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    trials = killed / "trials.jsonl"
    while time.time() < deadline and p.poll() is None:
        if trials.is_file() and trials.read_text().count("\n") >= 1:
            break
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    status = json.loads((killed / "status.json").read_text())
    assert "evaluate" not in status["done"], "the run finished before it could be killed"
    assert not (killed / "metrics.json").exists()
    run_job(job, killed, resume=True, report=False)
    assert _metrics(killed) == _metrics(whole)
    lines = [json.loads(x) for x in (killed / "trials.jsonl").read_text().splitlines()]
    assert [x["number"] for x in lines] == [0, 1, 2]


def test_existing_dir_needs_resume_or_force_and_changed_job_refuses(job_file, tmp_path):
    job = job_file(trials=1)
    out = tmp_path / "r"
    run_job(job, out, report=False)
    with pytest.raises(ConfigError, match="already exists; continue it with --resume"):
        run_job(job, out, report=False)
    run_job(job, out, resume=True, report=False)  # complete: nothing left to do
    job.write_text(job.read_text().replace("n_estimators: 40", "n_estimators: 41"))
    with pytest.raises(ConfigError, match="the job file changed since this run started"):
        run_job(job, out, resume=True, report=False)


def test_resume_with_force_continues_an_unchanged_run_and_starts_over_a_changed_one(job_file, tmp_path):
    job = job_file(trials=1)
    out = tmp_path / "r"
    run_job(job, out, report=False)
    (out / "marker").write_text("from the first run")
    run_job(job, out, resume=True, force=True, report=False)  # unchanged job: continued, nothing deleted
    assert (out / "marker").is_file()
    job.write_text(job.read_text().replace("n_estimators: 40", "n_estimators: 41"))
    run_job(job, out, resume=True, force=True, report=False)  # changed job: --force starts over
    assert not (out / "marker").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["job"]["model"]["params"]["xgbgraph"]["n_estimators"] == 41
    assert json.loads((out / "status.json").read_text())["done"] == ["data", "tune", "model", "evaluate"]


def test_override_of_unknown_property_points_at_its_line(job_file, tmp_path):
    text = job_file(trials=1).read_text() + "features:\n  overrides:\n    colour: category\n"
    job = job_file(text=text, name="bad.yaml")
    with pytest.raises(ConfigError, match=r"bad.yaml: line 12: features.overrides.colour: no node property 'colour'"):
        run_job(job, tmp_path / "bad", report=False)


BAD_LINK_JOB = """\
name: bad_link
task: link_prediction
data: {path: kg, format: triples}
target: {relation: parent_of}
model: {candidates: [distmult]}
"""


@pytest.fixture(params=["node", "link"])
def failing_job(request, job_file, tmp_path):
    """A job that fails in the data stage: a node job overriding an unknown property, a link job naming
    an unknown relation (the driver's path)."""
    if request.param == "link":
        make_triples(tmp_path / "kg")
        return job_file(text=BAD_LINK_JOB, name="bad.yaml"), "no relation 'parent_of'"
    text = job_file(trials=1).read_text() + "features:\n  overrides:\n    colour: category\n"
    return job_file(text=text, name="bad.yaml"), "no node property 'colour'"


def test_run_failing_in_the_data_stage_leaves_nothing_that_blocks_the_retry(failing_job, tmp_path):
    job, error = failing_job
    out = tmp_path / "runs" / "bad"
    for _ in range(2):  # the retry fails on the data again, not on the directory
        with pytest.raises(ConfigError, match=error):
            run_job(job, out, report=False)
        assert not out.exists() and (tmp_path / "runs").is_dir()  # only what this run created is gone
    out.mkdir()
    (tmp_path / "runs" / "keep.txt").write_text("not the run's")
    for resume, force in ((False, False), (True, False), (False, True)):
        with pytest.raises(ConfigError, match=error):
            run_job(job, out, report=False, resume=resume, force=force)
        assert out.is_dir() and not any(out.iterdir())  # a folder that existed stays, emptied of this run's files
    assert (tmp_path / "runs" / "keep.txt").read_text() == "not the run's"


def test_run_failing_after_the_data_stage_keeps_its_directory_to_resume(job_file, tmp_path, monkeypatch):
    import graphguard.workflow.tune as tune_module

    def broken(*args, **kwargs):
        raise RuntimeError("tuning crashed")

    monkeypatch.setattr(tune_module, "tune", broken)
    out = tmp_path / "r"
    with pytest.raises(RuntimeError, match="tuning crashed"):
        run_job(job_file(trials=1), out, report=False)
    assert json.loads((out / "status.json").read_text())["done"] == ["data"] and (out / "graph.npz").is_file()


def test_resumed_run_failing_in_the_data_stage_keeps_the_earlier_run(job_file, tmp_path):
    job = job_file(trials=1)
    out = tmp_path / "r"
    run_job(job, out, report=False)
    (out / "status.json").write_text(json.dumps({"done": []}))  # as if killed while reading the data
    (tmp_path / "export").unlink()
    (tmp_path / "export").mkdir()  # the data now fails to read
    with pytest.raises(Exception, match="export"):
        run_job(job, out, resume=True, report=False)
    assert (out / "config.json").is_file() and (out / "model").is_dir()


@pytest.mark.parametrize("flags", [{}, {"force": True}, {"resume": True}])
def test_out_that_is_a_file_is_one_line_and_left_alone(job_file, tmp_path, flags):
    out = tmp_path / "notes.txt"
    out.write_text("mine")
    with pytest.raises(ConfigError, match=r"notes.txt: not a directory; pick another --out"):
        run_job(job_file(trials=1), out, report=False, **flags)
    assert out.read_text() == "mine"


def test_labels_that_are_not_binary_need_positive(job_file, tmp_path):
    text = job_file(trials=1).read_text().replace("property: is_fraud", "property: country")
    job = job_file(text=text, name="country.yaml")
    with pytest.raises(Exception, match="not 0/1 or true/false; list the values that mean fraud in target.positive"):
        run_job(job, tmp_path / "c", report=False)


def test_report_command_rewrites_a_self_contained_page(whole_run, tmp_path, cli):
    _, run, _ = whole_run
    out = tmp_path / "r.html"
    cli("report", run, "--out", out)
    html = out.read_text()
    assert "<script" not in html and "alt='ego network of" in html and "Feature encodings" in html
    assert "Tuning trials" in html and html.count("alt='") >= 7
    from graphguard.errors import DataError
    from graphguard.report import write_report

    with pytest.raises(DataError, match="run directory not found"):
        write_report(tmp_path / "nowhere")


def test_explain_command_text_and_json(whole_run, cli):
    _, run, _ = whole_run
    pred = {ln.split(",")[0]: float(ln.split(",")[1]) for ln in (run / "predictions.csv").read_text().splitlines()[1:]}
    top = max(pred, key=pred.get)
    r = cli("explain", run, "--node", top, "--json", "--top", "5")
    e = json.loads(r.stdout)
    assert e["id"] == top and abs(e["score"] - pred[top]) < 1e-4 and len(e["contributions"]) == 5
    assert "pred_contribs" in e["method"]
    # xgboost contributions are exact: bias + all contributions = the margin of the score
    from graphguard.explain import explain_node

    full = explain_node(run, top, top=1000)
    margin = full["bias"] + sum(c["contribution"] for c in full["contributions"])
    assert abs(1 / (1 + np.exp(-margin)) - full["score"]) < 1e-4
    assert any("(own value)" in c["feature"] for c in full["contributions"])
    assert any("(neighbourhood)" in c["feature"] for c in full["contributions"])
    from graphguard.errors import DataError
    from graphguard.explain import format_explanation

    text = format_explanation(full)
    assert text.startswith(f"node {top}: score") and "neighbours (score change" in text
    with pytest.raises(DataError, match="unknown node id 'nobody'"):
        explain_node(run, "nobody")


@pytest.mark.parametrize("resume", [False, True])
def test_force_does_not_delete_a_folder_that_is_not_a_run(job_file, tmp_path, resume):
    out = tmp_path / "my_project"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ConfigError, match="not a graphguard run directory.*will not delete"):
        run_job(job_file(trials=1), out, force=True, resume=resume, report=False)
    assert (out / "thesis.tex").read_text() == "years of work"
