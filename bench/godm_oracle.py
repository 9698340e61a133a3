"""The ceiling for any generator: what do *real* extra anomalies do on GADBench's semi split?

GODM adds synthetic anomalies to a training set of 20 anomalies + 80 normal nodes. A perfect
generator would add nodes indistinguishable from real anomalies, wired exactly as they are. This
script adds real ones instead: per seed it moves 20 and 60 anomalies (the counts GODM adds at
``ratio=1`` and ``ratio=3``) from the test set into the training set, with their true labels and
their real edges, and trains the same detectors as ``godm_bench.py``. Every arm, ``none`` included,
is scored on the same test set without the 60 moved nodes, so the arms pair per seed. If extra real
anomalies do not raise AUPRC beyond the seed std, no generator can under this protocol.

    python bench/godm_oracle.py --dataset tolokers [--data DIR] [--trials 0,2,4 --out part.json]
    python bench/godm_oracle.py --dataset yelpchi --merge a.json,b.json   # combine disjoint trials
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _data import add_data_argument  # noqa: E402
from godm_bench import load, peak_rss_mb, split_graph  # noqa: E402
from godm_detectors import graphsage, tree  # noqa: E402
from godm_semi_pair import stat  # noqa: E402

from graphguard.data.graph import target_store  # noqa: E402
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402

EXTRA = (20, 60)
ARMS = ["none", *(f"real_{n}" for n in EXTRA)]


def arms_for(g, seed: int) -> dict:
    """``none`` and ``real_<n>`` graphs: the same test set (minus the moved anomalies) in every arm."""
    s = target_store(g)
    pool = torch.nonzero(s.test_mask & (s.y == 1)).squeeze(1).numpy()
    moved = np.random.default_rng(seed).choice(pool, max(EXTRA), replace=False)
    out = {}
    for name in ARMS:
        a = g.clone()
        t = target_store(a)
        t.test_mask[torch.as_tensor(moved)] = False
        if name != "none":
            t.train_mask[torch.as_tensor(moved[: int(name.split("_")[1])])] = True
        out[name] = a
    return out


def run_seed(g0, trial: int) -> dict:
    seed = trial_seed(trial)
    rec = {"seed": seed, "variants": {}}
    for name, g in arms_for(split_graph(g0, "semi", seed), seed).items():
        t = time.perf_counter()
        v = rec["variants"][name] = {"graphsage": graphsage(g, seed),
                                     "tree": tree(g, seed)}
        v["train_anomalies"] = int((target_store(g).train_mask & (target_store(g).y == 1)).sum())
        v["detector_s"] = time.perf_counter() - t
        print(f"  seed {seed} {name:8s} sage auprc {v['graphsage']['auprc']:.4f}  tree auprc {v['tree']['auprc']:.4f}"
              f"  {v['detector_s']:.0f} s", flush=True)
    rec["peak_rss_mb"] = peak_rss_mb()
    return rec


def paired(records) -> dict:
    return {f"{name}_minus_none_{det}_{m}": stat([r["variants"][name][det][m] - r["variants"]["none"][det][m]
                                                  for r in records])
            for name in ARMS[1:] for det in ("graphsage", "tree") for m in ("auroc", "auprc")}


def read_parts(files: str) -> tuple[list, float]:
    """Records of comma-listed part files (disjoint trials), ordered by seed, and their summed wall time."""
    parts = [json.loads(Path(f).read_text()) for f in files.split(",")]
    return sorted((r for p in parts for r in p["records"]), key=lambda r: r["seed"]), sum(p["wall_s"] for p in parts)


def collect(args, run) -> tuple[list, float]:
    """Records and wall time: merged from ``args.merge``'s part files, or ``run(graph, trial)`` per trial."""
    if args.merge:
        return read_parts(args.merge)
    start = time.time()
    g0, _ = load(args.dataset, args.data)
    trials = [int(t) for t in args.trials.split(",")] if args.trials else range(args.seeds)
    return [run(g0, t) for t in trials], time.time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="tolokers")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trials", default=None, help="comma list of trial indices (default: all seeds)")
    ap.add_argument("--merge", default=None, help="comma list of part files to combine into --out")
    ap.add_argument("--out", default=None)
    add_data_argument(ap)
    args = ap.parse_args()
    out = Path(args.out or Path(__file__).parent / "results" / f"godm_{args.dataset}_semi_oracle.json")
    set_threads(1)
    records, wall = collect(args, run_seed)
    res = {"dataset": args.dataset, "split": "semi", "moved_anomalies": list(EXTRA), "arms": ARMS,
           "seeds": [r["seed"] for r in records], "paired": paired(records), "records": records, "wall_s": wall,
           "evaluation": "every arm is scored on the semi split's test set minus the 60 moved anomalies"}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for k, d in res["paired"].items():
        if k.endswith("auprc"):
            print(f"{k:40s} {d['mean']:+.3f} ± {d['std']:.3f} ({d['seeds_up']}/{len(records)})")


if __name__ == "__main__":
    main()
