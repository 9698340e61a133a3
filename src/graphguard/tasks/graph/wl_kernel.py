"""WL-subtree kernel SVM (Shervashidze et al. 2011) that picks its own C and depth by inner CV.

The kernel is the normalised WL-subtree kernel k(G, G') / sqrt(k(G, G) k(G', G')), where k counts
pairs of equal WL labels over iterations 0..h; it is fed to scikit-learn's ``SVC`` as a
precomputed Gram matrix. ``fit`` chooses ``h`` from ``iteration_grid`` and ``C`` from ``C_grid``
by stratified ``inner_folds``-fold CV, repeated ``inner_repeats`` times with different shuffles
for a steadier choice, on the graphs it is given (so under an outer CV the test fold is never
seen), then refits the best pair on all of them. Because the normalised kernel is a dot
product of L2-normalised count vectors, the fitted SVM is stored as primal weights over the WL
vocabulary (w = sum_i alpha_i y_i phi(G_i)), which safetensors can hold. A test graph's norm counts
its labels unseen in training too, as the kernel does. Multi-class is one-vs-rest. Probabilities
squash the margin with a logistic curve whose slope (no shift, so ``predict`` follows the margin's
sign) is fitted, as in Platt scaling, on out-of-fold margins from one round of the inner folds, not
on the training margins (which the SVM pushes beyond 1 and would make the curve far too steep).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from graphguard.errors import ConfigError
from graphguard.tasks.graph.base import GraphEstimator
from graphguard.tasks.graph.wl import counts_matrix, graph_wl_counts

ITERATION_GRID = (1, 2, 3, 4, 5, 6)
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)


def _counts_by_depth(graphs, max_h: int, use_edge_labels: bool) -> list[dict[int, dict[int, int]]]:
    """Per graph: iteration -> {label: count}, computed once at the deepest ``max_h``."""
    out = []
    for g in graphs:
        per_it: dict[int, dict[int, int]] = {}
        for (it, key), c in graph_wl_counts(g, max_h, use_edge_labels, split_iterations=True).items():
            per_it.setdefault(it, {})[key] = c
        out.append(per_it)
    return out


def _merge(per_it: dict[int, dict[int, int]], h: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for it in range(h + 1):
        out.update(per_it.get(it, {}))
    return out


def _matrix(counts: list[dict[int, int]], vocab: dict[int, int]):
    """Sparse rows over ``vocab``, each divided by its full norm (labels outside ``vocab`` count in it)."""
    norms = np.asarray([np.sqrt(sum(v * v for v in c.values())) for c in counts], dtype=np.float64)
    norms = np.maximum(norms, 1e-12)
    return sp.diags(1.0 / norms) @ counts_matrix(counts, vocab, np.float64)


class WLKernelSVM(GraphEstimator):
    """Normalised WL-subtree kernel + SVM; ``iterations`` / ``C`` of ``None`` are chosen by inner CV."""

    self_selecting = True  # cross_validate hands it the whole training part
    _param_names = ("iterations", "C", "iteration_grid", "C_grid", "inner_folds", "inner_repeats", "use_edge_labels",
                    "task", "seed")

    def __init__(self, iterations: int | None = None, C: float | None = None, iteration_grid=ITERATION_GRID,
                 C_grid=C_GRID, inner_folds: int = 10, inner_repeats: int = 3, use_edge_labels: bool = True,
                 task: str = "classification", seed: int = 0):
        self.iterations, self.C = iterations, C
        self.iteration_grid, self.C_grid = iteration_grid, C_grid  # as given, for scikit-learn's clone
        self.inner_folds, self.inner_repeats = inner_folds, inner_repeats
        self.use_edge_labels, self.task, self.seed = use_edge_labels, task, seed

    # -- selection -----------------------------------------------------------------------------
    def _candidates(self):
        hs = [self.iterations] if self.iterations is not None else list(self.iteration_grid)
        cs = [self.C] if self.C is not None else list(self.C_grid)
        if not hs or not cs or min(hs) < 0 or min(cs) <= 0:
            raise ConfigError("WL kernel SVM needs iterations >= 0 and C > 0 (or non-empty grids)")
        return [int(h) for h in hs], [float(c) for c in cs]

    def _splits(self, y) -> list:
        from sklearn.model_selection import RepeatedStratifiedKFold

        folds = min(self.inner_folds, int(np.bincount(y).min()))
        if folds < 2:
            return []
        rskf = RepeatedStratifiedKFold(n_splits=folds, n_repeats=max(int(self.inner_repeats), 1), random_state=self.seed)
        return list(rskf.split(np.zeros(len(y)), y))

    def _slope(self, K, target, c, splits) -> float:
        """Platt-style slope of p = sigmoid(a * margin), fitted on out-of-fold margins."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import SVC

        folds = splits[: len(splits) // max(int(self.inner_repeats), 1)]  # the first repeat: each graph once
        f = np.zeros(len(target))
        seen = np.zeros(len(target), dtype=bool)
        for tr, va in folds:
            if len(np.unique(target[tr])) < 2:
                continue
            m = SVC(C=c, kernel="precomputed").fit(K[np.ix_(tr, tr)], target[tr])
            f[va], seen[va] = m.decision_function(K[np.ix_(va, tr)]), True
        if not seen.any() or len(np.unique(target[seen])) < 2:
            return 1.0
        a = LogisticRegression(fit_intercept=False).fit(f[seen].reshape(-1, 1), target[seen]).coef_[0, 0]
        return max(float(a), 1e-6)

    def _select(self, per_graph, y, hs, cs, splits):
        """Mean inner-CV accuracy of every (h, C); returns the best pair and the table."""
        from sklearn.svm import SVC

        if len(hs) * len(cs) == 1 or not splits:
            return (hs[0], cs[0]), {}
        table, pairs = {}, {}
        for h in hs:
            counts = [_merge(p, h) for p in per_graph]
            vocab = {k: i for i, k in enumerate(sorted({k for c in counts for k in c}))}
            X = _matrix(counts, vocab)
            K = (X @ X.T).toarray()
            for c in cs:
                accs = []
                for tr, va in splits:
                    m = SVC(C=c, kernel="precomputed").fit(K[np.ix_(tr, tr)], y[tr])
                    accs.append(float(np.mean(m.predict(K[np.ix_(va, tr)]) == y[va])))
                table[f"h={h},C={c:g}"] = float(np.mean(accs))
                pairs[f"h={h},C={c:g}"] = (h, c)
        # first best in grid order: fewer iterations and smaller C win ties (the simpler model)
        return pairs[max(table, key=lambda k: table[k])], table

    # -- estimator hooks -----------------------------------------------------------------------
    def _fit(self, graphs, y, val):
        from sklearn.svm import SVC

        if self.task != "classification":
            raise ConfigError("the WL kernel SVM is a classifier; use model 'wl' for regression")
        hs, cs = self._candidates()
        per_graph = _counts_by_depth(graphs, max(hs), self.use_edge_labels)
        splits = self._splits(y)
        (h, c), self.cv_results_ = self._select(per_graph, y, hs, cs, splits)
        self.iterations_, self.C_ = h, c
        self.selected_ = {"iterations": h, "C": c}
        self.cv_score_ = self.cv_results_.get(f"h={h},C={c:g}")
        counts = [_merge(p, h) for p in per_graph]
        vocab_list = sorted({k for cnt in counts for k in cnt})
        self.vocab_ = np.asarray(vocab_list, dtype=np.int64)
        X = _matrix(counts, {k: i for i, k in enumerate(vocab_list)})
        K = (X @ X.T).toarray()
        problems = [y] if len(self.classes_) == 2 else [(y == k).astype(np.int64) for k in range(len(self.classes_))]
        coef, intercept, scale = [], [], []
        for target in problems:
            m = SVC(C=c, kernel="precomputed").fit(K, target)
            w = np.asarray(m.dual_coef_[0] @ X[m.support_].toarray()).reshape(-1)
            b = float(m.intercept_[0])
            coef.append(w)
            intercept.append(b)
            scale.append(self._slope(K, target, c, splits))
        self.coef_, self.intercept_, self.scale_ = np.vstack(coef), np.asarray(intercept), np.asarray(scale)

    def _features(self, graphs):
        counts = [graph_wl_counts(g, self.iterations_, self.use_edge_labels) for g in graphs]
        return _matrix(counts, {int(k): i for i, k in enumerate(self.vocab_.tolist())})

    def decision_margins(self, graphs) -> np.ndarray:
        """Signed SVM margins, one column per one-vs-rest problem (one column when binary)."""
        return np.asarray(self._features(self._check_input(graphs)) @ self.coef_.T) + self.intercept_

    def _scores(self, graphs):
        f = np.asarray(self._features(graphs) @ self.coef_.T) + self.intercept_
        p = 1.0 / (1.0 + np.exp(-np.clip(f * self.scale_, -50, 50)))
        if p.shape[1] == 1:
            return np.hstack([1.0 - p, p])
        return p / p.sum(1, keepdims=True)

    def _embed(self, graphs):
        """The kernel's feature map over the training vocabulary (dot products = the kernel)."""
        return self._features(graphs).toarray().astype(np.float32)

    def _state(self):
        config = {"iterations_": self.iterations_, "C_": self.C_, "cv_score_": self.cv_score_}
        return config, {"wl_vocab": torch.as_tensor(self.vocab_), "svm_coef": torch.as_tensor(self.coef_),
                        "svm_intercept": torch.as_tensor(self.intercept_), "svm_scale": torch.as_tensor(self.scale_)}

    def _restore(self, config, tensors):
        self.iterations_, self.C_, self.cv_score_ = config["iterations_"], config["C_"], config.get("cv_score_")
        self.vocab_ = tensors["wl_vocab"].numpy()
        self.coef_ = tensors["svm_coef"].numpy()
        self.intercept_ = tensors["svm_intercept"].numpy()
        self.scale_ = tensors["svm_scale"].numpy()
