"""Node regression: boosted trees on the same neighbour-aggregated features as the tree detectors.

A numeric node property (a balance, an age, a rating) is predicted the way the detectors score
fraud: the features are exactly what ``GraphGBM`` / ``XGBGraph`` compute (``transform``), and only
the booster's objective changes to squared error. So a regression run reuses the detectors'
feature code and hyperparameter names (and therefore the tuner's search space) unchanged.

* ``graphgbm``: LightGBM on ``GraphGBM``'s rich per-relation statistics, early-stopped on the
  validation RMSE.
* ``xgbgraph``: XGBoost on GADBench's ``[x, h1, h2]`` closed-neighbourhood means.

Models are saved without pickle: the booster's own text/JSON model as bytes in ``weights.safetensors``
next to ``config.json``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphguard.data.graph import Graph
from graphguard.errors import ConfigError, DataError, not_fitted
from graphguard.tasks.node.columns import align_columns, check_width, fitted_columns, width
from graphguard.tasks.node.params import saved_name
from graphguard.utils.params import (Params, as_fitted, loaded_params, remember_fitted_params,
                                     restore_params_set_after_fit, saved_params)
from graphguard.utils.serialization import load_model_dir, save_model_dir
from graphguard.utils.threads import get_threads


def _bytes(t) -> bytes:
    return t.numpy().astype(np.uint8).tobytes()


def _tensor(b: bytes | bytearray | str):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return torch.from_numpy(np.frombuffer(bytes(b), dtype=np.uint8).copy())


def _node_index(graph: Graph, given, name: str) -> np.ndarray:
    """Node indices from an index array, list or tensor, or from a boolean mask over the nodes."""
    idx = torch.as_tensor(given if isinstance(given, torch.Tensor) else np.asarray(given))
    if idx.dtype == torch.bool:
        if idx.numel() != graph.num_nodes:
            raise DataError("fit", f"{name} has {idx.numel()} entries for {graph.num_nodes} nodes")
        return idx.nonzero().flatten().numpy()
    idx = idx.long().flatten().numpy()
    if idx.size and (idx.min() < 0 or idx.max() >= graph.num_nodes):
        raise DataError("fit", f"{name} holds node indices outside 0..{graph.num_nodes - 1}")
    return idx


def _graph_split(graph: Graph, y: np.ndarray, val_idx):
    """The graph's own ``train_mask`` (else every node with a finite target) and, unless given, ``val_mask``."""
    train = graph.train_mask if "train_mask" in graph else np.isfinite(y)
    if val_idx is None and "val_mask" in graph:
        val_idx = graph.val_mask
    return train, val_idx


def _check_homogeneous(graph, source: str) -> None:
    if isinstance(graph, HeteroData):
        raise DataError(source, "node regression supports homogeneous graphs (a torch_geometric Data with x), "
                                f"not a HeteroData (node types {', '.join(graph.node_types)})")


class NodeRegressor(Params):
    """Base class: ``fit(graph, y, train_idx, val_idx)``, ``predict(graph)``, ``save``/``load``.

    ``get_params`` / ``set_params`` cover every constructor parameter, so ``sklearn.base.clone`` works.
    """

    name = "base"

    def transform(self, graph: Graph) -> np.ndarray:
        raise NotImplementedError

    def fit(self, graph: Graph, y, train_idx=None, val_idx=None):
        """Learn ``y`` (one value per node) on ``train_idx``, early-stopped on ``val_idx`` where a model does.

        Either is an index array, list or tensor, or a boolean mask. Without ``train_idx`` the graph's
        own ``train_mask`` trains (no mask: every node with a finite ``y``) and, unless ``val_idx`` is
        given, its ``val_mask`` validates; ``train_idx`` alone trains without validation.
        """
        _check_homogeneous(graph, "fit")
        if not width(graph):
            raise DataError("fit", f"graph has no features (x); {self.name} needs them")
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if y.size != graph.num_nodes:
            raise DataError("fit", f"y has {y.size} entries for {graph.num_nodes} nodes")
        if train_idx is None:
            train_idx, val_idx = _graph_split(graph, y, val_idx)
        train_idx = _node_index(graph, train_idx, "train_idx")
        val_idx = None if val_idx is None else _node_index(graph, val_idx, "val_idx")
        if train_idx.size < 2 or not np.isfinite(y[train_idx]).all():
            raise DataError("fit", "node regression needs at least two training nodes with a finite target")
        if val_idx is not None and np.intersect1d(train_idx, val_idx).size:
            raise DataError("fit", "validation nodes overlap the training nodes")
        remember_fitted_params(self)
        F = self.transform(graph)
        self.num_features_ = width(graph)
        self.feature_names_ = fitted_columns(graph)
        self._fit(F, y, train_idx, val_idx if val_idx is not None and val_idx.size else None)
        return self

    def predict(self, graph: Graph) -> np.ndarray:
        """One value per node; the graph's columns are read by the names kept at fit, as the detectors read them
        (a model saved before names were kept reads them by position)."""
        self._check_fitted()
        _check_homogeneous(graph, "predict")
        graph = align_columns(graph, getattr(self, "feature_names_", None))
        check_width("graph", self.num_features_, width(graph))
        fitted = as_fitted(self)  # the features the booster was fitted on, whatever set_params changed since
        return np.asarray(fitted._predict(fitted.transform(graph)), dtype=np.float64)

    def save(self, path):
        """The booster and the parameters it was fitted with (``set_params`` changes since are kept apart)."""
        self._check_fitted()
        config = {"regressor": self.name, **saved_params(self), "num_features": self.num_features_,
                  "feature_names": getattr(self, "feature_names_", {})}
        return save_model_dir(path, config, {"booster": _tensor(self._model_bytes())})

    @classmethod
    def load(cls, path) -> "NodeRegressor":
        """The regressor saved in ``path``; ``SomeRegressor.load`` refuses another regressor's directory."""
        config, tensors = load_model_dir(path)
        name = saved_name(path, config, "regressor", None if cls is NodeRegressor else cls)
        obj = (regressor_class(name) if cls is NodeRegressor else cls)(**loaded_params(config))
        obj.num_features_ = config["num_features"]
        obj.feature_names_ = config.get("feature_names", {})  # absent in regressors saved before names were kept
        obj._restore(_bytes(tensors["booster"]))
        return restore_params_set_after_fit(obj, config)

    def _check_fitted(self) -> None:
        if not hasattr(self, "num_features_"):
            raise not_fitted(f"{type(self).__name__} is not fitted; call fit(graph, y) first")


