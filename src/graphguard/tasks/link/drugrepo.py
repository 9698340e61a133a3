"""Drug repurposing: score drug-disease pairs, cross-validate as the field does, explain candidates.

``DrugRepurposer`` trains ``graphguard.nn.bipartite.DrugDiseaseGNN`` on the known links of a
:class:`~graphguard.data.drugrepo.DrugDiseaseData` (similarity profiles as features, top-k
similarity edges plus ``treats`` edges as the graph) with class-weighted BCE over all pairs.

``cross_validate`` is the protocol of DRHGCN and LAGCN: the known links and the unknown pairs are
each split into ``folds`` parts; fold *i* hides its known links from the graph and from training,
and is scored on its known links (positives) against its share of unknown pairs (negatives),
giving AUROC and AUPR per fold.

``repurpose`` ranks candidate drugs for a disease and gives evidence for each: the most similar
drugs already indicated for it, the most similar diseases the candidate already treats, and short
paths that join the two in the graph.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from graphguard import _console
from graphguard.data.drugrepo import DrugDiseaseData, knn_edges, load_fdataset
from graphguard.errors import DataError, NotFittedError
from graphguard.metrics import auprc, auroc
from graphguard.nn.bipartite import DrugDiseaseGNN
from graphguard.utils.seed import seed_everything
from graphguard.utils.serialization import load_model_dir, save_model_dir

PARAMS = ("hidden", "layers", "dropout", "epochs", "lr", "weight_decay", "k", "seed")


def _as_data(data) -> DrugDiseaseData:
    if isinstance(data, DrugDiseaseData):
        return data
    return load_fdataset(data)


class DrugRepurposer:
    """Drug-disease link prediction with a GCN encoder and a bilinear decoder."""

    def __init__(self, *, hidden: int = 128, layers: int = 2, dropout: float = 0.4, epochs: int = 300,
                 lr: float = 0.01, weight_decay: float = 1e-5, k: int = 15, seed: int = 0):
        self.hidden, self.layers, self.dropout, self.epochs = hidden, layers, dropout, epochs
        self.lr, self.weight_decay, self.k, self.seed = lr, weight_decay, k, seed

    def get_params(self) -> dict:
        return {p: getattr(self, p) for p in PARAMS}

    def _graph(self, data: DrugDiseaseData, assoc: np.ndarray):
        nd = data.num_drugs
        de, dw = knn_edges(data.drug_sim, self.k)
        se, sw = knn_edges(data.disease_sim, self.k)
        src, dst = np.nonzero(assoc)
        te = torch.as_tensor(np.stack([src, dst + nd]), dtype=torch.long)
        ei = torch.cat([de, de.flip(0), se + nd, (se + nd).flip(0), te, te.flip(0)], 1)
        ew = torch.cat([dw, dw, sw, sw, torch.ones(te.shape[1] * 2)])
        return ei, ew

    def fit(self, data, train_mask: np.ndarray | None = None) -> "DrugRepurposer":
        """Learn from the known links; ``train_mask`` (drugs x diseases, bool) limits the pairs used."""
        data = _as_data(data)
        seed_everything(self.seed)
        assoc = data.assoc.astype(np.float32)
        mask = np.ones_like(assoc, dtype=bool) if train_mask is None else np.asarray(train_mask, dtype=bool)
        if mask.shape != assoc.shape:
            raise DataError(data.source, f"train_mask shape {mask.shape} != {assoc.shape}")
        known = assoc * mask
        if known.sum() == 0:
            raise DataError(data.source, "no known links in the training pairs")
        self.data_ = data
        self.train_assoc_ = known.astype(np.int8)
        ei, ew = self._graph(data, known)
        xd = torch.as_tensor(data.drug_sim, dtype=torch.float32)
        xs = torch.as_tensor(data.disease_sim, dtype=torch.float32)
        self.model_ = DrugDiseaseGNN(data.num_drugs, data.num_diseases, xd.shape[1], xs.shape[1],
                                     hidden=self.hidden, layers=self.layers, dropout=self.dropout)
        opt = torch.optim.Adam(self.model_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        y = torch.as_tensor(known)
        m = torch.as_tensor(mask)
        pos_weight = torch.tensor(float((m.sum() - y.sum()) / max(y.sum(), 1)))
        self.model_.train()
        with _console.progress("training drug repurposer", total=self.epochs) as advance:
            for _ in range(self.epochs):
                opt.zero_grad(set_to_none=True)
                logits = self.model_(xd, xs, ei, ew)
                loss = F.binary_cross_entropy_with_logits(logits[m], y[m], pos_weight=pos_weight)
                loss.backward()
                opt.step()
                advance()
        self.model_.eval()
        with torch.no_grad():
            self.scores_ = torch.sigmoid(self.model_(xd, xs, ei, ew)).numpy()
        return self

    def _check(self):
        if not hasattr(self, "scores_"):
            raise NotFittedError("this DrugRepurposer is not fitted yet; call fit() or load()")

    def score_matrix(self) -> np.ndarray:
        """Predicted association probabilities ``[drugs, diseases]``."""
        self._check()
        return self.scores_

    def repurpose(self, disease: str, top: int = 20, *, include_known: bool = False, evidence: int = 3) -> list[dict]:
        """Candidate drugs for ``disease``, best first, each with its evidence."""
        self._check()
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
        """Why drug ``i`` may treat disease ``j``: nearest known indications and connecting paths."""
        d, a = self.data_, self.train_assoc_
        treaters = np.nonzero(a[:, j])[0]
        treaters = treaters[treaters != i]
        near_drugs = treaters[np.argsort(-d.drug_sim[i, treaters])][:n]
        treated = np.nonzero(a[i])[0]
        treated = treated[treated != j]
        near_dis = treated[np.argsort(-d.disease_sim[j, treated])][:n]
        paths = []
        for k in near_drugs:  # drug -similar- drug' -treats- disease
            paths.append((float(d.drug_sim[i, k]), [d.drugs[i], f"similar({d.drug_sim[i, k]:.2f})", d.drugs[k],
                                                     "treats", d.diseases[j]]))
        for k in near_dis:  # drug -treats- disease' -similar- disease
            paths.append((float(d.disease_sim[j, k]), [d.drugs[i], "treats", d.diseases[k],
                                                       f"similar({d.disease_sim[k, j]:.2f})", d.diseases[j]]))
        paths.sort(key=lambda p: -p[0])
        return {
            "similar_drugs_treating_disease": [{"drug": d.drugs[k], "similarity": float(d.drug_sim[i, k])} for k in near_drugs],
            "similar_diseases_treated_by_drug": [{"disease": d.diseases[k], "similarity": float(d.disease_sim[j, k])}
                                                 for k in near_dis],
            "paths": [" -> ".join(p) for _, p in paths[:n]],
        }

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> Path:
        self._check()
        d = self.data_
        config = {"class": "DrugRepurposer", "params": self.get_params(), "drugs": d.drugs, "diseases": d.diseases,
                  "source": d.source}
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors.update(scores=torch.as_tensor(self.scores_), train_assoc=torch.as_tensor(self.train_assoc_),
                       drug_sim=torch.as_tensor(d.drug_sim), disease_sim=torch.as_tensor(d.disease_sim),
                       assoc=torch.as_tensor(d.assoc))
        return save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path) -> "DrugRepurposer":
        config, t = load_model_dir(path)
        if config.get("class") != "DrugRepurposer":
            raise DataError(path, f"holds a '{config.get('class')}' model, not a DrugRepurposer")
        obj = cls(**config["params"])
        obj.data_ = DrugDiseaseData(config["drugs"], config["diseases"], t["assoc"].numpy(), t["drug_sim"].numpy(),
                                    t["disease_sim"].numpy(), source=config.get("source", str(path)))
        obj.train_assoc_ = t["train_assoc"].numpy()
        obj.scores_ = t["scores"].numpy()
        obj.model_ = DrugDiseaseGNN(len(obj.data_.drugs), len(obj.data_.diseases), obj.data_.drug_sim.shape[1],
                                    obj.data_.disease_sim.shape[1], hidden=obj.hidden, layers=obj.layers,
                                    dropout=obj.dropout)
        obj.model_.load_state_dict({k[6:]: v for k, v in t.items() if k.startswith("model.")})
        obj.model_.eval()
        return obj


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
        model = DrugRepurposer(seed=seed + f, **params).fit(data, train_mask=train)
        s = model.scores_[test]
        y = a[test]
        rocs.append(auroc(y, s))
        prs.append(auprc(y, s))
        _console.log(f"fold {f + 1}/{folds}: AUROC {rocs[-1]:.4f}  AUPR {prs[-1]:.4f}")
    return {"auroc": float(np.mean(rocs)), "aupr": float(np.mean(prs)), "auroc_std": float(np.std(rocs)),
            "aupr_std": float(np.std(prs)), "folds": folds, "fold_auroc": rocs, "fold_aupr": prs}
