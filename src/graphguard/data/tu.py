"""The TU Dortmund graph-kernel format (``DS_A.txt``, ``DS_graph_indicator.txt``, ...) -> graphs.

Node labels become one-hot ``x`` (concatenated with any node attributes) and edge labels one-hot
``edge_attr`` (with any edge attributes); graph labels become ``y`` with classes renumbered to
0..C-1 in sorted order (MUTAG's -1/1 become 0/1). The original label ids are kept in
``GraphList.classes``. Reading is done with numpy; the format has no header and 1-based ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.data.smiles import GraphList
from graphguard.errors import DataError


def _load(path: Path, dtype, ndmin=1):
    try:
        arr = np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=ndmin)
    except ValueError as e:
        raise DataError(path, f"not a comma-separated numeric file ({e})") from None
    return arr


def _one_hot(labels: np.ndarray) -> np.ndarray:
    labels = labels.reshape(len(labels), -1)
    cols = []
    for j in range(labels.shape[1]):
        v = labels[:, j] - labels[:, j].min()
        oh = np.zeros((len(v), int(v.max()) + 1 if len(v) else 0), dtype=np.float32)
        oh[np.arange(len(v)), v] = 1.0
        cols.append(oh)
    return np.concatenate(cols, 1) if cols else np.zeros((len(labels), 0), np.float32)


def read_tu(path: str | Path, name: str | None = None) -> GraphList:
    path = Path(path)
    if not path.is_dir():
        raise DataError(path, "TU dataset folder not found")
    if name is None:
        ind = sorted(path.glob("*_graph_indicator.txt"))
        if not ind:
            raise DataError(path, "no *_graph_indicator.txt file: not a TU dataset folder")
        name = ind[0].name[: -len("_graph_indicator.txt")]

    def f(suffix):
        return path / f"{name}_{suffix}.txt"

    for req in ("A", "graph_indicator", "graph_labels"):
        if not f(req).is_file():
            raise DataError(path, f"missing {f(req).name}")
    gi = _load(f("graph_indicator"), np.int64) - 1
    A = _load(f("A"), np.int64, ndmin=2) - 1
    ylab = _load(f("graph_labels"), np.float64)
    if A.shape[1] != 2:
        raise DataError(f("A"), f"each line must be 'row, col', got {A.shape[1]} columns")
    n, n_graphs = len(gi), int(gi.max()) + 1
    if len(ylab) != n_graphs:
        raise DataError(f("graph_labels"), f"{len(ylab)} labels for {n_graphs} graphs")
    if A.size and (A.min() < 0 or A.max() >= n):
        raise DataError(f("A"), f"node ids must be within 1..{n}")
    feats = []
    if f("node_labels").is_file():
        nl = _load(f("node_labels"), np.int64, ndmin=2)
        if len(nl) != n:
            raise DataError(f("node_labels"), f"{len(nl)} lines for {n} nodes")
        feats.append(_one_hot(nl))
    if f("node_attributes").is_file():
        feats.append(_load(f("node_attributes"), np.float32, ndmin=2))
    x = np.concatenate(feats, 1) if feats else np.ones((n, 1), np.float32)
    efeats = []
    if f("edge_labels").is_file():
        el = _load(f("edge_labels"), np.int64, ndmin=2)
        if len(el) != len(A):
            raise DataError(f("edge_labels"), f"{len(el)} lines for {len(A)} edges")
        efeats.append(_one_hot(el))
    if f("edge_attributes").is_file():
        efeats.append(_load(f("edge_attributes"), np.float32, ndmin=2))
    eattr = np.concatenate(efeats, 1) if efeats else None
    classes = np.unique(ylab)
    is_int = np.all(classes == np.round(classes)) and len(classes) <= max(2, n_graphs // 2)
    y = np.searchsorted(classes, ylab) if is_int else ylab.astype(np.float32)

    order = np.argsort(gi, kind="stable")
    if not np.all(order == np.arange(n)):
        raise DataError(f("graph_indicator"), "nodes must be listed graph by graph")
    starts = np.searchsorted(gi, np.arange(n_graphs + 1))
    edge_graph = gi[A[:, 0]] if A.size else np.zeros(0, np.int64)
    if A.size and np.any(gi[A[:, 1]] != edge_graph):
        raise DataError(f("A"), "an edge joins nodes of two different graphs")
    eorder = np.argsort(edge_graph, kind="stable")
    estarts = np.searchsorted(edge_graph[eorder], np.arange(n_graphs + 1))
    graphs = []
    for k in range(n_graphs):
        lo, hi = starts[k], starts[k + 1]
        idx = eorder[estarts[k]:estarts[k + 1]]
        ei = torch.from_numpy((A[idx] - lo).T.copy())
        g = Data(x=torch.from_numpy(x[lo:hi].copy()), edge_index=ei.reshape(2, -1))
        g.num_nodes = int(hi - lo)
        if eattr is not None:
            g.edge_attr = torch.from_numpy(eattr[idx].copy())
        g.y = torch.tensor([y[k]])
        graphs.append(g)
    out = GraphList(graphs, source=str(path), target="graph_label")
    out.classes = classes.tolist()
    return out
