"""Feature standardisation applied where features are read, so a memory-mapped matrix is never copied.

A graph store's features are a file map that every DDP rank shares through the page cache.
Standardising them up front would give each rank a private ``N x F`` copy, so a GNN view keeps the
raw ``x`` (plus the small per-rank ``x_extra`` columns, e.g. log-degrees of other relations) and
carries a :class:`Standardizer` as ``x_scaler``. The training loop standardises each sampled batch
(:func:`scaled`), and layer-wise inference each chunk of rows (:func:`features`). A full-batch pass
standardises the whole graph once, as before.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Standardizer:
    """``(x - mean) / std`` per column, on ``x`` joined with its extra columns."""

    mean: Tensor
    std: Tensor

    def __call__(self, x: Tensor, extra: Tensor | None = None) -> Tensor:
        return (_join(x, extra).float() - self.mean) / self.std

    @classmethod
    def fit(cls, x: Tensor, extra: Tensor | None = None, chunk: int = 1 << 16) -> "Standardizer":
        """Column mean and (biased) std, read in row chunks so a mapped ``x`` is not copied whole."""
        n = x.shape[0]
        width = x.shape[1] + (0 if extra is None else extra.shape[1])
        total = torch.zeros(width, dtype=torch.float64)
        square = torch.zeros(width, dtype=torch.float64)
        for a in range(0, n, chunk):
            rows = _join(x[a:a + chunk], None if extra is None else extra[a:a + chunk]).double()
            total += rows.sum(0)
            square += (rows * rows).sum(0)
        mean = total / max(n, 1)
        var = (square / max(n, 1) - mean * mean).clamp(min=0)
        return cls(mean.float(), var.sqrt().float().clamp(min=1e-6))


def _join(x: Tensor, extra: Tensor | None) -> Tensor:
    return x if extra is None else torch.cat([x.float(), extra.float()], 1)


def features(data, rows: slice | Tensor | None = None) -> Tensor:
    """The standardised features of ``data`` (of ``rows`` only, when given)."""
    x, extra, scaler = data.x, data.get("x_extra"), data.get("x_scaler")
    if rows is not None:
        x = x[rows]
        extra = None if extra is None else extra[rows]
    if scaler is None:
        return _join(x, extra)
    return scaler(x, extra)


def scaled(data):
    """``data`` with its features standardised (a shallow copy); unchanged if it has no ``x_scaler``."""
    if data.get("x_scaler") is None:
        return data
    out = copy.copy(data)
    out.x = features(data)
    del out.x_scaler
    if "x_extra" in out:
        del out.x_extra
    return out
