"""Neighbour-aggregated node features for tree detectors (the GADBench XGBGraph / RFGraph idea).

Two recipes:

* ``gin_mean_features`` — the GADBench reference: ``[x, h1, h2]`` where ``h_k`` is the mean over the
  closed neighbourhood (self-loops added) of ``h_{k-1}``: a parameter-free GIN with eps = -1.
* ``rich_features`` — graphguard's default: per relation and per hop, mean / max / min / std of the
  neighbours' features, log-degree, and (optionally) label features: how many neighbours are known
  fraud among the training nodes, and their share. Label features only ever read the labels of the
  training nodes, never a node's own label.

Mean aggregation is a sparse matrix product (scipy CSR); max/min are torch ``scatter_reduce`` over
the edge list, processed in column chunks so memory stays at ``O(E * chunk)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

EDGE_CHUNK_BUDGET = 32_000_000  # floats held at once by max/min aggregation


def adjacency(edge_index: torch.Tensor, num_nodes: int, self_loops: bool = False) -> sp.csr_matrix:
    """Row-normalisable CSR adjacency: row ``v`` lists the in-neighbours of ``v`` (messages src -> dst)."""
    ei = edge_index.numpy() if isinstance(edge_index, torch.Tensor) else np.asarray(edge_index)
    src, dst = ei[0], ei[1]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    a = sp.csr_matrix((np.ones(src.size, dtype=np.float32), (dst, src)), shape=(num_nodes, num_nodes))
    a.sum_duplicates()
    a.data[:] = 1.0
    if self_loops:
        a = (a + sp.identity(num_nodes, dtype=np.float32, format="csr")).tocsr()
    return a


def mean_aggregate(a: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    deg = np.asarray(a.sum(1)).ravel()
    inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0).astype(np.float32)
    return (sp.diags(inv) @ (a @ x)).astype(np.float32)


def extreme_aggregate(a: sp.csr_matrix, x: np.ndarray, reduce: str) -> np.ndarray:
    """Per-node max or min over neighbours (0 for isolated nodes)."""
    n, f = x.shape
    coo = a.tocoo()
    dst = torch.from_numpy(coo.row.astype(np.int64))
    src = torch.from_numpy(coo.col.astype(np.int64))
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    out = torch.zeros(n, f)
    chunk = max(1, EDGE_CHUNK_BUDGET // max(1, src.numel()))
    for c0 in range(0, f, chunk):
        cols = xt[:, c0 : c0 + chunk]
        vals = cols[src]
        res = torch.zeros(n, cols.shape[1]).scatter_reduce_(
            0, dst.unsqueeze(1).expand_as(vals), vals, reduce=reduce, include_self=False
        )
        out[:, c0 : c0 + chunk] = res
    return out.numpy()


def gin_mean_features(x: np.ndarray, edge_index, num_layers: int = 2) -> np.ndarray:
    """GADBench XGBGraph/RFGraph features: ``[x, h1, ..., hL]`` with closed-neighbourhood means."""
    a = adjacency(edge_index, x.shape[0], self_loops=True)
    feats, h = [x.astype(np.float32)], x.astype(np.float32)
    for _ in range(num_layers):
        h = mean_aggregate(a, h)
        feats.append(h)
    return np.concatenate(feats, 1)


def label_features(a: sp.csr_matrix, y: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Count of known-fraud neighbours, count of labelled neighbours, and the fraud share."""
    fraud = ((y == 1) & known).astype(np.float32)
    lab = known.astype(np.float32)
    n_fraud = a @ fraud
    n_lab = a @ lab
    share = np.where(n_lab > 0, n_fraud / np.maximum(n_lab, 1), np.nan)
    return np.stack([np.log1p(n_fraud), np.log1p(n_lab), share], 1).astype(np.float32)


def rich_features(
    x: np.ndarray,
    edge_indices: list,
    num_hops: int = 2,
    aggregations: tuple[str, ...] = ("mean", "max", "min", "std"),
    y: np.ndarray | None = None,
    known: np.ndarray | None = None,
    adjacencies: list[sp.csr_matrix] | None = None,
) -> np.ndarray:
    """Raw features plus per-relation, per-hop neighbour statistics (see module docstring).

    ``adjacencies`` (one per edge index, from ``adjacency``) saves rebuilding them when the caller has them.
    """
    n = x.shape[0]
    x = x.astype(np.float32)
    blocks = [x]
    for i, ei in enumerate(edge_indices):
        a = adjacencies[i] if adjacencies is not None else adjacency(ei, n)
        deg = np.asarray(a.sum(1)).ravel().astype(np.float32)
        blocks.append(np.log1p(deg)[:, None])
        h = x
        for hop in range(num_hops):
            mean = mean_aggregate(a, h)
            if hop == 0:
                if "max" in aggregations:
                    blocks.append(extreme_aggregate(a, h, "amax"))
                if "min" in aggregations:
                    blocks.append(extreme_aggregate(a, h, "amin"))
                if "std" in aggregations:
                    sq = mean_aggregate(a, h * h)
                    blocks.append(np.sqrt(np.maximum(sq - mean * mean, 0.0)))
            blocks.append(mean)
            blocks.append(h - mean)  # how a node differs from its neighbourhood
            h = mean
        if y is not None and known is not None:
            lf = label_features(a, y, known)
            blocks.append(lf)
            # second-hop label share: the neighbours' neighbourhoods
            blocks.append(mean_aggregate(a, np.nan_to_num(lf[:, 2:3], nan=0.0)))
    return np.concatenate(blocks, 1)
