"""The TU Dortmund graph-kernel format (``DS_A.txt``, ``DS_graph_indicator.txt``, ...) -> graphs.

Node labels become one-hot ``x`` (concatenated with any node attributes) and edge labels one-hot
``edge_attr`` (with any edge attributes). The one-hot columns follow the sorted label values, kept
in ``GraphList.encodings``; a model saves them, and reading another folder with the model's
``encodings`` gives the same columns even when that folder lacks some labels. Graph labels are
class labels: ``y`` keeps their original integer values (MUTAG's -1/1), so a folder holding one
class reads the same as the whole dataset. Reading is done with numpy; the format has no header
and 1-based ids.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.data.smiles import GraphList
from graphguard.errors import DataError


def _load(path: Path, dtype, ndmin=1):
    """The file's numbers; an empty file is refused here (numpy only warns, and an empty indicator crashed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data": reported below as one line
        try:
            arr = np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=ndmin)
        except ValueError as e:
            raise DataError(path, f"not a comma-separated numeric file ({e})") from None
    if arr.size == 0:
        raise DataError(path, "file is empty")
    return arr


def _attributes(path: Path, rows: int, what: str) -> np.ndarray:
    """Real-valued node or edge attributes: one finite row per node (edge), as the model trains on them."""
    a = _load(path, np.float32, ndmin=2)
    if len(a) != rows:
        raise DataError(path, f"{len(a)} lines for {rows} {what}")
    bad = ~np.isfinite(a).all(1)
    if bad.any():
        raise DataError(path, f"line {int(np.flatnonzero(bad)[0]) + 1}: attribute is NaN or inf; attributes must "
                              f"be finite ({int(bad.sum())} such lines)")
    return a


def _one_hot(labels: np.ndarray, path: Path, values: list[list[int]] | None = None):
    """One-hot columns per label column and the label values they stand for, in order; with ``values``
    (a saved encoding) the columns are those, and a label outside them is an error."""
    labels = labels.reshape(len(labels), -1)
    if values is not None and len(values) != labels.shape[1]:
        raise DataError(path, f"{labels.shape[1]} label column(s), the model was trained on {len(values)}")
    cols, used = [], []
    for j in range(labels.shape[1]):
        known = np.unique(labels[:, j]) if values is None else np.asarray(values[j], dtype=np.int64)
        unseen = ~np.isin(labels[:, j], known)
        if unseen.any():
            raise DataError(path, f"label {int(labels[unseen, j][0])} was not seen when the model was trained "
                                  f"(known: {known.tolist()})")
        oh = np.zeros((len(labels), len(known)), dtype=np.float32)
        oh[np.arange(len(labels)), np.searchsorted(known, labels[:, j])] = 1.0
        cols.append(oh)
        used.append(known.tolist())
    return (np.concatenate(cols, 1) if cols else np.zeros((len(labels), 0), np.float32)), used


def _class_labels(path: Path, ylab: np.ndarray) -> np.ndarray:
    """Graph labels as int64: TU graph labels are class ids, never a regression target."""
    if not np.all(ylab == np.round(ylab)):
        raise DataError(path, "graph labels must be integer class ids (TU graph labels are classes)")
    return ylab.astype(np.int64)


def read_tu(path: str | Path, name: str | None = None, encodings: dict | None = None) -> GraphList:
    """Graphs of a TU folder; ``encodings`` (a model's ``encodings_``) fixes the one-hot label columns."""
    path = Path(path)
    encodings = encodings or {}
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
    ylab = _class_labels(f("graph_labels"), _load(f("graph_labels"), np.float64))
    if A.shape[1] != 2:
        raise DataError(f("A"), f"each line must be 'row, col', got {A.shape[1]} columns")
    n, n_graphs = len(gi), int(gi.max()) + 1
    if len(ylab) != n_graphs:
        raise DataError(f("graph_labels"), f"{len(ylab)} labels for {n_graphs} graphs")
    if A.size and (A.min() < 0 or A.max() >= n):
        raise DataError(f("A"), f"node ids must be within 1..{n}")
    feats, used = [], {}
    if f("node_labels").is_file():
        nl = _load(f("node_labels"), np.int64, ndmin=2)
        if len(nl) != n:
            raise DataError(f("node_labels"), f"{len(nl)} lines for {n} nodes")
        oh, used["node_labels"] = _one_hot(nl, f("node_labels"), encodings.get("node_labels"))
        feats.append(oh)
    if f("node_attributes").is_file():
        feats.append(_attributes(f("node_attributes"), n, "nodes"))
    x = np.concatenate(feats, 1) if feats else np.ones((n, 1), np.float32)
    efeats = []
    if f("edge_labels").is_file():
        el = _load(f("edge_labels"), np.int64, ndmin=2)
        if len(el) != len(A):
            raise DataError(f("edge_labels"), f"{len(el)} lines for {len(A)} edges")
        oh, used["edge_labels"] = _one_hot(el, f("edge_labels"), encodings.get("edge_labels"))
        efeats.append(oh)
    if f("edge_attributes").is_file():
        efeats.append(_attributes(f("edge_attributes"), len(A), "edges"))
    eattr = np.concatenate(efeats, 1) if efeats else None

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
        g.y = torch.tensor([ylab[k]])
        graphs.append(g)
    out = GraphList(graphs, source=str(path), target="graph_label", task="classification")
    out.classes = np.unique(ylab).tolist()
    out.encodings = used
    return out
