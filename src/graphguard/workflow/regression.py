"""Node regression jobs: predict a numeric node property from the same automatic features.

The data are read and encoded exactly as for node classification (``source.read_node_table`` and
the job's encodings); the target property is parsed as a number (empty = no target, scored but not
trained on). ``graph.npz`` keeps the encoded graph (its ``node_labels`` only mark which nodes have a
target: 0, or -1 for none) and ``targets.npy`` the values. Metrics are RMSE, MAE and R²; the tuner
minimises RMSE or MAE and maximises R².
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from graphguard.errors import DataError
from graphguard.workflow.driver import TaskRun

SPLITS = ("train", "val", "test")


def numeric_target(raw: pd.Series, source: str) -> np.ndarray:
    """Raw values -> floats; empty -> NaN (no target); anything else that is not a number is an error."""
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    v = pd.to_numeric(s.where(~empty), errors="coerce")
    bad = v.isna() & ~empty
    if bad.any():
        examples = s[bad].unique().tolist()[:5]
        raise DataError(source, f"{int(bad.sum())} target values are not numbers (e.g. {examples}); "
                        "node_regression needs a numeric property")
    out = v.to_numpy(dtype=np.float64)
    if not np.isfinite(out[~np.isnan(out)]).all():
        raise DataError(source, "target values include inf")
    return out


def regression_metrics(y: np.ndarray, p: np.ndarray, model: str = "metrics") -> dict:
    """RMSE, MAE and R² as graph regression scores them (:func:`graphguard.metrics.regression_metrics`: R² null
    for equal targets, non-finite predictions one line naming ``model``), and how many nodes they cover."""
    from graphguard.metrics import regression_metrics as scores

    return {**scores(y, p, model), "nodes": int(y.size)}


def check_r2_can_tune(job, y_val: np.ndarray) -> None:
    """Refuse tuning on R² when the validation targets are all equal: every trial would score NaN and fail."""
    if job.spec.metric == "r2" and y_val.size and np.ptp(y_val) == 0:
        raise job.error(("metric",), f"r2 is undefined on the validation nodes: all {y_val.size} of their "
                                     f"targets are {y_val[0]:g}; tune on rmse or mae instead")


def random_masks(labelled: np.ndarray, fractions: tuple[float, float, float], seed: int) -> dict[str, np.ndarray]:
    idx = np.random.RandomState(seed).permutation(np.flatnonzero(labelled))
    n_tr, n_va = int(round(fractions[0] * idx.size)), int(round(fractions[1] * idx.size))
    parts = (idx[:n_tr], idx[n_tr:n_tr + n_va], idx[n_tr + n_va:])
    out = {}
    for name, p in zip(SPLITS, parts):
        m = np.zeros(labelled.size, dtype=bool)
        m[p] = True
        out[f"{name}_mask"] = m
    return out


class RegressionRun(TaskRun):
    task = "node_regression"

    @property
    def direction(self) -> str:
        return "maximize" if self.job.spec.metric == "r2" else "minimize"

    def prepare(self) -> None:
        from graphguard.data.graph import make_graph
        from graphguard.data.npz import write_npz
        from graphguard.data.validate import validate_graph
        from graphguard.workflow.run import encode_table, log_encodings, write_json, write_properties
        from graphguard.workflow.source import read_node_table

        job, rd, spec = self.job, self.rd, self.job.spec
        table = read_node_table(job)
        y = numeric_target(table.labels, f"{job.path}: target.property '{spec.target.property}'")
        labelled = ~np.isnan(y)
        if labelled.sum() < 10:
            raise job.error(("target", "property"), f"only {int(labelled.sum())} nodes have a value for "
                            f"'{spec.target.property}'; node_regression needs at least 10")
        x, enc = encode_table(job, table)
        if table.masks is not None and spec.split.use_file_masks:
            masks = {k: m & labelled for k, m in table.masks.items()}
        else:
            masks = random_masks(labelled, (spec.split.train, spec.split.val, spec.split.test), spec.split.seed)
        check_r2_can_tune(job, y[masks["val_mask"]])
        g = make_graph(x, table.edges, np.where(labelled, 0, -1), node_id=table.ids, undirected=True, **masks)
        validate_graph(g, job.path)
        write_npz(g, rd / "graph.npz")
        tmp = rd / "targets.npy.tmp"
        with open(tmp, "wb") as fh:
            np.save(fh, y)
        os.replace(tmp, rd / "targets.npy")
        write_json(rd / "encodings.json", enc.to_json() | {"feature_names": enc.feature_names_})
        write_properties(rd, table)
        yl = y[labelled]
        self.config_data({
            "nodes": int(g.num_nodes), "edges": int(g.edge_index.shape[1] // 2), "features": int(x.shape[1]),
            "labelled": int(labelled.sum()), "node_type": table.node_type, "notes": table.notes,
            "target": {"mean": float(yl.mean()), "std": float(yl.std()), "min": float(yl.min()), "max": float(yl.max())},
            "split": {k: int(m.sum()) for k, m in masks.items()},
        })
        log_encodings(enc)

    def load(self):
        from graphguard.data.npz import read_npz

        g = read_npz(self.rd / "graph.npz", split=0)
        y = np.load(self.rd / "targets.npy", allow_pickle=False)
        idx = {s: np.flatnonzero(g[f"{s}_mask"].numpy()) for s in SPLITS}
        return g, y, idx

    def resolve(self, name):
        from graphguard.tasks.node.regressors import regressor_class

        return regressor_class(name)

    def make(self, name, params):
        return self.resolve(name)(**params)

    def fit(self, model):
        g, y, idx = self.data
        return model.fit(g, y, idx["train"], idx["val"])

    def validation_score(self, model) -> float:
        g, y, idx = self.data
        return regression_metrics(y[idx["val"]], model.predict(g)[idx["val"]])[self.job.spec.metric]

    def load_model(self, path):
        from graphguard.tasks.node.regressors import NodeRegressor

        return NodeRegressor.load(path)

    def evaluate(self, model, best):
        g, y, idx = self.data
        p = model.predict(g)
        split = np.full(y.size, "unlabelled", dtype=object)
        split[~np.isnan(y)] = "unused"
        for s in SPLITS:
            split[idx[s]] = s
        df = pd.DataFrame({"id": np.asarray(g.node_id), "predicted": p, "label": y, "split": split})
        tmp = self.rd / "predictions.csv.tmp"
        df.to_csv(tmp, index=False, float_format="%.6g")
        os.replace(tmp, self.rd / "predictions.csv")
        out = {}
        for s in ("val", "test"):
            if idx[s].size:
                out[s] = regression_metrics(y[idx[s]], p[idx[s]], str(self.rd / "model"))
        return out
