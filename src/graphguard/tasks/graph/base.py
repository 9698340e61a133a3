"""What every graph-level estimator shares: input checks, labels, class probabilities, search.

Subclasses implement ``_fit(graphs, y)``, ``_scores(graphs)`` (class probabilities, or values for
regression), ``_embed(graphs)`` and the persistence hooks ``_state()`` / ``_restore()``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.errors import ConfigError, DataError, not_fitted
from graphguard.utils.params import (as_fitted, loaded_params, params_repr, remember_fitted_params,
                                     restore_params_set_after_fit, saved_params, set_params_via_constructor)
from graphguard.utils.serialization import describe_model, load_model_dir, save_model_dir

TASKS = ("classification", "regression")


def infer_task(y, task: str = "auto", source: str = "<graphs>") -> str:
    """``classification`` or ``regression`` for labels ``y``; ``auto`` decides as scikit-learn's
    ``type_of_target`` does: non-integer numbers are a regression target, integers are classes."""
    if task in TASKS:
        return task
    if task != "auto":
        raise ConfigError(f"unknown task '{task}' (choose auto, {', '.join(TASKS)})")
    from sklearn.utils.multiclass import type_of_target

    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DataError(source, f"labels are not numeric (dtype {y.dtype})")
    return "regression" if type_of_target(y.reshape(-1)) == "continuous" else "classification"


def check_graphs(graphs, source: str = "<graphs>", width: int | None = None, reads_x: bool = True) -> list[Data]:
    """A non-empty list of homogeneous PyG graphs, each with ``edge_index``, at least one node and (where
    ``reads_x``) ``x``: every model has nothing to read in an empty graph (WL would hash nothing, a GNN pool nothing).

    ``width``: the node-feature width the model was trained on, which every graph's ``x`` must have (a GNN's
    first layer fails on another with a torch shape error, WL would hash rows it never saw). ``reads_x=False``
    (a model that reads something else, e.g. fingerprints of ``g.smiles``): ``x`` may be absent or of any width."""
    if isinstance(graphs, Data):
        graphs = [graphs]
    graphs = list(graphs)
    if not graphs:
        raise DataError(source, "no graphs given")
    dim = None
    for i, g in enumerate(graphs):
        if not isinstance(g, Data):
            raise DataError(source, f"graph {i} is a {type(g).__name__}, expected a torch_geometric Data")
        if reads_x:
            _check_x(g, i, source, width, dim)
            dim = g.x.shape[1] if dim is None else dim
        if not g.num_nodes:
            raise DataError(source, f"graph {i} has no nodes")
        ei = g.edge_index
        if ei is None:
            raise DataError(source, f"graph {i} has no edge_index (give an empty 2 x 0 one for a graph without edges)")
        if ei.numel() and (int(ei.min()) < 0 or int(ei.max()) >= g.num_nodes):
            raise DataError(source, f"graph {i} has an edge to a node that does not exist")
    return graphs


def _check_x(g: Data, i: int, source: str, width: int | None, dim: int | None) -> None:
    """Graph ``i``'s ``x``: 2-D, ``width`` columns where the model's is known, else as many as graph 0's (``dim``)."""
    if getattr(g, "x", None) is None or g.x.dim() != 2:
        reads = "" if width is None else f"; the model was trained on {width} node features"
        raise DataError(source, f"graph {i} has no 2-D node feature matrix x{reads}")
    if width is not None and g.x.shape[1] != width:
        raise DataError(source, f"graph {i} has {g.x.shape[1]} node features, the model was trained on {width}")
    if dim is not None and g.x.shape[1] != dim:
        raise DataError(source, f"graph {i} has {g.x.shape[1]} node features, graph 0 has {dim}")


def _width(g: Data) -> int | None:
    """Columns of ``g.x`` (``None`` without one)."""
    x = getattr(g, "x", None)
    return int(x.shape[1]) if x is not None and x.dim() == 2 else None


