import torch

from graphguard.data.graph import unique_edges


def test_matches_unique_dim_on_duplicated_multi_relation_edges():
    g = torch.Generator().manual_seed(0)
    n = 500
    ei = torch.randint(0, n, (2, 4000), generator=g)
    ei = torch.cat([ei, ei[:, :1500]], 1)  # the same edge in two relations
    out = unique_edges(ei, n)
    assert torch.equal(out, torch.unique(ei, dim=1))
    assert out.shape[1] < ei.shape[1]


def test_keeps_node_ids_above_the_other_endpoint_range():
    # the largest id, at either end, survives the src * n + dst key
    ei = torch.tensor([[0, 9, 9, 0], [9, 0, 0, 9]])
    assert unique_edges(ei, 10).tolist() == [[0, 9], [9, 0]]


def test_empty_edge_index():
    assert unique_edges(torch.empty(2, 0, dtype=torch.long), 5).shape == (2, 0)
