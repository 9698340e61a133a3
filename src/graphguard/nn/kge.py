"""Knowledge-graph embedding modules: a model is entity/relation representations plus an interaction.

As in PyKEEN, the *interaction* is a stateless-ish scoring function ``f(h, r, t)`` over
representation tensors and the *model* owns the representations (a lookup table, or a GNN encoder
from ``graphguard.nn.rgcn_encoder``). Every interaction scores

* ``score(h, r, t)`` elementwise with broadcasting (used for sampled negatives);
* ``score_tails(h, r, E)`` and ``score_heads(E, r, t)`` against all entities at once (1-N scoring
  and ranking evaluation), with closed forms where they exist.

Higher scores mean more plausible triples. Names resolve through ``INTERACTIONS``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from graphguard.errors import ConfigError


class Interaction(nn.Module):
    """Base class: a score ``f(h, r, t) = sim(query(h, r), t)``.

    Each interaction builds a *tail query* from ``(h, r)`` and a *head query* from ``(r, t)`` so
    that the score of any candidate entity ``e`` is ``sim(query, e)``. Scoring against all
    entities is then one ``sim_all`` call (a matrix product or ``cdist``), and sampled negatives
    reuse the same kernels. ``entity_width``/``relation_width`` give the embedding widths for a
    model size ``dim``.
    """

    name = "base"
    entity_factor = 1
    relation_factor = 1
    distance_based = False

    def entity_width(self, dim: int) -> int:
        return dim * self.entity_factor

    def relation_width(self, dim: int) -> int:
        return dim * self.relation_factor

    def init_(self, ent: torch.Tensor, rel: torch.Tensor) -> None:
        nn.init.xavier_uniform_(ent)
        nn.init.xavier_uniform_(rel)

    def tail_query(self, h, r):  # pragma: no cover - abstract
        raise NotImplementedError

    def head_query(self, r, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def sim(self, q, e):
        """Elementwise similarity with broadcasting (dot product by default)."""
        return (q * e).sum(-1)

    def sim_all(self, q, ents):
        """Similarity of each query ``[B, w]`` with every entity ``[N, w]``: ``[B, N]``."""
        return q @ ents.t()

    def score(self, h, r, t):
        return self.sim(self.tail_query(h, r), t)

    def score_tails(self, h, r, ents):
        return self.sim_all(self.tail_query(h, r), ents)

    def score_heads(self, ents, r, t):
        return self.sim_all(self.head_query(r, t), ents)


class _Distance(Interaction):
    """Negative ``p``-norm distance between query and entity."""

    distance_based = True
    p = 1

    def sim(self, q, e):
        return -torch.linalg.vector_norm(q - e, ord=self.p, dim=-1)

    def sim_all(self, q, ents):
        return -torch.cdist(q, ents, p=self.p)


class TransE(_Distance):
    """``-||h + r - t||_p`` (Bordes et al., 2013); entities are kept on the unit sphere."""

    name = "transe"

    def __init__(self, p: int = 1):
        super().__init__()
        self.p = p

    def init_(self, ent, rel):
        bound = 6 / math.sqrt(ent.shape[1])
        nn.init.uniform_(ent, -bound, bound)
        nn.init.uniform_(rel, -bound, bound)
        with torch.no_grad():
            rel.copy_(F.normalize(rel, p=2, dim=-1))
            ent.copy_(F.normalize(ent, p=2, dim=-1))

    def tail_query(self, h, r):
        return h + r

    def head_query(self, r, t):
        return t - r


class DistMult(Interaction):
    """``<h, r, t>`` (Yang et al., 2015)."""

    name = "distmult"

    def tail_query(self, h, r):
        return h * r

    def head_query(self, r, t):
        return r * t


def _halves(x):
    d = x.shape[-1] // 2
    return x[..., :d], x[..., d:]


class ComplEx(Interaction):
    """``Re(<h, r, conj(t)>)`` with complex embeddings stored as ``[real | imag]`` (Trouillon et al., 2016)."""

    name = "complex"
    entity_factor = 2
    relation_factor = 2

    def init_(self, ent, rel):
        nn.init.normal_(ent, std=1.0 / math.sqrt(ent.shape[1]))
        nn.init.normal_(rel, std=1.0 / math.sqrt(rel.shape[1]))

    def tail_query(self, h, r):  # h * r
        hr_, hi = _halves(h)
        rr, ri = _halves(r)
        return torch.cat([hr_ * rr - hi * ri, hr_ * ri + hi * rr], -1)

    def head_query(self, r, t):  # conj(r) * t, since Re<h, r, conj t> = Re<h, conj(conj(r) t)>
        rr, ri = _halves(r)
        tr, ti = _halves(t)
        return torch.cat([rr * tr + ri * ti, rr * ti - ri * tr], -1)


class RotatE(_Distance):
    """``-|| h * exp(i theta) - t ||``: relations rotate complex entities (Sun et al., 2019).

    Relations are stored as phases (``dim`` numbers), entities as ``[real | imag]``. ``p=2`` is the
    Euclidean norm of the complex difference (PyKEEN's definition, and a ``cdist``); ``p=1`` is
    the paper's sum of moduli. The rotation keeps moduli, so head queries rotate ``t`` by ``-theta``.
    """

    name = "rotate"
    entity_factor = 2
    relation_factor = 1

    def __init__(self, p: int = 2):
        super().__init__()
        self.p = p

    def init_(self, ent, rel):
        nn.init.xavier_uniform_(ent)
        nn.init.uniform_(rel, -math.pi, math.pi)

    @staticmethod
    def _rotate(x, phase):
        xr, xi = _halves(x)
        c, s = torch.cos(phase), torch.sin(phase)
        return torch.cat([xr * c - xi * s, xr * s + xi * c], -1)

    def tail_query(self, h, r):
        return self._rotate(h, r)

    def head_query(self, r, t):
        return self._rotate(t, -r)

    def sim(self, q, e):
        if self.p == 2:
            return -torch.linalg.vector_norm(q - e, ord=2, dim=-1)
        qr, qi = _halves(q)
        er, ei = _halves(e)
        return -torch.sqrt((qr - er) ** 2 + (qi - ei) ** 2 + 1e-12).sum(-1)

    def sim_all(self, q, ents, chunk: int = 64):
        if self.p == 2:
            return -torch.cdist(q, ents, p=2)
        out = [self.sim(q[i:i + chunk].unsqueeze(1), ents.unsqueeze(0)) for i in range(0, q.shape[0], chunk)]
        return torch.cat(out, 0) if out else q.new_zeros((0, ents.shape[0]))


class TuckER(Interaction):
    """``h x_1 W x_2 r x_3 t`` with a learned core tensor (Balazevic et al., 2019); 1-N training only."""

    name = "tucker"

    def __init__(self, dim: int, relation_dim: int | None = None, dropout: float = 0.2):
        super().__init__()
        self.dr = relation_dim or dim
        self.core = nn.Parameter(torch.empty(self.dr, dim, dim).uniform_(-1, 1))
        self.drop = nn.Dropout(dropout)
        self.bn0 = nn.BatchNorm1d(dim)
        self.bn1 = nn.BatchNorm1d(dim)

    def relation_width(self, dim: int) -> int:
        return self.dr

    def init_(self, ent, rel):
        nn.init.xavier_normal_(ent)
        nn.init.xavier_normal_(rel)

    def tail_query(self, h, r):
        lead = torch.broadcast_shapes(h.shape[:-1], r.shape[:-1])
        h2 = self.bn0(h.expand(*lead, h.shape[-1]).reshape(-1, h.shape[-1]))
        r2 = r.expand(*lead, r.shape[-1]).reshape(-1, r.shape[-1])
        w = (r2 @ self.core.view(self.dr, -1)).view(-1, h2.shape[1], h2.shape[1])
        q = torch.bmm(self.drop(h2).unsqueeze(1), w).squeeze(1)
        return self.drop(self.bn1(q)).view(*lead, -1)

    def head_query(self, r, t):
        raise ConfigError("tucker scores heads only through reciprocal relations; train with training='lcwa' or '1vsall'")


INTERACTIONS: dict[str, type[Interaction]] = {
    "transe": TransE,
    "distmult": DistMult,
    "complex": ComplEx,
    "rotate": RotatE,
    "tucker": TuckER,
}


def make_interaction(name: str, dim: int, **kwargs) -> Interaction:
    """Build an interaction by name (case-insensitive)."""
    key = str(name).lower()
    if key not in INTERACTIONS:
        raise ConfigError(f"unknown model '{name}' (known: {', '.join(INTERACTIONS)})")
    cls = INTERACTIONS[key]
    if cls is TuckER:
        return cls(dim, **kwargs)
    if cls in (TransE, RotatE):
        return cls(**{k: v for k, v in kwargs.items() if k == "p"})
    return cls()


class KGEModel(nn.Module):
    """Entity and relation representations plus an interaction.

    ``encoder`` (optional) maps the entity table (or node features) to final entity
    representations, e.g. an R-GCN over the training graph; the scorer is unchanged. With
    ``inverse=True`` each relation ``r`` gets a reciprocal ``r + R`` and head prediction is tail
    prediction on the reciprocal (the 1-N training setup of ConvE and ComplEx-N3).
    """

    def __init__(self, num_entities: int, num_relations: int, interaction: Interaction, dim: int, *,
                 inverse: bool = False, encoder: nn.Module | None = None, features: torch.Tensor | None = None):
        super().__init__()
        self.num_entities = num_entities
        self.num_relations = num_relations
        self.inverse = inverse
        self.interaction = interaction
        self.dim = dim
        ew, rw = interaction.entity_width(dim), interaction.relation_width(dim)
        self.encoder = encoder
        if features is not None:
            self.register_buffer("features", features.float())
            self.entity = None
        else:
            self.features = None
            self.entity = nn.Embedding(num_entities, ew if encoder is None else encoder.in_channels)
        self.relation = nn.Embedding(num_relations * (2 if inverse else 1), rw)
        self.sparse_entity_grad = False  # set by the estimator for sampled training with sparse_entities
        interaction.init_(self.entity.weight.data if self.entity is not None else torch.empty(1, ew), self.relation.weight.data)

    def entities(self) -> torch.Tensor:
        """All entity representations ``[N, width]``."""
        base = self.features if self.entity is None else self.entity.weight
        if self.encoder is None:
            return base
        chunk = getattr(self.encoder, "layerwise_chunk", None)
        if chunk and not torch.is_grad_enabled():  # ranking on a sampled-scale graph: bounded memory
            return self.encoder.layerwise(base, chunk)
        return self.encoder(base)

    def encode_subgraph(self, sub) -> torch.Tensor:
        """Encoder output for the seeds of a sampled subgraph (``graphguard.tasks.link.neighbourhood``)."""
        if self.entity is None:
            base = self.features[sub.nodes]
        else:  # a sparse gradient touches only the sampled rows (``sparse_entities``: SparseAdam updates them)
            base = F.embedding(sub.nodes, self.entity.weight, sparse=self.sparse_entity_grad)
        return self.encoder.forward_sampled(base, sub.edge_index, sub.edge_type, sub.num_sampled_nodes,
                                            sub.num_sampled_edges)

    def relations(self) -> torch.Tensor:
        return self.relation.weight

    def score_hrt(self, hrt: torch.Tensor, E=None) -> torch.Tensor:
        E = self.entities() if E is None else E
        R = self.relations()
        return self.interaction.score(E[hrt[:, 0]], R[hrt[:, 1]], E[hrt[:, 2]])

    def score_t(self, h: torch.Tensor, r: torch.Tensor, E=None) -> torch.Tensor:
        """Scores of ``(h, r, e)`` for every entity ``e``: ``[B, N]``."""
        E = self.entities() if E is None else E
        return self.interaction.score_tails(E[h], self.relations()[r], E)

    def score_h(self, r: torch.Tensor, t: torch.Tensor, E=None) -> torch.Tensor:
        """Scores of ``(e, r, t)`` for every entity ``e``: ``[B, N]``."""
        E = self.entities() if E is None else E
        if self.inverse:
            return self.interaction.score_tails(E[t], self.relations()[r + self.num_relations], E)
        return self.interaction.score_heads(E, self.relations()[r], E[t])

    def normalize_(self) -> None:
        """Projection after each step: TransE keeps entities on the unit sphere (as its paper does)."""
        if isinstance(self.interaction, TransE) and self.entity is not None and self.encoder is None:
            with torch.no_grad():
                self.entity.weight.copy_(F.normalize(self.entity.weight, p=2, dim=-1))
