"""Train/validation/test splits of the GADBench protocol.

* ``full``: stratified random split, GADBench's ratios for the dataset (``gadbench_ratios``: 50/25/25
  for Tolokers and Questions, 40/20/40 otherwise), or, for Amazon, YelpChi, Elliptic and DGraph-Fin,
  GADBench's *official* split: one split, the same in every trial (``gadbench_full_split``);
* ``semi``: 20 anomalies + 80 normal nodes for training, another 20 + 80 for validation, the rest
  for test.

Trial ``i`` uses seed ``3407 + 10 * i`` as GADBench's benchmark script does. Only labelled nodes
(``y >= 0``) are placed in a split.
"""

from __future__ import annotations

import numpy as np

from graphguard.errors import DataError

GADBENCH_SEED = 3407
DEFAULT_RATIOS = (0.4, 0.2, 0.4)
# GADBench's fully supervised train/val ratios per dataset (its datasets/preprocess.ipynb, Dataset.split):
# a stratified random split per trial, seeded 3407 + 10 i
GADBENCH_RATIOS = {"tolokers": (0.5, 0.25, 0.25), "questions": (0.5, 0.25, 0.25),
                   "tfinance": DEFAULT_RATIOS, "tsocial": DEFAULT_RATIOS, "reddit": DEFAULT_RATIOS,
                   "weibo": DEFAULT_RATIOS}
# ... and the datasets it runs on their official split instead, the same split in all ten trials
GADBENCH_OFFICIAL = ("amazon", "yelpchi", "elliptic", "dgraphfin")
_ALIASES = {"yelp": "yelpchi"}  # GADBench's own file names
# YelpChi's and Amazon's official split is the one DGL's FraudDataset draws (GADBench loads it from there):
# a seed-717 permutation of the nodes from this index on (Amazon's first 3305 users are unlabelled),
# the first 70 % for training, the last 10 % for validation, the rest for test; not stratified
DGL_FRAUD_FIRST_NODE = {"yelpchi": 0, "amazon": 3305}
DGL_FRAUD_SEED = 717
DGL_FRAUD_RATIOS = (0.7, 0.1, 0.2)


def trial_seed(trial: int) -> int:
    return GADBENCH_SEED + 10 * int(trial)


def gadbench_dataset(path) -> str | None:
    """The GADBench dataset a data path holds, by its file or folder name (``tolokers/tolokers.npz``,
    ``data/t-finance``), or ``None``: names are compared without case, ``-`` or ``_``."""
    from pathlib import Path

    p = Path(path)
    for name in (p.stem if p.suffix else p.name, p.parent.name):
        key = name.lower().replace("-", "").replace("_", "")
        key = _ALIASES.get(key, key)
        if key in GADBENCH_RATIOS or key in GADBENCH_OFFICIAL:
            return key
    return None


def gadbench_full_split(path) -> str:
    """``'official'`` when GADBench runs the dataset at ``path`` on its official split (one split for
    every trial), else ``'stratified'`` (a random split of ``gadbench_ratios`` per trial)."""
    return "official" if gadbench_dataset(path) in GADBENCH_OFFICIAL else "stratified"


def gadbench_ratios(path) -> tuple[float, float, float]:
    """The full protocol's train/val/test ratios GADBench uses for the dataset at ``path``; 40/20/40 when
    GADBench draws no ratio split for it (not one of its datasets, or one with an official split)."""
    return GADBENCH_RATIOS.get(gadbench_dataset(path), DEFAULT_RATIOS)


def _masks(n: int, *idx_sets) -> tuple[np.ndarray, ...]:
    out = []
    for idx in idx_sets:
        m = np.zeros(n, dtype=bool)
        m[idx] = True
        out.append(m)
    return tuple(out)


def stratified_split(
    y, ratios: tuple[float, float, float] = (0.4, 0.2, 0.4), seed: int = GADBENCH_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks for a stratified split of the labelled nodes."""
    y = np.asarray(y)
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise DataError("split", f"ratios must sum to 1, got {ratios}")
    rng = np.random.RandomState(seed)
    tr, va, te = [], [], []
    for c in (0, 1):
        idx = np.flatnonzero(y == c)
        if idx.size < 3:
            raise DataError("split", f"class {c} has {idx.size} labelled nodes; a stratified split needs at least 3")
        idx = rng.permutation(idx)
        n_tr = int(round(ratios[0] * idx.size))
        n_va = int(round(ratios[1] * idx.size))
        tr.append(idx[:n_tr])
        va.append(idx[n_tr : n_tr + n_va])
        te.append(idx[n_tr + n_va :])
    return _masks(y.size, np.concatenate(tr), np.concatenate(va), np.concatenate(te))


def dgl_fraud_split(index, n: int, seed: int = DGL_FRAUD_SEED, ratios=DGL_FRAUD_RATIOS):
    """Boolean masks over ``n`` nodes of DGL's FraudDataset split of the nodes ``index``: 70 % training
    and the last 10 % validation of one seeded permutation, the rest test (GADBench's official split of
    YelpChi and Amazon, rebuilt for data that does not carry it)."""
    idx = np.random.RandomState(seed).permutation(np.asarray(index))
    n_tr, n_va = int(ratios[0] * idx.size), int(ratios[1] * idx.size)
    return _masks(n, idx[:n_tr], idx[idx.size - n_va :], idx[n_tr : idx.size - n_va])


def semi_supervised_split(
    y, n_pos: int = 20, n_neg: int = 80, seed: int = GADBENCH_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """20 anomalies + 80 normal nodes each for training and validation; the rest is test."""
    y = np.asarray(y)
    rng = np.random.RandomState(seed)
    pos = rng.permutation(np.flatnonzero(y == 1))
    neg = rng.permutation(np.flatnonzero(y == 0))
    if pos.size < 2 * n_pos + 1 or neg.size < 2 * n_neg + 1:
        raise DataError("split", f"semi-supervised split needs > {2 * n_pos} anomalies and > {2 * n_neg} normal nodes")
    tr = np.concatenate([pos[:n_pos], neg[:n_neg]])
    va = np.concatenate([pos[n_pos : 2 * n_pos], neg[n_neg : 2 * n_neg]])
    te = np.concatenate([pos[2 * n_pos :], neg[2 * n_neg :]])
    return _masks(y.size, tr, va, te)


def gadbench_split(y, protocol: str = "full", trial: int = 0, ratios=(0.4, 0.2, 0.4)):
    """The split of trial ``trial`` under ``protocol`` ('full' or 'semi')."""
    seed = trial_seed(trial)
    if protocol == "full":
        return stratified_split(y, ratios, seed)
    if protocol == "semi":
        return semi_supervised_split(y, seed=seed)
    raise DataError("split", f"unknown protocol '{protocol}' (use 'full' or 'semi')")
