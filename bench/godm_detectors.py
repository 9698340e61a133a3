"""Detectors for the GODM benchmark: a plain PyG GraphSAGE and a gradient-boosted tree detector.

The foundation's detectors (``graphguard.tasks.node.make_detector``) are used when this checkout
has them; otherwise these stand-ins follow the protocol in shared/notes/godm-reference.md
(GraphSAGE: hidden 64, 2 layers, full batch, lr 0.01, class-weighted CE, test score at the best
validation AUPRC).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.nn import SAGEConv
from torch_geometric.utils import to_torch_csr_tensor

from graphguard.data.graph import target_store, to_relational
from graphguard.metrics import auprc, auroc, recall_at_k
from graphguard.utils.threads import get_threads


def _homogeneous(g):
    x, eis, _ = to_relational(g)
    ei = torch.cat(eis, 1) if eis else torch.zeros(2, 0, dtype=torch.long)
    x = x.float()
    mu, sd = x.mean(0), x.std(0).clamp_min(1e-6)
    return (x - mu) / sd, ei


def metrics(y, s) -> dict:
    return {"auroc": auroc(y, s), "auprc": auprc(y, s), "rec@k": recall_at_k(y, s)}


class SAGE(torch.nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.c1, self.c2, self.out = SAGEConv(i, h), SAGEConv(h, h), torch.nn.Linear(h, 2)

    def forward(self, x, ei):
        h = F.relu(self.c1(x, ei))
        h = F.relu(self.c2(h, ei))
        return self.out(h)


def graphsage(g, seed: int, epochs: int = 60, eval_every: int = 3) -> dict:
    s = target_store(g)
    x, ei = _homogeneous(g)
    ei = to_torch_csr_tensor(ei.flip(0), size=(x.shape[0], x.shape[0]))  # adj_t: 3x faster than scatter
    y = s.y.long()
    tr, va, te = s.train_mask, s.val_mask, s.test_mask
    torch.manual_seed(seed)
    model = SAGE(x.shape[1], 64)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    pos = float((y[tr] == 1).sum())
    w = torch.tensor([1.0, float((y[tr] == 0).sum()) / max(pos, 1.0)])
    best, best_scores = -1.0, None
    for ep in range(epochs):
        model.train()
        opt.zero_grad()
        loss = F.cross_entropy(model(x, ei)[tr], y[tr], weight=w)
        loss.backward()
        opt.step()
        if (ep + 1) % eval_every == 0:
            model.eval()
            with torch.no_grad():
                p = torch.softmax(model(x, ei), 1)[:, 1]
            v = auprc(y[va], p[va])
            if v > best:
                best, best_scores = v, p
    return metrics(y[te], best_scores[te])


def tree(g, seed: int) -> dict:
    """The foundation's best tree detector when available, else XGBoost on neighbour-aggregated features."""
    s = target_store(g)
    y = s.y.long()
    try:
        from graphguard.tasks.node import make_detector

        det = make_detector("graphgbm", seed=seed)
        det.fit(g)
        scores = torch.as_tensor(np.asarray(det.decision_function(g)))
        return {**metrics(y[s.test_mask], scores[s.test_mask]), "detector": "graphgbm"}
    except Exception:  # foundation detector not in this checkout: stand-in below
        pass
    from xgboost import XGBClassifier

    x, eis, _ = to_relational(g)
    feats = [x]
    n = x.shape[0]
    for ei in eis:
        deg = torch.bincount(ei[1], minlength=n).clamp_min(1).float().unsqueeze(1)
        feats.append(torch.zeros_like(x).index_add_(0, ei[1], x[ei[0]]) / deg)
        feats.append(torch.log1p(deg))
    f = torch.cat(feats, 1).numpy()
    tr, te = s.train_mask.numpy(), s.test_mask.numpy()
    yn = y.numpy()
    clf = XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, subsample=0.9, colsample_bytree=0.9,
                        n_jobs=get_threads(), random_state=seed, verbosity=0)
    clf.fit(f[tr], yn[tr])
    p = clf.predict_proba(f)[:, 1]
    return {**metrics(yn[te], p[te]), "detector": "xgb-neighbour-agg (stand-in)"}
