"""Degree fidelity of GODM's synthetic anomalies on Tolokers: decoded degrees against empirical ones.

One GODM fit per seed; the same model augments the graph twice, with ``degree_mode='decoded'`` (the
session-4 behaviour: decoded degree, capped at the 0.99 class quantile) and ``'empirical'``
(class-conditional draws from the real training nodes' degrees, rank-matched to the decoded ones).
Also records whom the synthetic nodes connect to (neighbour-label fidelity).

    PYTHONPATH=src python bench/godm_degree_probe.py --seed 3407
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _data import add_data_argument  # noqa: E402
from godm_bench import load, split_graph  # noqa: E402

from graphguard.augment import GODM, fidelity  # noqa: E402
from graphguard.data.graph import target_store  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=3407)
    ap.add_argument("--godm", default='{"epochs": 6}')
    ap.add_argument("--out", default=None)
    add_data_argument(ap)
    args = ap.parse_args()
    set_threads(1)
    g0, ratios = load("tolokers", args.data)
    g = split_graph(g0, ratios, args.seed)
    s = target_store(g)
    t0 = time.process_time()
    model = GODM(seed=args.seed, **json.loads(args.godm)).fit(g)
    res = {"seed": args.seed, "fit_cpu_s": time.process_time() - t0, "godm": json.loads(args.godm)}
    real_train = torch.nonzero(s.train_mask & (s.y == 1)).squeeze(1).numpy()
    real_test = torch.nonzero(s.test_mask & (s.y == 1)).squeeze(1).numpy()
    keys = ("log_degree_wasserstein", "mean_degree_real", "mean_degree_synthetic", "feature_wasserstein_mean", "mmd",
            "neighbour_train_anomaly_frac_real", "neighbour_train_anomaly_frac_synthetic",
            "neighbour_synthetic_frac_synthetic")
    f = fidelity(g, real_train, real_test)
    res["real_heldout_reference"] = {k: f[k] for k in keys if k in f}
    for mode in ("decoded", "empirical"):
        m = copy.copy(model)
        m.config = model.config.replace(degree_mode=mode)
        a = m.augment(g)
        syn = torch.nonzero(target_store(a).is_synthetic).squeeze(1).numpy()
        f = fidelity(a, real_train, syn, real_graph=g)
        res[mode] = {k: f[k] for k in keys}
        print(mode, {k: round(v, 3) for k, v in res[mode].items()}, flush=True)
    print("reference", {k: round(v, 3) for k, v in res["real_heldout_reference"].items()})
    out = Path(args.out or Path(__file__).parent / "results" / f"godm_degree_probe_{args.seed}.json")
    out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
