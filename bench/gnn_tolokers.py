"""GNN detectors on Tolokers (split 0 of the file's own masks), beside a plain PyG GraphSAGE loop.

Each model runs in its own process (``--model NAME``) so peak RSS is per model; ``--table``
merges the per-model JSON files into ``bench/results/gnn_tolokers.json`` and prints the table.
``--sampler`` measures sampled edges per second of graphguard's neighbour sampler.

    python bench/gnn_tolokers.py --model graphsage [--data DIR]     # --data defaults to $GRAPHGUARD_DATA
    python bench/gnn_tolokers.py --model pyg_sage      # the reference
    python bench/gnn_tolokers.py --sampler
    python bench/gnn_tolokers.py --table
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import torch

from graphguard.data import load_graph
from graphguard.metrics import node_metrics
from graphguard.utils import set_threads

from _data import TOLOKERS, add_data_argument, require_data

RESULTS = Path(__file__).parent / "results"
PARTS = RESULTS / "gnn_tolokers_parts"
PUBLISHED = {  # GADBench (Tang et al. 2023) as quoted in GODM's paper, Tolokers AUROC
    "graphsage": 0.794, "bwgnn": 0.802, "gcn": 0.757, "gat": 0.792,
}
MODELS = {
    "graphsage": ("graphsage", {}),
    "graphsage_minibatch": ("graphsage", {"batch_size": 1024, "num_neighbors": [25, 10]}),
    "gcn": ("gcn", {}),
    "gat": ("gat", {}),
    "rgcn": ("rgcn", {}),
    "hgt": ("hgt", {}),
    "bwgnn": ("bwgnn", {}),
}


def _graph(root: Path):
    return load_graph(root / TOLOKERS.path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_graphguard(key: str, root: Path) -> dict:
    from graphguard.tasks.node.registry import make_detector

    g = _graph(root)
    name, params = MODELS[key]
    t0, c0 = time.perf_counter(), time.process_time()
    det = make_detector(name, seed=0, **params).fit(g)
    s = det.decision_function(g)
    te = g.test_mask.numpy()
    return {**node_metrics(g.y.numpy()[te], s[te]), "fit_predict_seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0, "peak_rss_mb": _peak_mb(), **det.train_result_}


def run_reference(root: Path) -> dict:
    """A plain PyG GraphSAGE: 2 SAGEConv layers, hidden 64, lr 0.01, 200 full-batch epochs,
    class-weighted cross-entropy, test score at the best validation AUPRC."""
    from sklearn.metrics import average_precision_score
    from torch_geometric.nn import SAGEConv

    g = _graph(root)
    torch.manual_seed(0)
    t0, c0 = time.perf_counter(), time.process_time()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = SAGEConv(g.num_features, 64), SAGEConv(64, 2)

        def forward(self, x, ei):
            return self.c2(self.c1(x, ei).relu(), ei)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    y, tr, va, te = g.y, g.train_mask, g.val_mask, g.test_mask
    counts = torch.bincount(y[tr], minlength=2).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=counts.sum() / (2 * counts))
    best, best_scores = -1.0, None
    for _ in range(200):
        net.train()
        opt.zero_grad()
        loss_fn(net(g.x, g.edge_index)[tr], y[tr]).backward()
        opt.step()
        net.eval()
        with torch.no_grad():
            p = net(g.x, g.edge_index).softmax(1)[:, 1].numpy()
        ap = average_precision_score(y[va].numpy(), p[va.numpy()])
        if ap > best:
            best, best_scores = ap, p
    te = te.numpy()
    return {**node_metrics(y.numpy()[te], best_scores[te]), "fit_predict_seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0, "peak_rss_mb": _peak_mb(), "best_val_auprc": best}


def run_sampler(root: Path) -> dict:
    from graphguard.train.sampler import NeighborSampler, node_loader

    g = _graph(root)
    out = {}
    for fan in ([25, 10], [10, 5], [-1]):
        sampler = NeighborSampler(g, fan, seed=0)
        edges, t0, c0 = 0, time.perf_counter(), time.process_time()
        for b in node_loader(g, None, fan, batch_size=1024, shuffle=True, seed=0, sampler=sampler):
            edges += int(b.edge_index.shape[1])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[str(fan)] = {"sampled_edges": edges, "seconds": wall, "cpu_seconds": cpu,
                         "edges_per_second": edges / wall, "edges_per_cpu_second": edges / cpu}
    return out


def table() -> dict:
    rows = {p.stem: json.loads(p.read_text()) for p in sorted(PARTS.glob("*.json"))}
    result = {"dataset": "tolokers", "split": "file masks, split 0 (50/25/25)", "threads": 1,
              "published_auroc": PUBLISHED, "published_source": "GADBench via GODM paper (Tolokers table)",
              "results": rows}
    (RESULTS / "gnn_tolokers.json").write_text(json.dumps(result, indent=2))
    print(f"{'model':22s} {'AUROC':>7s} {'AUPRC':>7s} {'Rec@K':>7s} {'fit+pred s':>10s} {'cpu s':>7s} "
          f"{'RSS MB':>7s} {'published':>9s}")
    for k, r in rows.items():
        if "auroc" not in r:
            continue
        pub = PUBLISHED.get(k, "")
        print(f"{k:22s} {r['auroc']:7.3f} {r['auprc']:7.3f} {r.get('rec_at_k', float('nan')):7.3f} "
              f"{r['fit_predict_seconds']:10.0f} {r['cpu_seconds']:7.0f} {r['peak_rss_mb']:7.0f} {pub!s:>9s}")
    if "sampler" in rows:
        for fan, r in rows["sampler"].items():
            print(f"sampler fanout {fan}: {r['edges_per_cpu_second']:,.0f} sampled edges per CPU second")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--sampler", action="store_true")
    ap.add_argument("--table", action="store_true")
    add_data_argument(ap)
    a = ap.parse_args()
    root = require_data(a.data, TOLOKERS) if a.model or a.sampler else None  # --table reads only the parts
    set_threads(1)
    PARTS.mkdir(parents=True, exist_ok=True)
    if a.model:
        res = run_reference(root) if a.model == "pyg_sage" else run_graphguard(a.model, root)
        (PARTS / f"{a.model}.json").write_text(json.dumps(res, indent=2))
        print(a.model, json.dumps(res))
    if a.sampler:
        res = run_sampler(root)
        (PARTS / "sampler.json").write_text(json.dumps(res, indent=2))
        print(json.dumps(res, indent=2))
    if a.table:
        table()


if __name__ == "__main__":
    main()
