"""Fidelity probe for ``GODMConfig.unlabelled`` (session 9): feature W1 and MMD of the synthetic
anomalies against real training anomalies, held-out test anomalies and test normal nodes, with the
option off and on, on GADBench's semi-supervised split. Prints one JSON line per seed and setting.

    PYTHONPATH=src python bench/godm_unlabelled_probe.py tolokers 0,1
"""

from __future__ import annotations

import argparse
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
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402

CONFIGS = {"tolokers": {"epochs": 6}, "hetero": {}, "yelpchi": {"epochs": 2}}  # as in the benchmark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", help=f"benchmark graph, one of {', '.join(CONFIGS)} (GODM settings as in the benchmark)")
    ap.add_argument("trials", help="comma-separated trial numbers, e.g. 0,1 (seed = trial_seed(trial))")
    add_data_argument(ap)
    a = ap.parse_args()
    set_threads(1)
    dataset, trials = a.dataset, [int(t) for t in a.trials.split(",")]
    g0, _ = load(dataset, a.data)
    for trial in trials:
        seed = trial_seed(trial)
        g = split_graph(g0, "semi", seed)
        s = target_store(g)
        pick = lambda mask: torch.nonzero(mask).squeeze(1).numpy()  # noqa: E731
        train_anom, test_anom, test_norm = pick(s.train_mask & (s.y == 1)), pick(s.test_mask & (s.y == 1)), \
            pick(s.test_mask & (s.y == 0))
        floor = fidelity(g, train_anom, test_anom)["feature_wasserstein_mean"]
        for unlabelled in (False, True):
            t = time.process_time()
            ag = GODM(seed=seed, unlabelled=unlabelled, **CONFIGS[dataset]).fit(g).augment(g)
            syn = pick(target_store(ag).is_synthetic)
            f = {name: fidelity(ag, idx, syn, real_graph=g, incoming=True)
                 for name, idx in (("train_anom", train_anom), ("test_anom", test_anom), ("test_normal", test_norm))}
            print(json.dumps({"dataset": dataset, "seed": seed, "unlabelled": unlabelled,
                              "cpu_s": round(time.process_time() - t),
                              **{f"W1_vs_{k}": round(v["feature_wasserstein_mean"], 3) for k, v in f.items()},
                              "mmd_vs_test_anom": round(f["test_anom"]["mmd"], 4),
                              "floor_train_vs_test_anom": round(floor, 3)}), flush=True)


if __name__ == "__main__":
    main()
