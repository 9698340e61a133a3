"""Kronecker regularised least squares for drug-disease association matrices.

The score matrix is the kernel ridge regression of the known links ``Y`` with the Kronecker
product kernel ``K_drug (x) K_disease``, solved in closed form through the eigendecompositions of
the two kernels (van Laarhoven et al., Bioinformatics 2011):
``F = V_d [ (L / (L + sigma)) * (V_d^T Y V_s) ] V_s^T`` with ``L = outer(lambda_d, lambda_s)``.

Each kernel mixes the given similarity with a Gaussian interaction-profile (GIP) kernel built
from the training links. Before regression, WKNKN (Ezzat et al., 2017) fills unknown pairs with a
decayed, similarity-weighted average of the links of each node's k nearest neighbours, which
helps drugs and diseases with few known links.

Two changes for cold-start drugs (no training link; about one test link in seven under 10-fold
CV on Fdataset, and the worst-ranked group):

* ``informed=True`` averages only the WKNKN sides that carry information. The disease-side
  estimate of a cold drug's row is zero by construction (its neighbour diseases have no link to
  that drug), so plain WKNKN halves the whole row; the drug-side estimate alone is used there.
* ``cold`` multiplies the final scores of cold drugs. Their scores are smoothed neighbour
  averages, never reproduced 1s, so they sit below warm rows on the global scale that AUROC
  compares across drugs; the order within a drug's row does not change.

The defaults (``k=20, eta=0.85, cold=1.5``) were chosen by an inner 5-fold CV inside the training
part of outer fold 0 (``bench/link_drugrepo.py`` also reselects them per fold with an inner CV).
"""

from __future__ import annotations

import numpy as np


def gip_kernel(y: np.ndarray) -> np.ndarray:
    """Gaussian interaction-profile kernel between the rows of ``y`` (bandwidth = 1 / mean squared norm)."""
    sq = (y ** 2).sum(1)
    gamma = 1.0 / max(sq.mean(), 1e-12)
    d2 = np.maximum(sq[:, None] + sq[None] - 2 * y @ y.T, 0)
    return np.exp(-gamma * d2)


def wknkn(y: np.ndarray, drug_sim: np.ndarray, disease_sim: np.ndarray, k: int, eta: float,
          informed: bool = True) -> np.ndarray:
    """Weighted K nearest known neighbours: ``max(Y, mean of the drug-side and disease-side estimates)``.

    With ``informed`` the mean skips a side that cannot carry information: the drug-side estimate
    when the disease has no training link, the disease-side one when the drug has none.
    """

    def side(y, sim):
        s = np.array(sim, dtype=np.float64)
        np.fill_diagonal(s, 0)
        kk = max(1, min(k, s.shape[0] - 1))
        nb = np.argsort(-s, 1, kind="stable")[:, :kk]
        sims = np.take_along_axis(s, nb, 1)
        w = sims * eta ** np.arange(kk)
        return np.einsum("ik,ikj->ij", w, y[nb]) / (sims.sum(1, keepdims=True) + 1e-12)

    by_drugs, by_diseases = side(y, drug_sim), side(y.T, disease_sim).T
    if not informed:
        return np.maximum(y, (by_drugs + by_diseases) / 2)
    use_d = np.broadcast_to((y.sum(0) > 0)[None, :], y.shape).astype(np.float64)
    use_s = np.broadcast_to((y.sum(1) > 0)[:, None], y.shape).astype(np.float64)
    n = use_d + use_s
    est = np.where(n > 0, (by_drugs * use_d + by_diseases * use_s) / np.maximum(n, 1), (by_drugs + by_diseases) / 2)
    return np.maximum(y, est)


def kron_rls(y: np.ndarray, drug_kernel: np.ndarray, disease_kernel: np.ndarray, sigma: float) -> np.ndarray:
    ld, vd = np.linalg.eigh((drug_kernel + drug_kernel.T) / 2)
    ls, vs = np.linalg.eigh((disease_kernel + disease_kernel.T) / 2)
    lam = np.outer(np.clip(ld, 0, None), np.clip(ls, 0, None))
    return vd @ ((lam / (lam + sigma)) * (vd.T @ y @ vs)) @ vs.T


def score_associations(y: np.ndarray, drug_sim: np.ndarray, disease_sim: np.ndarray, *, alpha: float = 0.1,
                       sigma: float = 3.0, k: int = 20, eta: float = 0.85, cold: float = 1.5,
                       informed: bool = True) -> np.ndarray:
    """Scores for every drug-disease pair from the known links ``y`` (drugs x diseases)."""
    from threadpoolctl import threadpool_limits

    from graphguard.utils.threads import get_threads

    with threadpool_limits(limits=get_threads()):  # BLAS must not oversubscribe a shared machine
        return _score(np.asarray(y, dtype=np.float64), drug_sim, disease_sim, alpha, sigma, k, eta, cold, informed)


def _score(y, drug_sim, disease_sim, alpha, sigma, k, eta, cold, informed):
    filled = wknkn(y, drug_sim, disease_sim, k, eta, informed) if k > 0 else y
    kd = alpha * drug_sim + (1 - alpha) * gip_kernel(filled)
    ks = alpha * disease_sim + (1 - alpha) * gip_kernel(filled.T)
    f = kron_rls(filled, kd, ks, sigma)
    f[y.sum(1) == 0] *= cold
    return f
