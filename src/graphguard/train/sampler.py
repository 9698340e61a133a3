"""Neighbour sampling in plain torch, so PyG's ``NodeLoader`` / ``LinkLoader`` run without pyg-lib.

PyG's own ``NeighborSampler`` calls compiled kernels from pyg-lib or torch-sparse, neither of
which exists for the torch build used here. :class:`NeighborSampler` implements the same
``BaseSampler`` contract with vectorised torch operations:

* the graph is turned into CSC once (incoming edges grouped by destination, one per edge type),
  so each hop is a handful of gathers over contiguous slices; a graph read from a graph store
  brings its CSC along (:mod:`graphguard.train.csc`), and the sampler reads the store's memory
  maps directly: no ``edge_index``, no sort, no copy;
* neighbours are drawn **without replacement**: nodes whose in-degree fits the fanout keep all
  neighbours, moderately connected nodes take the first ``k`` of a random per-segment order,
  and hubs (degree far above ``k``) draw random slots and redraw only the collisions, so a hub
  never costs more than ``O(k)``;
* the output follows PyG's layout: seeds first in ``node``; ``row``/``col`` are local indices with
  messages flowing ``row -> col`` (source to destination); ``edge`` holds original edge ids;
  ``num_sampled_nodes`` / ``num_sampled_edges`` are per hop, which ``trim_to_layer`` understands.

Temporal sampling and disjoint subgraphs are not implemented (a clear error says so).
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData
from torch_geometric.loader import LinkLoader, NodeLoader
from torch_geometric.sampler import (BaseSampler, EdgeSamplerInput, HeteroSamplerOutput,
                                     NegativeSampling, NodeSamplerInput, SamplerOutput)
from torch_geometric.sampler.neighbor_sampler import edge_sample

from graphguard.errors import ConfigError
from graphguard.train.csc import csc_of, has_edges

EdgeType = tuple[str, str, str]
_HUB_FACTOR = 8  # above k * _HUB_FACTOR neighbours, draw slots instead of ordering the whole segment


def _choose_slots(start: Tensor, deg: Tensor, k: int, gen: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """CSR slot positions drawn without replacement, and the index of the owner of each slot.

    ``start``/``deg`` describe one segment per frontier node; ``k < 0`` keeps every slot.
    """
    n = deg.numel()
    owner_all = torch.arange(n)
    if k < 0:
        keep = owner_all
        take = deg
        owner = torch.repeat_interleave(keep, take)
        offs = torch.arange(owner.numel()) - torch.repeat_interleave(torch.cumsum(take, 0) - take, take)
        return start[owner] + offs, owner
    parts_slot, parts_owner = [], []
    # 1) small segments: keep all
    small = deg <= k
    if small.any():
        idx = owner_all[small]
        d = deg[idx]
        owner = torch.repeat_interleave(idx, d)
        offs = torch.arange(owner.numel()) - torch.repeat_interleave(torch.cumsum(d, 0) - d, d)
        parts_slot.append(start[owner] + offs)
        parts_owner.append(owner)
    # 2) medium segments: random order within each segment, keep the first k
    medium = (deg > k) & (deg <= k * _HUB_FACTOR)
    if medium.any():
        idx = owner_all[medium]
        d = deg[idx]
        seg = torch.repeat_interleave(torch.arange(idx.numel()), d)
        base = torch.cumsum(d, 0) - d
        offs = torch.arange(seg.numel()) - base[seg]
        key = seg.double() + torch.rand(seg.numel(), generator=gen, dtype=torch.float64)
        order = torch.argsort(key)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(order.numel())
        rank = rank - base[seg]
        pick = rank < k
        parts_slot.append(start[idx[seg[pick]]] + offs[pick])
        parts_owner.append(idx[seg[pick]])
    # 3) hubs: draw k slots at random and redraw the collisions
    hub = deg > k * _HUB_FACTOR
    if hub.any():
        idx = owner_all[hub]
        d, s = deg[idx], start[idx]
        owner = idx.repeat_interleave(k)
        slots = s.repeat_interleave(k) + (torch.rand(owner.numel(), generator=gen, dtype=torch.float64)
                                          * d.repeat_interleave(k)).long()
        for _ in range(64):
            uniq, first = _unique_first(slots)
            if uniq.numel() == slots.numel():
                break
            dup = torch.ones(slots.numel(), dtype=torch.bool)
            dup[first] = False
            dup_owner = owner[dup]
            lo = start[dup_owner]
            slots[dup] = lo + (torch.rand(dup_owner.numel(), generator=gen, dtype=torch.float64)
                               * deg[dup_owner]).long()
        else:  # pragma: no cover - astronomically unlikely; drop leftovers rather than duplicate
            uniq, first = _unique_first(slots)
            slots, owner = slots[first], owner[first]
        parts_slot.append(slots)
        parts_owner.append(owner)
    return torch.cat(parts_slot), torch.cat(parts_owner)


def _unique_first(t: Tensor) -> tuple[Tensor, Tensor]:
    """Unique values and the position of the first occurrence of each."""
    uniq, inv = torch.unique(t, return_inverse=True)
    first = torch.full((uniq.numel(),), t.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inv, torch.arange(t.numel()), reduce="amin")
    return uniq, first


class _Relabel:
    """Global -> local ids for one node type, kept as a dense table reused across batches."""

    def __init__(self, num_nodes: int):
        self.table = torch.full((num_nodes,), -1, dtype=torch.long)
        self.nodes: list[Tensor] = []
        self.count = 0

    def add(self, glob: Tensor) -> Tensor:
        """Assign local ids to the unseen nodes of ``glob`` (in order of appearance); returns them."""
        seen = self.table[glob] >= 0
        new = glob[~seen]
        if new.numel():
            uniq, first = _unique_first(new)
            uniq = new[torch.sort(first).values]  # keep order of first appearance
            self.table[uniq] = torch.arange(self.count, self.count + uniq.numel())
            self.count += uniq.numel()
            self.nodes.append(uniq)
            return uniq
        return new

    def local(self, glob: Tensor) -> Tensor:
        return self.table[glob]

    def finish(self) -> Tensor:
        node = torch.cat(self.nodes) if self.nodes else torch.empty(0, dtype=torch.long)
        self.table[node] = -1
        self.nodes, self.count = [], 0
        return node


def _fanouts(num_neighbors, edge_types: Sequence[EdgeType]) -> tuple[dict[EdgeType, list[int]], int]:
    if isinstance(num_neighbors, dict):
        out = {}
        for et in edge_types:
            key = et if et in num_neighbors else et[1] if et[1] in num_neighbors else None
            if key is None:
                raise ConfigError(f"num_neighbors has no fanout for relation {et}")
            out[et] = [int(v) for v in num_neighbors[key]]
        hops = {len(v) for v in out.values()}
        if len(hops) != 1:
            raise ConfigError("num_neighbors: every relation needs the same number of hops")
        return out, hops.pop()
    fan = [int(v) for v in num_neighbors]
    if not fan:
        raise ConfigError("num_neighbors needs at least one hop")
    return {et: fan for et in edge_types}, len(fan)


class NeighborSampler(BaseSampler):
    """Hop-by-hop neighbour sampling without replacement for ``Data`` and ``HeteroData``.

    ``num_neighbors`` is one fanout per hop (``-1`` = all neighbours), or a dict from edge type
    (or relation name) to such a list for heterogeneous graphs.
    """

    def __init__(self, data: Data | HeteroData, num_neighbors, seed: int | None = None):
        self.is_hetero = isinstance(data, HeteroData)
        if self.is_hetero:
            self.node_types = list(data.node_types)
            self.edge_types = [et for et in data.edge_types if has_edges(data, et)]
            self.num_nodes = {nt: int(data[nt].num_nodes) for nt in self.node_types}
            self.csc = {et: csc_of(data, et, self.num_nodes[et[2]]) for et in self.edge_types}
        else:
            self.node_types = ["_"]
            self.edge_types = [("_", "_", "_")]
            self.num_nodes = {"_": int(data.num_nodes)}
            self.csc = {self.edge_types[0]: csc_of(data, None, self.num_nodes["_"])}
        self.fanout, self.num_hops = _fanouts(num_neighbors, self.edge_types)
        self.generator = None
        if seed is not None:
            self.generator = torch.Generator().manual_seed(int(seed))
        self._relabel = {nt: _Relabel(n) for nt, n in self.num_nodes.items()}

    # ---------------------------------------------------------------- BaseSampler
    def sample_from_nodes(self, index: NodeSamplerInput, **kwargs):
        if index.time is not None:
            raise ConfigError("temporal neighbour sampling is not supported by graphguard's sampler")
        if self.is_hetero:
            out = self._sample({index.input_type: index.node})
        else:
            out = self._sample(index.node)
        out.metadata = (index.input_id, index.time)
        return out

    def sample_from_edges(self, index: EdgeSamplerInput, neg_sampling: NegativeSampling | None = None):
        if index.time is not None:
            raise ConfigError("temporal neighbour sampling is not supported by graphguard's sampler")
        num_nodes = self.num_nodes if self.is_hetero else self.num_nodes["_"]
        return edge_sample(index, lambda seed, _t: self._sample(seed), num_nodes, False, None, neg_sampling)

    # ---------------------------------------------------------------- core
    def _sample(self, seed):
        seeds = seed if isinstance(seed, dict) else {"_": seed}
        rel = self._relabel
        nsn: dict[str, list[int]] = {nt: [] for nt in self.node_types}
        frontier: dict[str, Tensor] = {}
        for nt in self.node_types:
            s = seeds.get(nt)
            s = s.long() if s is not None else torch.empty(0, dtype=torch.long)
            new = rel[nt].add(s)
            if new.numel() != s.numel():
                for r in rel.values():
                    r.finish()
                raise ConfigError("seed nodes must be distinct (a seed node appears twice in the batch)")
            frontier[nt] = s
            nsn[nt].append(s.numel())
        rows = {et: [] for et in self.edge_types}
        cols = {et: [] for et in self.edge_types}
        eids = {et: [] for et in self.edge_types}
        nse = {et: [] for et in self.edge_types}
        for hop in range(self.num_hops):
            found: dict[str, list[Tensor]] = {nt: [] for nt in self.node_types}
            for et in self.edge_types:
                src_t, _, dst_t = et
                f = frontier[dst_t]
                if f.numel() == 0:
                    nse[et].append(0)
                    continue
                csc = self.csc[et]
                start = csc.ptr[f]
                deg = csc.ptr[f + 1] - start
                slots, owner = _choose_slots(start, deg, self.fanout[et][hop], self.generator)
                src = csc.src[slots].long()  # a store keeps int32 indices
                rows[et].append(src)  # global for now; relabelled below
                cols[et].append(rel[dst_t].local(f[owner]))
                eids[et].append(csc.edge_ids(slots))
                nse[et].append(int(slots.numel()))
                found[src_t].append(src)
            frontier = {}
            for nt in self.node_types:
                cand = torch.cat(found[nt]) if found[nt] else torch.empty(0, dtype=torch.long)
                frontier[nt] = rel[nt].add(cand)
                nsn[nt].append(int(frontier[nt].numel()))
        row_out, col_out, edge_out = {}, {}, {}
        for et in self.edge_types:
            src_t = et[0]
            r = torch.cat(rows[et]) if rows[et] else torch.empty(0, dtype=torch.long)
            row_out[et] = rel[src_t].local(r)
            col_out[et] = torch.cat(cols[et]) if cols[et] else torch.empty(0, dtype=torch.long)
            edge_out[et] = torch.cat(eids[et]) if eids[et] else torch.empty(0, dtype=torch.long)
        node_out = {nt: rel[nt].finish() for nt in self.node_types}
        if not self.is_hetero:
            et = self.edge_types[0]
            return SamplerOutput(node=node_out["_"], row=row_out[et], col=col_out[et], edge=edge_out[et],
                                 batch=None, num_sampled_nodes=nsn["_"], num_sampled_edges=nse[et])
        return HeteroSamplerOutput(node=node_out, row=row_out, col=col_out, edge=edge_out, batch=None,
                                   num_sampled_nodes=nsn, num_sampled_edges=nse)


def _sampled_edges(data, out) -> None:
    """Give a batch the ``edge_index`` its source graph did not have (edges held only as a CSC)."""
    if isinstance(out, HeteroSamplerOutput):
        for et, row in out.row.items():
            if "edge_index" not in data[et]:
                data[et].edge_index = torch.stack([row, out.col[et]])
    elif "edge_index" not in data:
        data.edge_index = torch.stack([out.row, out.col])


class _EdgeIndexMixin:
    """PyG's filters copy ``edge_index`` from the source graph; add it when the graph only has a CSC."""

    def filter_fn(self, out):
        transform, self.transform = self.transform, None
        try:
            data = super().filter_fn(out)
        finally:
            self.transform = transform
        _sampled_edges(data, out)
        return data if transform is None else transform(data)


