"""Peak memory of GODM fit + generation against the number of edges (generated graphs, 1e5..1e7 edges).

Each size runs in a fresh subprocess so that ru_maxrss is that size's own peak. Training is cut to a
few mini-batches (memory, not accuracy, is measured here); encoding every node and wiring the
synthetic nodes run in full. Results: bench/results/godm_scale.json.

    PYTHONPATH=src python bench/godm_scale.py --edges 1e5,1e6,1e7
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from graphguard.utils import set_threads
set_threads(1)
from graphguard.data.synthetic import make_fraud_graph
from graphguard.augment.godm import GODM
edges = float(sys.argv[1])
deg = 20.0
n = int(2 * edges / deg)
t0 = time.perf_counter()
g = make_fraud_graph(num_nodes=n, avg_degree=deg, fraud_ratio=0.02, timestamps=True, seed=0)
gen_s = time.perf_counter() - t0
rss_graph = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0, c0 = time.perf_counter(), time.process_time()
m = GODM(epochs=1, min_steps=0, max_batches_per_epoch=3, diff_steps=20, ratio=0.2).fit(g)
a = m.augment(g)
print(json.dumps({"undirected_edges": int(g.edge_index.shape[1] // 2), "nodes": n,
                  "synthetic_nodes": int(a.is_synthetic.sum()), "graph_build_s": gen_s,
                  "peak_rss_after_graph_mb": rss_graph,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "fit_generate_s": time.perf_counter() - t0, "fit_generate_cpu_s": time.process_time() - c0,
                  "edge_index_mb": g.edge_index.numel() * 8 / 2**20}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edges", default="1e5,1e6,1e7")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "godm_scale.json"))
    args = ap.parse_args()
    rows = []
    for e in args.edges.split(","):
        r = subprocess.run([sys.executable, "-c", CHILD, e], capture_output=True, text=True)
        if r.returncode != 0:
            rows.append({"edges_requested": float(e), "error": r.stderr.strip().splitlines()[-1:]})
        else:
            rows.append({"edges_requested": float(e), **json.loads(r.stdout.strip().splitlines()[-1])})
        print(rows[-1], flush=True)
        ok = [x for x in rows if "peak_rss_mb" in x]
        res = {"rows": rows, "note": "peak RSS of the whole process (Python + torch + the graph) per size"}
        if len(ok) >= 2:
            a, b = ok[0], ok[-1]
            res["peak_rss_ratio_vs_edge_ratio"] = [(b["peak_rss_mb"] - a["peak_rss_mb"]) /
                                                   max(b["undirected_edges"] - a["undirected_edges"], 1) * 1e6,
                                                   "MB per million extra edges (first to last size)"]
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
