"""Node-level fraud and anomaly detection: detectors, the GADBench protocol and its benchmark."""

from graphguard.tasks.node.base import NodeDetector
from graphguard.tasks.node.registry import DETECTORS, DEFAULT_DETECTOR, load_detector, make_detector

__all__ = ["NodeDetector", "DETECTORS", "DEFAULT_DETECTOR", "load_detector", "make_detector"]
