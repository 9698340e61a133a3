"""GADBench-protocol benchmark of every node detector, with references side by side.

Each (dataset, model) runs in its own subprocess so that its peak RSS is measured alone. Tolokers
uses the file's 10 official 50/25/25 splits; the YelpChi rebuild uses a stratified 40/20/40
split with seeds 3407 + 10 i (GADBench itself, and `node bench` by default, use DGL's fixed 70/10/20 split). Output: a table on stdout and bench/results/node_gadbench.json.

    python bench/node_gadbench.py [--data DIR] [--trials 10] [--gnn-trials 3] [--datasets tolokers,yelpchi]

``--data`` defaults to ``$GRAPHGUARD_DATA``; every dataset asked for must be there before any worker starts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _data import TOLOKERS, YELPCHI, add_data_argument, require_data  # noqa: E402

DATASETS = {"tolokers": TOLOKERS, "yelpchi": YELPCHI}
TREES = ["graphgbm", "xgbgraph", "rfgraph", "xgboost"]
GNNS = ["graphsage", "gcn", "gat", "bwgnn", "rgcn"]
REFS = ["ref:plain_graphsage", "ref:plain_xgboost"]
PUBLISHED = {  # AUROC / AUPRC where known, with source
    "tolokers": {
        "GODM paper best (Liu et al. 2023, Table)": {"auroc": 0.835},
        "BWGNN (GADBench-style, as cited in GODM paper)": {"auroc": 0.802},
        "GraphSAGE (as cited in GODM paper)": {"auroc": 0.794},
    },
    "yelpchi": {"note": {"text": "published YelpChi figures use the 32 CARE-GNN features, not available here"}},
}


def load(dataset: str, data_dir: Path, split: int):
    from graphguard.data import load_graph

    if dataset == "tolokers":
        return load_graph(data_dir / TOLOKERS.path, split=split)
    return load_graph(data_dir / YELPCHI.path)


def worker(dataset: str, model: str, trials: int, data_dir: Path) -> dict:
    from graphguard.data import copy_graph, set_masks, target_store
    from graphguard.data.splits import gadbench_split, trial_seed
    from graphguard.metrics import node_metrics
    from graphguard.tasks.node import make_detector
    from graphguard.utils import seed_everything, set_threads

    set_threads(int(os.environ.get("GRAPHGUARD_THREADS", "2")))
    rows, times = [], []
    base = None
    for t in range(trials):
        if dataset == "tolokers":
            g = load(dataset, data_dir, t)
        else:
            base = base or load(dataset, data_dir, 0)
            g = set_masks(copy_graph(base), *gadbench_split(target_store(base).y.numpy(), "full", t))
        s = target_store(g)
        y = s.y.numpy()
        tr, va, te = (s[m].numpy() for m in ("train_mask", "val_mask", "test_mask"))
        seed = trial_seed(t)
        seed_everything(seed)
        t0 = time.perf_counter()
        if model == "ref:plain_graphsage":
            from graphguard.data.graph import to_relational
            import torch

            x, eis, _ = to_relational(g)
            scores = __import__("references").plain_graphsage(x.numpy(), torch.cat(eis, 1), y, tr, va, seed=seed)
        elif model == "ref:plain_xgboost":
            scores = __import__("references").plain_xgboost(s.x.numpy(), y, tr, seed=seed)
        else:
            det = make_detector(model, seed=seed).fit(g)
            scores = det.decision_function(g)
        times.append(time.perf_counter() - t0)
        rows.append(node_metrics(y[te], scores[te]))
    out = {"trials": len(rows), "fit_seconds": float(np.mean(times))}
    for m in ("auroc", "auprc", "rec_at_k"):
        v = np.array([r[m] for r in rows])
        out[m], out[m + "_std"] = float(v.mean()), float(v.std())
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    add_data_argument(ap)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--gnn-trials", type=int, default=3)
    ap.add_argument("--datasets", default="tolokers,yelpchi")
    ap.add_argument("--models", default=",".join(TREES + GNNS + REFS))
    ap.add_argument("--worker", nargs=2, metavar=("DATASET", "MODEL"))
    ap.add_argument("--out", type=Path, default=HERE / "results" / "node_gadbench.json")
    a = ap.parse_args()
    datasets = [a.worker[0]] if a.worker else a.datasets.split(",")
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        raise SystemExit(f"unknown dataset(s) {', '.join(unknown)}: choose from {', '.join(DATASETS)}")
    data_dir = require_data(a.data, *(DATASETS[ds] for ds in datasets))
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1], a.trials, data_dir)))
        return
    results = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M"), "threads": os.environ.get("GRAPHGUARD_THREADS", "2"),
                        "cpu_count": os.cpu_count(),
                        "splits": {"tolokers": "the file's official 50/25/25 splits 0..n-1",
                                   "yelpchi": "GADBench stratified 40/20/40, seeds 3407+10i"}},
               "published": PUBLISHED}
    for ds in datasets:
        results[ds] = {}
        for model in a.models.split(","):
            slow = model in GNNS or model == "ref:plain_graphsage"
            trials = a.gnn_trials if slow else a.trials
            cmd = [sys.executable, __file__, "--worker", ds, model, "--trials", str(trials), "--data", str(data_dir)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                results[ds][model] = {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
            else:
                results[ds][model] = json.loads(r.stdout.strip().splitlines()[-1])
            res = results[ds][model]
            if "error" in res:
                print(f"{ds:9s} {model:22s} ERROR {res['error']}", flush=True)
            else:
                print(f"{ds:9s} {model:22s} AUROC {res['auroc']:.4f}±{res['auroc_std']:.4f}  "
                      f"AUPRC {res['auprc']:.4f}±{res['auprc_std']:.4f}  Rec@K {res['rec_at_k']:.4f}  "
                      f"fit {res['fit_seconds']:.1f}s  RSS {res['peak_rss_mb']:.0f}MB  ({res['trials']} trials)",
                      flush=True)
            a.out.parent.mkdir(parents=True, exist_ok=True)
            a.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
