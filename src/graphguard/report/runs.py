"""Reports of node regression, link prediction and graph classification run directories.

Each reads the run's ``config.json``, ``metrics.json`` and ``predictions.csv`` and renders the task's
page (``build.render_*_report``) with the run summary, the encodings (node tasks) and the tuning
trials underneath.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.report.build import (_read, recorded_threshold, render_graph_report, render_link_report,
                                    render_regression_report)
from graphguard.report.html import table
from graphguard.utils.serialization import read_json


def _load(run: Path, columns: tuple[str, ...]) -> tuple[dict, dict, pd.DataFrame]:
    from graphguard.serve.run_files import read_predictions

    cfg = read_json(_read(run, "config.json"))
    metrics = read_json(_read(run, "metrics.json"))
    pred = read_predictions(run, columns, dtype={"id": str, "head": str, "tail": str, "relation": str,
                                                 "top_tail": str})
    return cfg, metrics, pred


def _trials(run: Path, metrics: dict) -> list[tuple[str, str, str]]:
    from graphguard.workflow.tune import read_trials

    trials = read_trials(run / "trials.jsonl")
    if not trials:
        return []
    rows = [{"trial": r["number"], "model": r["detector"], f"val {metrics.get('metric')}": r["value"],
             "seconds": r.get("seconds", float("nan")),
             "parameters": ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                     for k, v in sorted(r["params"].items()))} for r in trials]
    return [("Tuning trials", f"Best: trial {metrics.get('best_trial')}.", table(rows, max_chars=200))]


def _encodings(run: Path) -> list[tuple[str, str, str]]:
    from graphguard.serve.run_files import read_encodings

    enc = read_encodings(run)
    if enc is None:
        return []
    rows = [{"property": c["column"], "encoding": c["kind"], "why": c["reason"], "features": len(c["features"])}
            for c in enc["columns"]]
    return [("Feature encodings", "Picked per property type; override them under features.overrides in the job.",
             table(rows))]


def _notes(data: dict) -> list[tuple[str, str, str]]:
    from graphguard.report.html import esc

    if not data.get("notes"):
        return []
    return [("Data notes", "", "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in data["notes"]) + "</ul>")]


def regression_report_from_run(run: Path) -> str:
    cfg, metrics, pred = _load(run, ("split", "label", "predicted"))
    job, data = cfg["job"], cfg.get("data", {})
    test = pred[pred["split"] == "test"]
    tgt = data.get("target", {})
    summary = [("model", metrics.get("detector", "?")), ("nodes", f"{data.get('nodes', len(pred)):,}"),
               ("edges", f"{data.get('edges', 0):,}"), ("features", str(data.get("features", "?"))),
               ("with a target", f"{data.get('labelled', 0):,}"),
               ("target mean ± sd", f"{tgt.get('mean', float('nan')):.4g} ± {tgt.get('std', float('nan')):.3g}"),
               ("trials", str(metrics.get("trials", "?"))), ("tuned on", f"validation {metrics.get('metric')}")]
    return render_regression_report(
        title=f"graphguard: {job['name']}", y=test["label"].to_numpy(), pred=test["predicted"].to_numpy(),
        metrics=metrics.get("test"), target=job["target"]["property"], summary=summary,
        extra_sections=_encodings(run) + _trials(run, metrics) + _notes(data))


def link_report_from_run(run: Path) -> str:
    cfg, metrics, pred = _load(run, ("head", "relation", "tail", "head_rank", "tail_rank", "top_tail"))
    job, data = cfg["job"], cfg.get("data", {})
    ranks = np.concatenate([pred["tail_rank"].to_numpy(), pred["head_rank"].to_numpy()])
    t = metrics.get("test", {})
    m = {k: t[k] for k in ("auroc",) if isinstance(t.get(k), float)}
    summary = [("model", metrics.get("detector", "?")), ("entities", f"{data.get('entities', 0):,}"),
               ("relations", f"{data.get('relations', 0):,}"), ("predicted relation", data.get("relation") or "all"),
               ("train / valid / test", " / ".join(f"{data.get('split', {}).get(k, 0):,}" for k in ("train", "valid", "test"))),
               ("trials", str(metrics.get("trials", "?"))), ("tuned on", f"validation {metrics.get('metric')}")]
    worst = pred.sort_values("tail_rank", ascending=False)
    examples = [{"head": r.head, "relation": r.relation, "true tail": r.tail, "rank of true tail": float(r.tail_rank),
                 "top-scored tail": r.top_tail} for r in pd.concat([pred.head(8), worst.head(4)]).itertuples()]
    return render_link_report(title=f"graphguard: {job['name']}", ranks=ranks, metrics=m, examples=examples,
                              summary=summary, extra_sections=_trials(run, metrics) + _notes(data))


def graph_report_from_run(run: Path) -> str:
    cfg, metrics, pred = _load(run, ("split", "label", "predicted", "score"))
    job, data = cfg["job"], cfg.get("data", {})
    test = pred[pred["split"] == "test"]
    classes = metrics.get("classes") or sorted(pred["label"].unique().tolist())
    summary = [("model", metrics.get("detector", "?")), ("graphs", f"{data.get('graphs', len(pred)):,}"),
               ("classes", ", ".join(f"{k}: {v}" for k, v in data.get("classes", {}).items())),
               ("train / val / test", " / ".join(f"{data.get('split', {}).get(k, 0):,}" for k in ("train", "val", "test"))),
               ("trials", str(metrics.get("trials", "?"))), ("tuned on", f"validation {metrics.get('metric')}")]
    y = np.searchsorted(classes, test["label"].to_numpy())
    labels = tuple(f"class {c}" for c in classes)
    extra = _trials(run, metrics) + _notes(data)
    common = dict(title=f"graphguard: {job['name']}", y=y, scores=test["score"].to_numpy(), metrics=metrics.get("test"),
                  summary=summary, extra_sections=extra, labels=labels)
    if len(classes) == 2:  # graph runs record the 0.5 their two-class predictions use (workflow.graphs)
        return render_graph_report(threshold=recorded_threshold(run, metrics), **common)
    return render_graph_report(pred=np.searchsorted(classes, test["predicted"].to_numpy()), **common)


REPORTS = {"node_regression": regression_report_from_run, "link_prediction": link_report_from_run,
           "graph_classification": graph_report_from_run}