def class_labels(y: np.ndarray, source: str = "<graphs>") -> np.ndarray:
    """``y`` as int64 classes; a fractional (or missing) label is an error, not truncated to a class,
    and so is a text label (the saved model and the CLI's readers know integer classes only)."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)  # e.g. an object array of ints
        except (TypeError, ValueError):
            raise DataError(source, f"classification labels must be integers, got {y.reshape(-1).tolist()[0]!r} "
                                    f"(dtype {y.dtype}); map text labels to integers first") from None
    if y.dtype.kind == "f" and np.isnan(y).any():
        i = int(np.flatnonzero(np.isnan(y.reshape(-1)))[0])
        raise DataError(source, f"graph {i} has no label; give every training graph a class")
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        bad = y[y != np.round(y)][0]
        raise DataError(source, f"classification labels must be integers, got {bad}; use task='regression' "
                                "for a numeric target")
    return y.astype(np.int64)


def graph_labels(graphs: list[Data], y=None, source: str = "<graphs>") -> np.ndarray:
    """Labels from ``y`` or from each graph's ``y`` attribute (one value per graph)."""
    if y is not None:
        y = np.asarray(y).reshape(-1)
        if len(y) != len(graphs):
            raise DataError(source, f"{len(y)} labels for {len(graphs)} graphs")
        return y
    out = []
    for i, g in enumerate(graphs):
        if getattr(g, "y", None) is None or g.y.numel() != 1:
            raise DataError(source, f"graph {i} has no graph label y")
        out.append(g.y.reshape(-1)[0].item())
    return np.asarray(out)


