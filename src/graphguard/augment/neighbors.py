"""Vectorised typed neighbour sampling for GODM's mini-batches (no METIS, no compiled extensions).

For each hop and relation, every frontier node draws ``fanout`` incoming edges uniformly with
replacement (duplicates removed), so a batch costs O(seeds x fanout^hops) whatever the graph size.
The returned subgraph lists each type's seeds first.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from graphguard.augment.typed import TypedGraph


@dataclass
class Batch:
    nodes: dict[str, torch.Tensor]          # global ids per type, seeds first
    num_seeds: dict[str, int]
    edge_index: dict[tuple, torch.Tensor]   # local ids
    edge_time: dict[tuple, torch.Tensor]


def sample_batch(tg: TypedGraph, seeds: dict[str, torch.Tensor], fanout: int, hops: int,
                 generator: torch.Generator) -> Batch:
    collected = {t: [seeds.get(t, torch.zeros(0, dtype=torch.long))] for t in tg.node_types}
    frontier = {t: v for t, v in seeds.items() if v.numel()}
    edges: dict[tuple, list[torch.Tensor]] = {r: [] for r in tg.relations}
    for _ in range(hops):
        new: dict[str, list[torch.Tensor]] = {t: [] for t in tg.node_types}
        for r in tg.relations:
            f = frontier.get(r[2])
            if f is None or not f.numel():
                continue
            colptr, _, _ = tg.csc[r]
            start = colptr[f]
            deg = colptr[f + 1] - start
            keep = deg > 0
            if not keep.any():
                continue
            start, deg = start[keep], deg[keep]
            off = (torch.rand(start.numel(), fanout, generator=generator) * deg[:, None]).long()
            pos = torch.unique(start[:, None] + off)
            edges[r].append(pos)
            new[r[0]].append(tg.csc[r][1][pos])
        frontier = {t: torch.unique(torch.cat(v)) for t, v in new.items() if v}
        for t, v in frontier.items():
            collected[t].append(v)
    nodes, num_seeds, assoc = {}, {}, {}
    for t in tg.node_types:
        ids = torch.cat(collected[t])
        num_seeds[t] = int(collected[t][0].numel())
        if not ids.numel():
            nodes[t] = ids
            continue
        uniq, inv = torch.unique(ids, return_inverse=True)
        first = torch.full((uniq.numel(),), ids.numel(), dtype=torch.long)
        first.scatter_reduce_(0, inv, torch.arange(ids.numel()), reduce="amin")
        order = torch.argsort(first)
        nodes[t] = uniq[order]
        local = torch.empty(uniq.numel(), dtype=torch.long)
        local[order] = torch.arange(uniq.numel())
        assoc[t] = (uniq, local)
    ei, et = {}, {}
    for r in tg.relations:
        if not edges[r]:
            continue
        pos = torch.unique(torch.cat(edges[r]))
        colptr, src_sorted, perm = tg.csc[r]
        src = src_sorted[pos]
        dst = tg.edge_index[r][1][perm[pos]]
        ei[r] = torch.stack([_to_local(assoc[r[0]], src), _to_local(assoc[r[2]], dst)])
        et[r] = tg.edge_time[r][perm[pos]]
    return Batch(nodes, num_seeds, ei, et)


def _to_local(assoc, ids: torch.Tensor) -> torch.Tensor:
    uniq, local = assoc
    return local[torch.searchsorted(uniq, ids)]


def seed_batches(tg: TypedGraph, batch_size: int, generator: torch.Generator | None,
                 types: list[str] | None = None) -> list[tuple[str, torch.Tensor]]:
    """Batches of seeds of one type each, covering every node once (shuffled when a generator is given)."""
    out = []
    for t in types or tg.node_types:
        n = tg.num_nodes[t]
        ids = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        out.extend((t, c) for c in torch.split(ids, batch_size))
    if generator is not None:
        order = torch.randperm(len(out), generator=generator).tolist()
        out = [out[i] for i in order]
    return out
