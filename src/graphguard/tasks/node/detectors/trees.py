"""Tree detectors on neighbour-aggregated features.

* ``GraphGBM`` (graphguard's default): LightGBM on per-relation, multi-hop mean/max/min/std
  aggregations (``features.rich_features``), early-stopped on validation AUROC, optionally
  stacked: a second model also sees the neighbourhood mean/max/min of the first model's
  out-of-fold scores.
* ``XGBGraph`` and ``RFGraph``: GADBench's tree recipes, reproduced as references — features
  ``[x, h1, h2]`` from a parameter-free mean GIN with self-loops; XGBoost with library defaults,
  a random forest of 100 gini trees with sqrt features; positives weighted by neg/pos.
* ``XGBoostRaw``: XGBoost on the raw features only (the graph-free baseline).

On a ``HeteroData`` the features are built per relation, so a model keeps the relations it was
fitted on (target type, then every edge type with an end on it) and reads a graph's relations in
that order by name; scoring refuses a graph with a missing, renamed or extra such relation, or of
the other kind (``Data`` / ``HeteroData``), in one line. ``XGBoostRaw`` reads no edges and checks none.

Models are stored without pickle: boosters as their own text/JSON model strings (bytes in the
safetensors file), forests as flat node arrays scored by a vectorised traversal.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.data.graph import Graph, is_hetero, relational_parts, target_store
from graphguard.errors import DataError
from graphguard.tasks.node.base import NodeDetector
from graphguard.tasks.node.features import adjacency, extreme_aggregate, gin_mean_features, mean_aggregate, rich_features
from graphguard.tasks.node.relations import check_relations, target_relations
from graphguard.utils.params import as_fitted
from graphguard.utils.threads import get_threads


def _relational_arrays(graph: Graph, merge: bool, order: list[tuple] | None = None
                       ) -> tuple[np.ndarray, list[torch.Tensor]]:
    """Target features (degree columns joined) and relation edge indices, in the relations' ``order``.

    ``order`` (the fitted relations, see ``target_relations``) lines the degree columns and the edge
    indices up by name, so a graph listing its relations in another order gives the same matrix.
    """
    x, extra, eis, _ = relational_parts(graph, order=order if is_hetero(graph) else None)
    x = (x if extra is None else torch.cat([x, extra], 1)).numpy()
    if merge and len(eis) > 1:
        eis = [torch.cat(eis, 1)]
    if not eis:
        eis = [torch.zeros(2, 0, dtype=torch.long)]
    return x, eis


def _bytes_tensor(b: bytes | bytearray | str) -> torch.Tensor:
    if isinstance(b, str):
        b = b.encode("utf-8")
    return torch.from_numpy(np.frombuffer(bytes(b), dtype=np.uint8).copy())


def _tensor_bytes(t: torch.Tensor) -> bytes:
    return t.numpy().astype(np.uint8).tobytes()


def _pos_weight(y: np.ndarray) -> float:
    pos = max(int((y == 1).sum()), 1)
    return float((y == 0).sum()) / pos


def _holdout(train_idx: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified 80/20 split of the training nodes, for early stopping when no validation is given."""
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(train_idx, test_size=0.2, stratify=y[train_idx], random_state=seed))