class StoreNodeLoader(_EdgeIndexMixin, NodeLoader):
    """``NodeLoader`` that also works on graphs whose edges live only in a (store) CSC."""


class StoreLinkLoader(_EdgeIndexMixin, LinkLoader):
    """``LinkLoader`` that also works on graphs whose edges live only in a (store) CSC."""


def loadable(graph: Data | HeteroData) -> Data | HeteroData:
    """A shallow copy without numpy string attributes (``node_id``), which PyG's filters cannot slice."""
    out = copy.copy(graph)
    for store in out.stores:
        for key in [k for k, v in store.items() if isinstance(v, np.ndarray) and v.dtype.kind in "USO"]:
            del store[key]
    return out


def _input_nodes(graph: Data | HeteroData, input_nodes):
    """Accept a mask, an index tensor or array, or ``None`` (all target nodes)."""
    from graphguard.data.graph import target_type

    t = target_type(graph)
    if input_nodes is None:
        n = graph[t].num_nodes if t else graph.num_nodes
        idx = torch.arange(n)
    else:
        idx = torch.as_tensor(input_nodes)
        if idx.dtype == torch.bool:
            idx = idx.nonzero().flatten()
        idx = idx.long()
    return (t, idx) if t else idx


def node_loader(graph: Data | HeteroData, input_nodes=None, num_neighbors: Sequence[int] | dict = (10, 10),
                batch_size: int = 512, shuffle: bool = False, seed: int | None = None,
                sampler: NeighborSampler | None = None, **kwargs) -> NodeLoader:
    """A PyG ``NodeLoader`` over ``input_nodes`` (target type for ``HeteroData``) with this sampler.

    Pass ``sampler`` to reuse one (its CSC is built once per graph).
    """
    sampler = sampler or NeighborSampler(graph, list(num_neighbors) if not isinstance(num_neighbors, dict)
                                         else num_neighbors, seed=seed)
    gen = torch.Generator().manual_seed(int(seed)) if (seed is not None and shuffle) else None
    return StoreNodeLoader(loadable(graph), sampler, input_nodes=_input_nodes(graph, input_nodes), batch_size=batch_size,
                      shuffle=shuffle, generator=gen, filter_per_worker=False, **kwargs)


def link_loader(graph: Data | HeteroData, edge_label_index=None, num_neighbors: Sequence[int] | dict = (10, 10),
                batch_size: int = 512, shuffle: bool = False, edge_label=None,
                neg_sampling_ratio: float | None = None, seed: int | None = None,
                sampler: NeighborSampler | None = None, **kwargs) -> LinkLoader:
    """A PyG ``LinkLoader`` (seed edges + their sampled neighbourhoods) with this sampler.

    For ``HeteroData`` pass ``edge_label_index=(edge_type, index)``; ``neg_sampling_ratio`` adds
    random negative pairs as PyG's ``LinkNeighborLoader`` does.
    """
    sampler = sampler or NeighborSampler(graph, list(num_neighbors) if not isinstance(num_neighbors, dict)
                                         else num_neighbors, seed=seed)
    gen = torch.Generator().manual_seed(int(seed)) if (seed is not None and shuffle) else None
    return StoreLinkLoader(loadable(graph), sampler, edge_label_index=edge_label_index, edge_label=edge_label,
                      neg_sampling_ratio=neg_sampling_ratio, batch_size=batch_size, shuffle=shuffle,
                      generator=gen, filter_per_worker=False, **kwargs)
