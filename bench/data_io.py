"""Benchmark of the graph data layer: YelpChi rebuild and its features, and reader throughput.

1. YelpChi: build time, counts against the published figures, and plain XGBoost (library
   defaults, n_jobs=1) on the review features under GADBench's fully supervised split (40/20/40,
   seeds 3407 + 10 i), side by side with XGBoost on the raw metadata columns alone (rating and
   date) as the reference. Published: GADBench's XGBoost on the 32 original YelpChi features
   reaches about AUROC 0.90; those features are not public, so the figure is context, not a target.
2. Readers: a generated graph written as Neptune CSV and as tables, read back with graphguard, next
   to pandas ``read_csv`` of the same files (parsing only) as the floor.

Run: ``GRAPHGUARD_THREADS=1 PYTHONPATH=src python bench/data_io.py [--data DIR] [--trials 5] [--nodes 100000]``
(``--data`` defaults to ``$GRAPHGUARD_DATA``; without YelpChi there it stops before any work).
Writes ``bench/results/data_io.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.data import gadbench_split
from graphguard.data.neptune import read_neptune, write_neptune
from graphguard.data.synthetic import make_fraud_graph
from graphguard.data.tables import read_tables, write_tables
from graphguard.data.yelpchi import read_yelpchi
from graphguard.metrics import node_metrics

from _data import YELPCHI, add_data_argument, require_data

PUBLISHED = {"reviews": 45954, "spam": 6677, "rur": 49315, "rsr": 3402743, "rtr": 573616, "homo": 3846979}


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def xgb_trials(x, y, trials):
    from xgboost import XGBClassifier

    rows = []
    for i in range(trials):
        tr, _, te = gadbench_split(y, "full", i)
        t = time.perf_counter()
        m = XGBClassifier(n_jobs=1).fit(x[tr], y[tr])
        p = m.predict_proba(x[te])[:, 1]
        rows.append({**node_metrics(y[te], p), "fit_seconds": time.perf_counter() - t})
    out = {}
    for k in rows[0]:
        v = np.array([r[k] for r in rows])
        out[k], out[f"{k}_std"] = float(v.mean()), float(v.std())
    return out


def bench_yelpchi(path: Path, trials: int) -> dict:
    g, t_hetero = timed(read_yelpchi, path)
    h, t_homo = timed(read_yelpchi, path, homo=True)
    s = g["review"]
    counts = {"reviews": int(s.num_nodes), "spam": int(s.y.sum()),
              **{r: int(g["review", r, "review"].edge_index.shape[1] // 2) for r in ("rur", "rsr", "rtr")},
              "homo": int(h.edge_index.shape[1] // 2)}
    x, y = s.x.numpy(), s.y.numpy()
    names = list(s.feature_names)
    raw_cols = [names.index(c) for c in ("rating", "days", "weekday", "month")]
    return {
        "build_seconds": {"hetero": t_hetero, "homo": t_homo},
        "counts": counts, "published": PUBLISHED,
        "num_features": len(names),
        "xgboost_review_features": xgb_trials(x, y, trials),
        "xgboost_raw_metadata_reference": xgb_trials(x[:, raw_cols], y, trials),
        "published_xgboost_32_original_features_auroc": 0.90,
        "trials": trials, "protocol": "GADBench full 40/20/40, seeds 3407+10i, xgboost defaults, n_jobs=1",
    }


def bench_readers(n_nodes: int) -> dict:
    g = make_fraud_graph(num_nodes=n_nodes, avg_degree=10, seed=0)
    out = {"nodes": int(g.num_nodes), "directed_edges": int(g.edge_index.shape[1]), "features": int(g.x.shape[1])}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = write_neptune(g, tmp / "neptune")
        _, out["neptune_read_seconds"] = timed(read_neptune, tmp / "neptune", label="label")
        _, out["pandas_read_csv_neptune_files_seconds"] = timed(
            lambda: [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
        for fmt in ("csv", "parquet"):
            paths = write_tables(g, tmp / fmt, format=fmt)
            _, out[f"tables_{fmt}_read_seconds"] = timed(read_tables, tmp / fmt)
            reader = pd.read_csv if fmt == "csv" else pd.read_parquet
            _, out[f"pandas_{fmt}_floor_seconds"] = timed(lambda: [reader(p) for p in paths])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--nodes", type=int, default=100_000)
    add_data_argument(ap)
    args = ap.parse_args()
    yelpchi = require_data(args.data, YELPCHI) / YELPCHI.path
    res = {"yelpchi": bench_yelpchi(yelpchi, args.trials), "readers": bench_readers(args.nodes)}
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    y = res["yelpchi"]
    print(f"YelpChi build: {y['build_seconds']['hetero']:.1f} s hetero, {y['build_seconds']['homo']:.1f} s homo")
    print(f"{'count':<8}{'rebuilt':>12}{'published':>12}")
    for k, v in y["counts"].items():
        print(f"{k:<8}{v:>12,}{PUBLISHED[k]:>12,}")
    print(f"\n{'XGBoost (defaults), ' + str(y['trials']) + ' trials':<40}{'AUROC':>16}{'AUPRC':>16}{'Rec@K':>16}")
    for name, key in (("review features (graphguard)", "xgboost_review_features"),
                      ("raw metadata columns (reference)", "xgboost_raw_metadata_reference")):
        m = y[key]
        print(f"{name:<40}" + "".join(f"{m[k]:>10.4f}±{m[k + '_std']:.3f}" for k in ("auroc", "auprc", "rec_at_k")))
    print(f"{'published, 32 original features':<40}{'~0.90':>16}")
    r = res["readers"]
    print(f"\nReaders on {r['nodes']:,} nodes / {r['directed_edges']:,} directed edges")
    print(f"  neptune: {r['neptune_read_seconds']:.2f} s (pandas read_csv floor {r['pandas_read_csv_neptune_files_seconds']:.2f} s)")
    for fmt in ("csv", "parquet"):
        print(f"  tables {fmt}: {r[f'tables_{fmt}_read_seconds']:.2f} s (pandas floor {r[f'pandas_{fmt}_floor_seconds']:.2f} s)")
    print(f"peak RSS {res['peak_rss_mb']:.0f} MB")
    out = Path(__file__).parent / "results" / "data_io.json"
    out.write_text(json.dumps(res, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
