"""A typed, normalised view of any graph that the GODM model trains on.

A homogeneous ``Data`` becomes the one-type case (type ``node``, relation ``(node, to, node)``).
Numeric features are standardised, small-integer columns become categorical, times are scaled
to [0, 1], and every node gets the log-degree of each relation it takes part in as input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from graphguard.data.graph import is_hetero, target_type

HOMO_TYPE = "node"
HOMO_REL = ("node", "to", "node")


@dataclass
class FeatureCodec:
    """How one node type's raw features map to model space and back."""

    numeric: list[int]
    categorical: list[int]
    categories: list[list[float]]
    mean: list[float]
    std: list[float]
    dim: int
    lo: list[float] | None = None   # observed range of each numeric column: decoded values are clipped to it, so
    hi: list[float] | None = None   # rates stay in [0, 1] and the point masses at the bounds (Tolokers) reappear

    @classmethod
    def fit(cls, x: torch.Tensor, max_categories: int) -> "FeatureCodec":
        xn = x.double().numpy()
        num, cat, cats = [], [], []
        for j in range(xn.shape[1]):
            col = xn[:, j]
            vals = np.unique(col)
            if 2 <= vals.size <= max_categories and np.all(vals == np.round(vals)):
                cat.append(j)
                cats.append(vals.tolist())
            else:
                num.append(j)
        mean = xn[:, num].mean(0) if num else np.zeros(0)
        std = xn[:, num].std(0) if num else np.zeros(0)
        std = np.where(std > 1e-12, std, 1.0)
        lo = xn[:, num].min(0).tolist() if num else []
        hi = xn[:, num].max(0).tolist() if num else []
        return cls(num, cat, cats, mean.tolist(), std.tolist(), xn.shape[1], lo, hi)

    @property
    def out_dim(self) -> int:
        return len(self.numeric) + sum(len(c) for c in self.categories)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Model inputs (standardised numeric + one-hot categorical) and categorical class targets."""
        parts, targets = [], []
        if self.numeric:
            m = torch.tensor(self.mean, dtype=torch.float32)
            s = torch.tensor(self.std, dtype=torch.float32)
            parts.append((x[:, self.numeric].float() - m) / s)
        for j, vals in zip(self.categorical, self.categories):
            v = torch.tensor(vals, dtype=x.dtype)
            idx = torch.searchsorted(v, x[:, j].contiguous()).clamp_(max=len(vals) - 1)
            targets.append(idx)
            parts.append(torch.nn.functional.one_hot(idx, len(vals)).float())
        inp = torch.cat(parts, 1) if parts else torch.zeros(x.shape[0], 0)
        tgt = torch.stack(targets, 1) if targets else torch.zeros(x.shape[0], 0, dtype=torch.long)
        return inp, tgt

    def decode(self, out: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Raw features from decoder outputs; categorical columns are sampled from their softmax."""
        x = torch.zeros(out.shape[0], self.dim)
        k = len(self.numeric)
        if k:
            num = out[:, :k] * torch.tensor(self.std, dtype=torch.float32) + torch.tensor(self.mean, dtype=torch.float32)
            if self.lo is not None:
                num = torch.clamp(num, torch.tensor(self.lo, dtype=torch.float32), torch.tensor(self.hi, dtype=torch.float32))
            x[:, self.numeric] = num
        for j, vals in zip(self.categorical, self.categories):
            logits = out[:, k : k + len(vals)]
            idx = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator).squeeze(1)
            x[:, j] = torch.tensor(vals, dtype=torch.float32)[idx]
            k += len(vals)
        return x


