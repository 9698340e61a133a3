"""The README's main job, run in-process on a small generated graph."""

import json

from graphguard.data.npz import write_npz
from graphguard.demo import run_demo


def test_demo_prints_benchmark_and_writes_report(tmp_path, fraud_graph):
    path = write_npz(fraud_graph, tmp_path / "g.npz")
    summary = run_demo(path, tmp_path / "out", trials=1)
    assert set(summary["benchmark"]) == {"graphgbm-stack", "xgbgraph", "rfgraph", "xgboost"}
    assert summary["benchmark"]["graphgbm-stack"]["auroc"] > 0.9
    html = (tmp_path / "out" / "report.html").read_text()
    assert "GADBench protocol" in html and "<script" not in html and "data:image/png;base64," in html
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["test_metrics_split0"]["auroc"] == summary["test_metrics_split0"]["auroc"]
    assert (tmp_path / "out" / "model" / "weights.safetensors").is_file()
    assert sum(1 for _ in open(tmp_path / "out" / "predictions.csv")) == fraud_graph.num_nodes + 1
