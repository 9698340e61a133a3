"""Non-neural baselines in the estimator API: WL-subtree or Morgan-fingerprint features + trees.

Both turn each graph into a fixed vector and fit gradient-boosted trees (``classifier="xgb"``),
a random forest (``"rf"``, xgboost's forest mode) or a logistic regression (``"linear"``). All three
persist without pickle (xgboost's JSON model as bytes; linear weights as tensors). Embeddings for
similarity search are the L2-normalised feature vectors, i.e. the WL / Tanimoto-like kernel.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from graphguard.errors import ConfigError, DataError
from graphguard.tasks.graph.base import GraphEstimator
from graphguard.utils.threads import get_threads

CLASSIFIERS = ("xgb", "rf", "linear")


def _normalise(X) -> np.ndarray:
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float32)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


class _FeatureTreeEstimator(GraphEstimator):
    """Shared fit/predict for feature-map + classifier baselines."""

    def _features(self, graphs, fit: bool):
        raise NotImplementedError

    def _make_model(self):
        import xgboost as xgb

        common = dict(n_jobs=get_threads(), random_state=self.seed)
        reg = self.task == "regression"
        if self.classifier == "xgb":
            cls = xgb.XGBRegressor if reg else xgb.XGBClassifier
            return cls(n_estimators=self.n_estimators, max_depth=self.max_depth, learning_rate=self.learning_rate,
                       subsample=0.8, colsample_bytree=0.5, tree_method="hist", **common)
        if self.classifier == "rf":
            cls = xgb.XGBRFRegressor if reg else xgb.XGBRFClassifier
            return cls(n_estimators=self.n_estimators, max_depth=self.max_depth or 12, subsample=0.8,
                       colsample_bynode=0.3, tree_method="hist", **common)
        if self.classifier == "linear":
            from sklearn.linear_model import LogisticRegression, Ridge

            return Ridge(alpha=1.0 / self.C) if reg else LogisticRegression(C=self.C, max_iter=2000)
        raise ConfigError(f"unknown classifier '{self.classifier}' (choose from {', '.join(CLASSIFIERS)})")

    def _prep(self, X):
        if self.classifier == "linear":
            return _normalise(X)
        return X

    def _fit(self, graphs, y, val):
        X = self._features(graphs, fit=True)
        self.model_ = self._make_model()
        self.model_.fit(self._prep(X), y)

    def _scores(self, graphs):
        X = self._prep(self._features(graphs, fit=False))
        if self.task == "regression":
            return np.asarray(self.model_.predict(X), dtype=np.float64)
        return np.asarray(self.model_.predict_proba(X))

    def _embed(self, graphs):
        return _normalise(self._features(graphs, fit=False)).astype(np.float32)

    def _model_state(self) -> dict:
        if self.classifier == "linear":
            m = self.model_
            return {"coef": torch.as_tensor(np.atleast_2d(m.coef_)), "intercept": torch.as_tensor(np.atleast_1d(m.intercept_))}
        raw = self.model_.get_booster().save_raw("json")
        return {"xgb_json": torch.frombuffer(bytearray(raw), dtype=torch.uint8)}

    def _model_restore(self, tensors):
        self.model_ = self._make_model()
        if self.classifier == "linear":
            self.model_.coef_ = tensors["coef"].numpy()
            self.model_.intercept_ = tensors["intercept"].numpy()
            if self.task == "regression":
                self.model_.coef_ = self.model_.coef_.reshape(-1)
                self.model_.intercept_ = float(self.model_.intercept_[0])
            else:
                self.model_.classes_ = np.arange(len(self.classes_))
            self.model_.n_features_in_ = tensors["coef"].shape[-1]
            return
        self.model_.load_model(bytearray(tensors["xgb_json"].numpy().tobytes()))


class WLClassifier(_FeatureTreeEstimator):
    """WL-subtree counts (``iterations`` refinements, edge labels included) + trees or a linear model."""

    _param_names = ("iterations", "classifier", "n_estimators", "max_depth", "learning_rate", "C",
                    "use_edge_labels", "task", "seed")

    def __init__(self, iterations: int = 3, classifier: str = "xgb", n_estimators: int = 300, max_depth: int = 4,
                 learning_rate: float = 0.05, C: float = 10.0, use_edge_labels: bool = True,
                 task: str = "classification", seed: int = 0):
        self.iterations, self.classifier, self.n_estimators = iterations, classifier, n_estimators
        self.max_depth, self.learning_rate, self.C = max_depth, learning_rate, C
        self.use_edge_labels, self.task, self.seed = use_edge_labels, task, seed

    def _features(self, graphs, fit):
        from graphguard.tasks.graph.wl import WLVectorizer

        if fit:
            self.vectorizer_ = WLVectorizer(self.iterations, self.use_edge_labels)
            return self.vectorizer_.fit_transform(graphs)
        return self.vectorizer_.transform(graphs)

    def _state(self):
        return {}, {"wl_vocab": torch.as_tensor(self.vectorizer_.vocab_), **self._model_state()}

    def _restore(self, config, tensors):
        from graphguard.tasks.graph.wl import WLVectorizer

        self.vectorizer_ = WLVectorizer(self.iterations, self.use_edge_labels)
        self.vectorizer_.vocab_ = tensors["wl_vocab"].numpy()
        self._model_restore(tensors)


class FingerprintClassifier(_FeatureTreeEstimator):
    """Morgan count fingerprints (+ RDKit 2-D descriptors) of ``g.smiles`` + trees or a linear model."""

    uses_node_features = False
    _param_names = ("radius", "n_bits", "descriptors", "classifier", "n_estimators", "max_depth",
                    "learning_rate", "C", "task", "seed")

    def __init__(self, radius: int = 2, n_bits: int = 2048, descriptors: bool = True, classifier: str = "rf",
                 n_estimators: int = 500, max_depth: int = 0, learning_rate: float = 0.05, C: float = 1.0,
                 task: str = "classification", seed: int = 0):
        self.radius, self.n_bits, self.descriptors, self.classifier = radius, n_bits, descriptors, classifier
        self.n_estimators, self.max_depth, self.learning_rate, self.C = n_estimators, max_depth, learning_rate, C
        self.task, self.seed = task, seed

    def _features(self, graphs, fit):
        from graphguard.tasks.graph.fingerprints import molecule_features

        smiles = []
        for i, g in enumerate(graphs):
            s = getattr(g, "smiles", None)
            if not isinstance(s, str):
                raise DataError("<graphs>", f"graph {i} has no SMILES string (g.smiles); fingerprints need molecules")
            smiles.append(s)
        return molecule_features(smiles, self.radius, self.n_bits, self.descriptors)

    def _state(self):
        return {}, self._model_state()

    def _restore(self, config, tensors):
        self._model_restore(tensors)
