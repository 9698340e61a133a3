"""Node regression, link prediction and graph classification jobs, end to end and with their mistakes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from graphguard.errors import ConfigError, DataError
from graphguard.workflow.run import run_job

from tasks_data import flatten_target, make_regression_tables, make_smiles_csv, make_triples

LINK_JOB = """\
name: tiny_link
task: link_prediction
data: {path: kg, format: triples}
model:
  candidates: [complex, distmult]
  params:
    complex: {dim: 16, epochs: 40, batch_size: 64}
    distmult: {dim: 16, epochs: 40, batch_size: 64}
budget: {trials: 2}
"""

GRAPH_JOB = """\
name: tiny_graphs
task: graph_classification
data: {path: mols.csv, format: smiles}
target: {property: acid}
split: {train: 0.5, val: 0.25, test: 0.25, seed: 0}
model:
  candidates: [wl, fingerprint]
  params:
    wl: {n_estimators: 30}
    fingerprint: {n_estimators: 30, descriptors: false}
budget: {trials: 2}
"""

REGRESSION_JOB = """\
name: tiny_regression
task: node_regression
data: {path: tables, format: tables}
target: {property: target}
metric: rmse
model:
  candidates: [xgbgraph, graphgbm]
  params:
    xgbgraph: {n_estimators: 60}
    graphgbm: {n_estimators: 200}
