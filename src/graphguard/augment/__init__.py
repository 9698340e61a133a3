"""Generative augmentation of rare labelled nodes (GODM) and simple baselines."""

from graphguard.augment.baselines import RandomOversampler, SMOTEAugmenter
from graphguard.augment.config import GODMConfig
from graphguard.augment.fidelity import fidelity
from graphguard.augment.godm import GODM
from graphguard.augment.registry import AUGMENTERS, apply_augmentation, augment_graph

__all__ = ["GODM", "GODMConfig", "AUGMENTERS", "augment_graph", "apply_augmentation", "RandomOversampler",
           "SMOTEAugmenter", "fidelity"]
