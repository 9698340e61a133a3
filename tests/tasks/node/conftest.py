"""A small typed graph and a way to rebuild it with its types listed in another order (node detectors)."""

from __future__ import annotations

import pytest


def rebuilt(h, edge_types=None, rename=None, node_types=None):
    """``h`` with its node and edge types inserted in the order given (``rename`` maps an edge type to a new one)."""
    from torch_geometric.data import HeteroData

    out = HeteroData()
    for nt in h.node_types if node_types is None else node_types:
        for k, v in h[nt].items():
            out[nt][k] = v
    for et in h.edge_types if edge_types is None else edge_types:
        for k, v in h[et].items():
            out[(rename or {}).get(et, et)][k] = v
    out.target_node_type = h.target_node_type
    return out


@pytest.fixture(scope="session")
def rebuild():
    """``rebuild(h, edge_types=None, rename=None, node_types=None)``: see ``rebuilt``."""
    return rebuilt


@pytest.fixture(scope="session")
def small_hetero():
    """Reviews with two review-review relations and two user relations whose degrees differ."""
    from graphguard.data.synthetic import make_hetero_fraud_graph

    h = make_hetero_fraud_graph(600, num_users=120, seed=0)
    h["review", "written_by", "user"].edge_index = h["review", "written_by", "user"].edge_index[:, ::2]
    return h
