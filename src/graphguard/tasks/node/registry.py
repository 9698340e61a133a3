"""Detectors by name, for the CLI and job files; each entry is imported only when used."""

from __future__ import annotations

import importlib

from graphguard.errors import ConfigError
from graphguard.utils.params import constructor_parameters

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


def detector_summary(name: str) -> dict:
    """What the registry and the class itself say about a detector, for ``graphguard node models --json``."""
    cls = detector_class(name)
    module = DETECTORS[name].split(":")[0]
    own_doc = (cls.__dict__.get("__doc__") or "").strip()  # not inherited: a parent's describes the parent
    return {
        "name": name,
        "default": name == DEFAULT_DETECTOR,
        "family": module.rsplit(".", 1)[-1],  # trees / gnn: the detectors' module
        "class": cls.__name__,
        "description": " ".join(own_doc.split("\n\n")[0].split()) or None,  # the first paragraph, on one line
        "view": getattr(cls, "view", None),  # GNNs: homogeneous, relational (edge types) or typed (node types)
        "reads_relations": getattr(cls, "reads_relations", None),  # trees: per-relation neighbour features
        "nproc": cls.data_parallel,  # node train --nproc shards its fit over processes
        "reads_store": cls.reads_store,
        "needs_features": cls.needs_features,
    }


def detector_parameters(cls) -> list[str]:
    """The keyword parameters a detector class takes, following ``**kwargs`` up to its parents."""
    return constructor_parameters(cls)


def unknown_parameters(name: str, params) -> list[str]:
    accepted = detector_parameters(detector_class(name))
    return [k for k in params if k not in accepted]


def make_detector(name: str = DEFAULT_DETECTOR, **params):
    """A detector by name; a parameter it does not take is a one-line error, not a TypeError."""
    cls = detector_class(name)
    unknown = unknown_parameters(name, params)
    if unknown:
        raise ConfigError(f"detector '{name}' has no parameter {', '.join(repr(k) for k in unknown)} "
                          f"(its parameters: {', '.join(detector_parameters(cls))})")
    return cls(**params)


def load_detector(path):
    from graphguard.tasks.node.base import NodeDetector

    return NodeDetector.load(path)
