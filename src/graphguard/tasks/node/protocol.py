"""The GADBench evaluation protocol, for any detector on any graph the readers accept.

For trial ``i`` the split is GADBench's (``full``: stratified, 40/20/40 unless other ratios are
given; ``semi``: 20+80 / 20+80 / rest), GADBench's official split, the same in every trial
(``masks="official"``: the data's split 0, or DGL's seed-717 split rebuilt for YelpChi and Amazon), or
the dataset's own split ``i`` (``masks="dataset"``); the seed is ``3407 + 10 i``. Each detector is
fitted on the training nodes, selects on validation (early stopping / best validation AUPRC), and is
scored on the test nodes. Results are reported as mean and standard deviation over trials, with the
mean fit time.

An optional augmenter (e.g. GODM) is fitted once per trial, on that trial's training split only, and
its graph trains every model of the trial (``augment_seconds`` is its time, apart from each model's
``fit_seconds``); it returns a new graph whose first ``N`` target nodes are the original ones, so test
nodes keep their indices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from graphguard._console import progress
from graphguard.data.graph import Graph, copy_graph, set_masks, target_store
from graphguard.data.splits import DGL_FRAUD_FIRST_NODE, dgl_fraud_split, gadbench_split, trial_seed
from graphguard.errors import ConfigError, DataError
from graphguard.metrics import node_metrics
from graphguard.tasks.node.registry import make_detector
from graphguard.utils.seed import seed_everything

METRICS = ("auroc", "auprc", "rec_at_k")


@dataclass
class ProtocolConfig:
    protocol: str = "full"  # 'full' | 'semi'
    trials: int = 10
    masks: str = "gadbench"  # 'gadbench' | 'official' | 'dataset'
    dataset: str | None = None  # the GADBench dataset (gadbench_dataset), whose official split 'official' rebuilds
    ratios: tuple[float, float, float] = (0.4, 0.2, 0.4)
    augment: str | None = None
    augment_options: dict = field(default_factory=dict)  # e.g. GODMConfig options for augment="godm"
    params: dict = field(default_factory=dict)  # per-model hyperparameters {model: {...}}

    def __post_init__(self) -> None:
        if isinstance(self.trials, bool) or not isinstance(self.trials, int) or self.trials < 1:
            raise ConfigError(f"trials must be at least 1, got {self.trials!r}")
        if self.protocol not in ("full", "semi"):
            raise ConfigError(f"unknown protocol '{self.protocol}' (use 'full' or 'semi')")


def trial_masks(graph: Graph, cfg: ProtocolConfig, trial: int, source=None):
    s = target_store(graph)
    if "y" not in s:
        raise DataError(source, "graph has no labels (y); the protocol needs them")
    if cfg.masks == "dataset":
        n_splits = getattr(graph, "num_splits", None)
        if "train_mask" not in s:
            raise DataError(source, "masks='dataset' but the graph carries no split masks")
        if trial > 0 and (n_splits is None or trial >= n_splits):
            raise DataError(source, f"trial {trial} needs dataset split {trial}, the data has {n_splits or 1}")
        return None  # caller reloads split `trial`
    if cfg.masks not in ("gadbench", "official"):
        raise ConfigError(f"unknown masks '{cfg.masks}' (use 'gadbench', 'official' or 'dataset')")
    y = s.y.numpy()
    synthetic = s.is_synthetic.numpy().astype(bool) if "is_synthetic" in s else np.zeros(y.size, dtype=bool)
    if cfg.masks == "official":
        return official_masks(s, cfg.dataset, synthetic, source)
    # synthetic nodes (an augmented file) are training data only: split the real nodes, then add them
    tr, va, te = gadbench_split(np.where(synthetic, -1, y), cfg.protocol, trial, cfg.ratios)
    return tr | (synthetic & (y >= 0)), va, te


def no_official_split(dataset: str | None, source=None) -> DataError:
    """The error for data that carries no official split when graphguard cannot rebuild it either."""
    return DataError(source, f"GADBench runs {dataset or 'this dataset'} on its official split and the data "
                             "carries no split masks (--ratios 0.4,0.2,0.4 draws random splits instead)")


def official_masks(store, dataset: str | None, synthetic: np.ndarray, source=None):
    """GADBench's official split, the same for every trial: the data's own masks (split 0), or for
    YelpChi and Amazon DGL's seed-717 split of the real nodes (synthetic ones are training data)."""
    if "train_mask" in store:
        return tuple(store[m].numpy().astype(bool) for m in ("train_mask", "val_mask", "test_mask"))
    if dataset not in DGL_FRAUD_FIRST_NODE:
        raise no_official_split(dataset, source)
    real = np.flatnonzero(~synthetic)[DGL_FRAUD_FIRST_NODE[dataset]:]
    tr, va, te = dgl_fraud_split(real, synthetic.size)
    return tr | (synthetic & (store.y.numpy() >= 0)), va, te


def run_protocol(graph_for_trial, models: list[str], cfg: ProtocolConfig, source=None) -> dict:
    """Run every model over ``cfg.trials`` trials.

    ``graph_for_trial(trial)`` returns the graph for a trial (the same graph, or the dataset's split
    ``trial`` when ``cfg.masks == 'dataset'``). Returns ``{model: {metric: mean, metric_std: std,
    fit_seconds: mean}}`` plus per-trial values under ``"trials"``.
    """
    rows: dict[str, list] = {name: [] for name in models}
    times: dict[str, list] = {name: [] for name in models}
    n_syn, aug_times = [], []
    # trials outside, models inside: a trial's split is built, and its augmenter fitted, once for every model
    with progress("GADBench protocol", total=len(models) * cfg.trials) as advance:
        for t in range(cfg.trials):
            real = graph_for_trial(t)
            masks = trial_masks(real, cfg, t, source)
            if masks is not None:
                real = set_masks(copy_graph(real), *masks)
            n = target_store(real).num_nodes
            test = target_store(real).test_mask.numpy()
            y = target_store(real).y.numpy()
            seed = trial_seed(t)
            g = real  # an augmented graph trains; the real graph is scored (no synthetic edges at test time)
            if cfg.augment:
                from graphguard.augment import augment_graph

                seed_everything(seed)
                t0 = time.perf_counter()
                g = augment_graph(real, cfg.augment, seed=seed, **cfg.augment_options)
                aug_times.append(time.perf_counter() - t0)
                n_syn.append(target_store(g).num_nodes - n)
            for name in models:
                seed_everything(seed)  # each model's result is independent of the others and of the augmenter
                t0 = time.perf_counter()
                det = make_detector(name, **{"seed": seed, **cfg.params.get(name, {})})
                det.fit(g, source=source)
                scores = det.decision_function(real)[:n]
                times[name].append(time.perf_counter() - t0)
                rows[name].append(node_metrics(y[test], scores[test]))
                advance()
            del g
    results: dict[str, dict] = {}
    for name in models:
        res = {}
        for m in METRICS:
            vals = np.array([r[m] for r in rows[name]])
            res[m] = float(vals.mean())
            res[f"{m}_std"] = float(vals.std())
        res["fit_seconds"] = float(np.mean(times[name]))
        if n_syn:
            res["synthetic_nodes"] = float(np.mean(n_syn))  # per trial, added to its training split
            res["augment_seconds"] = float(np.mean(aug_times))  # per trial, shared by every model
        res["trials"] = rows[name]
        results[name] = res
    return results


def contract(results: dict) -> dict:
    """The stable JSON contract of ``graphguard node bench --json`` (no per-trial detail)."""
    return {name: {k: v for k, v in r.items() if k != "trials"} for name, r in results.items()}
