"""The end-to-end demo behind ``graphguard demo``.

It runs the GADBench protocol for graphguard's default detector and the GADBench references on
Tolokers when the shared data is present (else on a generated graph with planted fraud rings),
prints the table, then fits the default detector on split 0, saves it, writes predictions and an
HTML report with the curves.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from graphguard._console import log


def _find_tolokers(data: Path | None) -> Path | None:
    from graphguard.data import data_root

    if data is not None:
        return Path(data)
    root = data_root()
    if root is not None and (root / "tolokers" / "tolokers.npz").is_file():
        return root / "tolokers" / "tolokers.npz"
    return None


def run_demo(data: Path | None, out: Path, trials: int = 3) -> dict:
    from graphguard.cli_node import _table
    from graphguard.data import load_graph, target_store
    from graphguard.data.synthetic import make_fraud_graph
    from graphguard.metrics import node_metrics
    from graphguard.tasks.node import DEFAULT_DETECTOR, make_detector
    from graphguard.tasks.node.protocol import ProtocolConfig, contract, run_protocol

    path = _find_tolokers(data)
    if path is not None:
        g = load_graph(path)
        name, ratios = f"Tolokers ({path})", (0.5, 0.25, 0.25)
    else:
        g = make_fraud_graph(num_nodes=5000, seed=0)
        name, ratios = "generated graph with planted fraud rings (no shared data found)", (0.4, 0.2, 0.4)
    log(f"[bold]graphguard demo[/bold] on {name}: {g.num_nodes} nodes, {g.edge_index.shape[1]} directed edges")
    models = [DEFAULT_DETECTOR, "xgbgraph", "rfgraph", "xgboost"]
    cfg = ProtocolConfig(protocol="full", trials=trials, ratios=ratios)
    res = contract(run_protocol(lambda t: g, models, cfg, source=path))
    _table(res)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    det = make_detector(DEFAULT_DETECTOR).fit(g)
    det.save(out / "model")
    scores = det.decision_function(g)
    s = target_store(g)
    test = s.test_mask.numpy()
    y = s.y.numpy()
    test_metrics = node_metrics(y[test], scores[test])
    import pandas as pd

    ids = np.asarray(s.node_id) if "node_id" in s else np.arange(len(scores)).astype(str)
    pd.DataFrame({"id": ids, "score": scores, "label": (scores >= det.threshold_).astype(int)}).to_csv(
        out / "predictions.csv", index=False)
    summary = {"dataset": name, "protocol": {"trials": trials, "ratios": ratios}, "benchmark": res,
               "model": DEFAULT_DETECTOR, "test_metrics_split0": test_metrics}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2))
    report = _write_report(out, y[test], scores[test], det.threshold_, res, name)
    log(f"model: {out / 'model'}   predictions: {out / 'predictions.csv'}   report: {report}")
    return summary


def _write_report(out: Path, y, scores, threshold, bench: dict, title: str) -> Path:
    """A self-contained HTML page: the benchmark table and ROC / PR curves as inline PNG."""
    import base64
    import html
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    fig, ax = plt.subplots(1, 2, figsize=(9, 4))
    fpr, tpr, _ = roc_curve(y, scores)
    ax[0].plot(fpr, tpr)
    ax[0].plot([0, 1], [0, 1], "--", color="grey")
    ax[0].set(title="ROC (test nodes)", xlabel="false positive rate", ylabel="true positive rate")
    prec, rec, _ = precision_recall_curve(y, scores)
    ax[1].plot(rec, prec)
    ax[1].axhline(y.mean(), ls="--", color="grey")
    ax[1].set(title="Precision-recall (test nodes)", xlabel="recall", ylabel="precision")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode()
    rows = "".join(
        f"<tr><td>{html.escape(m)}</td>" + "".join(
            f"<td>{r[k]:.4f} ± {r[k + '_std']:.4f}</td>" for k in ("auroc", "auprc", "rec_at_k"))
        + f"<td>{r['fit_seconds']:.1f}</td></tr>" for m, r in bench.items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>{html.escape(title)}</h1>
<h2>GADBench protocol</h2><table><tr><th>model</th><th>AUROC</th><th>AUPRC</th><th>Rec@K</th><th>fit s</th></tr>{rows}</table>
<h2>Default detector on split 0 (threshold {threshold:.3f})</h2><img alt="ROC and PR curves" src="data:image/png;base64,{img}">
</body></html>"""
    path = out / "report.html"
    path.write_text(page)
    return path
