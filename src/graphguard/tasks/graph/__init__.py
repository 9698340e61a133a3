"""Graph-level classification, regression, embedding and search (see docs/graph.md)."""

from graphguard.tasks.graph.base import GraphEstimator
from graphguard.tasks.graph.baselines import FingerprintClassifier, WLClassifier
from graphguard.tasks.graph.gnn import GNNGraphClassifier, GNNGraphRegressor
from graphguard.tasks.graph.index import GraphIndex
from graphguard.tasks.graph.protocols import cross_validate, scaffold_evaluate, scaffold_split
from graphguard.tasks.graph.registry import MODELS, make_estimator

__all__ = ["GraphEstimator", "GNNGraphClassifier", "GNNGraphRegressor", "WLClassifier", "FingerprintClassifier", "GraphIndex",
           "cross_validate", "scaffold_evaluate", "scaffold_split", "make_estimator", "MODELS"]
