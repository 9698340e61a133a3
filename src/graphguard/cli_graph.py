"""``graphguard graph train | evaluate | predict | bench``: graph classification and regression.

``--data`` is a TU folder, a SMILES CSV (label column ``--target``, default the last column) or a
``.graphs.npz`` written by ``graphguard build``. ``--task auto`` (the default) treats integer labels
as classes and other numbers as a regression target, as scikit-learn's ``type_of_target`` does;
``--task classification|regression`` overrides it. ``evaluate`` and ``predict`` use the saved
model's task. ``bench --json`` prints exactly ``{"accuracy", "accuracy_std", "roc_auc",
"roc_auc_std"}`` for classification (``null`` where a metric does not apply) and ``{"rmse",
"rmse_std", "mae", "mae_std", "r2", "r2_std"}`` for regression; scripts depend on that contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from graphguard import _console
from graphguard.errors import ConfigError, DataError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

BENCH_KEYS = ("accuracy", "accuracy_std", "roc_auc", "roc_auc_std")
REGRESSION_BENCH_KEYS = ("rmse", "rmse_std", "mae", "mae_std", "r2", "r2_std")


def _dataset(data: Path, target: Optional[str], skip_invalid: bool, task: str = "auto", encodings=None,
             labelled: bool = True):
    from graphguard.data.graphset import load_graph_dataset

    graphs = load_graph_dataset(data, target=target, skip_invalid=skip_invalid, task=task, encodings=encodings,
                                labelled=labelled)
    if getattr(graphs, "skipped", None):
        _console.log(f"skipped {len(graphs.skipped)} invalid row(s): {graphs.skipped[:10]}")
    return graphs


def _task(graphs, task: str) -> str:
    """The reader's decision (SMILES CSV), else the labels decide (``auto``) or ``task`` does."""
    from graphguard.tasks.graph.base import graph_labels, infer_task

    if getattr(graphs, "task", None):
        return graphs.task
    return infer_task(graph_labels(graphs, source=str(getattr(graphs, "source", "<graphs>"))), task,
                      str(getattr(graphs, "source", "<graphs>")))


def _params(model: str, epochs, hidden, layers, pooling, virtual_node, seed, task="classification") -> dict:
    from graphguard.tasks.graph.registry import GNN_MODELS

    if model in GNN_MODELS:
        p = {"pooling": pooling, "virtual_node": virtual_node, "seed": seed, "task": task}
        if epochs is not None:
            p["epochs"] = epochs
        if hidden is not None:
            p["hidden"] = hidden
        if layers is not None:
            p["layers"] = layers
        return p
    return {"seed": seed, "task": task}


def _setup(quiet: bool, threads: Optional[int]):
    from graphguard.utils.threads import set_threads

    _console.set_quiet(quiet)
    set_threads(threads)


MODEL_OPT = typer.Option("gin", "--model", "-m", help="gin, gine, gcn, sage, wl (WL subtree + trees), wl-svm (WL kernel SVM, C and depth by inner CV), "
                         "fingerprint (Morgan + trees), ensemble (GIN + WL kernel SVM soft vote)")
DATA_OPT = typer.Option(..., "--data", "-d", help="TU folder, SMILES CSV or .graphs.npz")
TARGET_OPT = typer.Option(None, "--target", "--label", help="label column of a SMILES CSV (default: the last column)")
TASK_OPT = typer.Option("auto", "--task", help="auto (integer labels: classification, other numbers: regression), "
                        "classification or regression")
SKIP_OPT = typer.Option(False, "--skip-invalid", help="leave out SMILES rows RDKit cannot parse instead of failing")


