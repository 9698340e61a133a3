"""Evaluation protocols for graph classification and regression.

* ``cross_validate``: stratified k-fold CV with model selection on an inner validation split, as
  in Errica et al. (2020), "A fair comparison of graph neural networks for graph classification".
  For each outer fold, every candidate configuration is trained on the inner training part and
  scored on the inner validation part (10% of the fold's training graphs, stratified); the best
  one is evaluated once on the outer test fold. The test fold never influences any choice.
  Regression estimators get plain (shuffled) k-fold and are selected on validation RMSE.
* ``scaffold_split``: the deterministic Bemis-Murcko scaffold split of MoleculeNet/OGB (largest
  scaffold groups to train, the rarest to test), with ``seed`` > 0 giving a randomised variant
  that shuffles large-enough groups (Chemprop's "scaffold_balanced").
* ``scaffold_evaluate``: train on the scaffold train split, select on valid, report test ROC-AUC.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold

from graphguard._console import log
from graphguard.errors import ConfigError, DataError
from graphguard.metrics import check_finite_scores, metric_text, regression_metrics
from graphguard.tasks.graph.base import check_graphs, graph_labels
from graphguard.tasks.graph.gnn import stratified_holdout


REGRESSION_KEYS = ("rmse", "mae", "r2")


def _score(est, graphs, y) -> dict:
    model = type(est).__name__
    if est.task == "regression":
        return regression_metrics(y, est.predict(graphs), model)
    proba = check_finite_scores(est.predict_proba(graphs), model)
    out = {"accuracy": float(accuracy_score(y, est.classes_[proba.argmax(1)]))}
    if len(np.unique(y)) == 2:
        out["roc_auc"] = float(roc_auc_score(y, proba[:, 1]))
    return out


def _selection_score(est, graphs, y) -> float:
    s = _score(est, graphs, y)
    if est.task == "regression":
        return -s["rmse"]
    return s["accuracy"] + 1e-3 * s.get("roc_auc", 0.0)  # AUC only breaks ties


def _task_of(factory) -> str:
    return getattr(factory(), "task", "classification")


def _reads_x(factory) -> bool:
    """Whether the factory's estimators read node features (fingerprints do not: graphs may lack ``x``)."""
    return getattr(factory(), "uses_node_features", True)


def select_and_fit(factory: Callable[..., object], grid: list[dict], graphs, y, val_fraction: float, seed: int):
    """Fit every config of ``grid`` on an inner split; return (best estimator, its config, val score).

    An estimator that selects its own hyperparameters by inner CV (``self_selecting``, e.g. the WL
    kernel SVM) gets all of ``graphs`` when the grid has one config: no graph is held out for nothing."""
    if len(grid) == 1 and getattr(factory(**grid[0]), "self_selecting", False):
        est = factory(**grid[0])
        est.fit(graphs, y)
        return est, grid[0], getattr(est, "cv_score_", None)
    tr, va = stratified_holdout(y, val_fraction, seed, _task_of(factory) == "classification")
    g_tr, g_va = [graphs[i] for i in tr], [graphs[i] for i in va]
    best = None
    for cfg in grid:
        est = factory(**cfg)
        est.fit(g_tr, y[tr], val_graphs=g_va, val_y=y[va])
        s = _selection_score(est, g_va, y[va])
        if best is None or s > best[2]:
            best = (est, cfg, s)
    return best


def cross_validate(factory: Callable[..., object], graphs, y=None, folds: int = 10, grid: Iterable[dict] | None = None,
                   val_fraction: float = 0.1, seed: int = 0, max_folds: int | None = None) -> dict:
    """Stratified ``folds``-fold CV (Errica et al. 2020); ``max_folds`` runs only the first few (for tests).

    Regression estimators (``task="regression"``) get shuffled k-fold and RMSE / MAE / R2."""
    graphs = check_graphs(graphs, reads_x=_reads_x(factory))
    regression = _task_of(factory) == "regression"
    y = graph_labels(graphs, y).astype(np.float64 if regression else np.int64)
    if folds < 2:
        raise ConfigError("--folds must be at least 2")
    if regression:
        if len(y) < 2 * folds:
            raise DataError("<graphs>", f"{len(y)} graphs are too few for {folds} folds")
    elif np.bincount(np.unique(y, return_inverse=True)[1]).min() < folds:
        raise DataError("<graphs>", f"a class has fewer than {folds} graphs; use fewer folds")
    grid = list(grid) if grid else [{}]
    skf = (KFold if regression else StratifiedKFold)(n_splits=folds, shuffle=True, random_state=seed)
    per_fold = []
    for k, (train, test) in enumerate(skf.split(np.zeros(len(y)), y)):
        if max_folds is not None and k >= max_folds:
            break
        est, cfg, vs = select_and_fit(factory, grid, [graphs[i] for i in train], y[train], val_fraction, seed + k)
        s = _score(est, [graphs[i] for i in test], y[test])
        s.update(fold=k, val_score=vs, config=cfg)
        if getattr(est, "selected_", None):
            s["selected"] = est.selected_
        per_fold.append(s)
        log(f"fold {k}: " + _score_line(s))
    return summarise(per_fold, REGRESSION_KEYS if regression else ("accuracy", "roc_auc"))


