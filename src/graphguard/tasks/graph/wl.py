"""Weisfeiler-Lehman subtree features (Shervashidze et al. 2011), as sparse count vectors.

Every node starts from a label (its feature row, or an explicit label array) and is relabelled
``h`` times by hashing its label with the sorted multiset of (edge label, neighbour label).
A graph's feature vector counts every label seen at every iteration. Hashes are stable 63-bit
integers (blake2b), so a vocabulary learned in ``fit`` can be saved as an int64 tensor.
"""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp
import torch


def stable_hash(s: str | bytes) -> int:
    b = s.encode() if isinstance(s, str) else s
    return int.from_bytes(hashlib.blake2b(b, digest_size=8).digest(), "little") & ((1 << 63) - 1)


def _row_labels(t: torch.Tensor | None, n: int) -> list[int]:
    if t is None:
        return [0] * n
    if n == 0:  # a molecule without bonds has no edge labels (reshape(0, -1) is ambiguous)
        return []
    t = t.reshape(n, -1).detach().cpu().numpy()
    t = np.round(t.astype(np.float64), 4)
    return [stable_hash(r.tobytes()) for r in t]


def wl_labels(edge_index, num_nodes: int, node_labels: list[int], edge_labels: list[int] | None,
              iterations: int) -> list[list[int]]:
    """Node labels after 0..``iterations`` WL refinements (one list per iteration)."""
    src, dst = edge_index
    src, dst = src.tolist(), dst.tolist()
    el = edge_labels if edge_labels is not None else [0] * len(src)
    nbrs: list[list[tuple[int, int]]] = [[] for _ in range(num_nodes)]
    for s, d, e in zip(src, dst, el):
        nbrs[d].append((e, s))
    labels = list(node_labels)
    out = [labels]
    for _ in range(iterations):
        # the neighbourhood is a multiset: sort by label, never by node id, so isomorphic graphs agree
        labels = [stable_hash(f"{labels[v]}|" + ",".join(sorted(f"{e}:{labels[u]}" for e, u in nbrs[v])))
                  for v in range(num_nodes)]
        out.append(labels)
    return out


def graph_wl_counts(g, iterations: int, use_edge_labels: bool = True, split_iterations: bool = False) -> dict:
    """Label -> count over all iterations (the iteration index is mixed into the label).

    ``split_iterations`` keys by (iteration, label) instead, so that one pass at depth h also
    gives the counts of every shallower depth."""
    n = int(g.num_nodes)
    nl = _row_labels(getattr(g, "wl_label", None) if getattr(g, "wl_label", None) is not None else g.x, n)
    ea = getattr(g, "edge_attr", None) if use_edge_labels else None
    el = _row_labels(ea, g.edge_index.shape[1]) if ea is not None else None
    counts: dict[int, int] = {}
    for it, labels in enumerate(wl_labels(g.edge_index, n, nl, el, iterations)):
        for lab in labels:
            key = stable_hash(f"{it}:{lab}")
            if split_iterations:
                key = (it, key)
            counts[key] = counts.get(key, 0) + 1
    return counts


def counts_matrix(counts: list[dict[int, int]], index: dict[int, int], dtype) -> sp.csr_matrix:
    """Sparse rows of WL label counts over the columns ``index`` names; labels outside it are dropped."""
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        for k, v in c.items():
            j = index.get(k)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(v)
    return sp.csr_matrix((np.asarray(vals, dtype), (rows, cols)), shape=(len(counts), len(index)))

class WLVectorizer:
    """Learns the label vocabulary on training graphs; unseen labels are dropped at transform."""

    def __init__(self, iterations: int = 3, use_edge_labels: bool = True):
        self.iterations = iterations
        self.use_edge_labels = use_edge_labels

    def fit_transform(self, graphs) -> sp.csr_matrix:
        counts = [graph_wl_counts(g, self.iterations, self.use_edge_labels) for g in graphs]
        vocab = sorted({k for c in counts for k in c})
        self.vocab_ = np.asarray(vocab, dtype=np.int64)
        return self._matrix(counts)

    def transform(self, graphs) -> sp.csr_matrix:
        return self._matrix([graph_wl_counts(g, self.iterations, self.use_edge_labels) for g in graphs])

    def _matrix(self, counts) -> sp.csr_matrix:
        return counts_matrix(counts, {int(k): i for i, k in enumerate(self.vocab_.tolist())}, np.float32)
