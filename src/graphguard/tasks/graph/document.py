"""Document parser: label each text box (header/question/answer/other) and pair questions with answers.

Node classifier: each box's features plus features propagated over the spatial graph, per edge
type (mean over kNN, same-line, same-column and reading-order neighbours) and per direction (the
nearest neighbour to the left, right, above and below along line/column edges): a precomputed
multi-hop aggregation in the style of SIGN (Frasca et al. 2020), fed to gradient-boosted trees.

Link predictor: candidate (question, answer) pairs are the graph's edges; each gets geometry
(offsets, distance, edge types, distance rank) and both boxes' features and predicted label
probabilities. Each predicted question is paired with its best candidate above a threshold, each
answer used once. Training uses cross-fitted label probabilities so the link model sees the same
noise it will see at prediction time.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from graphguard.builders.document import EDGE_TYPES, LABELS, boxes_to_graph
from graphguard.errors import DataError, not_fitted
from graphguard.utils.params import (constructor_parameters, remember_fitted_params, restore_params_set_after_fit,
                                     saved_params, set_params_via_constructor)
from graphguard.utils.serialization import describe_model, load_model_dir, save_model_dir
from graphguard.utils.threads import get_threads

QUESTION, ANSWER = LABELS.index("question"), LABELS.index("answer")


def _as_graph(doc):
    return doc if hasattr(doc, "edge_index") else boxes_to_graph(doc)


def _directional(g, x: np.ndarray) -> np.ndarray:
    """Features of the nearest left/right (same line) and above/below (same column) neighbours."""
    n, f = x.shape
    out = np.zeros((n, 4 * (f + 1)), np.float32)
    ei, et, ea = g.edge_index.numpy(), g.edge_type.numpy(), g.edge_attr.numpy()
    best = np.full((n, 4), np.inf)
    who = np.full((n, 4), -1)
    dx, dy = ea[:, -2], ea[:, -1]
    for e in range(ei.shape[1]):
        i, j, t = ei[0, e], ei[1, e], et[e]
        if t == 1:
            slot, dist = (0 if dx[e] < 0 else 1), abs(dx[e])
        elif t == 2:
            slot, dist = (2 if dy[e] < 0 else 3), abs(dy[e])
        else:
            continue
        if dist < best[i, slot]:
            best[i, slot], who[i, slot] = dist, j
    for s in range(4):
        has = who[:, s] >= 0
        out[has, s * (f + 1): s * (f + 1) + f] = x[who[has, s]]
        out[:, s * (f + 1) + f] = np.where(has, np.minimum(best[:, s], 1.0), 1.0)
    return out


def node_features(g) -> np.ndarray:
    x = g.x.numpy()
    n = x.shape[0]
    ei, et = g.edge_index.numpy(), g.edge_type.numpy()
    parts = [x]
    for t in range(len(EDGE_TYPES)):
        m = et == t
        A = sp.csr_matrix((np.ones(m.sum()), (ei[1, m], ei[0, m])), shape=(n, n))
        deg = np.maximum(np.asarray(A.sum(1)).ravel(), 1)
        parts.append((sp.diags(1 / deg) @ A @ x).astype(np.float32))
    d = _directional(g, x)
    parts.append(d)
    return np.concatenate(parts, 1)


def candidate_pairs(g) -> np.ndarray:
    ei = g.edge_index.numpy()
    pairs = {(int(a), int(b)) for a, b in ei.T if a != b}
    return np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def pair_features(g, cand: np.ndarray, proba: np.ndarray) -> np.ndarray:
    x = g.x.numpy()
    ei, et = g.edge_index.numpy(), g.edge_type.numpy()
    types = {}
    for e in range(ei.shape[1]):
        types.setdefault((int(ei[0, e]), int(ei[1, e])), set()).add(int(et[e]))
    cx, cy = x[:, 0], x[:, 1]
    dxs = cx[cand[:, 1]] - cx[cand[:, 0]]
    dys = cy[cand[:, 1]] - cy[cand[:, 0]]
    dist = np.hypot(dxs, dys)
    # rank of each candidate among the source's candidates by distance
    rank = np.zeros(len(cand))
    for i in np.unique(cand[:, 0]):
        m = np.flatnonzero(cand[:, 0] == i)
        rank[m[np.argsort(dist[m])]] = np.arange(len(m))
    flags = np.asarray([[t in types.get((a, b), ()) for t in range(len(EDGE_TYPES))] for a, b in cand], np.float32)
    right = (dxs > 0).astype(np.float32)
    below = (dys > 0).astype(np.float32)
    geo = np.stack([dxs, dys, dist, np.abs(dxs), np.abs(dys), rank, right, below], 1)
    return np.concatenate([geo, flags, proba[cand[:, 0]], proba[cand[:, 1]], x[cand[:, 0]], x[cand[:, 1]]],
                          1).astype(np.float32)


def _xgb(multi: bool, seed: int, n_estimators: int):
    import xgboost as xgb

    cls = xgb.XGBClassifier
    return cls(n_estimators=n_estimators, max_depth=6, learning_rate=0.1, subsample=0.9, colsample_bytree=0.7,
               tree_method="hist", n_jobs=get_threads(), random_state=seed,
               objective="multi:softprob" if multi else "binary:logistic")


class BoxClassifier:
    """Gradient-boosted trees over the box labels present in the training boxes.

    xgboost wants classes 0..k-1, so forms without, say, any header box would stop it; the labels
    seen are encoded, and probabilities come back over all ``LABELS`` (0 for a label never seen),
    so the pair features keep their width and only seen labels can be predicted.
    """

    def __init__(self, classes, seed: int, n_estimators: int):
        self.classes = np.asarray(classes, dtype=np.int64)
        self.model = _xgb(len(self.classes) > 2, seed, n_estimators) if len(self.classes) > 1 else None

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, seed: int, n_estimators: int) -> "BoxClassifier":
        m = cls(np.unique(y), seed, n_estimators)
        if m.model is not None:
            m.model.fit(X, np.searchsorted(m.classes, y))
        return m

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        out = np.zeros((len(X), len(LABELS)), dtype=np.float32)
        out[:, self.classes] = self.model.predict_proba(X) if self.model is not None else 1.0
        return out


class DocumentParser:
    """``fit(docs)`` on labelled forms; ``predict(doc)`` -> (labels, pairs); ``save``/``load``."""

    def __init__(self, n_estimators: int = 200, pair_threshold: float = 0.5, seed: int = 0):
        self.n_estimators, self.pair_threshold, self.seed = n_estimators, pair_threshold, seed

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's options (``deep`` is scikit-learn's; there is nothing nested)."""
        return {k: getattr(self, k) for k in constructor_parameters(type(self))}

    def set_params(self, **params) -> "DocumentParser":
        """Change options as scikit-learn does (an unknown name is refused)."""
        return set_params_via_constructor(self, params)

    def fit(self, docs):
        graphs = [_as_graph(d) for d in docs]
        if not graphs:
            raise DataError("documents", "none given; the parser needs at least one labelled document")
        for i, g in enumerate(graphs):
            if getattr(g, "y", None) is None:
                raise DataError(f"document {i}", "every box needs a 'label' to train the parser")
        feats = [node_features(g) for g in graphs]
        X, y = np.concatenate(feats), np.concatenate([g.y.numpy() for g in graphs])
        if len(np.unique(y)) < 2:
            raise DataError("documents", f"every box is labelled '{LABELS[int(y[0])]}'; the parser needs at least "
                                         "two box labels to learn")
        remember_fitted_params(self)
        self.node_model_ = BoxClassifier.fit(X, y, self.seed, self.n_estimators)
        probs = self._cross_fitted_proba(feats, [g.y.numpy() for g in graphs])
        PX, PY = [], []
        for g, p in zip(graphs, probs):
            cand = candidate_pairs(g)
            truth = {tuple(t) for t in g.pairs.tolist()} if getattr(g, "pairs", None) is not None else set()
            PX.append(pair_features(g, cand, p))
            PY.append(np.asarray([tuple(c) in truth for c in cand.tolist()], np.int64))
        self.pair_model_ = _xgb(False, self.seed, self.n_estimators).fit(np.concatenate(PX), np.concatenate(PY))
        self.fitted_ = True
        return self

    def _cross_fitted_proba(self, feats: list, ys: list) -> list:
        """Each document's box-label probabilities from a box model that did not train on those boxes.

        Two folds: alternate documents, or, when there is a single document, a seeded random half of
        its boxes each (splitting documents would leave one fold with nothing to train on).
        """
        sizes = [len(f) for f in feats]
        if len(feats) > 1:
            fold = np.repeat(np.arange(len(feats)) % 2, sizes)
        else:
            fold = np.random.default_rng(self.seed).permutation(sizes[0]) % 2
        X, y = np.concatenate(feats), np.concatenate(ys)
        proba = np.zeros((len(X), len(LABELS)), dtype=np.float32)
        for h in (0, 1):
            model = BoxClassifier.fit(X[fold != h], y[fold != h], self.seed, self.n_estimators)
            proba[fold == h] = model.predict_proba(X[fold == h])
        return np.split(proba, np.cumsum(sizes)[:-1])

    def _check(self):
        if not getattr(self, "fitted_", False):
            raise not_fitted("DocumentParser is not fitted; call fit() or load() first")

    def predict_proba(self, doc) -> np.ndarray:
        """One row per box, one column per ``LABELS`` entry (0 for a label the training boxes never had)."""
        self._check()
        g = _as_graph(doc)
        return self.node_model_.predict_proba(node_features(g))

    def predict(self, doc) -> tuple[list[str], list[tuple[int, int]]]:
        """Box labels (``LABELS`` names) and question->answer pairs as box indices."""
        self._check()
        g = _as_graph(doc)
        proba = self.node_model_.predict_proba(node_features(g))
        labels = proba.argmax(1)
        cand = candidate_pairs(g)
        if not len(cand):
            return [LABELS[i] for i in labels], []
        s = self.pair_model_.predict_proba(pair_features(g, cand, proba))[:, 1]
        order = np.argsort(-s)
        used_q, used_a, pairs = set(), set(), []
        for e in order:
            q, a = map(int, cand[e])
            if s[e] < self.pair_threshold:
                break
            if labels[q] != QUESTION or labels[a] != ANSWER or q in used_q or a in used_a:
                continue
            pairs.append((q, a))
            used_q.add(q)
            used_a.add(a)
        return [LABELS[i] for i in labels], sorted(pairs)

    def save(self, path):
        self._check()
        tensors = {name: torch.frombuffer(bytearray(m.get_booster().save_raw("json")), dtype=torch.uint8)
                   for name, m in (("node_model", self.node_model_.model), ("pair_model", self.pair_model_))}
        return save_model_dir(path, {"class": "DocumentParser", **saved_params(self),
                                     "labels": self.node_model_.classes.tolist()}, tensors)

    @classmethod
    def load(cls, path):
        config, tensors = load_model_dir(path)
        if config.get("class") != "DocumentParser":
            raise DataError(path, f"holds {describe_model(config)}, not a DocumentParser")
        est = cls(**config["params"])
        # models saved before the labels were recorded were trained on all of them
        est.node_model_ = BoxClassifier(config.get("labels", range(len(LABELS))), est.seed, est.n_estimators)
        est.node_model_.model.load_model(bytearray(tensors["node_model"].numpy().tobytes()))
        est.pair_model_ = _xgb(False, est.seed, est.n_estimators)
        est.pair_model_.load_model(bytearray(tensors["pair_model"].numpy().tobytes()))
        est.fitted_ = True
        return restore_params_set_after_fit(est, config)


def evaluate_parser(parser: DocumentParser, docs) -> dict:
    """Macro box-label F1 (over the labels present), per-label F1, and Q/A pair F1."""
    from sklearn.metrics import f1_score

    yt, yp, tp, n_pred, n_true = [], [], 0, 0, 0
    for d in docs:
        g = _as_graph(d)
        labels, pairs = parser.predict(g)
        yt += g.y.tolist()
        yp += [LABELS.index(lab) for lab in labels]
        truth = {tuple(p) for p in g.pairs.tolist()}
        tp += len(truth & set(pairs))
        n_pred += len(pairs)
        n_true += len(truth)
    prec, rec = tp / max(n_pred, 1), tp / max(n_true, 1)
    per = f1_score(yt, yp, labels=list(range(len(LABELS))), average=None, zero_division=0)
    return {"box_f1_macro": float(f1_score(yt, yp, average="macro")),
            "box_f1_micro": float(f1_score(yt, yp, average="micro")),
            "box_f1_per_label": {lab: float(v) for lab, v in zip(LABELS, per)},
            "pair_precision": prec, "pair_recall": rec,
            "pair_f1": 2 * prec * rec / max(prec + rec, 1e-12)}
