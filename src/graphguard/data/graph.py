"""The graph container: PyG ``Data`` for homogeneous graphs and ``HeteroData`` for typed ones.

graphguard adds conventions, not a new class, so every PyG tool keeps working:

* ``x`` float32 features ``[N, F]``; ``y`` int64 labels with ``1`` = fraud/anomaly, ``0`` = normal and
  ``-1`` = unlabelled;
* ``train_mask`` / ``val_mask`` / ``test_mask`` bool ``[N]`` (disjoint);
* optional ``node_time`` ``[N]`` and ``edge_time`` ``[E]`` (float seconds or any monotone unit);
* optional ``node_id``: the original ids (a numpy array of str) used by readers, writers and the server;
* optional ``feature_names``: a list naming the columns of ``x`` (kept by every reader and writer);
* in a ``HeteroData`` the labelled node type is named by the global attribute ``target_node_type``.

Undirected graphs store both directions of every edge, as PyG does.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import torch
from torch_geometric.data import Data, HeteroData

Graph = Data | HeteroData
MASKS = ("train_mask", "val_mask", "test_mask")


def _labels(y: np.ndarray) -> torch.Tensor:
    """int64 labels; fractional or NaN ones stay float so that ``validate_graph`` refuses them (a cast
    would turn 0.5 into class 0)."""
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        return torch.as_tensor(y, dtype=torch.float64)
    return torch.as_tensor(y, dtype=torch.long)


def make_graph(
    x,
    edge_index,
    y=None,
    *,
    node_id: Iterable | None = None,
    train_mask=None,
    val_mask=None,
    test_mask=None,
    node_time=None,
    edge_time=None,
    undirected: bool = False,
) -> Data:
    """Build a homogeneous graph from arrays or tensors (no validation: call ``validate_graph``)."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    ei = torch.as_tensor(np.asarray(edge_index), dtype=torch.long)
    if ei.dim() == 2 and ei.shape[0] != 2 and ei.shape[1] == 2:
        ei = ei.t()
    ei = ei.contiguous()
    if undirected and ei.numel():
        mirror = ei[0] != ei[1]  # a self-loop is its own mirror: never doubled
        ei = torch.cat([ei, ei[:, mirror].flip(0)], dim=1)
        if edge_time is not None:
            edge_time = np.asarray(edge_time)
            edge_time = np.concatenate([edge_time, edge_time[mirror.numpy()]])
    g = Data(x=x, edge_index=ei)
    g.num_nodes = x.shape[0]
    if y is not None:
        g.y = _labels(np.asarray(y))
    for name, m in zip(MASKS, (train_mask, val_mask, test_mask)):
        if m is not None:
            setattr(g, name, torch.as_tensor(np.asarray(m), dtype=torch.bool))
    if node_time is not None:
        g.node_time = torch.as_tensor(np.asarray(node_time), dtype=torch.float64)
    if edge_time is not None:
        g.edge_time = torch.as_tensor(np.asarray(edge_time), dtype=torch.float64)
    if node_id is not None:
        g.node_id = np.asarray([str(i) for i in node_id])
    return g


def feature_names(store) -> list[str] | None:
    """The names of ``store.x``'s columns, or ``None`` when there are none or they no longer fit ``x``."""
    names = store.get("feature_names") if "x" in store and store.x is not None else None
    return list(names) if names is not None and len(names) == store.x.shape[1] else None


def is_hetero(g: Graph) -> bool:
    return isinstance(g, HeteroData)


def target_type(g: Graph) -> str | None:
    """The node type that carries labels (``None`` for a homogeneous graph)."""
    if not is_hetero(g):
        return None
    t = getattr(g, "target_node_type", None)
    if t is None:
        labelled = [nt for nt in g.node_types if "y" in g[nt]]
        t = labelled[0] if labelled else g.node_types[0]
    return t


def target_store(g: Graph):
    """The storage of the labelled nodes: ``g`` itself, or ``g[target_type(g)]``."""
    return g[target_type(g)] if is_hetero(g) else g


def num_target_nodes(g: Graph) -> int:
    s = target_store(g)
    return int(s.num_nodes)


def relations(g: Graph) -> list[tuple[str, str, str]]:
    """Edge types; a homogeneous graph has the single relation ``('node', 'to', 'node')``."""
    if is_hetero(g):
        return list(g.edge_types)
    return [("node", "to", "node")]


def copy_graph(g: Graph) -> Graph:
    """A deep copy, so that estimators never modify the caller's graph."""
    return g.clone()


def set_masks(g: Graph, train, val, test) -> Graph:
    s = target_store(g)
    for name, m in zip(MASKS, (train, val, test)):
        s[name] = torch.as_tensor(np.asarray(m), dtype=torch.bool)
    return g


def to_relational(g: Graph, lazy: bool = False) -> tuple[torch.Tensor, list[torch.Tensor | None], list[str]]:
    """Features of the target nodes (with :func:`relational_parts`' degree columns joined) and the relations."""
    x, extra, eis, names = relational_parts(g, lazy)
    return (x if extra is None else torch.cat([x, extra], 1)), eis, names


def relational_parts(g: Graph, lazy: bool = False, order: list[tuple[str, str, str]] | None = None):
    """Features of the target nodes, log-degree columns, and one edge index per relation among them.

    Relations whose ends are not both the target type are summarised by degree only (the caller
    gets them as extra columns), which keeps relation-aware models simple and honest about what
    they use. A relation read from a graph store without ``edge_index`` (its CSC attached, see
    :mod:`graphguard.train.csc`) gives its degrees straight from the CSC; with ``lazy`` its entry
    in the edge list is ``None`` (the caller reads the CSC), otherwise it is materialised.

    Columns and edge lists follow the graph's edge types, or ``order`` (relations the graph has, by
    name: a fitted model's, so that a graph listing its relations in another order reads the same).
    """
    from graphguard.train import csc as _csc

    if not is_hetero(g):
        return g.x, None, [g.get("edge_index")], ["to"]
    t = target_type(g)
    x = g[t].x
    eis, names, extra = [], [], []
    n = g[t].num_nodes
    if order is not None and any(tuple(et) not in g.edge_types for et in order):
        raise ValueError(f"relations {order} are not all among the graph's {g.edge_types}")
    for et in (g.edge_types if order is None else [tuple(r) for r in order]):
        src, rel, dst = et
        ei = g[et].get("edge_index")
        c = _csc.attached(g, et) if ei is None else None
        if ei is None and c is None:
            raise ValueError(f"relation {et} has neither edge_index nor a store adjacency")
        if src == t and dst == t:
            eis.append(ei if ei is not None or lazy else c.edge_index())
            names.append(rel)
        elif dst == t:
            deg = torch.bincount(ei[1], minlength=n) if ei is not None else c.ptr[1:] - c.ptr[:-1]
            extra.append(deg.float().unsqueeze(1))
        elif src == t:
            deg = torch.bincount(ei[0] if ei is not None else c.src, minlength=n)
            extra.append(deg.float().unsqueeze(1))
    return x, (torch.log1p(torch.cat(extra, 1)) if extra else None), eis, names
