"""The node CLI end to end, through ``graphguard.cli.main`` (the ``cli`` fixture)."""

import json

import pandas as pd
import pytest

from graphguard.data.npz import write_npz
from graphguard.tasks.node import make_detector


@pytest.fixture(scope="module")
def npz_graph(tmp_path_factory, fraud_graph):
    return write_npz(fraud_graph, tmp_path_factory.mktemp("g") / "fraud.npz")


def test_train_evaluate_predict(npz_graph, tmp_path, cli):
    cli("node", "train", "--data", npz_graph, "--model", "xgbgraph", "--out", tmp_path / "m", "--quiet")
    assert (tmp_path / "m" / "weights.safetensors").is_file()
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["test"]["auroc"] > 0.85
    r = cli("node", "evaluate", "--data", npz_graph, "--model-dir", tmp_path / "m", "--json", "--quiet")
    ev = json.loads(r.stdout)
    assert set(ev) == {"auroc", "auprc", "rec_at_k"}
    assert abs(ev["auroc"] - metrics["test"]["auroc"]) < 1e-9
    cli("node", "predict", "--data", npz_graph, "--model-dir", tmp_path / "m", "--out", tmp_path / "p.csv", "--quiet")
    p = pd.read_csv(tmp_path / "p.csv")
    assert list(p.columns) == ["id", "score", "label"] and len(p) == 1500
    assert p["id"].iloc[0] == "n0"


def test_bench_json_contract(npz_graph, cli):
    r = cli("node", "bench", "--data", npz_graph, "--models", "xgbgraph,xgboost", "--trials", "2", "--json", "--quiet")
    res = json.loads(r.stdout)
    assert set(res) == {"xgbgraph", "xgboost"}
    keys = {"auroc", "auroc_std", "auprc", "auprc_std", "rec_at_k", "rec_at_k_std", "fit_seconds", "ratios", "split"}
    for v in res.values():
        assert set(v) == keys
        assert 0.5 < v["auroc"] <= 1.0 and v["auroc_std"] >= 0
        assert v["ratios"] == [0.4, 0.2, 0.4]  # not a GADBench dataset by name: 40/20/40
        assert v["split"] == "stratified"


def test_bench_semi_protocol_defaults_to_recommended_detector(npz_graph, cli):
    r = cli("node", "bench", "--data", npz_graph, "--protocol", "semi", "--trials", "1", "--json", "--quiet")
    res = json.loads(r.stdout)
    assert list(res) == ["graphgbm-stack"] and "ratios" not in res["graphgbm-stack"]  # 20+80 labels, no ratios
    assert res["graphgbm-stack"]["split"] == "semi"


def test_bench_uses_gadbench_ratios_for_tolokers_by_folder_name_and_records_them(fraud_graph, tmp_path, cli):
    data = write_npz(fraud_graph, tmp_path / "tolokers" / "graph.npz")
    r = cli("node", "bench", "--data", data, "--models", "xgboost", "--trials", "1")
    assert "train/val/test split 50/25/25 (GADBench's for this dataset)" in " ".join(r.stderr.split())
    r = cli("node", "bench", "--data", data, "--models", "xgboost", "--trials", "1", "--json", "--quiet",
           "--ratios", "0.6,0.2,0.2")
    assert json.loads(r.stdout)["xgboost"]["ratios"] == [0.6, 0.2, 0.2]


def _bench_row(cli, data, *extra):
    r = cli("node", "bench", "--data", data, "--models", "xgboost", "--trials", "2", "--json", "--quiet", *extra)
    return json.loads(r.stdout)["xgboost"]


def _no_masks(g):
    g = g.clone()
    for m in ("train_mask", "val_mask", "test_mask"):
        del g[m]
    return g


