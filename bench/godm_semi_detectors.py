"""Does GODM help detectors other than GraphSAGE and graphgbm on GADBench's semi split?

Every earlier GODM run scored two detectors: a regularised, early-stopped PyG GraphSAGE and the
foundation's best tree detector. Both are strong with 100 labels, and the ceiling run
(``godm_oracle.py``) showed that even real extra anomalies barely move them. This script asks the
same question of weaker foundation detectors (``gcn`` and ``bwgnn`` by default, the latter the
spectral detector the GODM paper compares with), each with its registry defaults.

Per seed, one GODM fit (the semi-split configs of sessions 8-10) gives the ``inbound`` arm; the
``real_20`` / ``real_60`` arms move real test anomalies into training as ``godm_oracle.py`` does (the
same nodes, same seed). Each detector is fitted once per arm. ``none`` and ``inbound`` are scored on
the full semi test set (``test``) and on the test set without the 60 moved anomalies (``test_reduced``),
so every arm pairs with ``none`` on the same nodes.

    GRAPHGUARD_DATA=... python bench/godm_semi_detectors.py --dataset tolokers [--trials 0,2,4 --out part.json]
    python bench/godm_semi_detectors.py --dataset yelpchi --merge a.json,b.json
    python bench/godm_semi_detectors.py --table     # the three graphs' paired table and the target count
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
from godm_bench import peak_rss_mb, split_graph  # noqa: E402
from godm_detectors import metrics  # noqa: E402
from godm_oracle import arms_for, collect  # noqa: E402
from godm_semi_pair import stat  # noqa: E402

from graphguard.augment import GODM  # noqa: E402
from graphguard.data.graph import target_store  # noqa: E402
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.tasks.node import make_detector  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402

RESULTS = Path(__file__).parent / "results"
GRAPHS = ("tolokers", "hetero", "yelpchi")
# the GODM settings of the semi-split runs of sessions 8-10 (bench/results/godm_*_semi.json)
GODM_KW = {"tolokers": {"epochs": 6}, "hetero": {}, "yelpchi": {"epochs": 2}}
ARMS = ["none", "inbound", "real_20", "real_60"]


def scores(name: str, train_graph, score_graph, seed: int) -> np.ndarray:
    det = make_detector(name, seed=seed)
    det.fit(train_graph)
    return np.asarray(det.decision_function(score_graph))


def run_seed(g0, dataset: str, trial: int, detectors: list[str]) -> dict:
    seed = trial_seed(trial)
    g = split_graph(g0, "semi", seed)
    oracle = arms_for(g, seed)  # none / real_20 / real_60, test set without the 60 moved anomalies
    y = target_store(g).y
    masks = {"test": target_store(g).test_mask, "test_reduced": target_store(oracle["none"]).test_mask}
    rec: dict = {"seed": seed, "variants": {a: {} for a in ARMS}}
    t0, c0 = time.perf_counter(), time.process_time()
    aug = GODM(seed=seed, **GODM_KW[dataset]).fit(g).augment(g, merge="inbound")
    rec["godm_fit_generate_s"], rec["godm_fit_generate_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    rec["num_synthetic"] = int(target_store(aug).is_synthetic.sum())
    train = {"none": g, "inbound": aug, "real_20": oracle["real_20"], "real_60": oracle["real_60"]}
    for det in detectors:
        for arm, tg in train.items():
            t = time.perf_counter()
            s = torch.as_tensor(scores(det, tg, g, seed))  # scored on the real graph
            use = ("test", "test_reduced") if arm in ("none", "inbound") else ("test_reduced",)
            rec["variants"][arm][det] = {m: metrics(y[masks[m]], s[masks[m]]) for m in use}
            rec["variants"][arm][det]["fit_s"] = time.perf_counter() - t
            print(f"  {dataset} seed {seed} {det:6s} {arm:8s} "
                  + "  ".join(f"{m} auprc {v['auprc']:.4f}" for m, v in rec["variants"][arm][det].items()
                              if isinstance(v, dict)) + f"  {time.perf_counter() - t:.0f} s", flush=True)
    rec["peak_rss_mb"] = peak_rss_mb()
    return rec


def paired(records, detectors) -> dict:
    out = {}
    for det in detectors:
        for arm, ref, mask in (("inbound", "none", "test"), ("real_20", "none", "test_reduced"),
                               ("real_60", "none", "test_reduced"), ("inbound", "none", "test_reduced")):
            for m in ("auroc", "auprc"):
                out[f"{arm}_minus_{ref}_{det}_{m}_{mask}"] = stat(
                    [r["variants"][arm][det][mask][m] - r["variants"][ref][det][mask][m] for r in records])
    return out


def table() -> None:
    """Paired AUPRC per graph and detector, and per detector the number of graphs where GODM clears the std."""
    lines = ["| graph | detector | none AUPRC | inbound − none | 20 real − none (reduced test) | "
             "60 real − none (reduced test) |", "|---|---|---|---|---|---|"]
    cleared: dict[str, list[str]] = {}
    for ds in GRAPHS:
        path = RESULTS / f"godm_{ds}_semi_detectors.json"
        if not path.is_file():
            continue
        res = json.loads(path.read_text())
        n = len(res["records"])
        for det in res["detectors"]:
            p = res["paired"]
            cell = lambda k: f"{p[k]['mean']:+.3f} ± {p[k]['std']:.3f} ({p[k]['seeds_up']}/{n})"  # noqa: E731
            base = np.mean([r["variants"]["none"][det]["test"]["auprc"] for r in res["records"]])
            k = f"inbound_minus_none_{det}_auprc_test"
            graphs = cleared.setdefault(det, [])
            if p[k]["beyond_std"]:
                graphs.append(ds)
            lines.append(f"| {ds} | {det} | {base:.3f} | {cell(k)} | {cell(f'real_20_minus_none_{det}_auprc_test_reduced')}"
                         f" | {cell(f'real_60_minus_none_{det}_auprc_test_reduced')} |")
    print("\n".join(lines))
    for det, graphs in cleared.items():
        print(f"{det}: GODM inbound clears the seed std on {len(graphs)} graph(s) {graphs}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="tolokers", choices=GRAPHS)
    ap.add_argument("--detectors", default="gcn,bwgnn")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trials", default=None, help="comma list of trial indices (default: all seeds)")
    ap.add_argument("--merge", default=None, help="comma list of part files to combine into --out")
    ap.add_argument("--out", default=None)
    ap.add_argument("--table", action="store_true", help="only print the table of the stored results")
    args = ap.parse_args()
    if args.table:
        table()
        return
    out = Path(args.out or RESULTS / f"godm_{args.dataset}_semi_detectors.json")
    detectors = args.detectors.split(",")
    set_threads(1)
    records, wall = collect(args, lambda g0, t: run_seed(g0, args.dataset, t, detectors))
    res = {"dataset": args.dataset, "split": "semi", "detectors": detectors, "arms": ARMS,
           "godm_config": GODM_KW[args.dataset], "merge": "inbound", "seeds": [r["seed"] for r in records],
           "paired": paired(records, detectors), "records": records, "wall_s": wall,
           "detector_params": "graphguard registry defaults (make_detector(name, seed=seed))",
           "evaluation": "detectors train on each arm's graph and are scored on the real graph; 'test' is the semi "
                         "split's test set, 'test_reduced' the same without the 60 anomalies the real_* arms move"}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for k, d in res["paired"].items():
        if "auprc" in k:
            print(f"{k:50s} {d['mean']:+.3f} ± {d['std']:.3f} ({d['seeds_up']}/{len(records)})")


if __name__ == "__main__":
    main()
