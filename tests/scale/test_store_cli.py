"""``node evaluate`` and ``node predict`` read a graph store in place for GNN detectors, as ``node train`` does."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import graphguard.data as gdata
from graphguard.cli import app

PARAMS = json.dumps({"hidden": 16, "epochs": 3, "patience": 0, "batch_size": 256, "num_neighbors": [5, 5]})


def test_evaluate_and_predict_score_a_store_without_edge_index(small_store, tmp_path, monkeypatch):
    runner = CliRunner()
    model = tmp_path / "model"
    r = runner.invoke(app, ["node", "train", "--data", str(small_store), "--model", "graphsage", "--out", str(model),
                            "--params", PARAMS, "--quiet", "--threads", "1"])
    assert r.exit_code == 0, r.output

    loads, real_load = [], gdata.load_graph

    def recording_load(*args, **kw):
        g = real_load(*args, **kw)
        loads.append(any("edge_index" in g[et] for et in g.edge_types))
        return g

    monkeypatch.setattr(gdata, "load_graph", recording_load)
    r = runner.invoke(app, ["node", "evaluate", "--data", str(small_store), "--model-dir", str(model), "--json",
                            "--quiet", "--threads", "1"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output.strip().splitlines()[-1])
    r = runner.invoke(app, ["node", "predict", "--data", str(small_store), "--model-dir", str(model),
                            "--out", str(tmp_path / "scores.csv"), "--quiet", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert loads == [False, False]  # both commands opened the store's maps, no edge_index

    # the same model on the same graph loaded with edge_index gives the same test metrics and scores
    from graphguard.data import target_store
    from graphguard.metrics import node_metrics
    from graphguard.tasks.node import load_detector

    det, g = load_detector(model), real_load(small_store, "store")
    scores = det.decision_function(g)
    s = target_store(g)
    test = s.test_mask.numpy()
    want = node_metrics(s.y.numpy()[test], scores[test])
    assert np.isclose(got["auroc"], want["auroc"], atol=1e-6) and np.isclose(got["auprc"], want["auprc"], atol=1e-6)
    written = pd.read_csv(tmp_path / "scores.csv")
    assert len(written) == len(scores) and np.allclose(written["score"].to_numpy(), scores, atol=1e-5)
