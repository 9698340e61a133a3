"""Graph classification jobs: one label per graph, from a TU folder or a SMILES CSV.

The graphs are read with ``data.graphset.load_graph_dataset`` (``target.property`` names the label
column of a SMILES CSV; the last column by default) and written once to
``RUN_DIR/graphs.graphs.npz`` with a stratified train/val/test split in ``split.json``. Candidates
are the ``graphguard.tasks.graph`` estimators by name (``wl``, ``fingerprint``, ``gin``, ``gcn``,
``sage``, ``gine``); GNNs pick their best epoch on the validation graphs.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from graphguard.errors import DataError
from graphguard.workflow.driver import TaskRun

SPLITS = ("train", "val", "test")


def graph_metrics(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> dict:
    """Accuracy always; AUROC/AUPRC of the positive class for two classes (one-vs-rest AUROC for more)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    pred = classes[proba.argmax(1)]
    out = {"accuracy": float((pred == y).mean()), "graphs": int(y.size)}
    present = np.unique(y)
    if len(classes) == 2 and present.size == 2:
        out["auroc"] = float(roc_auc_score(y == classes[1], proba[:, 1]))
        out["auprc"] = float(average_precision_score(y == classes[1], proba[:, 1]))
    elif present.size == len(classes) > 2:
        out["auroc"] = float(roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    return out


def stratified_indices(y: np.ndarray, fractions: tuple[float, float, float], seed: int) -> dict[str, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(y.size)
    counts = np.unique(y, return_counts=True)[1]
    strat = y if counts.min() >= 3 else None
    rest, test = train_test_split(idx, test_size=fractions[2], random_state=seed, stratify=strat)
    strat2 = y[rest] if strat is not None else None
    train, val = train_test_split(rest, test_size=fractions[1] / (fractions[0] + fractions[1]), random_state=seed,
                                  stratify=strat2)
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


class GraphRun(TaskRun):
    task = "graph_classification"

    formats = ("tu", "smiles")
    formats_hint = (", not a set of graphs; a graph_classification job reads a TU folder (*_graph_indicator.txt) "
                    "or a SMILES CSV")

    def guess_format(self, path):
        return "smiles" if path.is_file() and path.suffix.lower() == ".csv" else None

    def prepare(self) -> None:
        from graphguard.data.graphset import load_graph_dataset, write_graphs
        from graphguard.tasks.graph.base import graph_labels
        from graphguard.workflow.run import write_json

        job, spec = self.job, self.job.spec
        path, fmt = self.source()
        prop = spec.target.property if spec.target else None
        if fmt == "tu" and prop is not None:
            raise job.error(("target", "property"), "a TU folder has one label per graph (its *_graph_labels.txt); "
                            "target.property is for the label column of a SMILES CSV")
        try:
            graphs = load_graph_dataset(path, target=prop) if fmt == "smiles" else load_graph_dataset(path)
        except DataError as e:
            if prop is not None and f"no label column '{prop}'" in str(e):
                raise job.error(("target", "property"), str(e)) from None
            raise
        y = graph_labels(graphs, source=str(path))
        classes, counts = np.unique(y, return_counts=True)
        if classes.size < 2:
            raise DataError(path, f"every graph has the label {classes[0]}; classification needs two classes")
        idx = stratified_indices(y, (spec.split.train, spec.split.val, spec.split.test), spec.split.seed)
        tmp = self.rd / "graphs.tmp.graphs.npz"
        write_graphs(graphs, tmp)
        os.replace(tmp, self.rd / "graphs.graphs.npz")
        write_json(self.rd / "split.json", {k: v.tolist() for k, v in idx.items()})
        self.config_data({"graphs": len(graphs), "format": fmt, "classes": {str(c): int(n) for c, n in zip(classes, counts)},
                          "nodes": int(sum(int(g.num_nodes) for g in graphs)),
                          "molecules": all(isinstance(getattr(g, "smiles", None), str) for g in graphs),
                          "split": {k: int(v.size) for k, v in idx.items()}})

    def load(self):
        from graphguard.data.graphset import read_graphs
        from graphguard.tasks.graph.base import graph_labels
        from graphguard.workflow.run import read_json

        graphs = read_graphs(self.rd / "graphs.graphs.npz")
        idx = {k: np.asarray(v, dtype=np.int64) for k, v in read_json(self.rd / "split.json").items()}
        return graphs, graph_labels(graphs), idx

    def resolve(self, name):
        from graphguard.tasks.graph.registry import ESTIMATORS, GNN_MODELS

        key = {"wl": "WLClassifier", "fingerprint": "FingerprintClassifier"}.get(name)
        return ESTIMATORS[key] if key else ESTIMATORS["GNNGraphClassifier"] if name in GNN_MODELS else None

    def make(self, name, params):
        from graphguard.tasks.graph.registry import make_estimator

        return make_estimator(name, **{k: v for k, v in params.items() if k != "model"})

    def _subset(self, part: str):
        graphs, y, idx = self.data
        return [graphs[i] for i in idx[part]], y[idx[part]]

    def fit(self, model):
        gt, yt = self._subset("train")
        gv, yv = self._subset("val")
        return model.fit(gt, yt, val_graphs=gv, val_y=yv)

    def _proba(self, model, graphs) -> np.ndarray:
        return np.asarray(model.predict_proba(graphs), dtype=np.float64)

    def validation_score(self, model) -> float:
        gv, yv = self._subset("val")
        m = graph_metrics(yv, self._proba(model, gv), model.classes_)
        metric = self.job.spec.metric
        if metric not in m:
            raise ValueError(f"metric {metric} needs two classes among the validation graphs")
        return m[metric]

    def load_model(self, path):
        from graphguard.tasks.graph.base import GraphEstimator

        return GraphEstimator.load(path)

    def evaluate(self, model, best):
        graphs, y, idx = self.data
        proba = self._proba(model, graphs)
        classes = np.asarray(model.classes_)
        split = np.full(y.size, "", dtype=object)
        for s in SPLITS:
            split[idx[s]] = s
        df = pd.DataFrame({"graph": np.arange(y.size), "label": y, "predicted": classes[proba.argmax(1)],
                           "score": proba[:, 1] if classes.size == 2 else proba.max(1), "split": split})
        for key in ("smiles", "name"):
            if all(isinstance(getattr(g, key, None), str) for g in graphs):
                df.insert(1, key, [getattr(g, key) for g in graphs])
        tmp = self.rd / "predictions.csv.tmp"
        df.to_csv(tmp, index=False, float_format="%.6g")
        os.replace(tmp, self.rd / "predictions.csv")
        out = {"classes": classes.tolist(), "threshold": 0.5 if classes.size == 2 else None}
        for s in ("val", "test"):
            out[s] = graph_metrics(y[idx[s]], proba[idx[s]], classes)
        return out
