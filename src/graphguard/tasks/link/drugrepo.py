"""Drug repurposing: score drug-disease pairs, cross-validate as the field does, explain candidates.

``DrugRepurposer`` scores every pair of a :class:`~graphguard.data.drugrepo.DrugDiseaseData`
from its known links and the two similarity matrices with Kronecker RLS over similarity + GIP
kernels after WKNKN filling, with the cold-start corrections of ``graphguard.tasks.link.kronrls``
for drugs that have no known link: closed form, deterministic, and a few tenths of a second per
fit on Fdataset.

``cross_validate`` is the protocol of DRHGCN and LAGCN: the known links and the unknown pairs are
each split into ``folds`` parts; fold *i* hides its known links from the graph and from training,
and is scored on its known links (positives) against its share of unknown pairs (negatives),
giving AUROC and AUPR per fold.

``repurpose`` ranks candidate drugs for a disease and gives evidence for each: the most similar
drugs already indicated for it, the most similar diseases the candidate already treats, and short
paths that join the two in the graph.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
from graphguard import _console
from graphguard.data.drugrepo import DrugDiseaseData, load_fdataset
from graphguard.errors import ConfigError, DataError, not_fitted
from graphguard.metrics import auprc, auroc
from graphguard.tasks.link.kronrls import score_associations
from graphguard.utils.params import (params_repr, remember_fitted_params, restore_params_set_after_fit, saved_params,
                                     set_params_via_constructor)
from graphguard.utils.serialization import describe_model, load_model_dir, save_model_dir

PARAMS = ("alpha", "sigma", "k", "eta", "cold", "graph_k")


def _as_data(data) -> DrugDiseaseData:
    if isinstance(data, DrugDiseaseData):
        return data
    return load_fdataset(data)


class DrugRepurposer:
    """Drug-disease link prediction (Kronecker RLS) with evidence for each candidate.

    ``alpha`` weighs the given similarity against the GIP kernel, ``sigma`` is the ridge, ``k``/``eta``
    set WKNKN (``k=0`` turns it off), ``cold`` scales the scores of drugs with no training link (1 turns
    it off) and ``graph_k`` the similarity neighbours used for evidence paths.
    """

    def __init__(self, *, alpha: float = 0.1, sigma: float = 3.0, k: int = 20, eta: float = 0.85, cold: float = 1.5,
                 graph_k: int = 15):
        if not 0 <= alpha <= 1 or sigma <= 0 or k < 0 or not 0 < eta <= 1 or cold <= 0:
            raise ConfigError("need 0 <= alpha <= 1, sigma > 0, k >= 0, 0 < eta <= 1 and cold > 0")
        self.alpha, self.sigma, self.k, self.eta, self.cold, self.graph_k = alpha, sigma, k, eta, cold, graph_k

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's options (``deep`` is scikit-learn's; there is nothing nested)."""
        return {p: getattr(self, p) for p in PARAMS}

    def set_params(self, **params) -> "DrugRepurposer":
        """Change options through the constructor's checks; evidence paths follow a new ``graph_k``."""
        set_params_via_constructor(self, params)
        self._nbrs = None
        return self

    def __repr__(self) -> str:
        return params_repr(self)

    def fit(self, data, train_mask: np.ndarray | None = None) -> "DrugRepurposer":
        """Learn from the known links; ``train_mask`` (drugs x diseases, bool) hides the pairs outside it."""
        data = _as_data(data)
        assoc = data.assoc.astype(np.float64)
        mask = np.ones_like(assoc, dtype=bool) if train_mask is None else np.asarray(train_mask, dtype=bool)
        if mask.shape != assoc.shape:
            raise DataError(data.source, f"train_mask shape {mask.shape} != {assoc.shape}")
        known = assoc * mask
        if known.sum() == 0:
            raise DataError(data.source, "no known links in the training pairs")
        remember_fitted_params(self)
        self.data_ = data
        self.train_assoc_ = known.astype(np.int8)
        self.scores_ = score_associations(known, data.drug_sim, data.disease_sim, alpha=self.alpha,
                                          sigma=self.sigma, k=self.k, eta=self.eta, cold=self.cold)
        return self

    def _check(self):
        if not hasattr(self, "scores_"):
            raise not_fitted("this DrugRepurposer is not fitted yet; call fit() or load()")

    def score_matrix(self) -> np.ndarray:
        """Association scores ``[drugs, diseases]``, higher = more likely: Kronecker RLS predictions of the
        0/1 link matrix, so mostly in [0, 1] but neither bounded nor calibrated (a few fall below 0 or
        above 1, and drugs without a training link are scaled by ``cold``); they rank, they are not
        probabilities."""
        self._check()
        return self.scores_

    def repurpose(self, disease: str, top: int = 20, *, include_known: bool = False, evidence: int = 3) -> list[dict]:
        """Candidate drugs for ``disease``, best first, each with its evidence."""
        self._check()
        if isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1:
            raise ConfigError(f"top must be an integer >= 1 (got {top!r})")
        d = self.data_
        j = d.disease_index(disease)
        s = self.scores_[:, j]
        known = self.train_assoc_[:, j].astype(bool)
        order = np.argsort(-s, kind="stable")
        out = []
        for i in order:
            if known[i] and not include_known:
                continue
            out.append({"drug": d.drugs[i], "score": float(s[i]), "known": bool(known[i]),
                        "evidence": self.evidence(i, j, evidence)})
            if len(out) >= top:
                break
        return out

    def evidence(self, i: int, j: int, n: int = 3) -> dict:
        """Why drug ``i`` may treat disease ``j``: nearest known indications and connecting paths.

        Paths run through the graph of ``read_fdataset`` (top-``graph_k`` similarity edges and the
        known ``treats`` links): 2 hops (drug -similar- drug' -treats- disease, or drug -treats-
        disease' -similar- disease), then 3 hops when no 2-hop path exists; strongest first.
        """
        d, a = self.data_, self.train_assoc_
        treaters = np.nonzero(a[:, j])[0]
        treaters = treaters[treaters != i]
        near_drugs = treaters[np.argsort(-d.drug_sim[i, treaters], kind="stable")][:n]
        treated = np.nonzero(a[i])[0]
        treated = treated[treated != j]
        near_dis = treated[np.argsort(-d.disease_sim[j, treated], kind="stable")][:n]
        nd, ns = self._neighbours()
        sim = lambda v: f"similar({v:.2f})"  # noqa: E731
        paths = []
        for k in nd[i]:
            if a[k, j]:
                paths.append((d.drug_sim[i, k], [d.drugs[i], sim(d.drug_sim[i, k]), d.drugs[k], "treats", d.diseases[j]]))
        for k in ns[j]:
            if a[i, k]:
                paths.append((d.disease_sim[j, k], [d.drugs[i], "treats", d.diseases[k], sim(d.disease_sim[j, k]), d.diseases[j]]))
        if not paths:
            for k in nd[i]:
                for m in ns[j]:
                    if a[k, m]:
                        w = d.drug_sim[i, k] * d.disease_sim[j, m]
                        paths.append((w, [d.drugs[i], sim(d.drug_sim[i, k]), d.drugs[k], "treats", d.diseases[m],
                                          sim(d.disease_sim[j, m]), d.diseases[j]]))
        paths.sort(key=lambda p: -p[0])
        return {
            "similar_drugs_treating_disease": [{"drug": d.drugs[k], "similarity": float(d.drug_sim[i, k])} for k in near_drugs],
            "similar_diseases_treated_by_drug": [{"disease": d.diseases[k], "similarity": float(d.disease_sim[j, k])}
                                                 for k in near_dis],
            "paths": [" -> ".join(p) for _, p in paths[:n]],
        }

    def _neighbours(self):
        if getattr(self, "_nbrs", None) is None:
            def top(sim):
                s = np.array(sim, dtype=np.float64)
                np.fill_diagonal(s, -np.inf)
                k = max(1, min(self.graph_k, s.shape[0] - 1))
                return np.argsort(-s, 1, kind="stable")[:, :k]
            self._nbrs = (top(self.data_.drug_sim), top(self.data_.disease_sim))
        return self._nbrs

    def save(self, path) -> Path:
        self._check()
        d = self.data_
        config = {"class": "DrugRepurposer", **saved_params(self), "drugs": d.drugs, "diseases": d.diseases,
                  "source": d.source}
        tensors = dict(scores=self.scores_, train_assoc=self.train_assoc_, drug_sim=d.drug_sim,
                       disease_sim=d.disease_sim, assoc=d.assoc)
        return save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path) -> "DrugRepurposer":
        config, t = load_model_dir(path)
        if config.get("class") != "DrugRepurposer":
            raise DataError(path, f"holds {describe_model(config)}, not a DrugRepurposer")
        obj = cls(**config["params"])
        obj.data_ = DrugDiseaseData(config["drugs"], config["diseases"], t["assoc"].numpy(), t["drug_sim"].numpy(),
                                    t["disease_sim"].numpy(), source=config.get("source", str(path)))
        obj.train_assoc_ = t["train_assoc"].numpy()
        obj.scores_ = t["scores"].numpy()
        return restore_params_set_after_fit(obj, config)


