"""Reference baselines written the plain way, outside graphguard, for side-by-side benchmarks.

* ``plain_graphsage``: a textbook PyG GraphSAGE loop (2 layers, hidden 64, 200 full-batch epochs,
  lr 0.01, class-weighted cross-entropy, test score at the best validation AUPRC) — the setup of
  ``shared/notes/godm-reference.md``.
* ``plain_xgboost``: xgboost with library defaults on the raw features, positives weighted.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from sklearn.metrics import average_precision_score


def plain_graphsage(x, edge_index, y, train, val, epochs=200, hidden=64, lr=0.01, seed=0):
    from torch_geometric.nn import SAGEConv

    torch.manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32)
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    y_t = torch.as_tensor(y)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = SAGEConv(x.shape[1], hidden)
            self.c2 = SAGEConv(hidden, 2)

        def forward(self, x, ei):
            return self.c2(F.relu(self.c1(x, ei)), ei)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    w = float((y[train] == 0).sum()) / max(1, int((y[train] == 1).sum()))
    weight = torch.tensor([1.0, w])
    best, best_scores = -1.0, None
    for _ in range(epochs):
        net.train()
        opt.zero_grad()
        out = net(x, edge_index)
        F.cross_entropy(out[train], y_t[train], weight=weight).backward()
        opt.step()
        net.eval()
        with torch.no_grad():
            p = net(x, edge_index).softmax(1)[:, 1].numpy()
        ap = average_precision_score(y[val], p[val])
        if ap > best:
            best, best_scores = ap, p
    return best_scores


def plain_xgboost(x, y, train, seed=0):
    import xgboost as xgb

    w = float((y[train] == 0).sum()) / max(1, int((y[train] == 1).sum()))
    m = xgb.XGBClassifier(n_jobs=1, random_state=seed, scale_pos_weight=w).fit(x[train], y[train])
    return m.predict_proba(x)[:, 1]
