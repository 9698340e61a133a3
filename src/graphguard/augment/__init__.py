"""Generative augmentation of rare labelled nodes (GODM) and simple baselines."""

from graphguard.augment.baselines import RandomOversampler, SMOTEAugmenter
from graphguard.augment.config import GODMConfig
from graphguard.augment.fidelity import fidelity
from graphguard.augment.godm import GODM
from graphguard.augment.registry import AUGMENTERS, apply_augmentation

__all__ = ["GODM", "AUGMENTERS", "apply_augmentation", "GODMConfig", "RandomOversampler", "SMOTEAugmenter", "fidelity"]