class _TreeDetector(NodeDetector):
    """Shared plumbing: features from the graph, a fitted model, scores for every target node.

    Features aggregate per relation, so the relations a model was fitted on are kept (``relations_``)
    and a graph is read in that order; scoring refuses a graph with other relations. Models saved
    before relations were kept have ``relations_ = None`` and read the graph's own order.
    """

    reads_relations = True  # False: the features ignore the edges (the raw-feature baseline)

    def transform(self, graph: Graph) -> np.ndarray:
        """The feature matrix the trees see, one row per target node (cache it to score repeatedly).

        A fitted model reads ``graph`` as ``decision_function`` does (columns in the fitted order; a
        target ``x`` missing or of another width, or other relations, refused in one line): rows built
        from another graph layout would be scored by ``score_features`` without complaint, or fail
        deep inside the booster."""
        if not hasattr(self, "threshold_"):  # unfitted: the features alone (the node regressors read them so)
            return self._features(graph)
        return as_fitted(self)._checked_features(self._as_fitted_input(graph))

    def _features(self, graph: Graph) -> np.ndarray:
        raise NotImplementedError

    def score_features(self, features: np.ndarray) -> np.ndarray:
        """Scores for precomputed feature rows (see ``transform``)."""
        raise NotImplementedError

    def num_columns(self) -> int | None:
        """Width of the feature rows the fitted model reads (``None`` when unknown)."""
        return None

    def _score(self, graph: Graph) -> np.ndarray:
        return self.score_features(self._checked_features(graph))

    # relations -------------------------------------------------------------
    def _record_relations(self, graph: Graph) -> None:
        if self.reads_relations:
            self.target_type_, self.relations_ = target_relations(graph)

    def _relation_order(self, graph: Graph) -> list[tuple] | None:
        """The fitted relations when ``graph`` has exactly those (in any order), else ``None`` (its own)."""
        fitted = getattr(self, "relations_", None)
        target, rels = target_relations(graph)
        if fitted is None or target != self.target_type_ or sorted(rels) != sorted(fitted):
            return None
        return fitted

    def _structure(self, graph: Graph, merge: bool) -> tuple[np.ndarray, list[torch.Tensor]]:
        return _relational_arrays(graph, merge, self._relation_order(graph))

    def _check_relations(self, graph: Graph) -> None:
        fitted = getattr(self, "relations_", None)
        if fitted is not None and self.reads_relations:
            check_relations(graph, self.target_type_, fitted)

    def _checked_features(self, graph: Graph) -> np.ndarray:
        """The features of ``graph``, refusing a graph whose relations or tree-feature width differ from the fitted ones."""
        self._check_relations(graph)
        F = self._features(graph)
        expected = self.num_columns()
        if expected is not None and F.shape[1] != expected:
            raise DataError("predict", f"graph gives {F.shape[1]} tree features, the model was fitted on {expected} "
                                       "(a graph with other relations?)")
        return F

    def _relation_state(self) -> dict:
        if getattr(self, "relations_", None) is None:
            return {}
        return {"target_type": self.target_type_, "relations": [list(r) for r in self.relations_]}

    def _restore_relations(self, state: dict) -> None:
        rels = state.get("relations")  # absent in models saved before relations were kept
        self.relations_ = None if rels is None else [tuple(r) for r in rels]
        self.target_type_ = state.get("target_type")


# --------------------------------------------------------------------------- GADBench references
class XGBoostRaw(_TreeDetector):
    """XGBoost with library defaults on the raw node features (no graph)."""

    name = "xgboost"
    reads_relations = False

    def __init__(self, n_estimators: int | None = None, seed: int = 0):
        self.n_estimators = n_estimators
        self.seed = seed

    def _features(self, graph: Graph) -> np.ndarray:
        return target_store(graph).x.numpy()

    def _model(self, y):
        import xgboost as xgb

        kw = {} if self.n_estimators is None else {"n_estimators": self.n_estimators}
        return xgb.XGBClassifier(n_jobs=get_threads(), random_state=self.seed, scale_pos_weight=_pos_weight(y), **kw)

    def _fit(self, graph, train_idx, val_idx):
        self._record_relations(graph)
        F = self._features(graph)
        y = target_store(graph).y.numpy()
        self.model_ = self._model(y[train_idx]).fit(F[train_idx], y[train_idx])
        self.booster_ = self.model_.get_booster()

    def num_columns(self):
        return int(self.booster_.num_features())

    def score_features(self, features):
        return self.booster_.inplace_predict(np.ascontiguousarray(features, dtype=np.float32)).astype(np.float64)

    def _state(self):
        return self._relation_state(), {"booster_json": _bytes_tensor(self.booster_.save_raw("json"))}

    def _restore(self, state, tensors):
        import xgboost as xgb

        self.booster_ = xgb.Booster()
        self.booster_.load_model(bytearray(_tensor_bytes(tensors["booster_json"])))
        self.booster_.set_param({"nthread": get_threads()})
        self._restore_relations(state)


