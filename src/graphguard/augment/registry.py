"""Augmenters by name, for ``graphguard node train/bench --augment NAME``.

``augment_graph(graph, name, seed)`` fits on the graph's current training split only (labels
outside ``train_mask`` are never read) and returns a new graph; the caller's graph is unchanged.
``options`` go to the augmenter (``GODMConfig`` fields for GODM; an option's ``ratio`` replaces the
argument's), except ``seed``: the caller's seed (the trial's, in the benchmark protocol) always wins.
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
        model = GODM(checkpoint_dir=checkpoint_dir, **{"ratio": ratio, **options, "seed": seed}).fit(graph)
        return model.augment(graph, label=label)
    if key == "oversample":
        from graphguard.augment.baselines import RandomOversampler

        cls = RandomOversampler
    else:
        from graphguard.augment.baselines import SMOTEAugmenter as cls
    try:
        augmenter = cls(**{"ratio": ratio, **options, "seed": seed})
    except TypeError as e:
        raise ConfigError(f"bad option for augmentation '{name}': {e}") from None
    return augmenter.augment(graph, label=label)


apply_augmentation = augment_graph
