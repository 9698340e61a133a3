"""The estimator contract shared by every node detector (PyGOD / scikit-learn style).

Hyperparameters go to ``__init__``; ``fit`` learns from the labelled training nodes of a graph and
keeps what it learned in attributes ending in ``_``. Scores are for the target nodes (the labelled
node type of a heterogeneous graph); higher means more anomalous.

A subclass implements ``_fit(graph, train_idx, val_idx)``, ``_score(graph) -> np.ndarray`` (one
score per target node) and ``_state()`` / ``_restore()`` for saving. The base class validates input
once, never modifies the caller's graph, picks the decision threshold on validation, and writes
``config.json`` + ``weights.safetensors``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import precision_recall_curve

from graphguard.data.graph import Graph, is_hetero, target_store, target_type
from graphguard.data.validate import validate_graph
from graphguard.errors import DataError, not_fitted
from graphguard.tasks.node.columns import align_columns, check_width, fitted_columns, width
from graphguard.tasks.node.params import saved_name
from graphguard.utils.params import (Params, as_fitted, loaded_params, remember_fitted_params,
                                     restore_params_set_after_fit, saved_params)
from graphguard.utils.serialization import load_model_dir, save_model_dir


def _mask_idx(g: Graph, mask, name: str) -> np.ndarray | None:
    s = target_store(g)
    if mask is None:
        mask = s[name] if name in s else None
    if mask is None:
        return None
    m = torch.as_tensor(np.asarray(mask) if not isinstance(mask, torch.Tensor) else mask)
    if m.dtype == torch.bool:
        if m.numel() != s.num_nodes:
            raise DataError("fit", f"{name} has {m.numel()} entries for {s.num_nodes} nodes")
        return m.nonzero().flatten().numpy()
    return m.long().numpy()


def _target_name(g: Graph) -> str:
    """How an error names the scored nodes: ``graph`` (a ``Data``) or ``node type 'review'``."""
    return f"node type '{target_type(g)}'" if is_hetero(g) else "graph"


CLASSES = np.array([0, 1])  # every detector's labels: 0 normal, 1 fraud (anomalous)


class NodeDetector(Params):
    """Base class: subclasses set ``name`` and implement ``_fit``, ``_score``, ``_state``, ``_restore``.

    ``get_params`` / ``set_params`` cover every constructor parameter, parents' included, so
    ``sklearn.base.clone`` works. After ``fit``: ``classes_`` (``[0, 1]``), ``threshold_`` (see ``predict``).
    """

    name: str = "base"
    reads_store = False  # True: fits from a store-backed graph without edge_index (see graphguard.train.csc)
    data_parallel = False  # True: fit shards its training nodes over torchrun ranks (graphguard.train.ddp)
    needs_features = True  # False: scores nodes without features (HGT reads a type without x as all ones)

    # ------------------------------------------------------------------ public API
    def fit(self, graph: Graph, train_mask=None, val_mask=None, source=None) -> "NodeDetector":
        """Learn from the labelled nodes in ``train_mask`` (default: the graph's own mask)."""
        validate_graph(graph, source)
        s = target_store(graph)
        if "y" not in s:
            raise DataError(source, "graph has no labels (y); a supervised detector needs them")
        if self.needs_features and "x" not in s:
            raise DataError(source, f"{_target_name(graph)} has no features (x); {self.name} needs them")
        train_idx = _mask_idx(graph, train_mask, "train_mask")
        if train_idx is None:
            train_idx = np.flatnonzero(s.y.numpy() >= 0)
        val_idx = _mask_idx(graph, val_mask, "val_mask")
        y = s.y.numpy()
        if (y[train_idx] < 0).any():
            raise DataError(source, "train_mask contains unlabelled nodes (label -1)")
        if np.unique(y[train_idx]).size < 2:
            raise DataError(source, "training labels hold a single class; both 0 and 1 are needed")
        if val_idx is not None and np.intersect1d(train_idx, val_idx).size:
            raise DataError(source, "validation nodes overlap the training nodes")
        if val_idx is not None and (val_idx.size == 0 or np.unique(y[val_idx]).size < 2):
            val_idx = None
        remember_fitted_params(self)
        t0 = time.perf_counter()
        self._fit(graph, train_idx, val_idx)
        self.fit_seconds_ = time.perf_counter() - t0
        self.num_features_ = int(s.x.shape[1]) if "x" in s else 0
        self.feature_names_ = fitted_columns(graph)
        # threshold: best F1 on validation, else on training nodes
        idx = val_idx if val_idx is not None else train_idx
        # a subclass may leave the scores it computed anyway in _fit_scores, saving a second pass
        all_scores = getattr(self, "_fit_scores", None)
        if all_scores is None:
            all_scores = self._score(graph)
        self._fit_scores = None
        scores = np.asarray(all_scores)[idx]
        self.threshold_ = _best_f1_threshold(y[idx], scores)
        self.classes_ = CLASSES.copy()
        return self

    def decision_function(self, graph: Graph, nodes=None) -> np.ndarray:
        """Anomaly score (float64) of each target node (or of ``nodes``); higher = more suspicious."""
        self._check_fitted()
        graph = self._as_fitted_input(graph)
        # the fitted parameters score: set_params after fit changes the next fit (trees' features read them)
        scores = np.asarray(as_fitted(self)._score(graph), dtype=np.float64)  # GNNs score in float32, trees in float64
        return scores if nodes is None else scores[np.asarray(nodes)]

    def _as_fitted_input(self, graph: Graph) -> Graph:
        """``graph`` validated, its columns in the fitted order, its target ``x`` refused unless of the fitted width."""
        validate_graph(graph)
        graph = align_columns(graph, getattr(self, "feature_names_", None))
        check_width(_target_name(graph), self.num_features_, width(target_store(graph)))
        return graph

    def predict_proba(self, graph: Graph, nodes=None) -> np.ndarray:
        """Columns ``[1 - score, score]`` for ``classes_`` ``[0, 1]``, the score clipped to [0, 1]."""
        p = np.clip(self.decision_function(graph, nodes), 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, graph: Graph, nodes=None) -> np.ndarray:
        """1 where the score reaches ``threshold_``, else 0.

        ``threshold_`` is the score with the best F1 on the validation nodes (on the training nodes when
        there are none), not 0.5: with rare fraud that cut flags far better than a fixed one. So ``predict``
        can differ from ``predict_proba(...).argmax(1)``; cut ``decision_function`` yourself for another.
        """
        return (self.decision_function(graph, nodes) >= self.threshold_).astype(np.int64)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``weights.safetensors``; ``params`` are those the weights were fitted with
        (any changed since by ``set_params`` are kept apart and set again by ``load``)."""
        self._check_fitted()
        extra, tensors = as_fitted(self)._state()
        config = {
            "detector": self.name,
            **saved_params(self),
            "threshold": float(self.threshold_),
            "num_features": self.num_features_,
            "feature_names": getattr(self, "feature_names_", {}),
            "fit_seconds": float(getattr(self, "fit_seconds_", 0.0)),
            "state": extra,
        }
        return save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path: str | Path) -> "NodeDetector":
        """The detector saved in ``path``; ``SomeDetector.load`` refuses another detector's directory."""
        from graphguard.tasks.node.registry import detector_class

        config, tensors = load_model_dir(path)
        name = saved_name(path, config, "detector", None if cls is NodeDetector else cls)
        klass = detector_class(name) if cls is NodeDetector else cls
        det = klass(**loaded_params(config))
        det.threshold_ = config["threshold"]
        det.classes_ = CLASSES.copy()
        det.num_features_ = config["num_features"]
        det.feature_names_ = config.get("feature_names", {})  # absent in models saved before names were kept
        det.fit_seconds_ = config.get("fit_seconds", 0.0)
        det._restore(config["state"], tensors)
        return restore_params_set_after_fit(det, config)

    # ------------------------------------------------------------------ subclass hooks
    def _fit(self, graph: Graph, train_idx: np.ndarray, val_idx: np.ndarray | None) -> None:
        raise NotImplementedError

    def _score(self, graph: Graph) -> np.ndarray:
        raise NotImplementedError

    def _state(self) -> tuple[dict, dict]:
        raise NotImplementedError

    def _restore(self, state: dict, tensors: dict) -> None:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise not_fitted(f"{type(self).__name__} is not fitted; call fit(graph) first")


def _best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    if np.unique(y).size < 2:
        return 0.5
    prec, rec, thr = precision_recall_curve(y, scores)
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-12)
    i = int(np.argmax(f1[:-1])) if thr.size else 0
    return float(thr[i]) if thr.size else 0.5