budget: {trials: 2}
"""


def _metrics(run) -> dict:
    m = json.loads((run / "metrics.json").read_text())
    return {k: m[k] for k in ("detector", "params", "best_trial", "val", "test")}


@pytest.fixture(scope="module")
def link_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("link")
    make_triples(root / "kg")
    (root / "job.yaml").write_text(LINK_JOB)
    return root / "job.yaml", run_job(root / "job.yaml", root / "run")


def test_link_run_learns_and_writes_its_report(link_run):
    _, run = link_run
    for name in ("triples/train.txt", "trials.jsonl", "model/config.json", "model/weights.safetensors",
                 "predictions.csv", "metrics.json", "report.html"):
        assert (run / name).is_file(), name
    m = json.loads((run / "metrics.json").read_text())
    assert m["task"] == "link_prediction" and m["trials"] == 2 and m["detector"] in ("complex", "distmult")
    assert m["test"]["mrr"] > 0.3 and 0 <= m["test"]["hits_at_10"] <= 1  # random ranking: MRR ~ 0.1
    pred = pd.read_csv(run / "predictions.csv")
    assert len(pred) == m["test"]["triples"] and (pred[["tail_rank", "head_rank"]] >= 1).all().all()
    html = (run / "report.html").read_text()
    assert "Link prediction report" in html and "Hits at K" in html and "rank distribution" in html and "<script" not in html


def test_finished_link_run_is_not_retrained_and_killed_tuning_resumes(link_run, tmp_path):
    job, run = link_run
    weights = run / "model" / "weights.safetensors"
    stamp = weights.stat().st_mtime_ns
    run_job(job, run, resume=True)
    assert weights.stat().st_mtime_ns == stamp
    # the state a run killed after its first tuning trial leaves on disk
    killed = tmp_path / "killed"
    shutil.copytree(run, killed)
    for name in ("best_trial.json", "metrics.json", "predictions.csv", "report.html"):
        (killed / name).unlink()
    shutil.rmtree(killed / "model")
    first = (killed / "trials.jsonl").read_text().splitlines()[0]
    (killed / "trials.jsonl").write_text(first + "\n" + '{"number": 1, "detec')  # a half-written line
    status = json.loads((killed / "status.json").read_text())
    (killed / "status.json").write_text(json.dumps(status | {"done": ["data"], "complete": False}))
    run_job(job, killed, resume=True, report=False)
    assert _metrics(killed) == _metrics(run)
    assert [json.loads(x)["number"] for x in (killed / "trials.jsonl").read_text().splitlines()[:1]] == [0]


def test_graph_classification_run_on_smiles(tmp_path):
    make_smiles_csv(tmp_path / "mols.csv")
    (tmp_path / "job.yaml").write_text(GRAPH_JOB)
    run = run_job(tmp_path / "job.yaml", tmp_path / "run")
    m = json.loads((run / "metrics.json").read_text())
    assert m["detector"] in ("wl", "fingerprint") and m["trials"] == 2
    assert m["test"]["accuracy"] >= 0.8 and m["test"]["graphs"] == 10  # acids are easy to tell apart
    pred = pd.read_csv(run / "predictions.csv")
    assert set(pred["split"]) == {"train", "val", "test"} and "smiles" in pred.columns
    html = (run / "report.html").read_text()
    assert "Graph classification report" in html and "ROC curve" in html and "confusion matrix" in html
    assert m["threshold"] == 0.5  # what its two-class predictions use, recorded for the report
    _report_without_a_threshold_is_one_line_naming_the_metrics(run, m, tmp_path / "damaged")

    from fastapi.testclient import TestClient

    from graphguard.serve.app import create_app

    c = TestClient(create_app(run))
    r = c.post("/v1/predict/graphs", json={"smiles": ["CCCC(=O)O", "CCCC"]})
    assert r.status_code == 200 and [p["label"] for p in r.json()["predictions"]] == [1, 0]
    assert c.post("/v1/predict/graphs", json={"smiles": ["C1CC("]}).status_code == 422
    r = c.post("/v1/predict/nodes", json={"ids": ["0"]})
    assert r.status_code == 404 and "graph_classification run" in r.json()["detail"]


def _report_without_a_threshold_is_one_line_naming_the_metrics(run, metrics, damaged):
    """A two-class graph run always records its threshold, so a missing one is a damaged file, not 0.5 unsaid."""
    from graphguard.report.build import write_report

    shutil.copytree(run, damaged)
    (damaged / "metrics.json").write_text(json.dumps({k: v for k, v in metrics.items() if k != "threshold"}))
    with pytest.raises(DataError, match=rf"^{damaged / 'metrics.json'}: has no numeric 'threshold'") as e:
        write_report(damaged)
    assert "\n" not in str(e.value)


def test_node_regression_run_learns_from_neighbours(tmp_path):
    make_regression_tables(tmp_path / "tables")
    (tmp_path / "job.yaml").write_text(REGRESSION_JOB)
    run = run_job(tmp_path / "job.yaml", tmp_path / "run")
    m = json.loads((run / "metrics.json").read_text())
    assert m["task"] == "node_regression" and m["trials"] == 2
    assert m["test"]["r2"] > 0.5 and m["test"]["rmse"] < 3.0  # target sd ~ 5: the neighbour mean explains it
    pred = pd.read_csv(run / "predictions.csv", dtype={"id": str})
    assert (pred["split"] == "unlabelled").sum() == 10 and pred["predicted"].notna().all()
    html = (run / "report.html").read_text()
    assert "Node regression report" in html and "predicted against true" in html and "residual histogram" in html
    cfg = json.loads((run / "model" / "config.json").read_text())
    assert cfg["regressor"] == m["detector"]

    from fastapi.testclient import TestClient

    from graphguard.serve.app import create_app

    c = TestClient(create_app(run))
    r = c.post("/v1/predict/nodes", json={"ids": ["n1", "n2"]})
    assert r.status_code == 200
    got = [p["value"] for p in r.json()["predictions"]]
    assert np.allclose(got, pred.set_index("id").loc[["n1", "n2"], "predicted"], rtol=1e-5)
    assert c.post("/v1/predict/nodes", json={"ids": ["ghost"]}).status_code == 404


# --------------------------------------------------------------------------- mistakes, with key and line
def _run_error(tmp_path, text: str, setup=None) -> str:
    if setup:
        setup(tmp_path)
    (tmp_path / "job.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        run_job(tmp_path / "job.yaml", tmp_path / "run", report=False, force=True)
    msg = str(e.value)
    assert "\n" not in msg and "job.yaml: " in msg
    return msg


def test_tuning_on_r2_of_equal_validation_targets_is_refused_before_any_trial(tmp_path):
    """Every trial scored NaN and failed, and the run stopped with 'every trial failed' and no reason."""
    msg = _run_error(tmp_path, REGRESSION_JOB.replace("metric: rmse", "metric: r2"),
                     lambda p: flatten_target(make_regression_tables(p / "tables", n=60)))
    assert "line 5: metric: r2 is undefined on the validation nodes" in msg and "targets are 2.5" in msg
    assert not (tmp_path / "run" / "trials.jsonl").exists()


def test_link_job_with_unknown_relation_points_at_its_line(tmp_path):
    text = LINK_JOB.replace("budget: {trials: 2}", "budget: {trials: 2}\ntarget:\n  relation: parent_of")
    msg = _run_error(tmp_path, text, lambda p: make_triples(p / "kg"))
    assert "line 11: target.relation: no relation 'parent_of' in kg (relations: next, group, prev)" in msg


def test_link_job_on_an_export_without_edge_labels_needs_a_relation(tmp_path):
    def setup(p):
        (p / "export").mkdir()
        (p / "export" / "v.csv").write_text("~id,~label\na,x\nb,x\n")
        (p / "export" / "e.csv").write_text("~id,~from,~to\n1,a,b\n")

    text = "name: l\ntask: link_prediction\ndata:\n  path: export\n  format: neptune\n"
    msg = _run_error(tmp_path, text, setup)
    assert "line 1: target.relation: required here:" in msg and "no ~label column" in msg


def test_link_and_graph_jobs_on_the_wrong_kind_of_data(tmp_path):
    msg = _run_error(tmp_path, LINK_JOB.replace("{path: kg, format: triples}", "{path: mols.csv}"),
                     lambda p: make_smiles_csv(p / "mols.csv"))
    assert "line 3: data.path: holds 'smiles' data; a link_prediction job reads triples" in msg
    msg = _run_error(tmp_path, GRAPH_JOB.replace("{path: mols.csv, format: smiles}", "{path: kg}"),
                     lambda p: make_triples(p / "kg"))
    assert "line 3: data.path: holds 'triples' data, not a set of graphs" in msg
    msg = _run_error(tmp_path, GRAPH_JOB.replace("format: smiles", "format: npz"))
    assert "line 3: data.format: a graph_classification job cannot read 'npz' data (use one of: tu, smiles)" in msg


def test_task_specific_target_keys_and_models(tmp_path):
    msg = _run_error(tmp_path, LINK_JOB + "target: {property: is_fraud}\n", lambda p: make_triples(p / "kg"))
    assert "line 10: target.property: a link_prediction job predicts edges" in msg
    msg = _run_error(tmp_path, REGRESSION_JOB.replace("{property: target}", "{property: target, positive: [1]}"),
                     lambda p: make_regression_tables(p / "tables"))
    assert "line 4: target.positive: a regression target is numeric" in msg
    msg = _run_error(tmp_path, LINK_JOB.replace("[complex, distmult]", "[complx, distmult]"))
    assert "line 5: model.candidates.0: unknown link model 'complx' (did you mean 'complex'?)" in msg
    msg = _run_error(tmp_path, GRAPH_JOB.replace("property: acid", "property: toxic"),
                     lambda p: make_smiles_csv(p / "mols.csv"))
    assert "line 4: target.property:" in msg and "no label column 'toxic'" in msg


def test_link_run_on_a_neptune_export_predicts_one_relation(export_dir, tmp_path):
    (tmp_path / "export").symlink_to(export_dir, target_is_directory=True)
    text = ("name: tr\ntask: link_prediction\ndata: {path: export, format: neptune}\ntarget: {relation: transfer}\n"
            "split: {train: 0.8, val: 0.1, test: 0.1}\n"
            "model:\n  candidates: [distmult]\n  params: {distmult: {dim: 16, epochs: 5}}\nbudget: {trials: 1}\n")
    (tmp_path / "job.yaml").write_text(text)
    run = run_job(tmp_path / "job.yaml", tmp_path / "run", report=False)
    cfg = json.loads((run / "config.json").read_text())["data"]
    assert cfg["format"] == "neptune" and cfg["relation"] == "transfer" and set(cfg) >= {"entities", "split"}
    test = pd.read_csv(run / "triples" / "test.txt", sep="\t", header=None)
    assert set(test[1]) == {"transfer"} and len(test) == json.loads((run / "metrics.json").read_text())["test"]["triples"]
    train = pd.read_csv(run / "triples" / "train.txt", sep="\t", header=None)
    assert {"uses", "transfer"} <= set(train[1])  # the other relations still train the embeddings
    # each account uses its own device: a 'uses' edge cannot be held out without an unseen device
    with pytest.raises(ConfigError, match=r"line 4: target.relation: the valid split has no triples of relation 'uses'.*"
                                          "both its ends also occur in other edges"):
        (tmp_path / "job.yaml").write_text(text.replace("relation: transfer", "relation: uses"))
        run_job(tmp_path / "job.yaml", tmp_path / "run2", report=False)


def test_a_run_with_an_undefined_r2_says_why_in_its_log(tmp_path, cli):
    """Equal test targets leave R² undefined: the run log printed 'r2 nan'."""
    flatten_target(make_regression_tables(tmp_path / "tables", n=60))
    (tmp_path / "job.yaml").write_text(REGRESSION_JOB.replace("[xgbgraph, graphgbm]", "[xgbgraph]")
                                       .replace("    graphgbm: {n_estimators: 200}\n", "")
                                       .replace("budget: {trials: 2}", "budget: {trials: 1}"))
    r = cli("run", tmp_path / "job.yaml", "--out", tmp_path / "run")
    assert "r2 undefined (constant target)" in r.stderr and "nan" not in r.stderr.lower()


def test_a_regressor_predicting_inf_is_one_line_naming_the_run(tmp_path):
    """RMSE of inf was written to metrics.json as null, as if undefined, with no word about the predictions."""
    from graphguard.workflow.regression import regression_metrics

    with pytest.raises(DataError, match=r"^runs/r/model: the model's scores are not finite: 1 of 3 are NaN or inf"):
        regression_metrics(np.array([1.0, 2.0, 3.0]), np.array([1.0, np.inf, 3.0]), "runs/r/model")


def test_a_failed_trial_is_written_as_null_and_read_back_for_resuming(tmp_path, capsys):
    """trials.jsonl held the bare token NaN for a failed trial, which no strict JSON reader accepts."""
    from graphguard.workflow.tune import read_trials, tune

    class Model:
        def __init__(self, lr: float = 0.01):
            self.lr = lr

    def objective(name, params):
        if calls.append(params) or len(calls) == 2:
            raise ValueError("diverged")
        return params["lr"]

    calls: list = []
    log = tmp_path / "trials.jsonl"
    best = tune(["m"], objective, trials=3, seconds=None, seed=0, log_path=log, resolve=lambda n: Model)
    assert "NaN" not in log.read_text()
    written = [json.loads(line)["value"] for line in log.read_text().splitlines()]
    assert written[1] is None and all(isinstance(v, float) for v in written[::2])
    assert np.isnan(read_trials(log)[1]["value"]) and best["number"] in (0, 2)
    err = capsys.readouterr().err
    assert "trial 1 (m) failed: ValueError: diverged" in err and "-> failed" in err and "nan" not in err
    again = tune(["m"], objective, trials=4, seconds=None, seed=0, log_path=log, resolve=lambda n: Model)
    assert len(read_trials(log)) == 4 and again["number"] != 1
