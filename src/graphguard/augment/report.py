"""Plots of real against synthetic anomalies: feature marginals, degrees, timestamps, a 2-D projection."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphguard.augment.fidelity import degrees
from graphguard.augment.typed import graph_relations, node_store


def draw_report(augmented, path: str | Path, label: int = 1, max_features: int = 8) -> Path:
    """One PNG comparing real training nodes of ``label`` with the synthetic ones."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    _, _, t = graph_relations(augmented)
    s = node_store(augmented, t)
    syn = s.is_synthetic.numpy() if "is_synthetic" in s else np.zeros(int(s.num_nodes), bool)
    real = (~syn) & (s.y.numpy() == label) & (s.train_mask.numpy() if "train_mask" in s else True)
    x = s.x.numpy()
    nf = min(max_features, x.shape[1])
    panels = nf + 3
    cols = 4
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows))
    axes = np.atleast_1d(axes).ravel()
    for j in range(nf):
        ax = axes[j]
        bins = np.histogram_bin_edges(np.concatenate([x[real, j], x[syn, j]]), 30)
        ax.hist(x[real, j], bins, alpha=0.5, density=True, label="real")
        ax.hist(x[syn, j], bins, alpha=0.5, density=True, label="synthetic")
        ax.set_title(f"feature {j}")
    axes[0].legend()
    # in-degree: an inbound-merged synthetic node has edges into it only, so its total degree would read ~0
    deg = np.log1p(degrees(augmented, incoming=True))
    ax = axes[nf]
    bins = np.histogram_bin_edges(np.concatenate([deg[real], deg[syn]]), 30)
    ax.hist(deg[real], bins, alpha=0.5, density=True, label="real")
    ax.hist(deg[syn], bins, alpha=0.5, density=True, label="synthetic")
    ax.set_title("log(1 + in-degree)")
    ax = axes[nf + 1]
    if "node_time" in s:
        nt = s.node_time.double().numpy()
        bins = np.histogram_bin_edges(np.concatenate([nt[real], nt[syn]]), 30)
        ax.hist(nt[real], bins, alpha=0.5, density=True, label="real")
        ax.hist(nt[syn], bins, alpha=0.5, density=True, label="synthetic")
        ax.set_title("node time")
    else:
        ax.set_title("node time (none in this graph)")
    ax = axes[nf + 2]
    both = np.concatenate([x[real], x[syn]])
    sd = both.std(0)
    both = (both - both.mean(0)) / np.where(sd > 0, sd, 1)
    if both.shape[1] >= 2 and len(both) >= 2:
        p = PCA(2, random_state=0).fit_transform(both)
        nr = int(real.sum())
        ax.scatter(p[:nr, 0], p[:nr, 1], s=3, alpha=0.4, label="real")
        ax.scatter(p[nr:, 0], p[nr:, 1], s=3, alpha=0.4, label="synthetic")
    ax.set_title("PCA of features")
    for ax in axes[panels:]:
        ax.axis("off")
    fig.suptitle(f"real vs synthetic nodes of class {label}: {int(real.sum())} real, {int(syn.sum())} synthetic")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def synthetic_count(g) -> int:
    _, _, t = graph_relations(g)
    s = node_store(g, t)
    return int(s.is_synthetic.sum()) if "is_synthetic" in s else 0


__all__ = ["draw_report", "synthetic_count"]
