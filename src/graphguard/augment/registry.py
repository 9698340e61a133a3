"""Augmenters by name, for ``graphguard node train/bench --augment NAME``.

``augment_graph(graph, name, seed)`` fits on the graph's current training split only (labels
outside ``train_mask`` are never read) and returns a new graph; the caller's graph is unchanged.
"""

from __future__ import annotations

from graphguard.errors import ConfigError

AUGMENTERS = ("none", "godm", "godm-disconnected", "oversample", "smote")


def augment_graph(graph, name: str, seed: int = 0, ratio: float = 1.0, label: int = 1,
                       checkpoint_dir=None, **options):
    key = (name or "none").lower()
    if key == "none":
        return graph
    if key in ("godm", "godm-disconnected"):
        from graphguard.augment.godm import GODM

        merge = "disconnected" if key == "godm-disconnected" else "connected"
        model = GODM(checkpoint_dir=checkpoint_dir, seed=seed, ratio=ratio, merge=merge, **options).fit(graph)
        return model.augment(graph, label=label)
    if key == "oversample":
        from graphguard.augment.baselines import RandomOversampler

        return RandomOversampler(ratio=ratio, seed=seed).augment(graph, label=label)
    if key == "smote":
        from graphguard.augment.baselines import SMOTEAugmenter

        return SMOTEAugmenter(ratio=ratio, seed=seed).augment(graph, label=label)
    raise ConfigError(f"unknown augmentation '{name}' (known: {', '.join(AUGMENTERS)})")


apply_augmentation = augment_graph
