"""Training speed: graphguard's GIN training loop vs a plain PyG example loop, graphs per second.

Both train the same network (graphguard's GraphClassifierNet: GINE, hidden 32, 4 layers, sum
pooling) on MUTAG with the same settings (Adam lr 0.01, batch 32, shuffled, last partial batch dropped, no validation; rates
count the graphs actually trained on and include model construction), in the
same process, alternating A/B rounds so machine load hits both alike. The reference loop is the
one in PyG's examples (DataLoader over the dataset, zero_grad / forward / cross-entropy /
backward / step). Writes bench/results/graph_speed.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch_geometric.loader import DataLoader

from graphguard.data.tu import read_tu
from graphguard.nn.graph_encoders import GraphClassifierNet
from graphguard.tasks.graph.gnn import GNNGraphClassifier
from graphguard.utils import set_threads
from graphguard.utils.seed import seed_everything

from _data import MUTAG, add_data_argument, require_data

SETTINGS = dict(hidden=32, layers=4, batch_size=32, lr=0.01, dropout=0.5)


def graphguard_loop(graphs, epochs):
    est = GNNGraphClassifier(model="gin", epochs=epochs, val_fraction=0.0, seed=0, **SETTINGS)
    t = time.perf_counter()
    est.fit(graphs)
    return est.graphs_seen_ / (time.perf_counter() - t)


def plain_pyg_loop(graphs, epochs):
    seed_everything(0)
    t = time.perf_counter()
    model = GraphClassifierNet(graphs[0].x.shape[1], 2, dropout=SETTINGS["dropout"], hidden=SETTINGS["hidden"],
                               layers=SETTINGS["layers"], conv="gine", pooling="sum",
                               edge_dim=graphs[0].edge_attr.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=SETTINGS["lr"])
    loader = DataLoader(graphs, batch_size=SETTINGS["batch_size"], shuffle=True, drop_last=True)
    model.train()
    seen = 0
    for _ in range(epochs):
        for data in loader:
            seen += data.num_graphs
            opt.zero_grad()
            out = model(data.x, data.edge_index, data.batch, data.edge_attr, data.num_graphs)
            loss = F.cross_entropy(out, data.y)
            loss.backward()
            opt.step()
    return seen / (time.perf_counter() - t)


def _class_numbers(graphs):
    """Copies of ``graphs`` with labels renumbered 0..k-1 (graphguard's estimator does this itself)."""
    classes = sorted({int(g.y) for g in graphs})
    out = []
    for g in graphs:
        g = g.clone()
        g.y = torch.tensor([classes.index(int(g.y))])
        out.append(g)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "graph_speed.json"))
    add_data_argument(ap)
    a = ap.parse_args()
    mutag = require_data(a.data, MUTAG) / "mutag"
    set_threads(a.threads)
    graphs = list(read_tu(mutag))  # MUTAG's labels as stored: -1 / 1
    ref_graphs = _class_numbers(graphs)  # the plain loop's cross-entropy needs 0 / 1, as PyG's TUDataset gives
    gg, ref = [], []
    for _ in range(a.rounds):
        gg.append(graphguard_loop(graphs, a.epochs))
        ref.append(plain_pyg_loop(ref_graphs, a.epochs))
    res = {"dataset": "MUTAG", "epochs": a.epochs, "rounds": a.rounds, "threads": a.threads, "settings": SETTINGS,
           "graphguard_graphs_per_s": statistics.median(gg), "plain_pyg_graphs_per_s": statistics.median(ref),
           "graphguard_rounds": gg, "plain_pyg_rounds": ref}
    res["ratio_graphguard_over_pyg"] = res["graphguard_graphs_per_s"] / res["plain_pyg_graphs_per_s"]
    print(f"graphguard {res['graphguard_graphs_per_s']:.0f} graphs/s   plain PyG {res['plain_pyg_graphs_per_s']:.0f} "
          f"graphs/s   ratio {res['ratio_graphguard_over_pyg']:.2f}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