class XGBGraph(XGBoostRaw):
    """GADBench XGBGraph: XGBoost (library defaults) on ``[x, h1, h2]`` closed-neighbourhood means."""

    name = "xgbgraph"
    reads_relations = True

    def __init__(self, num_layers: int = 2, n_estimators: int | None = None, seed: int = 0):
        self.num_layers = num_layers
        super().__init__(n_estimators=n_estimators, seed=seed)

    def _features(self, graph):
        x, eis = self._structure(graph, merge=True)
        return gin_mean_features(x, eis[0], self.num_layers)


class RFGraph(_TreeDetector):
    """GADBench RFGraph: 100 gini trees with sqrt features on ``[x, h1, h2]``; positives weighted."""

    name = "rfgraph"

    def __init__(self, num_layers: int = 2, n_estimators: int = 100, seed: int = 0):
        self.num_layers = num_layers
        self.n_estimators = n_estimators
        self.seed = seed

    def _features(self, graph):
        x, eis = self._structure(graph, merge=True)
        return gin_mean_features(x, eis[0], self.num_layers)

    def _fit(self, graph, train_idx, val_idx):
        from sklearn.ensemble import RandomForestClassifier

        self._record_relations(graph)
        F = self._features(graph)
        y = target_store(graph).y.numpy()[train_idx]
        w = np.where(y == 1, _pos_weight(y), 1.0)
        rf = RandomForestClassifier(n_estimators=self.n_estimators, criterion="gini", max_features="sqrt",
                                    n_jobs=get_threads(), random_state=self.seed)
        rf.fit(F[train_idx], y, sample_weight=w)
        self._flatten(rf)
        self.num_columns_ = F.shape[1]

    def num_columns(self):
        return getattr(self, "num_columns_", None)  # not kept by forests saved before relations were

    def _checked_features(self, graph):
        """As for every tree model; a forest saved without its width still refuses rows narrower than a column
        it splits on (they would index past the row; wider ones it cannot tell from its own)."""
        F = super()._checked_features(graph)
        last = int(self.feature_.max()) if self.feature_.size else -1
        if self.num_columns() is None and F.shape[1] <= last:
            raise DataError("predict", f"graph gives {F.shape[1]} tree features, the forest splits on column {last} "
                                       "(a graph with other relations?)")
        return F

    def _flatten(self, rf) -> None:
        """Keep the forest as flat arrays (children, feature, threshold, leaf P(fraud)) and tree offsets."""
        left, right, feat, thr, prob, offsets = [], [], [], [], [], [0]
        for est in rf.estimators_:
            t = est.tree_
            off = offsets[-1]
            leaf = t.children_left < 0
            left.append(np.where(leaf, -1, t.children_left + off))
            right.append(np.where(leaf, -1, t.children_right + off))
            feat.append(np.where(leaf, 0, t.feature))
            thr.append(t.threshold)
            v = t.value[:, 0, :]
            cls = list(rf.classes_)
            p1 = v[:, cls.index(1)] / np.maximum(v.sum(1), 1e-12) if 1 in cls else np.zeros(len(v))
            prob.append(p1)
            offsets.append(off + t.node_count)
        self.left_ = np.concatenate(left).astype(np.int64)
        self.right_ = np.concatenate(right).astype(np.int64)
        self.feature_ = np.concatenate(feat).astype(np.int64)
        self.thr_ = np.concatenate(thr).astype(np.float64)
        self.prob_ = np.concatenate(prob).astype(np.float64)
        self.roots_ = np.asarray(offsets[:-1], dtype=np.int64)

    def score_features(self, features):
        X = np.ascontiguousarray(features, dtype=np.float32).astype(np.float64)
        n = X.shape[0]
        rows = np.arange(n)
        total = np.zeros(n)
        for root in self.roots_:
            node = np.full(n, root, dtype=np.int64)
            active = self.left_[node] >= 0
            while active.any():
                idx = np.flatnonzero(active)
                nd = node[idx]
                go_left = X[rows[idx], self.feature_[nd]] <= self.thr_[nd]
                node[idx] = np.where(go_left, self.left_[nd], self.right_[nd])
                active[idx] = self.left_[node[idx]] >= 0
            total += self.prob_[node]
        return total / len(self.roots_)

    def _state(self):
        extra = self._relation_state()
        if self.num_columns() is not None:
            extra["num_columns"] = self.num_columns()
        return extra, {"left": self.left_, "right": self.right_, "feature": self.feature_, "threshold": self.thr_,
                       "prob": self.prob_, "roots": self.roots_}

    def _restore(self, state, tensors):
        self.left_, self.right_ = tensors["left"].numpy(), tensors["right"].numpy()
        self.feature_, self.thr_ = tensors["feature"].numpy(), tensors["threshold"].numpy()
        self.prob_, self.roots_ = tensors["prob"].numpy(), tensors["roots"].numpy()
        self._restore_relations(state)
        if "num_columns" in state:
            self.num_columns_ = state["num_columns"]


