"""Detectors by name, for the CLI and job files; each entry is imported only when used."""

from __future__ import annotations

import importlib

from graphguard.errors import ConfigError

DETECTORS: dict[str, str] = {
    # gradient-boosted / random-forest trees on neighbour-aggregated features
    "graphgbm": "graphguard.tasks.node.detectors.trees:GraphGBM",
    "graphgbm-stack": "graphguard.tasks.node.detectors.trees:GraphGBMStacked",
    "xgbgraph": "graphguard.tasks.node.detectors.trees:XGBGraph",
    "rfgraph": "graphguard.tasks.node.detectors.trees:RFGraph",
    "xgboost": "graphguard.tasks.node.detectors.trees:XGBoostRaw",
    # GNNs
    "gcn": "graphguard.tasks.node.detectors.gnn:GCNDetector",
    "graphsage": "graphguard.tasks.node.detectors.gnn:GraphSAGEDetector",
    "gat": "graphguard.tasks.node.detectors.gnn:GATDetector",
    "rgcn": "graphguard.tasks.node.detectors.gnn:RGCNDetector",
    "hgt": "graphguard.tasks.node.detectors.gnn:HGTDetector",
    "bwgnn": "graphguard.tasks.node.detectors.gnn:BWGNNDetector",
}

DEFAULT_DETECTOR = "graphgbm-stack"  # best on Tolokers (bench/results/node_tolokers_*.json)


def detector_class(name: str):
    key = name.lower()
    if key not in DETECTORS:
        raise ConfigError(f"unknown detector '{name}' (known: {', '.join(DETECTORS)})")
    mod, cls = DETECTORS[key].split(":")
    try:
        return getattr(importlib.import_module(mod), cls)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"detector '{name}' is not available in this build ({e})") from None


def make_detector(name: str = DEFAULT_DETECTOR, **params):
    return detector_class(name)(**params)


def load_detector(path):
    from graphguard.tasks.node.base import NodeDetector

    return NodeDetector.load(path)
