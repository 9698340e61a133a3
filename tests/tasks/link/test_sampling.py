"""Negative sampling: corrupted triples differ from the positive, and Bernoulli follows the relation's shape."""

import numpy as np
import torch

from graphguard.tasks.link.sampling import corrupt, head_probabilities


def test_a_corruption_never_repeats_the_entity_it_replaces():
    # 3 entities and 200 negatives per triple: without the exclusion about a third would be copies
    batch = torch.tensor([[0, 0, 1], [2, 0, 0], [1, 0, 2]])
    gen = torch.Generator().manual_seed(0)
    ents, is_head = corrupt(batch, 200, 3, torch.tensor([0.5]), gen)
    replaced = torch.where(is_head, batch[:, :1], batch[:, 2:3])
    assert not (ents == replaced).any()
    assert ents.min() >= 0 and ents.max() <= 2
    # every other entity is still drawn, on both sides
    for row in range(3):
        for side in (True, False):
            picked = set(ents[row][is_head[row] == side].tolist())
            assert picked == {0, 1, 2} - {int(replaced[row][is_head[row] == side][0])}


def test_bernoulli_corrupts_the_head_of_one_to_many_relations_more_often():
    # relation 0: one head with many tails (1-N); relation 1: many heads with one tail (N-1)
    t = np.array([[0, 0, k] for k in range(1, 9)] + [[k, 1, 0] for k in range(1, 9)])
    p = head_probabilities(t, 2, "bernoulli")
    assert p[0] > 0.8 and p[1] < 0.2
    assert torch.equal(head_probabilities(t, 2, "uniform"), torch.full((2,), 0.5))
