"""Graph-level estimators by name, for the CLI and for ``GraphEstimator.load``."""

from __future__ import annotations

from graphguard.errors import ConfigError
from graphguard.tasks.graph.baselines import FingerprintClassifier, WLClassifier
from graphguard.tasks.graph.ensemble import GraphEnsemble
from graphguard.tasks.graph.gnn import GNNGraphClassifier, GNNGraphRegressor
from graphguard.tasks.graph.wl_kernel import WLKernelSVM

ESTIMATORS = {c.__name__: c for c in (GNNGraphClassifier, GNNGraphRegressor, WLClassifier, WLKernelSVM, FingerprintClassifier,
                                             GraphEnsemble)}
GNN_MODELS = ("gin", "gine", "gcn", "sage")
MODELS = GNN_MODELS + ("wl", "wl-svm", "fingerprint", "ensemble")


def make_estimator(name: str, **params):
    """``gin``/``gine``/``gcn``/``sage`` -> GNNGraphClassifier (GNNGraphRegressor with ``task="regression"``); ``wl`` (WL + trees); ``wl-svm`` (WL kernel
    SVM, C and depth by inner CV); ``fingerprint``; ``ensemble`` (soft vote, default GIN + WL SVM)."""
    if name in GNN_MODELS:
        klass = GNNGraphRegressor if params.get("task") == "regression" else GNNGraphClassifier
        return klass(model=name, **params)
    if name == "wl":
        return WLClassifier(**params)
    if name == "wl-svm":
        return WLKernelSVM(**params)
    if name == "ensemble":
        return GraphEnsemble(**params)
    if name == "fingerprint":
        return FingerprintClassifier(**params)
    raise ConfigError(f"unknown graph model '{name}' (choose from {', '.join(MODELS)})")
