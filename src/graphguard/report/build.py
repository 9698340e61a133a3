"""Reports for node, link and graph tasks, from arrays or from a run directory.

The node report answers an analyst's questions in order: how good is the model (metric cards,
ROC, PR, Recall@K: how much fraud is found after reviewing K accounts), can the scores be read as
probabilities (calibration), what happens at the chosen threshold (confusion matrix), which nodes
to look at first (top-K table with their raw properties) and what surrounds them (ego networks).
All curves use the test nodes only, so they are honest estimates.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.errors import DataError
from graphguard.report import plots
from graphguard.report.html import Page, Raw, cards, esc, figure, table, tag
from graphguard.utils.serialization import read_json


def _metric_cards(m: dict) -> str:
    names = [("auroc", "AUROC"), ("auprc", "AUPRC"), ("rec_at_k", "Recall@K"), ("precision", "precision @ threshold"),
             ("recall", "recall @ threshold"), ("f1", "F1 @ threshold")]
    return cards([(label, f"{m[k]:.3f}") for k, label in names if k in m])


def _curves(page: Page, y: np.ndarray, s: np.ndarray, threshold: float, which: str) -> None:
    pred = (s >= threshold).astype(int)
    figs = [
        figure(plots.roc(y, s), f"ROC on the {which} nodes.", "ROC curve"),
        figure(plots.pr(y, s), "Precision against recall; the dashed line is a random ranking.", "PR curve"),
        figure(plots.recall_at_k(y, s), "Share of all fraud found when reviewing the K highest-scored nodes.",
               "Recall at K"),
        figure(plots.score_histograms(y, s, threshold), "Score distribution of each class; the dashed line is "
               "the decision threshold (best F1 on validation).", "score histograms"),
        figure(plots.calibration(y, s), "Observed fraud rate against the mean score, in ten equal-width score bins.",
               "calibration curve"),
        figure(plots.confusion(y, pred, title=f"At threshold {threshold:.3g}"),
               "Counts of correct and wrong decisions at the threshold.", "confusion matrix"),
    ]
    page.section("Model quality", "<div class='grid'>" + "".join(figs) + "</div>",
                 note=f"{y.size:,} {which} nodes, {int(y.sum()):,} of them fraud.")


def render_node_report(
    *, title: str, y: np.ndarray, scores: np.ndarray, threshold: float, metrics: dict | None = None,
    ids: np.ndarray | None = None, all_scores: np.ndarray | None = None, all_labels: np.ndarray | None = None,
    properties: pd.DataFrame | None = None, edge_index: np.ndarray | None = None, top_k: int = 20,
    ego: int = 3, summary: list[tuple[str, str]] | None = None, extra_sections: list[tuple[str, str, str]] = (),
    which: str = "test",
) -> str:
    """HTML for a node task. ``y``/``scores`` are the evaluated nodes; ``all_*`` every node (top-K, egos)."""
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    if y.shape != scores.shape or y.size == 0 or np.unique(y).size < 2:
        raise DataError("report", "the evaluated nodes need labels of both classes and one score each")
    page = Page(title, "Node classification report")
    if summary:
        page.section("Run", cards(summary))
    if metrics:
        page.section(f"Metrics on the {which} nodes", _metric_cards(metrics))
    _curves(page, y, scores, threshold, which)
    if all_scores is not None and ids is not None:
        all_scores = np.asarray(all_scores, dtype=float)
        labels = np.asarray(all_labels if all_labels is not None else np.full(all_scores.size, -1)).astype(int)
        order = np.argsort(-all_scores, kind="stable")[:top_k]
        props = properties.set_index("id") if properties is not None and "id" in properties.columns else None
        rows = []
        for rank, i in enumerate(order, 1):
            r = {"rank": rank, "id": str(ids[i]), "score": float(all_scores[i]), "label": tag(labels[i])}
            if props is not None and str(ids[i]) in props.index:
                for c, v in props.loc[str(ids[i])].items():
                    if not str(c).startswith("__"):
                        r[str(c)] = "" if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
            rows.append(r)
        page.section(f"Top {len(rows)} suspicious nodes", table(rows, row_class=lambda r: "fraud" if "fraud" in r["label"].html else ""),
                     note="All nodes ranked by score (labelled or not), with their properties as they were "
                          "in the input. Red rows are known fraud.")
        if edge_index is not None and ego > 0:
            figs = [figure(plots.ego_network(int(i), edge_index, all_scores, labels, np.asarray(ids)),
                           "Neighbours coloured by score; a red ring marks known fraud, grey an unlabelled node.",
                           f"ego network of {ids[i]}") for i in order[:ego]]
            page.section("Neighbourhoods of the top nodes", "<div class='grid'>" + "".join(figs) + "</div>")
    for t, note, body in extra_sections:
        page.section(t, body, note=note)
    return page.render()


def _extras(page: Page, summary, extra_sections) -> None:
    for t, note, body in extra_sections or ():
        page.section(t, body, note=note)


def render_link_report(*, title: str, ranks: np.ndarray, metrics: dict | None = None,
                       examples: list[dict] | None = None, summary: list[tuple[str, str]] | None = None,
                       extra_sections: list[tuple[str, str, str]] = ()) -> str:
    """HTML for a link task: rank distribution of the true answers, Hits@K against K, MRR and Hits@K."""
    ranks = np.asarray(ranks, dtype=float)
    if ranks.size == 0 or (ranks < 1).any():
        raise DataError("report", "ranks must be >= 1, one per test triple")
    page = Page(title, "Link prediction report")
    if summary:
        page.section("Run", cards(summary))
    m = metrics or {}
    m = {"MRR": (1.0 / ranks).mean(), "Hits@1": (ranks <= 1).mean(), "Hits@3": (ranks <= 3).mean(),
         "Hits@10": (ranks <= 10).mean(), **m}
    page.section("Metrics on the test links", cards([(k, f"{v:.3f}") for k, v in m.items() if isinstance(v, float)]))
    figs = [figure(plots.rank_distribution(ranks), "Filtered rank of the true answer among all candidates, per test "
                   "query (head and tail side).", "rank distribution"),
            figure(plots.hits_at_k(ranks), "Share of test queries answered within the top K.", "Hits at K")]
    page.section("Where the true answer ranks", "<div class='grid'>" + "".join(figs) + "</div>")
    if examples:
        page.section("Example predictions", table(examples))
    _extras(page, summary, extra_sections)
    return page.render()


def render_graph_report(*, title: str, y: np.ndarray, scores: np.ndarray, threshold: float = 0.5,
                        metrics: dict | None = None, summary: list[tuple[str, str]] | None = None,
                        extra_sections: list[tuple[str, str, str]] = (), pred: np.ndarray | None = None,
                        labels: tuple[str, ...] | None = None) -> str:
    """HTML for a graph classification task: ROC (two classes) and the confusion matrix.

    With more than two classes pass ``pred`` (class indices) and ``labels``: the ROC is left out.
    """
    y = np.asarray(y).astype(int)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or np.unique(y).size < 2:
        raise DataError("report", "the test graphs need labels of at least two classes and one score each")
    page = Page(title, "Graph classification report")
    if summary:
        page.section("Run", cards(summary))
    if metrics:
        page.section("Metrics on the test graphs", cards([(k, f"{v:.3f}") for k, v in metrics.items()
                                                           if isinstance(v, float)]))
    figs = []
    if pred is None:
        figs.append(figure(plots.roc(y, s), "ROC on the test graphs.", "ROC curve"))
        pred, labels, at = (s >= threshold).astype(int), labels or ("class 0", "class 1"), f"At threshold {threshold:.3g}"
    else:
        at = "Most probable class"
    figs.append(figure(plots.confusion(y, np.asarray(pred).astype(int), labels=labels, title=at),
                       "Test graphs by true and predicted class.", "confusion matrix"))
    page.section("Model quality", "<div class='grid'>" + "".join(figs) + "</div>")
    _extras(page, summary, extra_sections)
    return page.render()


def _defined(value) -> str:
    """A metric's card text; null (NaN in memory) is a metric the split cannot define, not a number."""
    return f"{value:.4g}" if isinstance(value, (int, float)) and math.isfinite(value) else "undefined"