class GraphEstimator:
    """Base class: scikit-learn style graph classifier/regressor with embeddings and search."""

    task: str = "classification"
    uses_node_features: bool = True  # False: reads something else (e.g. SMILES), so graphs may come without x

    # -- subclass hooks --------------------------------------------------------------------
    def _fit(self, graphs: list[Data], y: np.ndarray, val: tuple | None) -> None:
        raise NotImplementedError

    def _scores(self, graphs: list[Data]) -> np.ndarray:
        raise NotImplementedError

    def _embed(self, graphs: list[Data]) -> np.ndarray:
        raise NotImplementedError

    def _state(self) -> tuple[dict, dict]:
        raise NotImplementedError

    def _restore(self, config: dict, tensors: dict) -> None:
        raise NotImplementedError

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's options (``deep`` is scikit-learn's; ensemble members are specs, not estimators)."""
        return {k: getattr(self, k) for k in self._param_names}

    def set_params(self, **params):
        """Change options as scikit-learn does, through the constructor (an unknown name is refused)."""
        return set_params_via_constructor(self, params)

    def __repr__(self) -> str:
        return params_repr(self)

    # -- public API ------------------------------------------------------------------------
    def fit(self, graphs, y=None, val_graphs=None, val_y=None):
        """Train on ``graphs`` (labels from ``y`` or ``g.y``); ``val_graphs`` select the best epoch/model."""
        if self.task not in TASKS:
            raise ConfigError(f"unknown task '{self.task}' (choose from {', '.join(TASKS)})")
        # the reader's label -> one-hot columns (TU), saved so that other files are read the same way
        self.encodings_ = getattr(graphs, "encodings", None) or None
        source = getattr(graphs, "source", "") or "<graphs>"  # a GraphList knows its file
        graphs = check_graphs(graphs, source, reads_x=self.uses_node_features)
        y = graph_labels(graphs, y, source)
        if self.task == "classification":
            y = class_labels(y, source)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise DataError(source, f"need at least two classes to train, found only {self.classes_.tolist()}")
            yi = np.searchsorted(self.classes_, y)
        else:
            yi = y.astype(np.float32)
        val = None
        if val_graphs is not None:
            vg = check_graphs(val_graphs, "<validation graphs>", _width(graphs[0]) if self.uses_node_features else None,
                              reads_x=self.uses_node_features)
            vy = graph_labels(vg, val_y, "<validation graphs>")
            if self.task == "classification":
                vy = class_labels(vy, "<validation graphs>")
                unknown = set(np.unique(vy).tolist()) - set(self.classes_.tolist())
                if unknown:
                    raise DataError("<validation graphs>", f"labels {sorted(unknown)} do not occur in training")
                vy = np.searchsorted(self.classes_, vy)
            val = (vg, vy)
        self.num_features_ = _width(graphs[0])  # None: a model that reads no x was fitted on graphs without one
        remember_fitted_params(self)
        self._fit(graphs, yi, val)
        self.fitted_ = True
        return self

    def _check_fitted(self):
        if not getattr(self, "fitted_", False):
            raise not_fitted(f"{type(self).__name__} is not fitted; call fit() or load() first")

    def _check_input(self, graphs) -> list[Data]:
        self._check_fitted()
        source = getattr(graphs, "source", "") or "<graphs>"
        graphs = check_graphs(graphs, source, self.num_features_ if self.uses_node_features else None,
                              reads_x=self.uses_node_features)
        self._check_model_input(graphs, source)
        return graphs

    def _check_model_input(self, graphs: list[Data], source: str) -> None:
        """What a subclass's model reads beyond node features (e.g. a GNN's edge features)."""

    def predict_proba(self, graphs) -> np.ndarray:
        if self.task != "classification":
            raise ConfigError("predict_proba is only defined for classification")
        return self._scores(self._check_input(graphs))

    def decision_function(self, graphs) -> np.ndarray:
        """Binary: the positive-class probability; multi-class: all class probabilities; regression: values."""
        s = self._scores(self._check_input(graphs))
        if self.task == "classification" and s.shape[1] == 2:
            return s[:, 1]
        return s

    def predict(self, graphs) -> np.ndarray:
        s = self._scores(self._check_input(graphs))
        if self.task == "regression":
            return s.reshape(-1)
        return self.classes_[s.argmax(1)]

    def embed(self, graphs) -> np.ndarray:
        """One vector per graph (the pooled representation the prediction head sees)."""
        return self._embed(self._check_input(graphs))

    def index(self, graphs, ids=None, metric: str = "cosine"):
        """A ``GraphIndex`` over ``graphs`` for ``nearest(query, k)`` search."""
        from graphguard.tasks.graph.index import GraphIndex

        return GraphIndex(self.embed(graphs), ids=ids, metric=metric, encoder=self)

    # -- persistence -----------------------------------------------------------------------
    def save(self, path) -> Path:
        """The fitted model with the parameters it was fitted with (``set_params`` changes since are kept apart)."""
        self._check_fitted()
        fitted = as_fitted(self)  # _state reads options that describe the fitted model (classifier, task)
        config, tensors = fitted._state()
        config = {"class": type(self).__name__, **saved_params(self), "task": fitted.task,
                  "num_features": self.num_features_, "encodings": getattr(self, "encodings_", None),
                  "classes": self.classes_.tolist() if fitted.task == "classification" else None, **config}
        return save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path):
        config, tensors = load_model_dir(path)
        from graphguard.tasks.graph.registry import ESTIMATORS

        klass = ESTIMATORS.get(config.get("class", ""))
        if klass is None or (cls is not GraphEstimator and not issubclass(klass, cls)):
            raise DataError(path, f"holds {describe_model(config)}, not a {cls.__name__}")
        est = klass(**loaded_params(config))
        est.num_features_ = config.get("num_features")  # None: _restore reads it from the weights where it can
        est.encodings_ = config.get("encodings")
        if config.get("classes") is not None:
            est.classes_ = np.asarray(config["classes"])
        est._restore(config, tensors)
        if est.num_features_ is None and est.uses_node_features:
            raise DataError(path, "config.json lacks num_features, the node-feature width the model was trained "
                                  "on, and its weights do not tell it; predictions on other graphs could not be checked")
        est.fitted_ = True
        return restore_params_set_after_fit(est, config)


def to_tensor_dict(d: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(np.ascontiguousarray(v)) for k, v in d.items()}