@pytest.mark.parametrize("name,masks,split,ratios", [
    ("tolokers/tolokers.npz", True, "stratified", [0.5, 0.25, 0.25]),  # GADBench's own splits, not the file's
    ("questions.npz", False, "stratified", [0.5, 0.25, 0.25]),
    ("t-finance.npz", False, "stratified", [0.4, 0.2, 0.4]),
    ("yelpchi/graph.npz", False, "official-dgl", [0.7, 0.1, 0.2]),      # DGL's seed-717 split, every trial
    ("amazon.npz", True, "official-file", None),                        # the file's split 0, every trial
    ("elliptic.npz", True, "official-file", None),
    ("dgraphfin.npz", True, "official-file", None),
])
def test_bench_uses_gadbench_split_per_dataset_and_names_it(fraud_graph, tmp_path, cli, name, masks, split, ratios):
    data = write_npz(fraud_graph if masks else _no_masks(fraud_graph), tmp_path / name)
    row = _bench_row(cli, data)
    assert row["split"] == split and row.get("ratios") == ratios


def test_bench_ratios_keep_the_stratified_split_on_an_official_split_dataset(fraud_graph, tmp_path, cli):
    row = _bench_row(cli, write_npz(fraud_graph, tmp_path / "yelpchi.npz"), "--ratios", "0.4,0.2,0.4")
    assert row["split"] == "stratified" and row["ratios"] == [0.4, 0.2, 0.4]
    row = _bench_row(cli, write_npz(fraud_graph, tmp_path / "yelpchi.npz"), "--masks", "dataset", "--trials", "1")
    assert row["split"] == "dataset" and "ratios" not in row


@pytest.mark.parametrize("name,extra,message", [
    ("graph.npz", ("--masks", "dataset"), "--masks dataset, but the data carries no split masks"),
    ("elliptic.npz", (), "GADBench runs elliptic on its official split and the data carries no split masks"),
])
def test_bench_split_that_needs_masks_on_data_without_them_is_one_line_error(fraud_graph, tmp_path, cli, name,
                                                                               extra, message):
    data = write_npz(_no_masks(fraud_graph), tmp_path / name)
    r = cli("node", "bench", "--data", data, "--models", "xgboost", "--trials", "1", *extra, ok=False)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert message in " ".join(r.stderr.split()) and name in r.stderr


def test_neptune_round_trip_predictions(fraud_graph, tmp_path, cli):
    from graphguard.data.neptune import write_neptune

    write_neptune(fraud_graph, tmp_path / "export")
    cli("node", "train", "--data", tmp_path / "export", "--label", "label", "--model", "xgboost",
        "--masks", "full", "--out", tmp_path / "m", "--quiet")
    cli("node", "predict", "--data", tmp_path / "export", "--label", "label", "--model-dir", tmp_path / "m",
        "--out", tmp_path / "pred.csv", "--quiet")
    head = (tmp_path / "pred.csv").read_text().splitlines()[0]
    assert head.startswith("~id,~label") and "pred_score:Double" in head


def test_missing_file_is_one_line_error(tmp_path, cli):
    r = cli("node", "train", "--data", tmp_path / "nope.npz", "--out", tmp_path / "m", ok=False)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "nope.npz" in r.stderr and "not found" in r.stderr


def test_unknown_model_is_one_line_error(npz_graph, tmp_path, cli):
    r = cli("node", "train", "--data", npz_graph, "--model", "bogus", "--out", tmp_path / "m", ok=False)
    assert r.returncode == 2 and "unknown detector 'bogus'" in r.stderr


