"""Generative augmentation of rare labelled nodes (GODM) and simple baselines."""

from graphguard.augment.baselines import RandomOversampler, SMOTEAugmenter
from graphguard.augment.config import GODMConfig
from graphguard.augment.fidelity import fidelity
from graphguard.augment.godm import GODM

__all__ = ["GODM", "GODMConfig", "RandomOversampler", "SMOTEAugmenter", "fidelity"]
