"""Incoming-edge (CSC) adjacency read by the sampler and by layer-wise inference.

A CSC comes from one of two places:

* an ``edge_index`` in memory: sorted by destination once (``argsort``; ``eid`` maps slots back
  to edge ids);
* a graph store: the store already keeps every relation grouped by destination, so its
  ``indptr``/``indices`` memory maps become the CSC as they are (``torch.from_numpy``: no copy,
  no sort), and the slot of an edge *is* its id. DDP ranks that open one store share these pages
  through the page cache instead of each holding a private copy.

Readers of a store attach their CSCs to the graph they return (:func:`attach`); :func:`csc_of`
reuses an attached CSC only while the graph still holds the very ``edge_index`` it was attached
with (or none at all), so a graph whose edges were replaced never reads stale adjacency.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

_ATTR = "_graphguard_csc"  # underscore attributes live in the object's __dict__, not in PyG's stores


class CSC:
    """Incoming edges of one relation grouped by destination: ``src[ptr[v]:ptr[v+1]]`` point to ``v``.

    ``eid`` holds the edge id of each slot, or is ``None`` when slot and edge id coincide.
    """

    __slots__ = ("ptr", "src", "eid", "num_dst")

    def __init__(self, ptr: Tensor, src: Tensor, eid: Tensor | None, num_dst: int):
        self.ptr, self.src, self.eid, self.num_dst = ptr, src, eid, int(num_dst)

    @classmethod
    def from_edge_index(cls, edge_index: Tensor, num_dst: int) -> "CSC":
        dst = edge_index[1]
        perm = torch.argsort(dst, stable=True)
        counts = torch.bincount(dst, minlength=num_dst)
        ptr = torch.zeros(num_dst + 1, dtype=torch.long)
        torch.cumsum(counts, 0, out=ptr[1:])
        return cls(ptr, edge_index[0][perm].contiguous(), perm, num_dst)

    @classmethod
    def from_csr(cls, indptr: np.ndarray, indices: np.ndarray) -> "CSC":
        """Wrap a store's arrays (memory maps stay memory maps; int32 ``indices`` stay int32)."""
        return cls(_wrap(indptr), _wrap(indices), None, len(indptr) - 1)

    @property
    def num_edges(self) -> int:
        return int(self.src.numel())

    def edge_ids(self, slots: Tensor) -> Tensor:
        return slots if self.eid is None else self.eid[slots]

    def edge_index(self) -> Tensor:
        """``[2, E]`` int64 ``(src, dst)`` in edge-id order (materialised: 16 bytes per edge)."""
        deg = self.ptr[1:] - self.ptr[:-1]
        dst = torch.repeat_interleave(torch.arange(self.num_dst), deg)
        src = self.src.long()
        if self.eid is None:
            return torch.stack([src, dst])
        out = torch.empty(2, src.numel(), dtype=torch.long)
        out[0, self.eid], out[1, self.eid] = src, dst
        return out


def _wrap(a: np.ndarray) -> Tensor:
    import warnings

    with warnings.catch_warnings():  # read-only maps: torch warns, but nothing here writes to them
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(a)


def _key(et):
    return None if et is None else tuple(et)


def attach(graph, et, csc: CSC) -> None:
    """Remember ``csc`` as the adjacency of relation ``et`` (``None`` for a homogeneous ``Data``)."""
    store = graph if et is None else graph[tuple(et)]
    ei = store["edge_index"] if "edge_index" in store else None
    graph.__dict__.setdefault(_ATTR, {})[_key(et)] = (csc, ei)


def attached(graph, et=None) -> CSC | None:
    """The CSC attached to ``graph`` for ``et`` if it still describes the graph's edges."""
    rec = graph.__dict__.get(_ATTR, {}).get(_key(et))
    if rec is None:
        return None
    csc, ei = rec
    store = graph if et is None else graph[tuple(et)]
    now = store["edge_index"] if "edge_index" in store else None
    return csc if now is ei else None


def csc_of(graph, et=None, num_dst: int | None = None) -> CSC:
    """The attached CSC, else one built from the graph's ``edge_index``."""
    c = attached(graph, et)
    if c is not None:
        return c
    store = graph if et is None else graph[tuple(et)]
    if "edge_index" not in store:
        raise ValueError(f"relation {et} has neither edge_index nor a store adjacency")
    if num_dst is None:
        num_dst = int(graph.num_nodes if et is None else graph[tuple(et)[2]].num_nodes)
    return CSC.from_edge_index(store["edge_index"], num_dst)


def has_edges(graph, et=None) -> bool:
    store = graph if et is None else graph[tuple(et)]
    return "edge_index" in store or attached(graph, et) is not None


def num_edges(graph, et=None) -> int:
    store = graph if et is None else graph[tuple(et)]
    if "edge_index" in store:
        return int(store["edge_index"].shape[1])
    c = attached(graph, et)
    return 0 if c is None else c.num_edges


def _in_place(graph) -> list:
    """Relations whose only adjacency is an attached CSC (no ``edge_index``)."""
    keys = list(graph.__dict__.get(_ATTR, {}))
    return [k for k in keys if attached(graph, k) is not None and "edge_index" not in (graph if k is None else graph[k])]


def store_backed(graph) -> bool:
    """True when some relation of ``graph`` lives only in a store's CSC (read in place, no ``edge_index``)."""
    return bool(_in_place(graph))


def with_edge_index(graph):
    """``graph`` itself when every relation has an ``edge_index``, else a shallow copy where the
    missing ones are materialised from the attached CSCs (full-batch paths need them)."""
    import copy

    from torch_geometric.data import HeteroData

    missing = _in_place(graph)
    if not missing:
        return graph
    out = copy.copy(graph)
    out.__dict__[_ATTR] = dict(graph.__dict__.get(_ATTR, {}))
    for k in missing:
        c = attached(graph, k)
        if isinstance(out, HeteroData):
            out[k].edge_index = c.edge_index()
        else:
            out.edge_index = c.edge_index()
        attach(out, k, c)
    return out


def mapped_file(t: Tensor) -> str | None:
    """The file whose memory map holds ``t``'s data (Linux ``/proc/self/maps``), else ``None``.

    Lets a process check that it reads a store in place rather than a private copy.
    """
    ptr = t.data_ptr()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                lo, hi = (int(v, 16) for v in parts[0].split("-"))
                if lo <= ptr < hi:
                    return parts[5].strip() if len(parts) == 6 and parts[5].strip().startswith("/") else None
    except OSError:
        return None
    return None
