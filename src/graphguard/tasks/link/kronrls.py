"""Kronecker regularised least squares for drug-disease association matrices.

The score matrix is the kernel ridge regression of the known links ``Y`` with the Kronecker
product kernel ``K_drug (x) K_disease``, solved in closed form through the eigendecompositions of
the two kernels (van Laarhoven et al., Bioinformatics 2011):
``F = V_d [ (L / (L + sigma)) * (V_d^T Y V_s) ] V_s^T`` with ``L = outer(lambda_d, lambda_s)``.

Each kernel mixes the given similarity with a Gaussian interaction-profile (GIP) kernel built
from the training links. Before regression, WKNKN (Ezzat et al., 2017) fills unknown pairs with a
decayed, similarity-weighted average of the links of each node's k nearest neighbours, which
helps drugs and diseases with few known links.
"""

from __future__ import annotations

import numpy as np


def gip_kernel(y: np.ndarray) -> np.ndarray:
    """Gaussian interaction-profile kernel between the rows of ``y`` (bandwidth = 1 / mean squared norm)."""
    sq = (y ** 2).sum(1)
    gamma = 1.0 / max(sq.mean(), 1e-12)
    d2 = np.maximum(sq[:, None] + sq[None] - 2 * y @ y.T, 0)
    return np.exp(-gamma * d2)


def wknkn(y: np.ndarray, drug_sim: np.ndarray, disease_sim: np.ndarray, k: int, eta: float) -> np.ndarray:
    """Weighted K nearest known neighbours: ``max(Y, mean of the drug-side and disease-side estimates)``."""

    def side(y, sim):
        s = np.array(sim, dtype=np.float64)
        np.fill_diagonal(s, 0)
        kk = max(1, min(k, s.shape[0] - 1))
        nb = np.argsort(-s, 1, kind="stable")[:, :kk]
        sims = np.take_along_axis(s, nb, 1)
        w = sims * eta ** np.arange(kk)
        return np.einsum("ik,ikj->ij", w, y[nb]) / (sims.sum(1, keepdims=True) + 1e-12)

    return np.maximum(y, (side(y, drug_sim) + side(y.T, disease_sim).T) / 2)


def kron_rls(y: np.ndarray, drug_kernel: np.ndarray, disease_kernel: np.ndarray, sigma: float) -> np.ndarray:
    ld, vd = np.linalg.eigh((drug_kernel + drug_kernel.T) / 2)
    ls, vs = np.linalg.eigh((disease_kernel + disease_kernel.T) / 2)
    lam = np.outer(np.clip(ld, 0, None), np.clip(ls, 0, None))
    return vd @ ((lam / (lam + sigma)) * (vd.T @ y @ vs)) @ vs.T


def score_associations(y: np.ndarray, drug_sim: np.ndarray, disease_sim: np.ndarray, *, alpha: float = 0.1,
                       sigma: float = 3.0, k: int = 10, eta: float = 0.7) -> np.ndarray:
    """Scores for every drug-disease pair from the known links ``y`` (drugs x diseases)."""
    from threadpoolctl import threadpool_limits

    from graphguard.utils.threads import get_threads

    with threadpool_limits(limits=get_threads()):  # BLAS must not oversubscribe a shared machine
        return _score(np.asarray(y, dtype=np.float64), drug_sim, disease_sim, alpha, sigma, k, eta)


def _score(y, drug_sim, disease_sim, alpha, sigma, k, eta):
    filled = wknkn(y, drug_sim, disease_sim, k, eta) if k > 0 else y
    kd = alpha * drug_sim + (1 - alpha) * gip_kernel(filled)
    ks = alpha * disease_sim + (1 - alpha) * gip_kernel(filled.T)
    return kron_rls(filled, kd, ks, sigma)