def render_regression_report(*, title: str, y: np.ndarray, pred: np.ndarray, metrics: dict | None = None,
                             target: str = "value", summary: list[tuple[str, str]] | None = None,
                             extra_sections: list[tuple[str, str, str]] = ()) -> str:
    """HTML for node regression: predicted against true, and the residuals, on the test nodes."""
    y, p = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    if y.shape != p.shape or y.size == 0:
        raise DataError("report", "the test nodes need one true value and one prediction each")
    page = Page(title, "Node regression report")
    if summary:
        page.section("Run", cards(summary))
    if metrics:
        names = {"rmse": "RMSE", "mae": "MAE", "r2": "R²"}
        shown = [(names[k], _defined(metrics[k])) for k in names if k in metrics]
        page.section("Metrics on the test nodes", cards(shown), note="undefined: the test nodes cannot define it "
                     "(R² when their targets are all equal)" if any(v == "undefined" for _, v in shown) else None)
    figs = [figure(plots.predicted_vs_true(y, p, target), "Each dot is a test node; dots on the dashed line are "
                   "predicted exactly.", "predicted against true"),
            figure(plots.residuals(y, p), "Prediction errors of the test nodes.", "residual histogram")]
    page.section("Model quality", "<div class='grid'>" + "".join(figs) + "</div>", note=f"{y.size:,} test nodes.")
    _extras(page, summary, extra_sections)
    return page.render()


