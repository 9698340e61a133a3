"""Nearest-neighbour search over graph embeddings: ``GraphIndex(vectors).nearest(query, k)``.

Brute-force cosine (or Euclidean) search with numpy: exact and fast enough for the tens of
thousands of graphs a single machine handles; the query may be a vector, a batch of vectors, or
graphs when the index knows the encoder that made it.
"""

from __future__ import annotations

import numpy as np

from graphguard.errors import ConfigError, DataError


class GraphIndex:
    def __init__(self, vectors, ids=None, metric: str = "cosine", encoder=None):
        if metric not in ("cosine", "euclidean"):
            raise ConfigError(f"unknown metric '{metric}' (choose cosine or euclidean)")
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim != 2 or not len(v):
            raise DataError("<index>", f"need a non-empty [n, d] matrix of vectors, got shape {v.shape}")
        self.metric, self.encoder = metric, encoder
        self.ids = list(ids) if ids is not None else list(range(len(v)))
        if len(self.ids) != len(v):
            raise DataError("<index>", f"{len(self.ids)} ids for {len(v)} vectors")
        self.vectors = self._norm(v) if metric == "cosine" else v

    @staticmethod
    def _norm(v):
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def _as_vectors(self, query) -> np.ndarray:
        if isinstance(query, np.ndarray) or (isinstance(query, list) and query and isinstance(query[0], (float, int, list, np.ndarray))):
            q = np.atleast_2d(np.asarray(query, dtype=np.float32))
        else:
            if self.encoder is None:
                raise ConfigError("this index has no encoder; pass query vectors instead of graphs")
            q = self.encoder.embed(query)
        if q.shape[1] != self.vectors.shape[1]:
            raise DataError("<query>", f"query has dimension {q.shape[1]}, the index {self.vectors.shape[1]}")
        return q

    def nearest(self, query, k: int = 5) -> list[list[tuple[object, float]]] | list[tuple[object, float]]:
        """The ``k`` most similar items as (id, score) pairs (higher = closer); one list per query."""
        q = self._as_vectors(query)
        if self.metric == "cosine":
            scores = self._norm(q) @ self.vectors.T
        else:
            scores = -np.sqrt(((q[:, None, :] - self.vectors[None]) ** 2).sum(-1))
        k = min(k, len(self.ids))
        out = []
        for row in scores:
            top = np.argsort(-row, kind="stable")[:k]
            out.append([(self.ids[i], float(row[i])) for i in top])
        single = q.shape[0] == 1 and not isinstance(query, list)
        return out[0] if single else out
