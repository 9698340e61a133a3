"""Hyperparameters of GODM, in one typed dataclass so that a checkpoint can name exactly what it was fitted with."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields

from graphguard.errors import ConfigError

MERGES = ("connected", "inbound", "disconnected")
_AT_LEAST_ONE = ("hidden", "latent_dim", "heads", "fanout", "batch_size", "epochs", "diff_hidden", "diff_layers",
                 "diff_steps", "diff_batch", "num_steps", "neg_ratio", "anchors", "candidates", "checkpoint_every")
_POSITIVE = ("lr", "diff_lr", "ratio", "p_std", "sigma_min", "sigma_max", "rho")
_NON_NEGATIVE = ("w_feat", "w_edge", "w_rel", "w_type", "w_time", "w_edge_time", "w_degree", "w_kl", "guidance",
                 "temperature", "min_steps", "max_categories")


def check_ratio(ratio) -> float:
    """Synthetic nodes per training node of the label: a positive finite number (NaN passes ``<= 0``)."""
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real) or not 0 < ratio < math.inf:
        raise ConfigError(f"ratio must be a positive finite number, got {ratio!r}")
    return float(ratio)


@dataclass
class GODMConfig:
    # encoder (HGT variational autoencoder)
    hidden: int = 64
    latent_dim: int = 16
    num_layers: int = 2          # message-passing hops, 1..4
    heads: int = 2
    fanout: int = 5              # neighbours sampled per node, relation and hop
    batch_size: int = 512
    epochs: int = 10
    min_steps: int = 300         # small graphs get more epochs so the VAE sees enough batches
    lr: float = 3e-3
    max_batches_per_epoch: int | None = None   # caps an epoch on very large graphs
    max_categories: int = 10     # integer columns with at most this many values are categorical
    # loss weights of the VAE
    w_feat: float = 1.0
    w_edge: float = 1.0
    w_rel: float = 0.5
    w_type: float = 0.5
    w_time: float = 0.5          # node timestamps
    w_edge_time: float = 0.5     # edge timestamps
    w_degree: float = 0.5
    w_kl: float = 1e-3
    neg_ratio: int = 1           # sampled negative edges per positive edge
    # latent diffusion (EDM, Karras et al. 2022)
    diffusion: bool = True       # False: decode samples of the VAE prior N(0, I) (ablation)
    class_conditional: bool = True
    diff_hidden: int = 128
    diff_layers: int = 3
    diff_steps: int = 4000       # optimiser steps (learning rate decays by a cosine to 10 %)
    diff_ema: float = 0.999      # EMA decay of the denoiser weights used for sampling (0 = the raw weights)
    diff_batch: int = 256
    diff_lr: float = 1e-3
    p_uncond: float = 0.1        # label dropout that enables classifier-free guidance
    unlabelled: bool = False     # also train the unconditional (null-label) branch on the target nodes that have no
                                 # training label, so that few labels still see the whole latent distribution
                                 # (without class conditioning it is ignored: every code would be drawn as an anomaly)
    guidance: float = 1.5        # 1.0 = plain conditional sampling
    p_mean: float = -1.2
    p_std: float = 1.2
    sigma_min: float = 0.002
    sigma_max: float = 80.0
    rho: float = 7.0
    num_steps: int = 32          # Heun sampler steps
    # generation and merging
    ratio: float = 1.0           # synthetic nodes = ratio x training nodes of the label
    merge: str = "inbound"       # wired into the graph, but no edge from a synthetic node to a real target node, so
                                 # every real target node keeps its real neighbourhood (bench: better than
                                 # "connected" on 5/5 seeds of Tolokers for both detectors); "connected": both
                                 # directions; "disconnected": the published merge
    temperature: float = 1.0     # Gumbel noise on edge scores; 0 = deterministic top-k
    degree_quantile: float = 0.99  # cap of generated edges per node and relation side: this quantile of the
                                   # real training nodes' degree of the same class (data-driven)
    max_degree: int | None = None  # explicit cap instead of the quantile (the earlier fixed 50, for instance)
    degree_mode: str = "empirical"  # synthetic degrees drawn from the real class-conditional degrees, assigned by the
                                    # decoded degree's rank; "decoded": the decoder's degrees, capped by the quantile
    anchors: int = 5             # nearest real same-class nodes whose neighbours are a synthetic node's candidates
    candidates: int = 50_000     # scored candidates per relation and chunk (all if fewer nodes)
    checkpoint_every: int = 500  # diffusion steps between checkpoints (the VAE checkpoints every epoch)
    seed: int = 0

    def __post_init__(self) -> None:
        self._check_types()
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in _POSITIVE:
            if not 0 < getattr(self, name) < math.inf:
                raise ConfigError(f"{name} must be a positive finite number, got {getattr(self, name)}")
        for name in _NON_NEGATIVE:
            if not 0 <= getattr(self, name) < math.inf:
                raise ConfigError(f"{name} must be a non-negative finite number, got {getattr(self, name)}")
        if not 1 <= self.num_layers <= 4:
            raise ConfigError(f"num_layers must be between 1 and 4, got {self.num_layers}")
        if self.merge not in MERGES:
            raise ConfigError(f"merge must be one of {', '.join(MERGES)}, got '{self.merge}'")
        if self.degree_mode not in ("empirical", "decoded"):
            raise ConfigError(f"degree_mode must be 'empirical' or 'decoded', got '{self.degree_mode}'")
        if not 0.0 < self.degree_quantile <= 1.0:
            raise ConfigError(f"degree_quantile must be in (0, 1], got {self.degree_quantile}")
        if not 0.0 <= self.p_uncond <= 1.0:
            raise ConfigError(f"p_uncond must be in [0, 1], got {self.p_uncond}")
        if not 0.0 <= self.diff_ema < 1.0:
            raise ConfigError(f"diff_ema must be in [0, 1), got {self.diff_ema}")
        if not math.isfinite(self.p_mean):
            raise ConfigError(f"p_mean must be finite, got {self.p_mean}")
        if self.sigma_min >= self.sigma_max:
            raise ConfigError(f"sigma_min ({self.sigma_min}) must be below sigma_max ({self.sigma_max})")
        if self.max_degree is not None and self.max_degree < 0:
            raise ConfigError(f"max_degree must be non-negative, got {self.max_degree}")
        if self.max_batches_per_epoch is not None and self.max_batches_per_epoch < 1:
            raise ConfigError(f"max_batches_per_epoch must be at least 1, got {self.max_batches_per_epoch}")
        if self.hidden % self.heads:
            raise ConfigError(f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")

    def _check_types(self) -> None:
        """A YAML file can hold anything: say which option has the wrong type instead of failing later."""
        for f in fields(self):
            v, kind = getattr(self, f.name), str(f.type)
            if v is None and "None" in kind:
                continue
            if kind.startswith("bool"):
                ok = isinstance(v, bool)
            elif kind.startswith("int"):
                ok = isinstance(v, int) and not isinstance(v, bool)
            elif kind.startswith("float"):
                ok = isinstance(v, (int, float)) and not isinstance(v, bool)
            else:
                ok = isinstance(v, str)
            if not ok:
                raise ConfigError(f"{f.name} must be of type {kind}, got {v!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GODMConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown GODM option(s): {', '.join(sorted(unknown))}")
        return cls(**d)

    def replace(self, **changes) -> "GODMConfig":
        return GODMConfig.from_dict({**self.to_dict(), **changes})