def fold_masks(assoc: np.ndarray, folds: int = 10, seed: int = 0):
    """Yield ``(train_mask, test_mask)``: known links and unknown pairs each split into ``folds`` parts."""
    from sklearn.model_selection import KFold

    if folds < 2:
        raise DataError("cross-validation", f"need at least 2 folds, got {folds}")
    pos = np.argwhere(assoc > 0)
    neg = np.argwhere(assoc == 0)
    if len(pos) < folds:
        raise DataError("cross-validation", f"{len(pos)} known links cannot fill {folds} folds")
    kf = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for (_, pos_te), (_, neg_te) in zip(kf.split(pos), kf.split(neg)):
        test = np.zeros(assoc.shape, dtype=bool)
        test[tuple(pos[pos_te].T)] = True
        test[tuple(neg[neg_te].T)] = True
        yield ~test, test


def cross_validate(data, folds: int = 10, seed: int = 0, **params) -> dict:
    """The 10-fold protocol of DRHGCN/LAGCN: mean and std of per-fold AUROC and AUPR."""
    data = _as_data(data)
    a = data.assoc
    rocs, prs = [], []
    for f, (train, test) in enumerate(fold_masks(a, folds, seed)):
        model = DrugRepurposer(**params).fit(data, train_mask=train)
        s = model.scores_[test]
        y = a[test]
        rocs.append(auroc(y, s))
        prs.append(auprc(y, s))
        _console.log(f"fold {f + 1}/{folds}: AUROC {rocs[-1]:.4f}  AUPR {prs[-1]:.4f}")
    return {"auroc": float(np.mean(rocs)), "aupr": float(np.mean(prs)), "auroc_std": float(np.std(rocs)),
            "aupr_std": float(np.std(prs)), "folds": folds, "fold_auroc": rocs, "fold_aupr": prs}