@dataclass
class TypedGraph:
    """Tensors per node type and relation, plus the scales needed to undo the normalisation."""

    node_types: list[str]
    relations: list[tuple[str, str, str]]
    num_nodes: dict[str, int]
    x: dict[str, torch.Tensor]              # model inputs (features + log-degrees)
    cat_target: dict[str, torch.Tensor]
    feat_inp: dict[str, torch.Tensor]        # features in model space (reconstruction targets)
    node_time: dict[str, torch.Tensor]       # normalised, NaN when absent
    edge_index: dict[tuple, torch.Tensor]
    edge_time: dict[tuple, torch.Tensor]     # normalised, NaN when absent
    degree: dict[str, torch.Tensor]          # [N, 2R] log1p out/in degree per relation
    target: str
    y: torch.Tensor
    train_mask: torch.Tensor
    csc: dict[tuple, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = field(default_factory=dict)


def graph_relations(g) -> tuple[list[str], list[tuple[str, str, str]], str]:
    if is_hetero(g):
        return list(g.node_types), list(g.edge_types), target_type(g)
    return [HOMO_TYPE], [HOMO_REL], HOMO_TYPE


def node_store(g, t: str):
    return g[t] if is_hetero(g) else g


def edge_store(g, rel):
    return g[rel] if is_hetero(g) else g


def raw_features(g, t: str) -> torch.Tensor:
    s = node_store(g, t)
    if "x" in s and s.x is not None:
        return s.x
    return torch.zeros(int(s.num_nodes), 0)


def time_scale(g) -> tuple[float, float]:
    """One time range for all node and edge times, so that relative times stay comparable."""
    lo, hi = np.inf, -np.inf
    types, rels, _ = graph_relations(g)
    for t in types:
        s = node_store(g, t)
        if "node_time" in s and s.node_time.numel():
            lo, hi = min(lo, float(s.node_time.min())), max(hi, float(s.node_time.max()))
    for r in rels:
        s = edge_store(g, r)
        if "edge_time" in s and s.edge_time.numel():
            lo, hi = min(lo, float(s.edge_time.min())), max(hi, float(s.edge_time.max()))
    if not np.isfinite(lo):
        return 0.0, 1.0
    return lo, max(hi - lo, 1e-12)


def build_typed(g, codecs: dict[str, FeatureCodec], tscale: tuple[float, float]) -> TypedGraph:
    types, rels, target = graph_relations(g)
    num_nodes = {t: int(node_store(g, t).num_nodes) for t in types}
    R = len(rels)
    deg = {t: torch.zeros(num_nodes[t], 2 * R) for t in types}
    ei, et, csc = {}, {}, {}
    lo, span = tscale
    for k, r in enumerate(rels):
        s = edge_store(g, r)
        e = s.edge_index.long()
        ei[r] = e
        if "edge_time" in s:
            et[r] = ((s.edge_time.double() - lo) / span).float()
        else:
            et[r] = torch.full((e.shape[1],), float("nan"))
        deg[r[0]][:, k] += torch.bincount(e[0], minlength=num_nodes[r[0]]).float()
        deg[r[2]][:, R + k] += torch.bincount(e[1], minlength=num_nodes[r[2]]).float()
        order = torch.argsort(e[1], stable=True)
        colptr = torch.zeros(num_nodes[r[2]] + 1, dtype=torch.long)
        colptr[1:] = torch.cumsum(torch.bincount(e[1], minlength=num_nodes[r[2]]), 0)
        csc[r] = (colptr, e[0][order], order)
    x, tgt, feat, nt = {}, {}, {}, {}
    for t in types:
        inp, ct = codecs[t].encode(raw_features(g, t))
        deg[t] = torch.log1p(deg[t])
        feat[t], tgt[t] = inp, ct
        x[t] = torch.cat([inp, deg[t]], 1)
        s = node_store(g, t)
        nt[t] = (((s.node_time.double() - lo) / span).float() if "node_time" in s
                 else torch.full((num_nodes[t],), float("nan")))
    ts = node_store(g, target)
    y = ts.y.long() if "y" in ts else torch.full((num_nodes[target],), -1)
    train = ts.train_mask.bool() if "train_mask" in ts else (y >= 0)
    return TypedGraph(types, rels, num_nodes, x, tgt, feat, nt, ei, et, deg, target, y, train, csc)
