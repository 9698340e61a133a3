"""Training loops for KGE models: sLCWA (negative sampling) and 1-N scoring (LCWA / 1vsAll).

* ``slcwa``: each true triple is scored against ``num_negatives`` corruptions, with the margin,
  softplus, BCE or the self-adversarial loss of RotatE (``nssa``: negatives weighted by the
  softmax of their own scores, without gradient through the weights).
* ``lcwa``: every (head, relation) query in the batch is scored against all entities with
  multi-label BCE (``KvsAll``, as ConvE); ``1vsall``: softmax cross-entropy of each triple's tail
  against all entities (as ComplEx-N3). Both use reciprocal relations for head prediction.

Regularisation: ``n3`` (Lacroix et al., 2018; on complex moduli for complex models) or ``l2``,
on the representations used in the batch.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from graphguard.errors import ConfigError
from graphguard.tasks.link.sampling import corrupt

TRAININGS = ("slcwa", "lcwa", "1vsall")
LOSSES = ("nssa", "softplus", "margin", "bce")
REGULARIZERS = (None, "none", "n3", "l2")


def slcwa_loss(pos: torch.Tensor, neg: torch.Tensor, loss: str, margin: float, temperature: float) -> torch.Tensor:
    if loss == "nssa":
        w = torch.softmax(temperature * neg, dim=-1).detach()
        return 0.5 * (-F.logsigmoid(margin + pos).mean() - (w * F.logsigmoid(-neg - margin)).sum(-1).mean())
    if loss == "softplus":
        return 0.5 * (F.softplus(-pos).mean() + F.softplus(neg).mean())
    if loss == "margin":
        return F.relu(margin - pos.unsqueeze(1) + neg).mean()
    if loss == "bce":
        return 0.5 * (F.softplus(-pos).mean() + F.softplus(neg).mean(-1).mean())
    raise ConfigError(f"unknown loss '{loss}' (known: {', '.join(LOSSES)})")


def regularization(kind, weight: float, tensors, complex_valued: bool) -> torch.Tensor | float:
    if kind in (None, "none") or weight == 0:
        return 0.0
    total = 0.0
    for x in tensors:
        if kind == "n3":
            if complex_valued and x.shape[-1] % 2 == 0:
                d = x.shape[-1] // 2
                mod = torch.sqrt(x[..., :d] ** 2 + x[..., d:] ** 2 + 1e-12)
                total = total + (mod ** 3).sum()
            else:
                total = total + (x.abs() ** 3).sum()
        elif kind == "l2":
            total = total + (x ** 2).sum()
        else:
            raise ConfigError(f"unknown regularizer '{kind}' (known: n3, l2, none)")
    return weight * total / tensors[0].shape[0]


class JointOptimizer:
    """Several optimizers stepped as one, e.g. SparseAdam for an embedding table and Adam for the rest."""

    def __init__(self, *optimizers):
        self.optimizers = optimizers

    def zero_grad(self, set_to_none: bool = True) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for o in self.optimizers:
            o.step()


class Trainer:
    """One optimisation step per batch; the estimator owns epochs, validation and early stopping."""

    def __init__(self, model, train: np.ndarray, *, training: str, loss: str, num_negatives: int, head_prob,
                 margin: float, temperature: float, regularizer, reg_weight: float, label_smoothing: float,
                 batch_size: int, optimizer, generator: torch.Generator, sampler=None):
        if training not in TRAININGS:
            raise ConfigError(f"unknown training '{training}' (known: {', '.join(TRAININGS)})")
        self.model, self.training, self.loss = model, training, loss
        self.k, self.head_prob, self.margin, self.temperature = num_negatives, head_prob, margin, temperature
        self.reg, self.reg_weight, self.smoothing = regularizer, reg_weight, label_smoothing
        self.batch_size, self.opt, self.gen = batch_size, optimizer, generator
        if sampler is not None and training != "slcwa":
            raise ConfigError(f"neighbour-sampled encoder training needs training='slcwa' ('{training}' scores "
                              "every entity in each batch)")
        self.sampler = sampler  # an EntitySampler: the encoder then runs on each batch's sampled subgraph
        self.complex = model.interaction.entity_factor == 2
        # scoring all N entities costs about N/K times the K sampled ones; cheaper below this size
        self.all_entities_below = 4 * num_negatives if model.interaction.distance_based else 32 * num_negatives
        t = torch.as_tensor(train, dtype=torch.long)
        if training == "slcwa":
            self.items = t
        else:
            nr = model.num_relations
            both = torch.cat([t, torch.stack([t[:, 2], t[:, 1] + nr, t[:, 0]], 1)])
            if training == "1vsall":
                self.items = both
            else:  # group by (h, r): one multi-label row per query
                keys = both[:, 0] * (2 * nr) + both[:, 1]
                uniq, inv = torch.unique(keys, return_inverse=True)
                self.items = torch.stack([uniq // (2 * nr), uniq % (2 * nr)], 1)
                self.targets = torch.zeros(len(uniq), model.num_entities)
                self.targets[inv, both[:, 2]] = 1.0

    @property
    def num_items(self) -> int:
        return len(self.items)

    def epoch(self) -> float:
        perm = torch.randperm(len(self.items), generator=self.gen)
        total, n = 0.0, 0
        for i in range(0, len(perm), self.batch_size):
            idx = perm[i:i + self.batch_size]
            loss = self.step(idx)
            total += float(loss) * len(idx)
            n += len(idx)
        return total / max(n, 1)

    def step(self, idx: torch.Tensor) -> torch.Tensor:
        m = self.model
        self.opt.zero_grad(set_to_none=True)
        if self.sampler is not None:
            return self._finish(self._sampled_loss(self.items[idx]))
        E, R = m.entities(), m.relations()
        b = self.items[idx]
        h, r = E[b[:, 0]], R[b[:, 1]]
        if self.training == "slcwa":
            t = E[b[:, 2]]
            inter = m.interaction
            qt, qh = inter.tail_query(h, r), inter.head_query(r, t)
            pos = inter.sim(qt, t)
            ents, is_head = corrupt(b, self.k, m.num_entities, self.head_prob, self.gen)
            if m.num_entities <= self.all_entities_below:
                # few entities: score every entity once per query and pick the negatives' scores
                s = inter.sim_all(torch.cat([qt, qh]), E)
                n = len(b)
                neg = torch.where(is_head, s[n:].gather(1, ents), s[:n].gather(1, ents))
            else:
                q = torch.where(is_head.unsqueeze(-1), qh.unsqueeze(1), qt.unsqueeze(1))
                neg = inter.sim(q, E[ents])
            loss = slcwa_loss(pos, neg, self.loss, self.margin, self.temperature)
            loss = loss + regularization(self.reg, self.reg_weight, (h, r, t), self.complex)
        else:
            scores = m.interaction.score_tails(h, r, E)
            if self.training == "1vsall":
                t_idx = b[:, 2]
                loss = F.cross_entropy(scores, t_idx, label_smoothing=self.smoothing)
                loss = loss + regularization(self.reg, self.reg_weight, (h, r, E[t_idx]), self.complex)
            else:
                y = self.targets[idx]
                if self.smoothing:
                    y = y * (1 - self.smoothing) + 1.0 / y.shape[1]
                loss = F.binary_cross_entropy_with_logits(scores, y)
                loss = loss + regularization(self.reg, self.reg_weight, (h, r), self.complex)
        return self._finish(loss)

    def _finish(self, loss: torch.Tensor) -> torch.Tensor:
        loss.backward()
        self.opt.step()
        self.model.normalize_()
        return loss.detach()

    def _sampled_loss(self, b: torch.Tensor) -> torch.Tensor:
        """sLCWA loss with the encoder run only on the sampled neighbourhood of the batch's entities."""
        m, inter, n = self.model, self.model.interaction, len(b)
        ents, is_head = corrupt(b, self.k, m.num_entities, self.head_prob, self.gen)
        seeds, inv = torch.unique(torch.cat([b[:, 0], b[:, 2], ents.flatten()]), return_inverse=True)
        Z = m.encode_subgraph(self.sampler.sample(seeds))[inv]
        h, t, e = Z[:n], Z[n:2 * n], Z[2 * n:].view(n, self.k, Z.shape[1])
        r = m.relations()[b[:, 1]]
        qt, qh = inter.tail_query(h, r), inter.head_query(r, t)
        q = torch.where(is_head.unsqueeze(-1), qh.unsqueeze(1), qt.unsqueeze(1))
        loss = slcwa_loss(inter.sim(qt, t), inter.sim(q, e), self.loss, self.margin, self.temperature)
        return loss + regularization(self.reg, self.reg_weight, (h, r, t), self.complex)
