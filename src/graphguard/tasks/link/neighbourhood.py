"""Neighbour-sampled subgraphs around a batch's entities, so the R-GCN encoder trains in mini-batches.

The seeds of a batch are the entities its scores read: heads, tails and the sLCWA corruptions.
graphguard's vectorised :class:`~graphguard.train.sampler.NeighborSampler` draws their ``L``-hop
in-neighbourhood over the encoder's message graph (training triples plus reciprocals); the sampled
edge ids give each edge its relation. 1-N training (``lcwa``/``1vsall``) scores every entity per
batch, so it has no small seed set and keeps the full-graph pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.sampler import NodeSamplerInput

from graphguard.errors import ConfigError
from graphguard.train.sampler import NeighborSampler


def check_fanouts(num_neighbors, layers: int) -> list[int]:
    """``num_neighbors`` as one fanout per encoder layer (``-1`` = every neighbour), or a ConfigError."""
    if isinstance(num_neighbors, str):
        num_neighbors = [v for v in num_neighbors.replace(",", " ").split() if v]
    try:
        fan = [int(v) for v in num_neighbors]
        ok = all(float(v) == int(v) for v in num_neighbors)
    except (TypeError, ValueError):
        raise ConfigError(f"num_neighbors must be a list of integers, one per encoder layer "
                          f"(got {num_neighbors!r})") from None
    if not ok or any(v == 0 or v < -1 for v in fan):
        raise ConfigError(f"num_neighbors values must be positive or -1 for all neighbours (got {num_neighbors!r})")
    if len(fan) != layers:
        raise ConfigError(f"num_neighbors has {len(fan)} fanout(s) but the encoder has {layers} layer(s)")
    return fan


@dataclass
class Subgraph:
    """Sampled nodes (seeds first, then each hop's new nodes) and local edges in hop order."""

    nodes: Tensor
    edge_index: Tensor
    edge_type: Tensor
    num_sampled_nodes: list[int]
    num_sampled_edges: list[int]


class EntitySampler:
    """Samples the typed in-neighbourhood of distinct seed entities on an encoder's message graph."""

    def __init__(self, edge_index: Tensor, edge_type: Tensor, num_entities: int, num_neighbors: list[int],
                 seed: int | None = None):
        self.edge_type = edge_type
        self.sampler = NeighborSampler(Data(edge_index=edge_index, num_nodes=num_entities), list(num_neighbors),
                                       seed=seed)

    def sample(self, seeds: Tensor) -> Subgraph:
        out = self.sampler.sample_from_nodes(NodeSamplerInput(input_id=None, node=seeds))
        return Subgraph(out.node, torch.stack([out.row, out.col]), self.edge_type[out.edge],
                        list(out.num_sampled_nodes), list(out.num_sampled_edges))
