"""Soft-voting ensemble of graph classifiers (e.g. GIN + WL kernel SVM), one estimator like the others.

Members are registry names with parameters, each trained on the same graphs, and the class
probabilities are averaged with fixed ``weights`` (equal by default): nothing is tuned on the data
beyond what each member selects for itself (GIN its epoch on its own validation holdout, the WL SVM
its C and depth by inner CV), so under an outer CV the test fold stays unseen. Models with different
inductive biases (learned message passing vs exact subtree counts) err on different graphs, which
is what averaging exploits. Persistence keeps each member's config in JSON and its tensors under an
``m<i>.`` prefix in the one safetensors file.
"""

from __future__ import annotations

import numpy as np

from graphguard.errors import ConfigError
from graphguard.tasks.graph.base import GraphEstimator

DEFAULT_MEMBERS = ({"model": "gin"}, {"model": "wl-svm"})


class GraphEnsemble(GraphEstimator):
    self_selecting = True  # each member selects on the training graphs only
    _param_names = ("members", "weights", "task", "seed")

    def __init__(self, members=DEFAULT_MEMBERS, weights=None, task: str = "classification", seed: int = 0):
        # kept as given (scikit-learn's clone checks that the constructor does not change them); read only
        self.members, self.weights = members, weights
        self.task, self.seed = task, seed

    def _check_spec(self):
        if self.task != "classification":
            raise ConfigError("the graph ensemble averages class probabilities; it is a classifier")
        if not self.members or any("model" not in m for m in self.members):
            raise ConfigError("ensemble members must each name a 'model'")
        if self.weights is not None and (len(self.weights) != len(self.members) or min(self.weights) < 0
                                         or sum(self.weights) <= 0):
            raise ConfigError("ensemble weights must be one non-negative number per member, not all zero")

    @property
    def uses_node_features(self) -> bool:
        """Whether any member reads ``x``: fingerprint members alone read SMILES, so graphs may come without x.

        Read from the member specs (what ``fit`` builds, and what a loaded model's config holds)."""
        return any(m.uses_node_features for m in self._unfitted_members())

    def _unfitted_members(self) -> list:
        from graphguard.tasks.graph.registry import make_estimator

        self._check_spec()
        built = []
        for m in self.members:
            params = {k: v for k, v in m.items() if k != "model"}
            params.setdefault("seed", self.seed)
            built.append(make_estimator(m["model"], **params))
        return built

    def _fit(self, graphs, y, val):
        self.members_ = []
        for est in self._unfitted_members():
            est.fit(graphs, y, *(val if val is not None else ()))
            self.members_.append(est)

    def _check_model_input(self, graphs, source):
        for m in self.members_:
            m._check_model_input(graphs, source)

    def _weights(self) -> np.ndarray:
        w = np.ones(len(self.members_)) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        return w / w.sum()

    def _scores(self, graphs):
        return sum(w * m._scores(graphs) for w, m in zip(self._weights(), self.members_))

    def _embed(self, graphs):
        return np.hstack([m._embed(graphs) for m in self.members_]).astype(np.float32)

    def _state(self):
        configs, tensors = [], {}
        for i, m in enumerate(self.members_):
            cfg, ts = m._state()
            configs.append({"class": type(m).__name__, "params": m.get_params(), "num_features": m.num_features_,
                            "classes": m.classes_.tolist(), "config": cfg})
            tensors.update({f"m{i}.{k}": v for k, v in ts.items()})
        return {"members_": configs}, tensors

    def _restore(self, config, tensors):
        from graphguard.tasks.graph.registry import ESTIMATORS

        self.members_ = []
        for i, c in enumerate(config["members_"]):
            est = ESTIMATORS[c["class"]](**c["params"])
            est.num_features_, est.classes_ = c["num_features"], np.asarray(c["classes"])
            prefix = f"m{i}."
            est._restore({**c["config"], "num_features": c["num_features"]},
                         {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
            est.fitted_ = True
            self.members_.append(est)
        if self.num_features_ is None:  # a config without it: the members were trained on the same graphs
            self.num_features_ = self.members_[0].num_features_
