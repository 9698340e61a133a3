"""Filtered rank-based evaluation: MRR and Hits@k over head and tail prediction.

Definitions follow PyKEEN: for each test triple the true entity is ranked against every entity,
after removing ("filtering") the other entities that form a known true triple (from train, valid
or test). Ties use the *realistic* rank, the mean of the optimistic rank ``1 + #{s > s_true}``
and the pessimistic rank ``#{s >= s_true}``, so a model that scores everything equal does not
look perfect. MRR is the mean of ``1 / rank`` over both sides; Hits@k the share with rank <= k.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.errors import DataError

HITS = (1, 3, 10)


def realistic_ranks(scores: torch.Tensor, true_idx: torch.Tensor, filter_rows=None, filter_cols=None) -> torch.Tensor:
    """Realistic rank of ``scores[i, true_idx[i]]`` within row ``i``.

    ``filter_rows/filter_cols`` list the (row, entity) pairs to remove (known true triples); the
    true entity itself is never removed. A non-finite score (a diverged model) never ranks well:
    a competitor's never outranks the true entity, and a non-finite true score ranks last.
    """
    b = torch.arange(scores.shape[0])
    finite = torch.isfinite(scores)
    scores = torch.where(finite, scores, float("-inf"))
    candidate = torch.ones_like(finite)
    if filter_rows is not None and len(filter_rows):
        candidate[filter_rows, filter_cols] = False
    candidate[b, true_idx] = True
    t = scores[b, true_idx].unsqueeze(1)
    optimistic = 1 + ((scores > t) & candidate).sum(1)
    pessimistic = ((scores >= t) & candidate).sum(1)
    ranks = 0.5 * (optimistic + pessimistic).double()
    last = candidate.sum(1).double()
    return torch.where(finite[b, true_idx], ranks, last)


def rank_metrics(ranks) -> dict[str, float]:
    """MRR and Hits@1/3/10 from realistic ranks."""
    r = torch.as_tensor(ranks, dtype=torch.float64)
    if r.numel() == 0:
        raise DataError("evaluation", "no triples to rank")
    out = {"mrr": float((1.0 / r).mean())}
    for k in HITS:
        out[f"hits@{k}"] = float((r <= k).double().mean())
    out["mean_rank"] = float(r.mean())
    return out


class KnownTriples:
    """An index of true triples to look up, per batch, which (query, entity) pairs to filter."""

    def __init__(self, triples: np.ndarray, num_entities: int, num_relations: int):
        t = np.asarray(triples, dtype=np.int64)
        self.num_relations = num_relations
        self.tails = self._index(t[:, 0] * num_relations + t[:, 1], t[:, 2])
        self.heads = self._index(t[:, 2] * num_relations + t[:, 1], t[:, 0])

    @staticmethod
    def _index(keys, vals):
        order = np.lexsort((vals, keys))
        return keys[order], vals[order]

    @staticmethod
    def _lookup(index, query_keys):
        keys, vals = index
        lo = np.searchsorted(keys, query_keys, side="left")
        hi = np.searchsorted(keys, query_keys, side="right")
        counts = hi - lo
        rows = np.repeat(np.arange(len(query_keys)), counts)
        starts = np.repeat(lo - np.cumsum(np.concatenate([[0], counts[:-1]])), counts)
        cols = vals[starts + np.arange(counts.sum())]
        return torch.as_tensor(rows), torch.as_tensor(cols)

    def known_tails(self, h, r):
        return self._lookup(self.tails, np.asarray(h) * self.num_relations + np.asarray(r))

    def known_heads(self, r, t):
        return self._lookup(self.heads, np.asarray(t) * self.num_relations + np.asarray(r))


@torch.no_grad()
def triple_ranks(model, triples: np.ndarray, known: KnownTriples | None, *, batch_size: int = 256,
                 sides=("head", "tail")) -> dict[str, torch.Tensor]:
    """Realistic rank of the true entity for every triple, per side (``{"tail": [n], "head": [n]}``)."""
    triples = np.asarray(triples, dtype=np.int64)
    if len(triples) == 0:
        raise DataError("evaluation", "the evaluation split is empty")
    was_training = model.training
    model.eval()
    E = model.entities()
    out: dict[str, list] = {s: [] for s in sides}
    for i in range(0, len(triples), batch_size):
        b = triples[i:i + batch_size]
        bt = torch.as_tensor(b)
        if "tail" in sides:
            s = model.score_t(bt[:, 0], bt[:, 1], E)
            fr, fc = known.known_tails(b[:, 0], b[:, 1]) if known is not None else (None, None)
            out["tail"].append(realistic_ranks(s, bt[:, 2], fr, fc))
        if "head" in sides:
            s = model.score_h(bt[:, 1], bt[:, 2], E)
            fr, fc = known.known_heads(b[:, 1], b[:, 2]) if known is not None else (None, None)
            out["head"].append(realistic_ranks(s, bt[:, 0], fr, fc))
    model.train(was_training)
    return {k: torch.cat(v) for k, v in out.items()}


@torch.no_grad()
def evaluate_ranking(model, triples: np.ndarray, known: KnownTriples | None, *, batch_size: int = 256,
                     sides=("head", "tail")) -> dict[str, float]:
    """Filtered (or raw, with ``known=None``) MRR/Hits over ``sides`` for a ``KGEModel``."""
    ranks = triple_ranks(model, triples, known, batch_size=batch_size, sides=sides)
    return rank_metrics(torch.cat([ranks[s] for s in ("tail", "head") if s in ranks]))