def _score_line(s: dict) -> str:
    """A fold's or seed's test metrics for the log ("r2 undefined (constant target)", not "r2 nan")."""
    return ", ".join(f"{m} {metric_text(m, v)}" for m, v in s.items() if isinstance(v, float) and m != "val_score")


def summarise(per_run: list[dict], keys=("accuracy", "roc_auc")) -> dict:
    out: dict = {"runs": per_run}
    for key in keys:
        vals = [r[key] for r in per_run if key in r]
        out[key] = float(np.mean(vals)) if vals else None
        out[f"{key}_std"] = float(np.std(vals)) if vals else None
    return out


# -- scaffold split ------------------------------------------------------------------------------
def murcko_scaffold(smiles: str) -> str:
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise DataError("<smiles>", f"RDKit cannot parse SMILES '{smiles}'")
    return MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)


def scaffold_split(smiles: list[str], frac=(0.8, 0.1, 0.1), seed: int = 0):
    """Index arrays (train, valid, test) grouping molecules by Bemis-Murcko scaffold.

    ``seed == 0`` is the deterministic MoleculeNet/OGB split: groups sorted by size (largest first)
    fill train, then valid, then test. ``seed > 0`` puts groups larger than half the test size first
    and shuffles the rest with that seed, so different seeds give different, still scaffold-disjoint
    splits.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(smiles):
        groups[murcko_scaffold(s)].append(i)
    sets = list(groups.values())
    n = len(smiles)
    n_train, n_valid = frac[0] * n, frac[1] * n
    if seed == 0:
        sets.sort(key=lambda s: (len(s), s[0]), reverse=True)
    else:
        rng = np.random.default_rng(seed)
        big = [s for s in sets if len(s) > frac[2] * n / 2]
        small = [s for s in sets if len(s) <= frac[2] * n / 2]
        rng.shuffle(big)
        rng.shuffle(small)
        sets = big + small
    train, valid, test = [], [], []
    for s in sets:
        if len(train) + len(s) <= n_train:
            train += s
        elif len(valid) + len(s) <= n_valid:
            valid += s
        else:
            test += s
    return np.asarray(train), np.asarray(valid), np.asarray(test)


def scaffold_evaluate(factory: Callable[..., object], graphs, y=None, seeds: Iterable[int] = (0, 1, 2),
                      split_seed: int | None = 0, grid: Iterable[dict] | None = None) -> dict:
    """Scaffold split; per seed: select the config on valid, report test ROC-AUC / accuracy.

    ``split_seed=None`` re-draws the split with each seed (randomised scaffold split); otherwise the
    split is fixed (deterministic when 0) and seeds vary the model's randomness.
    """
    graphs = check_graphs(graphs, reads_x=_reads_x(factory))
    regression = _task_of(factory) == "regression"
    y = graph_labels(graphs, y).astype(np.float64 if regression else np.int64)
    smiles = []
    for i, g in enumerate(graphs):
        s = getattr(g, "smiles", None)
        if not isinstance(s, str):
            raise DataError("<graphs>", f"graph {i} has no SMILES string; the scaffold split needs molecules")
        smiles.append(s)
    grid = list(grid) if grid else [{}]
    runs = []
    for seed in seeds:
        tr, va, te = scaffold_split(smiles, seed=seed if split_seed is None else split_seed)
        best = None
        for cfg in grid:
            est = factory(**{**cfg, "seed": seed})
            est.fit([graphs[i] for i in tr], y[tr], val_graphs=[graphs[i] for i in va], val_y=y[va])
            vs = _score(est, [graphs[i] for i in va], y[va])
            key = -vs["rmse"] if regression else vs.get("roc_auc", vs["accuracy"])
            if best is None or key > best[2]:
                best = (est, cfg, key)
        s = _score(best[0], [graphs[i] for i in te], y[te])
        s.update(seed=seed, val_score=best[2], config=best[1], sizes=[len(tr), len(va), len(te)])
        runs.append(s)
        log(f"seed {seed}: " + _score_line(s))
    return summarise(runs, REGRESSION_KEYS if regression else ("accuracy", "roc_auc"))
