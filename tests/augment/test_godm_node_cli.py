"""``graphguard node train/bench --augment``: detectors train on the augmented graph, the real one is scored."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from graphguard.cli import app
from graphguard.errors import ConfigError


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_homo, fast_config):
    from graphguard.data.npz import write_npz

    d = tmp_path_factory.mktemp("node_cli")
    write_npz(small_homo, d / "g.npz")
    (d / "fast.yaml").write_text(json.dumps({k: v for k, v in fast_config.to_dict().items() if k != "seed"}))
    return d


def test_node_train_with_godm_reports_synthetic_nodes_and_real_metrics(files, small_homo):
    out = files / "model"
    r = CliRunner().invoke(app, ["node", "train", "--data", str(files / "g.npz"), "--model", "xgbgraph", "--out",
                                 str(out), "--augment", "godm", "--augment-config", str(files / "fast.yaml"),
                                 "--quiet", "--threads", "1"])
    assert r.exit_code == 0, r.output
    report = json.loads((out / "metrics.json").read_text())
    n_train_fraud = int((small_homo.train_mask & (small_homo.y == 1)).sum())
    assert report["augment"] == {"name": "godm", "synthetic_nodes": n_train_fraud}  # ratio 1 of training fraud
    assert 0.5 < report["test"]["auroc"] <= 1.0


def test_node_bench_with_augmentation_prints_the_contract(files, small_homo):
    cfg = files / "over.yaml"
    cfg.write_text("ratio: 0.5\nmerge: inbound\n")
    r = CliRunner().invoke(app, ["node", "bench", "--data", str(files / "g.npz"), "--models", "xgbgraph",
                                 "--trials", "2", "--augment", "oversample", "--augment-config", str(cfg),
                                 "--json", "--quiet", "--threads", "1"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output.strip().splitlines()[-1])["xgbgraph"]
    assert {"auroc", "auprc", "rec_at_k", "auroc_std", "fit_seconds"} <= set(res)
    # GADBench 40/20/40 split: 40 % of the fraud nodes train, half as many copies are added per trial
    assert res["synthetic_nodes"] == pytest.approx(round(0.5 * round(0.4 * int(small_homo.y.sum()))), abs=1)


def test_protocol_fits_the_augmenter_once_per_trial_for_every_model(small_homo, monkeypatch):
    """Two models over two trials share each trial's augmented graph, and each model scores exactly
    as it does when benched alone (its result does not depend on the other model)."""
    import graphguard.augment as augment
    from graphguard.tasks.node.protocol import ProtocolConfig, run_protocol

    calls = []
    real_augment = augment.augment_graph

    def counting(graph, name, seed=0, **kw):
        calls.append(seed)
        return real_augment(graph, name, seed=seed, **kw)

    monkeypatch.setattr(augment, "augment_graph", counting)
    cfg = ProtocolConfig(trials=2, augment="oversample")
    both = run_protocol(lambda t: small_homo, ["xgbgraph", "graphgbm"], cfg)
    assert len(calls) == 2 and len(set(calls)) == 2  # one fit per trial, each with its trial's seed
    assert both["xgbgraph"]["synthetic_nodes"] == both["graphgbm"]["synthetic_nodes"] > 0
    assert "augment_seconds" in both["xgbgraph"]
    alone = run_protocol(lambda t: small_homo, ["graphgbm"], cfg)
    assert alone["graphgbm"]["trials"] == both["graphgbm"]["trials"]


def test_bad_augmenter_option_is_one_line(files):
    cfg = files / "bad.yaml"
    cfg.write_text("colour: red\n")
    r = CliRunner().invoke(app, ["node", "bench", "--data", str(files / "g.npz"), "--models", "xgbgraph",
                                 "--trials", "1", "--augment", "smote", "--augment-config", str(cfg), "--quiet"])
    assert isinstance(r.exception, ConfigError)
    assert "bad option for augmentation 'smote'" in str(r.exception) and "\n" not in str(r.exception)


@pytest.mark.parametrize("content, problem", [(None, "config file not found"),
                                              ("- ratio\n- 0.5\n", "must hold a mapping of options for augmentation 'godm'"),
                                              ("ratio: [0.5\n", "not valid JSON/YAML")])
def test_bad_augment_config_file_is_one_line(files, content, problem):
    from graphguard.errors import DataError

    cfg = files / f"cfg_{abs(hash(problem))}.yaml"
    if content is not None:
        cfg.write_text(content)
    r = CliRunner().invoke(app, ["node", "train", "--data", str(files / "g.npz"), "--model", "xgbgraph", "--out",
                                 str(files / "never"), "--augment", "godm", "--augment-config", str(cfg), "--quiet"])
    assert isinstance(r.exception, DataError)
    msg = str(r.exception)
    assert msg.startswith(str(cfg)) and problem in msg and "\n" not in msg, msg
    assert not (files / "never").exists()


@pytest.mark.parametrize("command", ["train", "bench"])
def test_augment_config_without_augment_is_refused(files, command):
    """Options for no augmenter would be silently ignored; the CLI says so in one line instead."""
    from graphguard.errors import ConfigError

    cfg = files / "opts.yaml"
    cfg.write_text("ratio: 0.5\n")
    extra = ["--model", "xgbgraph", "--out", str(files / "never")] if command == "train" else \
        ["--models", "xgbgraph", "--trials", "1"]
    r = CliRunner().invoke(app, ["node", command, "--data", str(files / "g.npz"), *extra, "--augment-config", str(cfg),
                                 "--quiet"])
    assert isinstance(r.exception, ConfigError)
    assert "--augment-config needs --augment" in str(r.exception) and "\n" not in str(r.exception)
    assert not (files / "never").exists()
