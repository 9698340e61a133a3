"""Why GraphSAGE loses with GODM on Tolokers: one seed, a grid over degree cap, merge and synthetic weight.

    PYTHONPATH=src python bench/godm_diagnose.py > bench/results/godm_tolokers_diagnosis.log

Fits GODM once (seed 3407, the benchmark's Tolokers settings), prints the fidelity of the generated
anomalies with the data-driven degree cap and with the earlier fixed cap of 50, then trains GraphSAGE
on each augmented graph. Each line gives the validation AUPRC (the only number a choice may use), the
test scores on the real graph, and the test scores on the augmented graph (``on_augmented``).
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
from godm_detectors import graphsage  # noqa: E402

from graphguard.augment import GODM, fidelity  # noqa: E402
from graphguard.data.graph import target_store  # noqa: E402
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_argument(ap)
    args = ap.parse_args()
    set_threads(1)
    g0, ratios = load("tolokers", args.data)
    seed = trial_seed(0)
    g = split_graph(g0, ratios, seed)
    t = time.process_time()
    m = GODM(seed=seed, epochs=6, diff_steps=1000).fit(g)
    print("fit cpu", time.process_time() - t, "caps", m.degree_cap_)
    for cap in (None, 50):
        m.config = m.config.replace(max_degree=cap)
        ag = m.augment(g)
        s = target_store(ag)
        real = torch.nonzero(s.train_mask & (s.y == 1) & ~s.is_synthetic).squeeze(1).numpy()
        syn = torch.nonzero(s.is_synthetic).squeeze(1).numpy()
        f = fidelity(ag, real, syn)
        print("max_degree", cap, {k: v for k, v in f.items() if k != "feature_wasserstein"})
    print("none", graphsage(g, seed))
    for cap in (None, 50):
        m.config = m.config.replace(max_degree=cap)
        for merge in ("connected", "disconnected"):
            ag = m.augment(g, merge=merge)
            for w in (1.0, 0.3):
                r = graphsage(ag, seed, original=g, syn_weight=w)
                print(cap, merge, w, json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}),
                      flush=True)


if __name__ == "__main__":
    main()