class GraphGBMRegressor(NodeRegressor):
    """LightGBM (squared error) on ``GraphGBM``'s neighbour statistics; early-stopped on validation RMSE."""

    name = "graphgbm"

    def __init__(self, num_hops: int | None = None, n_estimators: int = 2000, learning_rate: float = 0.03,
                 num_leaves: int = 15, min_child_samples: int = 20, colsample_bytree: float = 0.5,
                 subsample: float = 0.8, early_stopping: int = 100, seed: int = 0):
        self.num_hops, self.n_estimators, self.learning_rate = num_hops, n_estimators, learning_rate
        self.num_leaves, self.min_child_samples = num_leaves, min_child_samples
        self.colsample_bytree, self.subsample, self.early_stopping, self.seed = colsample_bytree, subsample, early_stopping, seed

    def transform(self, graph):
        from graphguard.tasks.node.detectors.trees import GraphGBM

        return GraphGBM(num_hops=self.num_hops).transform(graph)

    def _fit(self, F, y, tr, va):
        import lightgbm as lgb

        params = dict(objective="regression", learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                      min_child_samples=self.min_child_samples, colsample_bytree=self.colsample_bytree,
                      subsample=self.subsample, subsample_freq=1, seed=self.seed, num_threads=get_threads(),
                      verbose=-1, metric="rmse")
        train = lgb.Dataset(F[tr], y[tr])
        if va is None:
            self.booster_ = lgb.train(params, train, num_boost_round=self.n_estimators)
            return
        valid = lgb.Dataset(F[va], y[va], reference=train)
        self.booster_ = lgb.train(params, train, num_boost_round=self.n_estimators, valid_sets=[valid],
                                  callbacks=[lgb.early_stopping(self.early_stopping, verbose=False)])

    def _predict(self, F):
        b = self.booster_
        return b.predict(F, num_iteration=b.best_iteration or None, num_threads=get_threads())

    def _model_bytes(self):
        return self.booster_.model_to_string(num_iteration=self.booster_.best_iteration or None)

    def _restore(self, raw: bytes):
        import lightgbm as lgb

        self.booster_ = lgb.Booster(model_str=raw.decode("utf-8"))


class XGBGraphRegressor(NodeRegressor):
    """XGBoost (squared error) on ``[x, h1, h2]`` closed-neighbourhood means, as ``XGBGraph`` computes them."""

    name = "xgbgraph"

    def __init__(self, num_layers: int = 2, n_estimators: int = 300, learning_rate: float = 0.05, max_depth: int = 6,
                 subsample: float = 0.8, seed: int = 0):
        self.num_layers, self.n_estimators, self.learning_rate = num_layers, n_estimators, learning_rate
        self.max_depth, self.subsample, self.seed = max_depth, subsample, seed

    def transform(self, graph):
        from graphguard.tasks.node.detectors.trees import XGBGraph

        return XGBGraph(num_layers=self.num_layers).transform(graph)

    def _fit(self, F, y, tr, va):
        import xgboost as xgb

        m = xgb.XGBRegressor(n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
                             subsample=self.subsample, tree_method="hist", n_jobs=get_threads(), random_state=self.seed)
        self.booster_ = m.fit(F[tr], y[tr]).get_booster()

    def _predict(self, F):
        return self.booster_.inplace_predict(np.ascontiguousarray(F, dtype=np.float32))

    def _model_bytes(self):
        return bytes(self.booster_.save_raw("json"))

    def _restore(self, raw: bytes):
        import xgboost as xgb

        self.booster_ = xgb.Booster()
        self.booster_.load_model(bytearray(raw))
        self.booster_.set_param({"nthread": get_threads()})


REGRESSORS = {c.name: c for c in (GraphGBMRegressor, XGBGraphRegressor)}


def regressor_class(name: str):
    key = str(name).lower()
    if key not in REGRESSORS:
        raise ConfigError(f"unknown node regressor '{name}' (known: {', '.join(REGRESSORS)})")
    return REGRESSORS[key]


__all__ = ["NodeRegressor", "GraphGBMRegressor", "XGBGraphRegressor", "REGRESSORS", "regressor_class"]
