"""GODM's variational graph autoencoder: an HGT encoder and the decoders for every part of a graph.

The encoder is PyG's ``HGTConv`` over node types and relations (a homogeneous graph is the one-type
case). ``HGTConv`` takes no edge attributes, so time enters at the input: a sinusoidal encoding of
each node's time plus, per relation, the mean encoding of its incident edges' times relative to the
node's own time (HGT's relative temporal encoding, aggregated before message passing).

Decoders reconstruct numeric features (MSE), categorical features (cross-entropy), the node type,
log-degrees per relation, node times, edges (DistMult scores, BCE against sampled negatives), the
relation of an edge and edge times.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import HGTConv


def mlp(i: int, h: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(i, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(), nn.Linear(h, o))


class TimeEncoding(nn.Module):
    """Sinusoids of a scalar time in [-1, 1] at geometric frequencies, then a linear map; NaN -> 0."""

    def __init__(self, dim: int, num_freq: int = 16):
        super().__init__()
        self.register_buffer("freq", torch.exp(torch.linspace(0, math.log(1000.0), num_freq)), persistent=False)
        self.lin = nn.Linear(2 * num_freq, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        ok = torch.isfinite(t)
        a = torch.where(ok, t, 0.0)[:, None] * self.freq
        return self.lin(torch.cat([a.sin(), a.cos()], 1)) * ok[:, None]


class GODMEncoder(nn.Module):
    def __init__(self, node_types, relations, in_dims, hidden, latent, num_layers, heads):
        super().__init__()
        self.node_types, self.relations = list(node_types), [tuple(r) for r in relations]
        self.key = {t: f"t{i}" for i, t in enumerate(self.node_types)}
        self.inp = nn.ModuleDict({self.key[t]: nn.Linear(in_dims[t], hidden) for t in self.node_types})
        self.node_te = TimeEncoding(hidden)
        self.rel_te = nn.ModuleList([TimeEncoding(hidden) for _ in self.relations])
        meta = (self.node_types, self.relations)
        self.convs = nn.ModuleList([HGTConv(hidden, hidden, meta, heads) for _ in range(num_layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(hidden) for _ in range(num_layers)])
        self.out = nn.ModuleDict({self.key[t]: nn.Linear(hidden, 2 * latent) for t in self.node_types})

    def forward(self, x, node_time, edge_index, edge_time):
        h = {t: self.inp[self.key[t]](x[t]) + self.node_te(node_time[t]) for t in self.node_types}
        for k, r in enumerate(self.relations):
            if r not in edge_index or not torch.isfinite(edge_time[r]).any():
                continue
            src, dst = edge_index[r]
            tdst = node_time[r[2]][dst]
            rel = torch.where(torch.isfinite(tdst), edge_time[r] - tdst, edge_time[r])
            enc = self.rel_te[k](rel)
            n = h[r[2]].shape[0]
            agg = torch.zeros(n, enc.shape[1]).index_add_(0, dst, enc)
            cnt = torch.bincount(dst, minlength=n).clamp_(min=1).unsqueeze(1)
            h[r[2]] = h[r[2]] + agg / cnt
        ei = {r: e for r, e in edge_index.items() if e.numel()}
        for conv, norm in zip(self.convs, self.norms):
            out = conv(h, ei)
            h = {t: norm(out[t]) if out.get(t) is not None else h[t] for t in self.node_types}
        mu, logvar = {}, {}
        for t in self.node_types:
            mu[t], logvar[t] = self.out[self.key[t]](h[t]).chunk(2, dim=1)
            logvar[t] = logvar[t].clamp(-10, 10)
        return mu, logvar


class GODMDecoder(nn.Module):
    def __init__(self, node_types, relations, feat_dims, latent, hidden):
        super().__init__()
        self.node_types, self.relations = list(node_types), [tuple(r) for r in relations]
        self.key = {t: f"t{i}" for i, t in enumerate(self.node_types)}
        R = len(self.relations)
        self.feat = nn.ModuleDict({self.key[t]: mlp(latent, hidden, feat_dims[t])
                                   for t in self.node_types if feat_dims[t]})
        self.node_type = nn.Linear(latent, len(self.node_types))
        self.degree = nn.ModuleDict({self.key[t]: mlp(latent, hidden, 2 * R) for t in self.node_types})
        self.time = nn.ModuleDict({self.key[t]: mlp(latent, hidden, 1) for t in self.node_types})
        self.proj = mlp(latent, hidden, hidden)
        self.rel_diag = nn.Parameter(torch.ones(R, hidden) / math.sqrt(hidden))
        self.rel_bias = nn.Parameter(torch.zeros(R))
        self.relation = mlp(2 * latent, hidden, R)
        self.edge_time = mlp(2 * latent + R, hidden, 1)

    def features(self, t, z):
        k = self.key[t]
        return self.feat[k](z) if k in self.feat else z.new_zeros(z.shape[0], 0)

    def edge_logits(self, zs, zd, r: int):
        """Scores of aligned pairs (``zs[i]``, ``zd[i]``) under relation ``r``."""
        return (self.proj(zs) * self.rel_diag[r] * self.proj(zd)).sum(-1) + self.rel_bias[r]

    def edge_times(self, zs, zd, r: int):
        onehot = zs.new_zeros(zs.shape[0], len(self.relations))
        onehot[:, r] = 1
        return self.edge_time(torch.cat([zs, zd, onehot], 1)).squeeze(1)


class GODMVAE(nn.Module):
    """Encoder + decoders, with the weighted VAE loss on one sampled mini-batch."""

    def __init__(self, node_types, relations, in_dims, feat_dims, num_numeric, cat_sizes, hidden, latent,
                 num_layers, heads):
        super().__init__()
        self.encoder = GODMEncoder(node_types, relations, in_dims, hidden, latent, num_layers, heads)
        self.decoder = GODMDecoder(node_types, relations, feat_dims, latent, hidden)
        self.num_numeric, self.cat_sizes = dict(num_numeric), {t: list(v) for t, v in cat_sizes.items()}

    def loss(self, x, node_time, edge_index, edge_time, feat, cat_target, degree, num_seeds, weights,
             neg_ratio: int, generator: torch.Generator, max_edges: int = 4096) -> dict[str, torch.Tensor]:
        mu, logvar = self.encoder(x, node_time, edge_index, edge_time)
        dec = self.decoder
        z = {t: mu[t] + torch.randn(mu[t].shape, generator=generator) * (0.5 * logvar[t]).exp() for t in mu}
        terms = {k: torch.zeros(()) for k in ("feat", "kl", "type", "degree", "time", "edge", "rel", "edge_time")}
        n_total = sum(num_seeds.values())
        for ti, t in enumerate(dec.node_types):
            s = num_seeds[t]
            if not s:
                continue
            w = s / n_total
            zs = z[t][:s]
            out = dec.features(t, zs)
            k = self.num_numeric[t]
            if k:
                terms["feat"] = terms["feat"] + w * F.mse_loss(out[:, :k], feat[t][:s, :k])
            for j, c in enumerate(self.cat_sizes[t]):
                terms["feat"] = terms["feat"] + w * F.cross_entropy(out[:, k : k + c], cat_target[t][:s, j])
                k += c
            m, lv = mu[t][:s], logvar[t][:s]
            terms["kl"] = terms["kl"] + w * (-0.5 * (1 + lv - m.pow(2) - lv.exp()).sum(1).mean())
            if len(dec.node_types) > 1:
                tgt = torch.full((s,), ti, dtype=torch.long)
                terms["type"] = terms["type"] + w * F.cross_entropy(dec.node_type(zs), tgt)
            terms["degree"] = terms["degree"] + w * F.mse_loss(dec.degree[dec.key[t]](zs), degree[t][:s])
            nt = node_time[t][:s]
            ok = torch.isfinite(nt)
            if ok.any():
                pred = dec.time[dec.key[t]](zs[ok]).squeeze(1)
                terms["time"] = terms["time"] + w * F.mse_loss(pred, nt[ok])
        n_rel = 0
        for r_i, r in enumerate(dec.relations):
            e = edge_index.get(r)
            if e is None or not e.numel():
                continue
            keep = e[1] < num_seeds[r[2]]
            e, et = e[:, keep], edge_time[r][keep]
            if e.shape[1] > max_edges:
                pick = torch.randperm(e.shape[1], generator=generator)[:max_edges]
                e, et = e[:, pick], et[pick]
            if not e.numel():
                continue
            n_rel += 1
            zs, zd = z[r[0]][e[0]], z[r[2]][e[1]]
            pos = dec.edge_logits(zs, zd, r_i)
            n_dst = z[r[2]].shape[0]
            neg_dst = torch.randint(0, n_dst, (e.shape[1] * neg_ratio,), generator=generator)
            neg = dec.edge_logits(zs.repeat(neg_ratio, 1), z[r[2]][neg_dst], r_i)
            terms["edge"] = terms["edge"] + F.binary_cross_entropy_with_logits(
                torch.cat([pos, neg]), torch.cat([torch.ones_like(pos), torch.zeros_like(neg)]))
            if len(dec.relations) > 1:
                tgt = torch.full((e.shape[1],), r_i, dtype=torch.long)
                terms["rel"] = terms["rel"] + F.cross_entropy(dec.relation(torch.cat([zs, zd], 1)), tgt)
            ok = torch.isfinite(et)
            if ok.any():
                terms["edge_time"] = terms["edge_time"] + F.mse_loss(dec.edge_times(zs[ok], zd[ok], r_i), et[ok])
        if n_rel:
            for k in ("edge", "rel", "edge_time"):
                terms[k] = terms[k] / n_rel
        total = sum(weights[k] * v for k, v in terms.items())
        terms["total"] = total
        return terms
