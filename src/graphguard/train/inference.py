"""Chunks for layer-wise full-graph inference: destination nodes with their whole in-neighbourhood.

The CSC layout makes the incoming edges of a run of consecutive destination nodes one contiguous
slice, so a chunk costs one slice and one relabel; every edge is visited once per layer.
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch import Tensor

from graphguard.train.csc import CSC


def _as_csc(edges, num_dst: int) -> CSC:
    return edges if isinstance(edges, CSC) else CSC.from_edge_index(edges, num_dst)


def _relabel(dst_nodes: Tensor, src: Tensor, table: Tensor) -> tuple[Tensor, Tensor]:
    size = dst_nodes.numel()
    table[dst_nodes] = torch.arange(size)
    extra = torch.unique(src[table[src] < 0])
    table[extra] = torch.arange(size, size + extra.numel())
    nodes = torch.cat([dst_nodes, extra])
    local = table[src]
    table[nodes] = -1
    return nodes, local


def one_hop_chunks(edges: Tensor | CSC, num_nodes: int, chunk: int) -> Iterator[tuple[Tensor, Tensor, Tensor, int]]:
    """Yield ``(nodes, local_edge_index, edge_ids, size)``; the first ``size`` nodes are the chunk.

    ``edges`` is an ``edge_index`` (sorted here) or a ready :class:`CSC` (a store's, read in place).
    """
    csc = _as_csc(edges, num_nodes)
    table = torch.full((num_nodes,), -1, dtype=torch.long)
    for a in range(0, num_nodes, chunk):
        b = min(num_nodes, a + chunk)
        lo, hi = int(csc.ptr[a]), int(csc.ptr[b])
        src = csc.src[lo:hi].long()
        dst_local = torch.repeat_interleave(torch.arange(b - a), csc.ptr[a + 1:b + 1] - csc.ptr[a:b])
        nodes, src_local = _relabel(torch.arange(a, b), src, table)
        yield nodes, torch.stack([src_local, dst_local]), csc.edge_ids(torch.arange(lo, hi)), b - a


def hetero_one_hop_chunks(edge_index_dict: dict, num_nodes: dict, node_type: str, chunk: int):
    """Like :func:`one_hop_chunks` for the destination type ``node_type`` of a heterogeneous graph.

    Yields ``(nodes_dict, local_edge_index_dict, size)``; ``nodes_dict[node_type][:size]`` is the chunk.
    The dict's values are ``edge_index`` tensors or ready :class:`CSC` objects.
    """
    rels = [et for et in edge_index_dict if et[2] == node_type]
    cscs = {et: _as_csc(edge_index_dict[et], num_nodes[node_type]) for et in rels}
    tables = {nt: torch.full((n,), -1, dtype=torch.long) for nt, n in num_nodes.items()}
    n = num_nodes[node_type]
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        srcs, dsts = {}, {}
        for et, csc in cscs.items():
            lo, hi = int(csc.ptr[a]), int(csc.ptr[b])
            srcs[et] = csc.src[lo:hi].long()
            dsts[et] = torch.repeat_interleave(torch.arange(b - a), csc.ptr[a + 1:b + 1] - csc.ptr[a:b])
        nodes = {node_type: torch.arange(a, b)}
        # local ids per source type: destination chunk first (same type), then other sources
        by_type: dict[str, list] = {}
        for et in rels:
            by_type.setdefault(et[0], []).append(srcs[et])
        for nt, parts in by_type.items():
            table = tables[nt]
            base = nodes.get(nt, torch.empty(0, dtype=torch.long))
            table[base] = torch.arange(base.numel())
            allsrc = torch.cat(parts)
            extra = torch.unique(allsrc[table[allsrc] < 0])
            table[extra] = torch.arange(base.numel(), base.numel() + extra.numel())
            nodes[nt] = torch.cat([base, extra])
        local = {}
        for et in rels:
            local[et] = torch.stack([tables[et[0]][srcs[et]], dsts[et]])
        for nt, ids in nodes.items():
            tables[nt][ids] = -1
        yield nodes, local, b - a
