"""Appending synthetic labelled nodes (and their edges) to a copy of a graph.

Synthetic nodes join the training split only, carry ``is_synthetic = True`` and fresh ids ``syn<i>``;
the caller's graph is cloned, never modified. Node- and edge-level attributes that the graph has
and the generator does not produce are padded (zeros / False), so every store stays consistent.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.augment.typed import edge_store, graph_relations, node_store
from graphguard.data.graph import MASKS


def _pad(value: torch.Tensor, n_new: int) -> torch.Tensor:
    return torch.cat([value, value.new_zeros((n_new,) + tuple(value.shape[1:]))], 0)


def _new_ids(existing, start: int, n_new: int) -> np.ndarray:
    """``syn<start>``, ``syn<start+1>``, ...: numbered after earlier synthetic nodes (augmenting an
    augmented graph) and past any id already taken, so ids stay unique."""
    taken = set(np.asarray(existing, dtype=str).tolist())
    while True:
        ids = [f"syn{start + i}" for i in range(n_new)]
        clash = [i for i, v in enumerate(ids) if v in taken]
        if not clash:
            return np.asarray(ids, dtype=str)
        start += clash[-1] + 1


def append_nodes(graph, x: torch.Tensor, label: int, node_time: torch.Tensor | None,
                 edges: dict[tuple, tuple[torch.Tensor, torch.Tensor | None]]):
    """A clone of ``graph`` with ``len(x)`` new target nodes of class ``label`` and the given edges.

    ``edges[relation] = (edge_index, edge_time)`` uses global ids, where new node ``i`` has id
    ``N + i`` (``N`` = the graph's number of target nodes before merging).
    """
    out = graph.clone()
    types, rels, target = graph_relations(graph)
    s = node_store(out, target)
    n0, n_new = int(s.num_nodes), int(x.shape[0])
    for key in list(s.keys()):
        v = s[key]
        if key in ("x", "y", "node_time", "node_id", "is_synthetic") or key in MASKS:
            continue
        if isinstance(v, torch.Tensor) and v.dim() >= 1 and v.shape[0] == n0:
            s[key] = _pad(v, n_new)
    s.x = torch.cat([s.x, x.to(s.x.dtype)], 0)
    if "y" in s:
        s.y = torch.cat([s.y, torch.full((n_new,), int(label), dtype=s.y.dtype)])
    for name in MASKS:
        if name in s:
            s[name] = torch.cat([s[name], torch.full((n_new,), name == "train_mask", dtype=torch.bool)])
    if "node_time" in s:
        nt = node_time if node_time is not None else torch.full((n_new,), float(s.node_time.float().mean()))
        s.node_time = torch.cat([s.node_time, nt.to(s.node_time.dtype)])
    prev = s.is_synthetic.bool() if "is_synthetic" in s else torch.zeros(n0, dtype=torch.bool)
    if "node_id" in s:
        s.node_id = np.concatenate([np.asarray(s.node_id, dtype=str), _new_ids(s.node_id, int(prev.sum()), n_new)])
    s.is_synthetic = torch.cat([prev, torch.ones(n_new, dtype=torch.bool)])
    s.num_nodes = n0 + n_new
    for r in rels:
        if r not in edges or edges[r][0].numel() == 0:
            continue
        ei, et = edges[r]
        es = edge_store(out, r)
        e0 = int(es.edge_index.shape[1])
        for key in list(es.keys()):
            v = es[key]
            if key in ("edge_index", "edge_time"):
                continue
            if isinstance(v, torch.Tensor) and v.dim() >= 1 and v.shape[0] == e0 and key != "edge_index":
                es[key] = _pad(v, ei.shape[1])
        es.edge_index = torch.cat([es.edge_index, ei.to(es.edge_index.dtype)], 1)
        if "edge_time" in es:
            t = et if et is not None else torch.full((ei.shape[1],), float(es.edge_time.float().mean()))
            es.edge_time = torch.cat([es.edge_time, t.to(es.edge_time.dtype)])
    return out


def dedupe(ei: torch.Tensor, et: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Drop repeated (src, dst) pairs, keeping the first occurrence."""
    if not ei.numel():
        return ei, et
    key = ei[0] * (int(ei.max()) + 1) + ei[1]
    _, inv = torch.unique(key, return_inverse=True)
    first = torch.full((int(inv.max()) + 1,), inv.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inv, torch.arange(inv.numel()), reduce="amin")
    keep = torch.sort(first).values
    return ei[:, keep], (et[keep] if et is not None else None)


def is_symmetric(ei: torch.Tensor) -> bool:
    if not ei.numel():
        return True
    n = int(ei.max()) + 1
    a = torch.sort(ei[0] * n + ei[1]).values
    b = torch.sort(ei[1] * n + ei[0]).values
    return bool(torch.equal(a, b))


def reverse_pairs(graph) -> dict[tuple, tuple]:
    """Relations between two different types whose edges mirror another relation's (``writes``/``written_by``)."""
    _, rels, _ = graph_relations(graph)
    out = {}
    for r in rels:
        for q in rels:
            if r != q and r[0] == q[2] and r[2] == q[0] and r[0] != r[2]:
                a, b = edge_store(graph, r).edge_index, edge_store(graph, q).edge_index
                if a.shape == b.shape:
                    out[r] = q
    return out


def copy_neighbourhoods(graph, base: torch.Tensor, x: torch.Tensor, node_time: torch.Tensor | None, label: int,
                        inbound: bool = False):
    """Append new nodes that copy the edges (and edge times) of ``base`` target nodes, one each.

    ``inbound=True`` copies only the edges into the base node and those to nodes of other types, so no
    real node of the target type gains a neighbour (as GODM's ``inbound_only``).
    """
    _, rels, target = graph_relations(graph)
    n0 = int(node_store(graph, target).num_nodes)
    edges = {}
    counts = torch.bincount(base, minlength=n0)
    for r in rels:
        es = edge_store(graph, r)
        ei = es.edge_index
        et = es.edge_time if "edge_time" in es else None
        parts, times = [], []
        for side in (0, 1):
            if r[side * 2] != target or (inbound and side == 0 and r[2] == target):
                continue
            # each base occurrence copies every edge of its node on this side
            sel = counts[ei[side]] > 0
            if not sel.any():
                continue
            e_idx = torch.nonzero(sel).squeeze(1)
            node = ei[side][e_idx]
            # expand edges for nodes drawn more than once
            order = torch.argsort(base, stable=True)
            start = torch.zeros(n0 + 1, dtype=torch.long)
            start[1:] = torch.cumsum(counts, 0)
            reps = counts[node]
            e_rep = torch.repeat_interleave(e_idx, reps)
            node_rep = torch.repeat_interleave(node, reps)
            offs = torch.arange(e_rep.numel()) - torch.repeat_interleave(torch.cumsum(reps, 0) - reps, reps)
            new_nodes = n0 + order[start[node_rep] + offs]
            e = ei[:, e_rep].clone()
            e[side] = new_nodes
            parts.append(e)
            if et is not None:
                times.append(et[e_rep])
        if parts:
            e = torch.cat(parts, 1)
            edges[r] = (e, torch.cat(times) if times else None)
    return append_nodes(graph, x, label, node_time, edges)
