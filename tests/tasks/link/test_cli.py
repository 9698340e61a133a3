"""``graphguard link`` train / evaluate / predict / bench through ``graphguard.cli.main``, with their JSON contracts."""

from __future__ import annotations

import json


def _run(cli, *args):
    return json.loads(cli("link", *args).stdout)


def test_train_evaluate_predict(tiny_kg, tmp_path, cli):
    out = tmp_path / "model"
    res = _run(cli, "train", "--data", str(tiny_kg), "--out", str(out), "--model", "distmult", "--dim", "16",
               "--epochs", "60", "--lr", "0.05", "--batch-size", "16", "--json", "-q")
    assert set(res) >= {"model_dir", "train_seconds", "valid", "test"}
    assert json.loads((out / "config.json").read_text())["entities"][0] == "p0"
    ev = _run(cli, "evaluate", "--model-dir", str(out), "--data", str(tiny_kg), "--split", "test", "--json", "-q")
    assert ev == res["test"]
    pr = _run(cli, "predict", "--model-dir", str(out), "--head", "p0", "--relation", "parent_of", "--top", "3",
              "--json", "-q")
    assert len(pr["predictions"]) == 3 and all(not p["known"] for p in pr["predictions"])
    assert "p1" not in [p["entity"] for p in pr["predictions"]]


def test_bench_json_contract(tiny_kg, cli):
    res = _run(cli, "bench", "--data", str(tiny_kg), "--model", "rotate", "--dim", "8", "--epochs", "5", "--json",
               "-q")
    assert list(res) == ["mrr", "hits@1", "hits@3", "hits@10", "train_seconds"]
    assert 0 < res["mrr"] <= 1 and res["hits@1"] <= res["hits@3"] <= res["hits@10"]


def test_train_with_a_sampled_encoder_and_a_bad_fanout(tiny_kg, tmp_path, cli):
    out = tmp_path / "sampled"
    res = _run(cli, "train", "--data", str(tiny_kg), "--out", str(out), "--model", "distmult", "--dim", "8",
               "--epochs", "3", "--training", "slcwa", "--encoder", "rgcn", "--num-neighbors", "5,5",
               "--full-batch-max-edges", "0", "--sparse-entities", "--json", "-q")
    assert 0 < res["test"]["mrr"] <= 1
    params = json.loads((out / "config.json").read_text())["params"]
    assert params["num_neighbors"] == [5, 5] and params["full_batch_max_edges"] == 0 and params["sparse_entities"]
    p = cli("link", "train", "--data", tiny_kg, "--out", tmp_path / "bad", "--encoder", "rgcn", "--num-neighbors",
            "5,0", "-q", ok=False)
    assert p.returncode != 0 and "num_neighbors" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_train_out_refuses_a_folder_that_is_not_a_model_and_saves_again_over_its_own(tiny_kg, tmp_path, cli):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    p = cli("link", "train", "--data", tmp_path / "not-read", "--out", project, "-q", ok=False)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert f"{project}: is a folder with other files and not a graphguard model directory" in p.stderr
    assert [f.name for f in project.iterdir()] == ["config.json"]
    from graphguard.data.triples import load_triples  # an earlier model, saved through the API (no 2nd process)
    from graphguard.tasks.link.estimator import LinkPredictor

    LinkPredictor("distmult", dim=4, epochs=1).fit(load_triples(tiny_kg)).save(tmp_path / "m")
    _run(cli, "train", "--data", str(tiny_kg), "--out", str(tmp_path / "m"), "--model", "distmult", "--dim", "4",
         "--epochs", "1", "--json", "-q")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["class"] == "LinkPredictor"


def test_predict_json_of_a_model_whose_weights_went_nan_writes_null_scores(tiny_kg, tmp_path, cli, poison_weights):
    """The scores were printed as the bare token NaN, which no strict JSON reader accepts."""
    out = tmp_path / "model"
    cli("link", "train", "--data", str(tiny_kg), "--out", str(out), "--model", "distmult", "--dim", "8",
        "--epochs", "2", "--json", "-q")
    poison_weights(out)
    text = cli("link", "predict", "--model-dir", str(out), "--head", "p0", "--relation", "parent_of", "--top", "3",
               "--json", "-q").stdout
    assert "NaN" not in text
    assert [p["score"] for p in json.loads(text)["predictions"]] == [None, None, None]


def test_train_without_quiet_leaves_no_blank_lines_on_stderr(tiny_kg, tmp_path, cli):
    """rich's progress bar, drawn nowhere off a terminal, still ended with an empty line on stderr when it stopped."""
    r = cli("link", "train", "--data", str(tiny_kg), "--out", str(tmp_path / "m"), "--model", "distmult", "--dim",
            "8", "--epochs", "3", "--json")
    assert json.loads(r.stdout)["model_dir"] == str(tmp_path / "m")
    assert "" not in r.stderr.splitlines(), repr(r.stderr)