# --------------------------------------------------------------------------- graphguard default
class GraphGBM(_TreeDetector):
    """LightGBM on rich per-relation neighbour statistics; graphguard's recommended detector.

    Why these defaults: on Tolokers the extra statistics (max/min/std, neighbour-degree stats,
    three hops) and a small-leaf, column-subsampled booster early-stopped on validation AUROC beat
    GADBench's XGBGraph/RFGraph recipes. ``stack=True`` (registered as ``graphgbm-stack``) adds
    neighbourhood statistics of out-of-fold scores: a small further gain for several times the
    fit time, so it is off by default.
    """

    name = "graphgbm"

    def __init__(
        self,
        num_hops: int | None = None,
        n_estimators: int = 3000,
        learning_rate: float = 0.02,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        colsample_bytree: float = 0.3,
        subsample: float = 0.7,
        reg_lambda: float = 1.0,
        early_stopping: int = 200,
        stack: bool = False,
        stack_folds: int = 5,
        seed: int = 0,
    ):
        self.num_hops = num_hops
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.subsample = subsample
        self.reg_lambda = reg_lambda
        self.early_stopping = early_stopping
        self.stack = stack
        self.stack_folds = stack_folds
        self.seed = seed

    # features -------------------------------------------------------------
    def _hops(self, num_relations: int) -> int:
        """Three hops on one relation; two per relation on multi-relation graphs (width grows per relation)."""
        if self.num_hops is not None:
            return self.num_hops
        return 3 if num_relations <= 1 else 2

    def _features(self, graph: Graph) -> np.ndarray:
        x, eis = self._structure(graph, merge=False)
        n = x.shape[0]
        adjs = [adjacency(ei, n) for ei in eis]
        blocks = [rich_features(x, eis, self._hops(len(eis)), adjacencies=adjs)]
        for a in adjs:
            m1 = mean_aggregate(a, x)
            deg = np.log1p(np.asarray(a.sum(1)).ravel()).astype(np.float32)[:, None]
            blocks += [extreme_aggregate(a, m1, "amax"), extreme_aggregate(a, m1, "amin"), mean_aggregate(a, deg),
                       extreme_aggregate(a, deg, "amax"), extreme_aggregate(a, deg, "amin")]
        return np.concatenate(blocks, 1)

    def _stack_features(self, graph: Graph, first_scores: np.ndarray) -> np.ndarray:
        _, eis = self._structure(graph, merge=False)
        s = first_scores.astype(np.float32)[:, None]
        out = []
        for ei in eis:
            a = adjacency(ei, s.shape[0])
            m = mean_aggregate(a, s)
            out += [m, extreme_aggregate(a, s, "amax"), extreme_aggregate(a, s, "amin"), mean_aggregate(a, m)]
        return np.concatenate(out, 1)

    # training -------------------------------------------------------------
    def _min_child(self, n_train: int) -> int:
        """``min_child_samples``, capped at 5 % of the training nodes (at least 5).

        Why: 40 suits thousands of labels (Tolokers' full split), but with GADBench's semi-supervised
        100 labels a leaf would need 40 % of the training set and the booster can hardly split
        (5 semi trials, AUROC / AUPRC: Tolokers 0.650 / 0.313 at 40, 0.744 / 0.417 capped; YelpChi,
        checked after the rule was set, 0.676 / 0.239 and 0.729 / 0.279). From 800 training nodes up
        the cap is inactive, so fully supervised results are unchanged.
        """
        return min(self.min_child_samples, max(5, n_train // 20))

    def _params(self, n_train: int) -> dict:
        return dict(objective="binary", learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                    min_child_samples=self._min_child(n_train), colsample_bytree=self.colsample_bytree,
                    subsample=self.subsample, subsample_freq=1, reg_lambda=self.reg_lambda, seed=self.seed,
                    num_threads=get_threads(), verbose=-1, metric="auc")

    def _train(self, F, y, tr, va=None, rounds=None):
        """One booster; early-stopped on validation AUROC when ``va`` is given."""
        import lightgbm as lgb

        train_set = lgb.Dataset(F[tr], y[tr], free_raw_data=True)
        params = self._params(len(tr))
        if va is None:
            return lgb.train(params, train_set, num_boost_round=rounds or self.n_estimators)
        valid = lgb.Dataset(F[va], y[va], reference=train_set)
        return lgb.train(params, train_set, num_boost_round=self.n_estimators, valid_sets=[valid],
                         callbacks=[lgb.early_stopping(self.early_stopping, verbose=False)])

    def _fit(self, graph, train_idx, val_idx):
        y = target_store(graph).y.numpy()
        tr, va = (train_idx, val_idx) if val_idx is not None else _holdout(train_idx, y, self.seed)
        self._record_relations(graph)
        F = self._features(graph)
        first = self._train(F, y, tr, va)
        first_scores = first.predict(F, num_iteration=first.best_iteration, num_threads=get_threads())
        self.boosters_ = [first]
        if not self.stack:
            self._fit_scores = first_scores
            return
        from sklearn.model_selection import StratifiedKFold

        # out-of-fold scores for the training nodes, so the stacked model never sees its own labels
        scores = first_scores.copy()
        folds = StratifiedKFold(self.stack_folds, shuffle=True, random_state=self.seed)
        rounds = max(first.best_iteration or self.n_estimators, 10)
        for a, b in folds.split(train_idx, y[train_idx]):
            mk = self._train(F, y, train_idx[a], rounds=rounds)
            scores[train_idx[b]] = mk.predict(F[train_idx[b]], num_threads=get_threads())
        F2 = np.concatenate([F, self._stack_features(graph, scores)], 1)
        second = self._train(F2, y, tr, va)
        self.boosters_.append(second)
        # the threshold is chosen on these: the scores decision_function gives, whose second stage reads
        # in-sample first-stage scores (F2 above read out-of-fold ones, up to 0.16 apart)
        self._fit_scores = self.score_features(F, graph)

    def num_columns(self):
        return int(self.boosters_[0].num_feature())

    def _score(self, graph):
        return self.score_features(self._checked_features(graph), graph)

    def score_features(self, features, graph: Graph | None = None):
        b0 = self.boosters_[0]
        first = b0.predict(features, num_iteration=b0.best_iteration or None, num_threads=get_threads())
        if len(self.boosters_) == 1:
            return np.asarray(first, dtype=np.float64)
        if graph is None:
            raise ValueError("a stacked GraphGBM needs the graph to score: call decision_function(graph)")
        F2 = np.concatenate([features, self._stack_features(graph, first)], 1)
        b1 = self.boosters_[1]
        return np.asarray(b1.predict(F2, num_iteration=b1.best_iteration or None, num_threads=get_threads()),
                          dtype=np.float64)

    def _state(self):
        return {"num_boosters": len(self.boosters_), **self._relation_state()}, {
            f"booster_{i}": _bytes_tensor(b.model_to_string(num_iteration=b.best_iteration or None))
            for i, b in enumerate(self.boosters_)
        }

    def _restore(self, state, tensors):
        import lightgbm as lgb

        self.boosters_ = [lgb.Booster(model_str=_tensor_bytes(tensors[f"booster_{i}"]).decode("utf-8"))
                          for i in range(state["num_boosters"])]
        self._restore_relations(state)


class GraphGBMStacked(GraphGBM):
    """GraphGBM with stacking on: a second booster also sees neighbourhood stats of out-of-fold scores."""

    name = "graphgbm-stack"

    def __init__(self, stack: bool = True, **kwargs):
        super().__init__(stack=stack, **kwargs)
