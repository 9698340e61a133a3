"""Small generated graphs with planted fraud, for tests, the demo fallback and ablations.

Fraud is planted the way it shows up in practice: fraudsters form dense rings, carry a shifted
feature signal, and add camouflage edges to benign nodes. The benign background has communities
and a skewed degree distribution. Everything is deterministic for a seed.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphguard.data.graph import make_graph
from graphguard.data.splits import stratified_split


def make_fraud_graph(
    num_nodes: int = 2000,
    avg_degree: float = 8.0,
    fraud_ratio: float = 0.05,
    num_features: int = 16,
    ring_size: int = 10,
    signal: float = 0.6,
    camouflage: float = 0.3,
    num_communities: int = 8,
    timestamps: bool = True,
    seed: int = 0,
):
    """A homogeneous graph with planted fraud rings; masks are a stratified 40/20/40 split."""
    rng = np.random.default_rng(seed)
    n = int(num_nodes)
    n_fraud = max(2, int(round(fraud_ratio * n)))
    y = np.zeros(n, dtype=np.int64)
    fraud = rng.choice(n, n_fraud, replace=False)
    y[fraud] = 1
    community = rng.integers(0, num_communities, n)
    # background edges: within-community with a skewed (power-law-ish) activity per node
    activity = rng.pareto(2.5, n) + 1.0
    activity /= activity.sum()
    n_bg = int(avg_degree * n / 2)
    src = rng.choice(n, n_bg, p=activity)
    same = rng.random(n_bg) < 0.8
    dst = rng.choice(n, n_bg, p=activity)
    # rewire "same community" edges to a random member of the source's community
    order = np.argsort(community, kind="stable")
    starts = np.searchsorted(community[order], np.arange(num_communities))
    sizes = np.bincount(community, minlength=num_communities)
    c = community[src[same]]
    dst[same] = order[starts[c] + (rng.random(same.sum()) * sizes[c]).astype(np.int64)]
    edges = [np.stack([src, dst])]
    # fraud rings: dense groups of fraudsters
    perm = rng.permutation(fraud)
    for start in range(0, n_fraud, ring_size):
        ring = perm[start : start + ring_size]
        if ring.size < 2:
            continue
        a, b = np.triu_indices(ring.size, 1)
        keep = rng.random(a.size) < 0.5
        edges.append(np.stack([ring[a[keep]], ring[b[keep]]]))
    # camouflage: fraudsters link to random benign nodes
    n_cam = int(camouflage * avg_degree * n_fraud)
    edges.append(np.stack([rng.choice(fraud, n_cam), rng.choice(np.flatnonzero(y == 0), n_cam)]))
    ei = np.concatenate(edges, 1)
    ei = ei[:, ei[0] != ei[1]]
    ei = np.unique(np.sort(ei, 0), axis=1)
    x = rng.normal(0, 1, (n, num_features)).astype(np.float32)
    x[:, : num_features // 2] += signal * y[:, None]
    x[:, -2:] += np.eye(num_communities)[community][:, :2] * 0.5
    node_time = edge_time = None
    if timestamps:
        node_time = np.where(y == 1, rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 1.0, n)) * 1e6
        edge_time = np.maximum(node_time[ei[0]], node_time[ei[1]]) + rng.uniform(0, 1e4, ei.shape[1])
    tr, va, te = stratified_split(y, (0.4, 0.2, 0.4), seed)
    return make_graph(x, ei, y, undirected=True, train_mask=tr, val_mask=va, test_mask=te,
                      node_time=node_time, edge_time=edge_time,
                      node_id=[f"n{i}" for i in range(n)])


def make_hetero_fraud_graph(num_nodes: int = 2000, num_users: int = 400, seed: int = 0, **kw) -> HeteroData:
    """Reviews (labelled) written by users, with two review-review relations and timestamps.

    ``same_ring`` carries the planted fraud rings and background edges; ``same_user`` links reviews of
    one user; ``writes`` joins users to their reviews.
    """
    g = make_fraud_graph(num_nodes, seed=seed, **kw)
    rng = np.random.default_rng(seed + 1)
    h = HeteroData()
    h["review"].x = g.x
    h["review"].y = g.y
    for m in ("train_mask", "val_mask", "test_mask"):
        h["review"][m] = g[m]
    h["review"].node_id = g.node_id
    if "node_time" in g:
        h["review"].node_time = g.node_time
    h["review", "related", "review"].edge_index = g.edge_index
    if "edge_time" in g:
        h["review", "related", "review"].edge_time = g.edge_time
    user = rng.integers(0, num_users, g.num_nodes)
    fraud_users = rng.choice(num_users, max(1, num_users // 20), replace=False)
    fr = g.y.numpy() == 1
    user[fr] = rng.choice(fraud_users, fr.sum())
    order = np.argsort(user, kind="stable")
    u_sorted = user[order]
    same = u_sorted[1:] == u_sorted[:-1]
    a, b = order[1:][same], order[:-1][same]
    uu = torch.as_tensor(np.stack([np.concatenate([a, b]), np.concatenate([b, a])]), dtype=torch.long)
    h["review", "same_user", "review"].edge_index = uu
    h["user"].x = torch.as_tensor(rng.normal(0, 1, (num_users, 4)), dtype=torch.float32)
    h["user"].node_id = np.asarray([f"u{i}" for i in range(num_users)])
    w = torch.as_tensor(np.stack([user, np.arange(g.num_nodes)]), dtype=torch.long)
    h["user", "writes", "review"].edge_index = w
    h["review", "written_by", "user"].edge_index = w.flip(0)
    h.target_node_type = "review"
    return h


LOGP_END_GROUPS = ["", "O", "N", "Cl", "F", "Br", "c1ccccc1", "C(=O)O", "C#N", "OC", "S", "C(C)C"]


def make_logp_molecules(n: int = 160, seed: int = 0) -> list[tuple[str, float]]:
    """``n`` (SMILES, Crippen logP) pairs: chains of 1-7 carbons between two end groups.

    logP varies smoothly with the parts, so a graph regressor has a learnable, exactly computed
    target without any downloaded dataset (needs RDKit).
    """
    import random

    from rdkit import Chem, RDLogger
    from rdkit.Chem import Crippen

    RDLogger.DisableLog("rdApp.*")  # the invalid combinations are skipped on purpose
    rng = random.Random(seed)
    combos = sorted({(a, "C" * k, b) for a in LOGP_END_GROUPS for b in LOGP_END_GROUPS for k in range(1, 8)})
    rng.shuffle(combos)
    out: list[tuple[str, float]] = []
    for a, chain, b in combos:
        mol = Chem.MolFromSmiles(a + chain + b)
        if mol is not None and len(out) < n:  # some end groups cannot start a chain ("C#NC")
            out.append((Chem.MolToSmiles(mol), Crippen.MolLogP(mol)))
    return out
