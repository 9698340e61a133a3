"""Augmenters by name, for ``graphguard node train/bench --augment NAME``.

``augment_graph(graph, name, seed)`` fits on the graph's current training split only (labels
outside ``train_mask`` are never read) and returns a new graph; the caller's graph is unchanged.
"""

from __future__ import annotations

from graphguard.errors import ConfigError

AUGMENTERS = ("none", "godm", "godm-inbound", "godm-connected", "godm-disconnected", "oversample", "smote")


def augment_graph(graph, name: str, seed: int = 0, ratio: float = 1.0, label: int = 1,
                       checkpoint_dir=None, **options):
    key = (name or "none").lower()
    if key == "none":
        return graph
    if key not in AUGMENTERS:
        raise ConfigError(f"unknown augmentation '{name}' (known: {', '.join(AUGMENTERS)})")
    if key.startswith("godm"):
        from graphguard.augment.godm import GODM

        if key != "godm":  # godm-<merge>: the merge named; plain "godm" keeps GODMConfig's (or the options')
            options = {**options, "merge": key.split("-", 1)[1]}
        model = GODM(checkpoint_dir=checkpoint_dir, seed=seed, ratio=ratio, **options).fit(graph)
        return model.augment(graph, label=label)
    if key == "oversample":
        from graphguard.augment.baselines import RandomOversampler

        return RandomOversampler(ratio=ratio, seed=seed).augment(graph, label=label)
    from graphguard.augment.baselines import SMOTEAugmenter

    return SMOTEAugmenter(ratio=ratio, seed=seed).augment(graph, label=label)


apply_augmentation = augment_graph