@app.command()
def train(
    data: Path = DATA_OPT,
    out: Path = typer.Option(..., "--out", "-o", help="model directory to write"),
    model: str = MODEL_OPT,
    target: Optional[str] = TARGET_OPT,
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1),
    hidden: Optional[int] = typer.Option(None, "--hidden", min=1),
    layers: Optional[int] = typer.Option(None, "--layers", min=1),
    pooling: str = typer.Option("sum", "--pooling", help="sum, mean or attention"),
    virtual_node: bool = typer.Option(False, "--virtual-node"),
    seed: int = typer.Option(0, "--seed"),
    task: str = TASK_OPT,
    skip_invalid: bool = SKIP_OPT,
    as_json: bool = typer.Option(False, "--json", help='print {"model_dir", "model", "task", "n_graphs", '
                                 '"val_score"} (best validation accuracy, or -MSE standardised; null for models without epochs)'),
    threads: Optional[int] = typer.Option(None, "--threads"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Train a graph classifier or regressor on all graphs (10% held out to pick the best epoch) and save it."""
    from graphguard.tasks.graph.registry import make_estimator
    from graphguard.utils.serialization import check_model_target

    _setup(quiet, threads)
    check_model_target(out)  # a folder that is not a model is refused before the fit, not after
    graphs = _dataset(data, target, skip_invalid, task)
    task = _task(graphs, task)
    est = make_estimator(model, **_params(model, epochs, hidden, layers, pooling, virtual_node, seed, task))
    est.fit(graphs)
    est.save(out)
    if as_json:
        from graphguard.utils.serialization import strict_json

        val = getattr(est, "val_score_", None)
        typer.echo(strict_json({"model_dir": str(out), "model": model, "task": task, "n_graphs": len(graphs),
                                "val_score": None if val is None else float(val)}))
        return
    extra = ""
    if hasattr(est, "val_score_"):
        extra = f", best validation {'accuracy' if task == 'classification' else 'MSE (standardised)'} {abs(est.val_score_):.3f}"
    # the name given, not the class: FingerprintClassifier also fits regression targets
    typer.echo(f"{out}  ({model}, {task}, on {len(graphs)} graphs{extra})")


def _metrics(est, graphs, model_dir: Path) -> dict:
    """Test metrics of ``est``; scores that are NaN or inf are one line naming ``model_dir``."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    from graphguard.metrics import check_finite_scores, regression_metrics
    from graphguard.tasks.graph.base import graph_labels

    source = str(getattr(graphs, "source", "<graphs>"))
    y = graph_labels(graphs, source=source)
    if est.task == "regression":
        return {"n_graphs": len(graphs), **regression_metrics(y, est.predict(graphs), str(model_dir))}
    unseen = sorted(set(np.unique(y).tolist()) - set(est.classes_.tolist()))
    if unseen:
        raise DataError(source, f"label(s) {unseen} do not occur in the model's classes {est.classes_.tolist()}")
    proba = check_finite_scores(est.predict_proba(graphs), str(model_dir))
    out = {"n_graphs": len(graphs), "accuracy": float(accuracy_score(y, est.classes_[proba.argmax(1)])),
           "roc_auc": None}
    if len(np.unique(y)) == 2 and len(est.classes_) == 2:
        out["roc_auc"] = float(roc_auc_score(y == est.classes_[1], proba[:, 1]))
    return out


@app.command()
def evaluate(
    data: Path = DATA_OPT,
    model_dir: Path = typer.Option(..., "--model-dir", help="directory written by 'graph train'"),
    target: Optional[str] = TARGET_OPT,
    skip_invalid: bool = SKIP_OPT,
    as_json: bool = typer.Option(False, "--json"),
    threads: Optional[int] = typer.Option(None, "--threads"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Accuracy and ROC-AUC (classification) or RMSE, MAE and R2 (regression) of a saved model."""
    from graphguard.metrics import metric_text
    from graphguard.tasks.graph.base import GraphEstimator
    from graphguard.utils.serialization import strict_json

    _setup(quiet, threads)
    est = GraphEstimator.load(model_dir)
    m = _metrics(est, _dataset(data, target, skip_invalid, est.task, est.encodings_), model_dir)
    if as_json:
        typer.echo(strict_json(m))
    else:
        typer.echo("  ".join(f"{k} {metric_text(k, v)}" if isinstance(v, float) else f"{k} {v}" for k, v in m.items()))


@app.command()
def predict(
    data: Path = DATA_OPT,
    model_dir: Path = typer.Option(..., "--model-dir"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="CSV to write (default: print)"),
    target: Optional[str] = typer.Option(None, "--target", "--label", hidden=True,
                                         help="ignored: predict reads no label column"),
    skip_invalid: bool = SKIP_OPT,
    as_json: bool = typer.Option(False, "--json", help="print JSON lines instead of CSV"),
    threads: Optional[int] = typer.Option(None, "--threads"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Predicted class and score, or predicted value, for every graph (SMILES rows keep their row number)."""
    import pandas as pd

    from graphguard.tasks.graph.base import GraphEstimator
    from graphguard.utils.serialization import strict_json

    _setup(quiet, threads)
    est = GraphEstimator.load(model_dir)
    graphs = _dataset(data, target, skip_invalid, est.task, est.encodings_, labelled=False)
    pred = est.predict(graphs)
    df = pd.DataFrame({"graph": range(len(graphs)), "prediction": pred})
    score = est.decision_function(graphs) if est.task == "classification" else np.zeros((0, 0))
    if score.ndim == 1:
        df["score"] = score
    if all(hasattr(g, "row") for g in graphs):
        df.insert(1, "row", [g.row for g in graphs])
    if all(isinstance(getattr(g, "smiles", None), str) for g in graphs):
        df.insert(1, "smiles", [g.smiles for g in graphs])
    if all(isinstance(getattr(g, "name", None), str) for g in graphs):
        df.insert(1, "name", [g.name for g in graphs])
    if out is not None:
        df.to_csv(out, index=False)
        typer.echo(str(out))
    elif as_json:
        for rec in df.to_dict(orient="records"):
            typer.echo(strict_json(rec, default=lambda v: v.item() if hasattr(v, "item") else str(v)))
    else:
        typer.echo(df.to_csv(index=False).rstrip())


@app.command()
def bench(
    data: Path = DATA_OPT,
    model: str = MODEL_OPT,
    folds: int = typer.Option(10, "--folds", min=2, help="stratified folds (Errica et al. protocol)"),
    split: str = typer.Option("cv", "--split", help="cv (stratified k-fold) or scaffold (Bemis-Murcko, molecules)"),
    seeds: int = typer.Option(3, "--seeds", min=1, help="scaffold split: number of seeds"),
    target: Optional[str] = TARGET_OPT,
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1),
    hidden: Optional[int] = typer.Option(None, "--hidden", min=1),
    layers: Optional[int] = typer.Option(None, "--layers", min=1),
    pooling: str = typer.Option("sum", "--pooling"),
    virtual_node: bool = typer.Option(False, "--virtual-node"),
    seed: int = typer.Option(0, "--seed"),
    task: str = TASK_OPT,
    skip_invalid: bool = SKIP_OPT,
    as_json: bool = typer.Option(False, "--json", help='print {"accuracy", "accuracy_std", "roc_auc", "roc_auc_std"} '
                                 '(regression: rmse, mae, r2 and their _std)'),
    threads: Optional[int] = typer.Option(None, "--threads"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Cross-validated (or scaffold-split) accuracy and ROC-AUC (or RMSE, MAE, R2), mean and standard deviation."""
    from graphguard.metrics import metric_text
    from graphguard.tasks.graph.protocols import cross_validate, scaffold_evaluate
    from graphguard.tasks.graph.registry import make_estimator
    from graphguard.utils.serialization import strict_json

    _setup(quiet, threads)
    if split not in ("cv", "scaffold"):
        raise ConfigError(f"unknown --split '{split}' (choose cv or scaffold)")
    graphs = _dataset(data, target, skip_invalid, task)
    task = _task(graphs, task)
    params = _params(model, epochs, hidden, layers, pooling, virtual_node, seed, task)
    make_estimator(model, **params)  # fail fast on a bad model name or option

    def factory(**over):
        return make_estimator(model, **{**params, **over})

    if split == "scaffold":
        r = scaffold_evaluate(factory, graphs, seeds=range(seed, seed + seeds))
    else:
        r = cross_validate(factory, graphs, folds=folds, seed=seed)
    keys = BENCH_KEYS if task == "classification" else REGRESSION_BENCH_KEYS
    res = {k: r.get(k) for k in keys}
    if as_json:
        typer.echo(strict_json(res))
    else:
        for k in keys[::2]:
            if res[k] is not None:
                spread = f" +- {res[k + '_std']:.4f}" if np.isfinite(res[k]) else ""
                typer.echo(f"{k}: {metric_text(k, res[k])}{spread}")
