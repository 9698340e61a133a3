"""How close generated nodes are to real ones: per-feature Wasserstein distance, MMD, degree and time.

Features are standardised with the real nodes' statistics, so distances are in units of the real
standard deviation; MMD uses an RBF kernel with the median-distance bandwidth on at most 2,000
nodes per side. Comparing real training anomalies with real held-out anomalies gives the floor
that sampling noise alone produces.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.augment.typed import edge_store, graph_relations, node_store


def _np(a) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def feature_wasserstein(real, syn) -> list[float]:
    from scipy.stats import wasserstein_distance

    real, syn = _np(real).astype(np.float64), _np(syn).astype(np.float64)
    mu, sd = real.mean(0), real.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    r, s = (real - mu) / sd, (syn - mu) / sd
    return [float(wasserstein_distance(r[:, j], s[:, j])) for j in range(r.shape[1])]


def mmd_rbf(real, syn, max_n: int = 2000, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    real, syn = _np(real).astype(np.float64), _np(syn).astype(np.float64)
    mu, sd = real.mean(0), real.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    a, b = (real - mu) / sd, (syn - mu) / sd
    if len(a) > max_n:
        a = a[rng.choice(len(a), max_n, replace=False)]
    if len(b) > max_n:
        b = b[rng.choice(len(b), max_n, replace=False)]
    both = np.concatenate([a, b])
    sq = (both ** 2).sum(1)
    # |u|^2 + |v|^2 - 2 u.v: an n x n matrix, not the n x n x features array of differences (4 GB at 4,000 x 32)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * both @ both.T, 0.0)
    np.fill_diagonal(d2, 0.0)
    gamma = 1.0 / max(np.median(d2[d2 > 0]), 1e-12)
    k = np.exp(-gamma * d2)
    n = len(a)
    return float(k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean())


def degrees(graph, incoming: bool = False) -> np.ndarray:
    """Total degree (all relations, both directions) of every target node.

    ``incoming=True`` counts only the edges into each node (the messages it receives), the degree that
    an inbound-merged synthetic node has; on an undirected graph both counts agree.
    """
    _, rels, t = graph_relations(graph)
    n = int(node_store(graph, t).num_nodes)
    deg = torch.zeros(n)
    for r in rels:
        ei = edge_store(graph, r).edge_index
        if incoming:
            if r[2] == t:
                deg += torch.bincount(ei[1], minlength=n).float()
            continue
        if r[0] == t:
            deg += torch.bincount(ei[0], minlength=n).float()
        if r[2] == t and r[0] != t:
            deg += torch.bincount(ei[1], minlength=n).float()
    return deg.numpy()


def neighbour_labels(graph, idx, anomaly, synthetic=None, incoming: bool = False) -> dict:
    """Whom nodes ``idx`` connect to: mean over them (isolated ones left out) of the fraction of their
    target-type neighbours that are in ``anomaly`` (a boolean mask, e.g. real training anomalies) and,
    with ``synthetic``, of the fraction that are synthetic. Degree fidelity says how many edges a
    synthetic node has; this says whether they reach anomalous neighbourhoods as real anomalies do.
    """
    _, rels, t = graph_relations(graph)
    n = int(node_store(graph, t).num_nodes)
    src, dst = [], []
    for r in rels:
        if r[0] == t and r[2] == t:  # out-edges, the convention of degrees()
            ei = edge_store(graph, r).edge_index
            if incoming:
                ei = ei.flip(0)
            src.append(ei[0])
            dst.append(ei[1])
    src = torch.cat(src).numpy() if src else np.zeros(0, np.int64)
    dst = torch.cat(dst).numpy() if dst else np.zeros(0, np.int64)
    deg = np.bincount(src, minlength=n).astype(np.float64)
    idx = np.asarray(idx, dtype=np.int64)
    keep = idx[deg[idx] > 0]
    out = {"isolated": int(idx.size - keep.size)}
    masks = {"anomaly": anomaly, **({"synthetic": synthetic} if synthetic is not None else {})}
    for name, m in masks.items():
        hit = np.bincount(src, weights=_np(m).astype(np.float64)[dst], minlength=n)
        out[f"{name}_frac"] = float((hit[keep] / deg[keep]).mean()) if keep.size else float("nan")
    return out


def fidelity(augmented, real_idx, syn_idx, real_graph=None, incoming: bool = False) -> dict:
    """Real nodes ``real_idx`` against synthetic nodes ``syn_idx`` of the same (augmented) graph.

    With ``real_graph`` (the graph before augmentation) the real nodes' degrees are read there, so
    that edges the synthetic nodes added to real ones do not move the reference. ``incoming=True``
    reads degrees and neighbours from in-edges (for an inbound merge), for real and synthetic alike.
    """
    from scipy.stats import wasserstein_distance

    _, _, t = graph_relations(augmented)
    s = node_store(augmented, t)
    x = _np(s.x)
    w = feature_wasserstein(x[real_idx], x[syn_idx])
    deg = np.log1p(degrees(augmented, incoming))
    if real_graph is not None:
        real_deg = np.log1p(degrees(real_graph, incoming))
        deg[: real_deg.shape[0]] = real_deg
    out = {
        "feature_wasserstein_mean": float(np.mean(w)),
        "feature_wasserstein": w,
        "mmd": mmd_rbf(x[real_idx], x[syn_idx]),
        "log_degree_wasserstein": float(wasserstein_distance(deg[real_idx], deg[syn_idx])),
        "mean_degree_real": float(np.expm1(deg[real_idx]).mean()),
        "mean_degree_synthetic": float(np.expm1(deg[syn_idx]).mean()),
    }
    if "y" in s and "train_mask" in s:
        syn_mask = _np(s.is_synthetic).astype(bool) if "is_synthetic" in s else np.zeros(x.shape[0], bool)
        anom = _np(s.train_mask).astype(bool) & (_np(s.y) == 1) & ~syn_mask  # real training anomalies
        ref = real_graph if real_graph is not None else augmented
        r = neighbour_labels(ref, real_idx, anom[: int(node_store(ref, t).num_nodes)], incoming=incoming)
        g = neighbour_labels(augmented, syn_idx, anom, syn_mask, incoming=incoming)
        out["neighbour_train_anomaly_frac_real"] = r["anomaly_frac"]
        out["neighbour_train_anomaly_frac_synthetic"] = g["anomaly_frac"]
        out["neighbour_synthetic_frac_synthetic"] = g["synthetic_frac"]
        out["isolated_synthetic"] = g["isolated"]
    if "node_time" in s:
        tt = _np(s.node_time).astype(np.float64)
        span = max(tt.max() - tt.min(), 1e-12)
        out["time_wasserstein"] = float(wasserstein_distance(tt[real_idx] / span, tt[syn_idx] / span))
    return out
