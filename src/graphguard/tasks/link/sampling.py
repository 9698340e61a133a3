"""Negative sampling by corruption: replace the head or the tail of a true triple with a random entity.

``uniform`` corrupts head or tail with probability 1/2; ``bernoulli`` (Wang et al., 2014) corrupts the
head with probability ``tph / (tph + hpt)`` per relation, so that 1-to-N relations mostly get
corrupted heads and produce fewer false negatives. The replacement is never the entity it replaces:
on a small graph (UMLS has 135 entities) a copy of the positive would otherwise appear among 64
negatives about half the time, and the self-adversarial loss gives it the largest weight.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.errors import ConfigError

SAMPLERS = ("uniform", "bernoulli")


def head_probabilities(triples: np.ndarray, num_relations: int, kind: str) -> torch.Tensor:
    """Per-relation probability of corrupting the head."""
    if kind not in SAMPLERS:
        raise ConfigError(f"unknown negative sampler '{kind}' (known: {', '.join(SAMPLERS)})")
    if kind == "uniform":
        return torch.full((num_relations,), 0.5)
    t = np.asarray(triples)
    probs = np.full(num_relations, 0.5)
    for r in np.unique(t[:, 1]):
        sub = t[t[:, 1] == r]
        tph = len(sub) / len(np.unique(sub[:, 0]))  # tails per head
        hpt = len(sub) / len(np.unique(sub[:, 2]))  # heads per tail
        probs[r] = tph / (tph + hpt)
    return torch.as_tensor(probs, dtype=torch.float32)


def corrupt(batch: torch.Tensor, num_negatives: int, num_entities: int, head_prob: torch.Tensor,
            generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Random replacement entities ``[B, K]`` and a ``[B, K]`` mask that is True where the head is replaced.

    Each replacement differs from the entity it replaces (drawn from the other ``num_entities - 1``).
    """
    b = batch.shape[0]
    p = head_prob[batch[:, 1]].unsqueeze(1).expand(b, num_negatives)
    is_head = torch.rand((b, num_negatives), generator=generator) < p
    if num_entities < 2:
        return torch.zeros((b, num_negatives), dtype=torch.long), is_head
    ents = torch.randint(num_entities - 1, (b, num_negatives), generator=generator)
    orig = torch.where(is_head, batch[:, :1], batch[:, 2:3])
    ents += (ents >= orig).long()
    return ents, is_head