def test_evaluate_with_the_gadbench_split_train_used(fraud_graph, tmp_path):
    """An export without a split column: `train --masks full` worked, `evaluate` had no way to follow it."""
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.neptune import write_neptune

    write_neptune(fraud_graph, tmp_path / "export", split=None)
    common = ["--data", str(tmp_path / "export"), "--label", "label", "--quiet"]
    r = CliRunner().invoke(app, ["node", "train", *common, "--model", "xgboost", "--masks", "full",
                                 "--out", str(tmp_path / "m"), "--threads", "1"])
    assert r.exit_code == 0, r.output
    trained = json.loads((tmp_path / "m" / "metrics.json").read_text())["test"]
    r = CliRunner().invoke(app, ["node", "evaluate", *common, "--model-dir", str(tmp_path / "m")])
    assert "use --masks full|semi" in str(r.exception)
    r = CliRunner().invoke(app, ["node", "evaluate", *common, "--model-dir", str(tmp_path / "m"), "--masks", "full",
                                 "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["auroc"] == pytest.approx(trained["auroc"], abs=1e-9)


def test_bench_with_no_trials_is_refused(cli):
    r = cli("node", "bench", "--data", "x.npz", "--models", "xgbgraph", "--trials", "0", "--json", ok=False)
    assert r.returncode == 2 and r.stderr.strip() == "error: trials must be at least 1, got 0"
    assert r.stdout == ""  # no NaN 'JSON'


def test_predict_to_an_unwritable_place_is_one_line(npz_graph, tmp_path, cli):
    cli("node", "train", "--data", npz_graph, "--model", "xgboost", "--out", tmp_path / "m", "--quiet")
    (tmp_path / "file").write_text("a file, not a folder")
    r = cli("node", "predict", "--data", npz_graph, "--model-dir", tmp_path / "m", "--out", tmp_path / "file" / "p.csv",
            "--quiet", ok=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().startswith(f"error: {tmp_path / 'file' / 'p.csv'}: cannot write the predictions")


def test_train_out_refuses_a_folder_that_is_not_a_model_before_reading_the_data(tmp_path, cli):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    r = cli("node", "train", "--data", tmp_path / "not-read.npz", "--out", project, ok=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().startswith(f"error: {project}: is a folder with other files and not a graphguard model")
    assert r.stderr.strip().count("\n") == 0
    assert [p.name for p in project.iterdir()] == ["config.json"]
    r = cli("node", "train", "--data", tmp_path / "not-read.npz", "--out", project / "config.json", ok=False)
    assert r.returncode == 2 and f"{project / 'config.json'}: is a file, not a folder" in r.stderr


def test_train_again_into_the_same_model_directory(npz_graph, fraud_graph, tmp_path, cli):
    make_detector("xgboost", n_estimators=5).fit(fraud_graph).save(tmp_path / "m")  # earlier model, no 2nd process
    cli("node", "train", "--data", npz_graph, "--model", "xgbgraph", "--out", tmp_path / "m", "--quiet")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["detector"] == "xgbgraph"
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["model"] == "xgbgraph"


def test_evaluate_of_a_detector_whose_weights_went_nan_names_the_model(npz_graph, tmp_path, cli, poison_weights):
    """The error was 'metrics: scores contain NaN or inf': neither which model nor how many scores."""
    model = tmp_path / "gcn"
    cli("node", "train", "--data", npz_graph, "--model", "gcn", "--params", '{"epochs": 2}', "--out", model, "-q")
    poison_weights(model)
    r = cli("node", "evaluate", "--data", npz_graph, "--model-dir", model, "--json", "-q", ok=False)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == (f"error: {model}: the model's scores are not finite: 600 of 600 are NaN or inf "
                                "(diverged weights?); no metric can be computed from them")


def test_models_json_lists_what_the_registry_knows_of_each_detector(cli):
    """``node models`` printed names only; ``--json`` says which detectors take --nproc, read node types, etc."""
    from graphguard.tasks.node.registry import DEFAULT_DETECTOR, DETECTORS

    plain = cli("node", "models").stdout.split("\n")
    assert plain[0].split()[0] == next(iter(DETECTORS))
    listed = json.loads(cli("node", "models", "--json").stdout)
    by_name = {m["name"]: m for m in listed}
    assert list(by_name) == list(DETECTORS)
    assert [m["name"] for m in listed if m["default"]] == [DEFAULT_DETECTOR]
    assert by_name["hgt"]["view"] == "typed" and by_name["hgt"]["needs_features"] is False
    assert by_name["gcn"]["nproc"] is True and by_name["graphgbm"]["nproc"] is False
    assert by_name["xgboost"]["reads_relations"] is False and by_name["xgboost"]["family"] == "trees"
    assert all(m["description"] for m in listed)  # each class's own docstring, not its parent's