# --------------------------------------------------------------------------- from a run directory
def _read(run: Path, name: str):
    p = run / name
    if not p.is_file():
        raise DataError(run, f"missing {name}; is the run finished? (graphguard run JOB --resume)")
    return p


def _edge_index(path: Path) -> np.ndarray:
    """Both directions of the run's edges (for the ego networks); a damaged file is one line naming it."""
    try:
        with np.load(path, allow_pickle=False) as z:
            e = z["edges"].T
    except (OSError, ValueError, KeyError) as err:
        raise DataError(path, f"cannot read the edges ({type(err).__name__}: {err}); the file is damaged") from None
    return np.concatenate([e, e[::-1]], 1)


def recorded_threshold(run: Path, metrics: dict) -> float:
    """The decision threshold the run wrote to metrics.json; a run without one is damaged, not 0.5 by default."""
    threshold = metrics.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise DataError(run / "metrics.json", "has no numeric 'threshold' (the decision threshold of the run); "
                                              "the file is damaged")
    return float(threshold)


def node_report_from_run(run: Path) -> str:
    from graphguard.serve.run_files import read_encodings, read_predictions
    from graphguard.workflow.tune import read_trials

    cfg = read_json(_read(run, "config.json"))
    metrics = read_json(_read(run, "metrics.json"))
    threshold = recorded_threshold(run, metrics)
    pred = read_predictions(run, ("id", "score", "label", "split"), dtype={"id": str})
    job = cfg["job"]
    test = pred[pred["split"] == "test"]
    which = "test"
    if test.empty or test["label"].nunique() < 2:
        test, which = pred[pred["label"] >= 0], "labelled"
    props = pd.read_parquet(run / "properties.parquet") if (run / "properties.parquet").is_file() else None
    edge_index = _edge_index(run / "graph.npz") if (run / "graph.npz").is_file() else None
    data = cfg.get("data", {})
    summary = [("detector", metrics.get("detector", "?")), ("nodes", f"{data.get('nodes', len(pred)):,}"),
               ("edges", f"{data.get('edges', 0):,}"), ("features", str(data.get("features", "?"))),
               ("labelled fraud", f"{data.get('positives', int((pred['label'] == 1).sum())):,}"),
               ("trials", str(metrics.get("trials", "?"))), ("tuned on", f"validation {metrics.get('metric')}")]
    extra = []
    enc = read_encodings(run)
    if enc is not None:
        rows = [{"property": c["column"], "encoding": c["kind"], "why": c["reason"], "features": len(c["features"])}
                for c in enc["columns"]]
        extra.append(("Feature encodings", "Picked per property type; override them under features.overrides in the job.",
                      table(rows)))
    trials = read_trials(run / "trials.jsonl")
    if trials:
        rows = [{"trial": r["number"], "detector": r["detector"], f"val {metrics.get('metric')}": r["value"],
                 "seconds": r.get("seconds", float("nan")),
                 "parameters": ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in sorted(r["params"].items()))} for r in trials]
        extra.append(("Tuning trials", f"Best: trial {metrics.get('best_trial')}.", table(rows, max_chars=200)))
    if data.get("notes"):
        extra.append(("Data notes", "", "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in data["notes"]) + "</ul>"))
    return render_node_report(
        title=f"graphguard: {job['name']}", y=test["label"].to_numpy(), scores=test["score"].to_numpy(),
        threshold=threshold, metrics=metrics.get(which if which == "test" else "val"),
        ids=pred["id"].to_numpy(), all_scores=pred["score"].to_numpy(), all_labels=pred["label"].to_numpy(),
        properties=props, edge_index=edge_index, top_k=job.get("report", {}).get("top_k", 20),
        ego=job.get("report", {}).get("ego_networks", 3), summary=summary, extra_sections=extra, which=which)


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (or ``out``) for a finished run directory; returns its path."""
    run = Path(run_dir)
    if not run.is_dir():
        raise DataError(run, "run directory not found")
    from graphguard.serve.run_files import read_run_config

    out = Path(out) if out is not None else run / "report.html"
    _check_writable(out)  # before rendering, which can take a while
    _read(run, "config.json")  # a missing config is "is the run finished?", not a bare not-found
    _, task = read_run_config(run)
    if task == "node_classification":
        text = node_report_from_run(run)
    else:
        from graphguard.report.runs import REPORTS

        text = REPORTS[task](run)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DataError(out, f"cannot write the report ({e.strerror or e})") from None
    return out


def _check_writable(out: Path) -> None:
    """Say before rendering when ``--out`` names a folder or sits in a folder that does not exist."""
    if out.is_dir():
        raise DataError(out, f"is a directory; give a file name such as {out / 'report.html'}")
    if not out.parent.is_dir():
        raise DataError(out, f"folder {out.parent} not found")


__all__ = ["render_node_report", "render_link_report", "render_graph_report", "render_regression_report",
           "write_report", "Raw"]
