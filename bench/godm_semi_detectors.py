"""Does GODM help detectors other than GraphSAGE and graphgbm, on GADBench's semi split or the full one?

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

``--split full`` uses each graph's stratified split (Tolokers 50/25/25, the others 40/20/40) and the
fully supervised GODM configs of session 7 instead. Its arms are ``none``, ``inbound`` and
``connected`` (one GODM fit, two merges); moving 20 or 60 real anomalies means nothing next to the
thousands already in training, so there are no ``real_*`` arms.

    python bench/godm_semi_detectors.py --dataset tolokers [--data DIR] [--trials 0,2,4 --out part.json]
    python bench/godm_semi_detectors.py --dataset yelpchi --merge a.json,b.json
    python bench/godm_semi_detectors.py --table     # the three graphs' paired table and the target count
    python bench/godm_semi_detectors.py --split full --dataset hetero; ... --split full --table
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
from godm_bench import FULL_SPLIT, peak_rss_mb, split_graph  # noqa: E402
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
# the GODM settings of the semi-split runs of sessions 8-10 (bench/results/godm_*_semi.json) and of the
# fully supervised runs of session 7 (bench/results/godm_*_s7.json)
GODM_KW = {"semi": {"tolokers": {"epochs": 6}, "hetero": {}, "yelpchi": {"epochs": 2}},
           "full": {"tolokers": {"epochs": 6}, "hetero": {}, "yelpchi": {"epochs": 2, "min_steps": 200}}}
ARMS = {"semi": ["none", "inbound", "real_20", "real_60"], "full": ["none", "inbound", "connected"]}
# (arm, reference, test mask) pairs whose paired change is reported
PAIRS = {"semi": [("inbound", "none", "test"), ("real_20", "none", "test_reduced"),
                  ("real_60", "none", "test_reduced"), ("inbound", "none", "test_reduced")],
         "full": [("inbound", "none", "test"), ("connected", "none", "test")]}


def scores(name: str, train_graph, score_graph, seed: int) -> np.ndarray:
    det = make_detector(name, seed=seed)
    det.fit(train_graph)
    return np.asarray(det.decision_function(score_graph))


def run_seed(g0, dataset: str, split: str, trial: int, detectors: list[str]) -> dict:
    seed = trial_seed(trial)
    g = split_graph(g0, "semi" if split == "semi" else FULL_SPLIT[dataset], seed)
    y = target_store(g).y
    rec: dict = {"seed": seed, "variants": {a: {} for a in ARMS[split]}}
    t0, c0 = time.perf_counter(), time.process_time()
    model = GODM(seed=seed, **GODM_KW[split][dataset]).fit(g)
    train = {"none": g, "inbound": model.augment(g, merge="inbound")}
    if split == "full":
        train["connected"] = model.augment(g, merge="connected")
        masks = {"test": target_store(g).test_mask}
    else:
        oracle = arms_for(g, seed)  # none / real_20 / real_60, test set without the 60 moved anomalies
        train |= {"real_20": oracle["real_20"], "real_60": oracle["real_60"]}
        masks = {"test": target_store(g).test_mask, "test_reduced": target_store(oracle["none"]).test_mask}
    rec["godm_fit_generate_s"], rec["godm_fit_generate_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    rec["num_synthetic"] = int(target_store(train["inbound"]).is_synthetic.sum())
    for det in detectors:
        for arm, tg in train.items():
            t = time.perf_counter()
            s = torch.as_tensor(scores(det, tg, g, seed))  # scored on the real graph
            use = [m for m in masks if m == "test_reduced" or arm in ("none", "inbound", "connected")]
            rec["variants"][arm][det] = {m: metrics(y[masks[m]], s[masks[m]]) for m in use}
            rec["variants"][arm][det]["fit_s"] = time.perf_counter() - t
            print(f"  {dataset} seed {seed} {det:6s} {arm:8s} "
                  + "  ".join(f"{m} auprc {v['auprc']:.4f}" for m, v in rec["variants"][arm][det].items()
                              if isinstance(v, dict)) + f"  {time.perf_counter() - t:.0f} s", flush=True)
    rec["peak_rss_mb"] = peak_rss_mb()
    return rec


def paired(records, detectors, split: str) -> dict:
    out = {}
    for det in detectors:
        for arm, ref, mask in PAIRS[split]:
            for m in ("auroc", "auprc"):
                out[f"{arm}_minus_{ref}_{det}_{m}_{mask}"] = stat(
                    [r["variants"][arm][det][mask][m] - r["variants"][ref][det][mask][m] for r in records])
    return out


def table(split: str) -> None:
    """Paired AUPRC per graph and detector, and per detector and merge the graphs where GODM clears the std."""
    if split == "semi":
        cols = [("inbound − none", "inbound_minus_none_{det}_auprc_test"),
                ("20 real − none (reduced test)", "real_20_minus_none_{det}_auprc_test_reduced"),
                ("60 real − none (reduced test)", "real_60_minus_none_{det}_auprc_test_reduced")]
    else:
        cols = [("inbound − none", "inbound_minus_none_{det}_auprc_test"),
                ("connected − none", "connected_minus_none_{det}_auprc_test")]
    lines = ["| graph | detector | none AUPRC | " + " | ".join(c for c, _ in cols) + " |",
             "|---|---|---|" + "---|" * len(cols)]
    cleared: dict[tuple[str, str], list[str]] = {}
    for ds in GRAPHS:
        path = RESULTS / f"godm_{ds}_{split}_detectors.json"
        if not path.is_file():
            continue
        res = json.loads(path.read_text())
        n, p = len(res["records"]), res["paired"]
        for det in res["detectors"]:
            cell = lambda k: f"{p[k]['mean']:+.3f} ± {p[k]['std']:.3f} ({p[k]['seeds_up']}/{n})"  # noqa: E731
            base = np.mean([r["variants"]["none"][det]["test"]["auprc"] for r in res["records"]])
            for c, k in cols:
                if not c.startswith(("inbound", "connected")):
                    continue
                graphs = cleared.setdefault((det, c.split()[0]), [])
                if p[k.format(det=det)]["beyond_std"]:
                    graphs.append(ds)
            cells = " | ".join(cell(k.format(det=det)) for _, k in cols)
            lines.append(f"| {ds} | {det} | {base:.3f} | {cells} |")
    print("\n".join(lines))
    for (det, merge), graphs in cleared.items():
        print(f"{det}: GODM {merge} clears the seed std on {len(graphs)} graph(s) {graphs}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="tolokers", choices=GRAPHS)
    ap.add_argument("--split", default="semi", choices=["semi", "full"])
    ap.add_argument("--detectors", default="gcn,bwgnn")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trials", default=None, help="comma list of trial indices (default: all seeds)")
    ap.add_argument("--merge", default=None, help="comma list of part files to combine into --out")
    ap.add_argument("--out", default=None)
    ap.add_argument("--table", action="store_true", help="only print the table of the stored results")
    add_data_argument(ap)
    args = ap.parse_args()
    if args.table:
        table(args.split)
        return
    out = Path(args.out or RESULTS / f"godm_{args.dataset}_{args.split}_detectors.json")
    detectors = args.detectors.split(",")
    set_threads(1)
    records, wall = collect(args, lambda g0, t: run_seed(g0, args.dataset, args.split, t, detectors))
    semi = args.split == "semi"
    res = {"dataset": args.dataset, "split": "semi" if semi else list(FULL_SPLIT[args.dataset]),
           "detectors": detectors, "arms": ARMS[args.split], "godm_config": GODM_KW[args.split][args.dataset],
           "merge": "inbound" if semi else "inbound and connected (one fit)", "seeds": [r["seed"] for r in records],
           "paired": paired(records, detectors, args.split), "records": records, "wall_s": wall,
           "detector_params": "graphguard registry defaults (make_detector(name, seed=seed))",
           "evaluation": "detectors train on each arm's graph and are scored on the real graph; 'test' is the "
                         + ("semi split's test set, 'test_reduced' the same without the 60 anomalies the real_* arms "
                            "move" if semi else "stratified split's test set")}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for k, d in res["paired"].items():
        if "auprc" in k:
            print(f"{k:50s} {d['mean']:+.3f} ± {d['std']:.3f} ({d['seeds_up']}/{len(records)})")


if __name__ == "__main__":
    main()
