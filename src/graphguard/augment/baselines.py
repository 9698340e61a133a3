"""Simple augmentation baselines for the GODM ablation: random oversampling and SMOTE.

Both add copies of training anomalies' neighbourhoods: random oversampling duplicates a node with
its edges; SMOTE interpolates features (and times) between an anomaly and one of its k nearest
training anomalies, and copies the base node's edges (``merge="inbound"``: only its in-edges).
Like GODM they return a new graph whose new nodes are ``is_synthetic`` and in the training split only.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.augment.config import check_ratio
from graphguard.augment.godm import check_labels
from graphguard.augment.merge import copy_neighbourhoods
from graphguard.augment.typed import FeatureCodec, graph_relations, node_store
from graphguard.errors import ConfigError
from graphguard.utils.params import Params, set_params_via_constructor


def _check_merge(merge: str) -> bool:
    if merge not in ("connected", "inbound"):  # a copy has no edges of its own to keep "disconnected"
        raise ConfigError(f"merge must be 'connected' or 'inbound' for a copying baseline, got '{merge}'")
    return merge == "inbound"


class _CopyingBaseline(Params):
    """``get_params`` / ``set_params`` / ``clone`` as scikit-learn's; ``set_params`` goes through the constructor,
    so it refuses what the constructor refuses (a bad ``ratio`` or ``merge``)."""

    def set_params(self, **params):
        return set_params_via_constructor(self, params)


def _pool(graph, label: int, ratio: float) -> tuple[np.ndarray, int]:
    y, train = check_labels(graph)
    pool = torch.nonzero(train & (y == label)).squeeze(1).numpy()
    return pool, max(1, int(round(ratio * pool.size)))


class RandomOversampler(_CopyingBaseline):
    def __init__(self, ratio: float = 1.0, seed: int = 0, merge: str = "connected"):
        check_ratio(ratio)  # kept as given: scikit-learn's clone checks that the constructor does not change it
        self.ratio, self.seed, self.merge = ratio, seed, merge
        self._inbound = _check_merge(merge)

    def augment(self, graph, label: int = 1):
        pool, n = _pool(graph, label, self.ratio)
        rng = np.random.default_rng(self.seed)
        base = torch.as_tensor(rng.choice(pool, n, replace=True))
        s = node_store(graph, graph_relations(graph)[2])
        nt = s.node_time[base] if "node_time" in s else None
        return copy_neighbourhoods(graph, base, s.x[base].clone(), nt, label, self._inbound)


class SMOTEAugmenter(_CopyingBaseline):
    def __init__(self, ratio: float = 1.0, k: int = 5, seed: int = 0, merge: str = "connected"):
        check_ratio(ratio)
        self.ratio, self.k, self.seed, self.merge = ratio, k, seed, merge
        self._inbound = _check_merge(merge)

    def augment(self, graph, label: int = 1):
        from sklearn.neighbors import NearestNeighbors

        pool, n = _pool(graph, label, self.ratio)
        rng = np.random.default_rng(self.seed)
        s = node_store(graph, graph_relations(graph)[2])
        x = s.x.double().numpy()
        codec = FeatureCodec.fit(s.x, 10)
        sd = x[pool].std(0)
        z = x[pool] / np.where(sd > 1e-12, sd, 1.0)
        k = min(self.k + 1, pool.size)
        _, nbr = NearestNeighbors(n_neighbors=k).fit(z).kneighbors(z)
        a = rng.integers(0, pool.size, n)
        b = nbr[a, rng.integers(1, k, n)] if k > 1 else a
        lam = rng.random(n)[:, None]
        new = x[pool[a]] + lam * (x[pool[b]] - x[pool[a]])
        if codec.categorical:  # categorical columns take the nearer parent's value, never a fraction
            c = codec.categorical
            new[:, c] = np.where(lam < 0.5, x[pool[a]][:, c], x[pool[b]][:, c])
        nt = None
        if "node_time" in s:
            t = s.node_time.double()
            nt = t[pool[a]] + torch.as_tensor(lam[:, 0]) * (t[pool[b]] - t[pool[a]])
        base = torch.as_tensor(pool[a])
        return copy_neighbourhoods(graph, base, torch.as_tensor(new, dtype=torch.float32), nt, label, self._inbound)
