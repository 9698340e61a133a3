"""The report's figures, each drawn with matplotlib (Agg) and returned as a base64 PNG data URI.

Every function takes plain arrays, so the same figures serve node, link and graph tasks and can be
tested without a run directory.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from graphguard.metrics import highest_first  # noqa: E402

FRAUD = "#d62728"
NORMAL = "#1f77b4"
UNKNOWN = "#9a9a9a"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fig(w: float = 4.6, h: float = 3.6):
    fig, ax = plt.subplots(figsize=(w, h))
    ax.grid(alpha=0.3)
    return fig, ax


def roc(y: np.ndarray, s: np.ndarray) -> str:
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(y, s)
    fig, ax = _fig()
    ax.plot(fpr, tpr, color=FRAUD, lw=2, label=f"AUROC = {roc_auc_score(y, s):.3f}")
    ax.plot([0, 1], [0, 1], "--", color=UNKNOWN, lw=1, label="random")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve", xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    return _png(fig)


def pr(y: np.ndarray, s: np.ndarray) -> str:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    prec, rec, _ = precision_recall_curve(y, s)
    fig, ax = _fig()
    ax.step(rec, prec, where="post", color=FRAUD, lw=2, label=f"AUPRC = {average_precision_score(y, s):.3f}")
    ax.axhline(y.mean(), ls="--", color=UNKNOWN, lw=1, label=f"base rate = {y.mean():.3f}")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall curve", xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="upper right")
    return _png(fig)


def recall_at_k(y: np.ndarray, s: np.ndarray) -> str:
    found = np.cumsum(y[highest_first(s)]) / max(1, y.sum())  # so K = #fraud reads as metrics.recall_at_k
    k = np.arange(1, y.size + 1)
    n_pos = int(y.sum())
    fig, ax = _fig()
    ax.plot(k, found, color=FRAUD, lw=2, label="model")
    ax.plot(k, np.minimum(k / max(1, n_pos), 1.0), ":", color="k", lw=1, label="perfect ranking")
    ax.plot(k, k / y.size, "--", color=UNKNOWN, lw=1, label="random")
    if n_pos:
        ax.axvline(n_pos, color=NORMAL, lw=1, alpha=0.6)
        ax.annotate(f"K = #fraud = {n_pos}: recall {found[n_pos - 1]:.2f}", (n_pos, found[n_pos - 1]),
                    xytext=(8, -16), textcoords="offset points", fontsize=8)
    ax.set(xlabel="K (nodes reviewed, highest scores first)", ylabel="share of fraud found", title="Recall@K",
           ylim=(0, 1.02))
    ax.set_xscale("log")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def score_histograms(y: np.ndarray, s: np.ndarray, threshold: float | None) -> str:
    fig, ax = _fig()
    bins = np.linspace(float(s.min()), float(s.max()) + 1e-12, 40)
    ax.hist(s[y == 0], bins=bins, color=NORMAL, alpha=0.6, label=f"normal ({int((y == 0).sum())})")
    ax.hist(s[y == 1], bins=bins, color=FRAUD, alpha=0.6, label=f"fraud ({int((y == 1).sum())})")
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:.3g}")
    ax.set_yscale("log")
    ax.set(xlabel="score", ylabel="nodes (log scale)", title="Scores by class")
    ax.legend(fontsize=8)
    return _png(fig)


def calibration(y: np.ndarray, s: np.ndarray) -> str:
    from sklearn.calibration import calibration_curve

    p = np.clip(s, 0.0, 1.0)
    frac, mean = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.histogram(p, bins=np.linspace(0, 1, 11))[0]
    counts = counts[counts > 0]
    fig, ax = _fig()
    ax.plot([0, 1], [0, 1], "--", color=UNKNOWN, lw=1, label="perfectly calibrated")
    ax.plot(mean, frac, "-", color=FRAUD, lw=1.5)
    ax.scatter(mean, frac, s=12 + 60 * np.sqrt(counts / counts.max()), color=FRAUD, zorder=3,
               label="model (10 score bins; dot size = nodes)")
    ax.set(xlabel="mean score in bin", ylabel="share of fraud in bin", title="Calibration", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def confusion(y: np.ndarray, pred: np.ndarray, labels=("normal", "fraud"), title: str = "Confusion matrix") -> str:
    k = len(labels)
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y.astype(int), pred.astype(int)), 1)
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.imshow(m, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{m[i, j]:,}", ha="center", va="center", fontsize=13,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xticks(range(k), [f"predicted\n{lab}" for lab in labels])
    ax.set_yticks(range(k), [f"actual\n{lab}" for lab in labels])
    ax.set_title(title)
    return _png(fig)


def rank_distribution(ranks: np.ndarray) -> str:
    ranks = np.asarray(ranks, dtype=float)
    fig, ax = _fig()
    top = max(10.0, float(ranks.max()))
    bins = np.unique(np.logspace(0, np.log10(top + 1), 30).astype(int))
    ax.hist(ranks, bins=bins, color=NORMAL, alpha=0.8)
    for k, c in ((1, FRAUD), (10, "k")):
        ax.axvline(k + 0.5, ls="--", lw=1, color=c, label=f"Hits@{k} = {(ranks <= k).mean():.3f}")
    ax.set_xscale("log")
    ax.set(xlabel="rank of the true answer (log scale)", ylabel="test triples",
           title=f"Rank distribution (MRR = {(1.0 / ranks).mean():.3f})")
    ax.legend(fontsize=8)
    return _png(fig)


def ego_network(center: int, edge_index: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                names: np.ndarray, max_neighbours: int = 25) -> str:
    """The 1-hop neighbourhood of ``center`` (highest-scored neighbours first), coloured by score."""
    import networkx as nx

    src, dst = edge_index
    nbrs = np.unique(dst[src == center])
    nbrs = nbrs[nbrs != center]
    shown = nbrs[np.argsort(-scores[nbrs], kind="stable")[:max_neighbours]]
    nodes = np.concatenate([[center], shown]).astype(int)
    keep = np.isin(src, nodes) & np.isin(dst, nodes) & (src < dst)
    g = nx.Graph()
    g.add_nodes_from(nodes.tolist())
    g.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist()))
    pos = nx.spring_layout(g, seed=0, k=1.2 / np.sqrt(max(len(nodes), 1)))
    fig, ax = plt.subplots(figsize=(4.4, 4.0))
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.35, width=0.8)
    cmap = plt.get_cmap("RdYlBu_r")
    colors = [cmap(float(np.clip(scores[n], 0, 1))) for n in nodes]
    sizes = [420 if n == center else 160 for n in nodes]
    edgecolors = [FRAUD if labels[n] == 1 else ("#333333" if labels[n] == 0 else UNKNOWN) for n in nodes]
    nx.draw_networkx_nodes(g, pos, nodelist=nodes.tolist(), node_color=colors, node_size=sizes,
                           edgecolors=edgecolors, linewidths=[2.5 if labels[n] == 1 else 1.0 for n in nodes], ax=ax)
    nx.draw_networkx_labels(g, pos, labels={center: str(names[center])}, font_size=8, ax=ax)
    extra = f" (showing {shown.size} of {nbrs.size})" if nbrs.size > shown.size else ""
    ax.set_title(f"{names[center]}: {nbrs.size} neighbours{extra}", fontsize=10)
    ax.axis("off")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.02, label="score")
    return _png(fig)


def hits_at_k(ranks: np.ndarray, max_k: int | None = None) -> str:
    """Share of test queries whose true answer ranks within K, for every K."""
    ranks = np.asarray(ranks, dtype=float)
    top = int(max_k or max(10, min(int(np.ceil(ranks.max())), 1000)))
    k = np.arange(1, top + 1)
    hits = (ranks[None, :] <= k[:, None]).mean(1)
    fig, ax = _fig()
    ax.plot(k, hits, color=FRAUD, lw=2, label="model")
    for kk in (1, 3, 10):
        if kk <= top:
            ax.annotate(f"Hits@{kk} = {hits[kk - 1]:.3f}", (kk, hits[kk - 1]), xytext=(6, -12),
                        textcoords="offset points", fontsize=8)
    ax.set_xscale("log")
    ax.set(xlabel="K", ylabel="share of test queries with rank <= K", title="Hits@K", ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def predicted_vs_true(y: np.ndarray, p: np.ndarray, label: str = "value") -> str:
    fig, ax = _fig(4.6, 4.2)
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    ax.scatter(y, p, s=10, alpha=0.5, color=NORMAL, edgecolors="none")
    ax.plot([lo, hi], [lo, hi], "--", color=UNKNOWN, lw=1, label="perfect prediction")
    ax.set(xlabel=f"true {label}", ylabel=f"predicted {label}", title="Predicted against true")
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def residuals(y: np.ndarray, p: np.ndarray) -> str:
    r = np.asarray(p, dtype=float) - np.asarray(y, dtype=float)
    fig, ax = _fig()
    ax.hist(r, bins=40, color=NORMAL, alpha=0.8)
    ax.axvline(0, color="k", ls="--", lw=1)
    ax.set(xlabel="residual (predicted - true)", ylabel="nodes",
           title=f"Residuals (mean {r.mean():.3g}, sd {r.std():.3g})")
    return _png(fig)
