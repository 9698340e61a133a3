"""Recompute the fidelity of an inbound-merged arm from in-edges, in an existing result file.

An inbound-merged synthetic node has in-edges only, so the out-edge degree and neighbour counts of
``fidelity`` see it isolated. This refits GODM per seed exactly as ``godm_bench.py`` did (same seed,
split and config; the fit is deterministic on one thread, checked by the feature W1 matching the
stored value), merges inbound, and stores ``fidelity(..., incoming=True)`` under the arm's name (the
out-edge figures stay under ``<arm>_out_edges``). The real held-out floor is recomputed from in-edges
too (``real_test_vs_real_train_in_edges``); on an undirected graph both counts agree.

    PYTHONPATH=src python bench/godm_refidelity.py --dataset tolokers --godm '{"epochs": 6}' \
        --file bench/results/godm_tolokers_inbound_s7.json
"""

from __future__ import annotations

import argparse
import json
import sys
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
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--godm", default="{}")
    ap.add_argument("--file", required=True)
    ap.add_argument("--variant", default="inbound")
    add_data_argument(ap)
    args = ap.parse_args()
    set_threads(1)
    g0, ratios = load(args.dataset, args.data)
    path = Path(args.file)
    res = json.loads(path.read_text())
    for rec in res["records"]:
        seed = rec["seed"]
        g = split_graph(g0, ratios, seed)
        s = target_store(g)
        model = GODM(seed=seed, **json.loads(args.godm)).fit(g)
        ag = model.augment(g, merge="inbound")
        syn = torch.nonzero(target_store(ag).is_synthetic).squeeze(1).numpy()
        real_train = torch.nonzero(s.train_mask & (s.y == 1)).squeeze(1).numpy()
        real_test = torch.nonzero(s.test_mask & (s.y == 1)).squeeze(1).numpy()
        new = fidelity(ag, real_train, syn, real_graph=g, incoming=True)
        old = rec["fidelity"].get(f"{args.variant}_out_edges", rec["fidelity"][args.variant])
        if abs(new["feature_wasserstein_mean"] - old["feature_wasserstein_mean"]) > 1e-9:
            raise SystemExit(f"seed {seed}: the refit differs from the benchmark's (feature W1 "
                             f"{new['feature_wasserstein_mean']} vs {old['feature_wasserstein_mean']})")
        rec["fidelity"][f"{args.variant}_out_edges"] = old
        rec["fidelity"][args.variant] = {**new, "counted_on": "in-edges"}
        rec["fidelity"]["real_test_vs_real_train_in_edges"] = fidelity(g, real_train, real_test, incoming=True)
        print(seed, {k: round(v, 4) for k, v in new.items() if isinstance(v, float)}, flush=True)
        path.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
