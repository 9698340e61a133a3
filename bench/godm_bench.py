"""GODM benchmark: detectors without augmentation, with GODM and with each ablation, over seeds.

    PYTHONPATH=src python bench/godm_bench.py --dataset tolokers --seeds 5 [--data DIR]
    PYTHONPATH=src python bench/godm_bench.py --dataset hetero --seeds 5

Tolokers and YelpChi come from the shared data folder (``--data``, default ``$GRAPHGUARD_DATA``); hetero is generated.

Variants: none, godm (the connected merge), inbound (GODM's default since session 7: only the edges into synthetic
nodes), no_diffusion (decode VAE-prior samples), no_class_cond (unconditional
diffusion), disconnected (the published code's merge), random_oversampling, smote. Detectors:
GraphSAGE (plain PyG) and the best tree detector. Also: GODM fit + generation wall time and peak
RSS, and the fidelity of generated anomalies against real training anomalies (with real held-out
anomalies as the noise floor). Results go to bench/results/godm_<dataset>.json after every seed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _data import TOLOKERS, YELPCHI, add_data_argument, require_data  # noqa: E402
from godm_detectors import SAGE_PROTOCOL, graphsage, tree  # noqa: E402

from graphguard.augment import GODM, RandomOversampler, SMOTEAugmenter, fidelity  # noqa: E402
from graphguard.data.graph import set_masks, target_store  # noqa: E402
from graphguard.data.splits import semi_supervised_split, stratified_split, trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402

VARIANTS = ["none", "godm", "inbound", "no_diffusion", "no_class_cond", "disconnected", "random_oversampling", "smote"]

PUBLISHED = {
    "status": "run side by side in this benchmark (session 7): bench/godm_published.py, same splits, detectors and "
              "evaluation; results in bench/results/godm_tolokers_published.json",
    "file": "bench/results/godm_tolokers_published.json",
    "package": "godm 0.1.0 (sdist), default settings, CPU, one thread, in a separate venv: torch 2.13.0+cpu, "
               "torch_geometric 2.4.0, torch-sparse 0.6.18 + torch-scatter 2.1.2 built from source with METIS",
    "labels": "fitted with only the training labels (validation and test nodes exported with y = 0)",
    "num_synthetic": 1283, "merge": "disconnected (its own Batch merge; no edge to a real node)",
    "synthetic_edges": "1283-39108 per seed, self-loops included (2 of 5 seeds: self-loops only)",
    "protocol": "Tolokers, stratified 50/25/25, seeds 3407-3447; GraphSAGE early-stopped protocol with synthetic weight "
                "0.3 / 1.0 chosen on validation AUPRC, graphgbm; train on the augmented graph, score on the real one",
    "graphsage+published_godm": {"auroc": "0.837 +- 0.010", "auprc": "0.556 +- 0.024",
                                 "paired_vs_none": {"auroc": "+0.000 +- 0.006", "auprc": "-0.004 +- 0.013"}},
    "graphgbm+published_godm": {"auroc": "0.862 +- 0.006", "auprc": "0.610 +- 0.015",
                                "paired_vs_none": {"auroc": "+0.001 +- 0.001", "auprc": "+0.002 +- 0.003"}},
    "fit_generation": {"wall_s": "194-388 (mean 293)", "cpu_s_mean": 214, "peak_rss_mb_mean": 681,
                       "note": "2-core machine shared with the lead's benchmarks (wall inflated); CPU includes its 4 "
                               "DataLoader workers (~45 s); RSS is the fit process alone (largest worker ~530 MB)"},
    "why_not_run_here": [
        "it cannot run in graphguard's own environment: METIS-enabled torch-sparse (no wheel for torch 2.13; built "
        "from source with an int32 patch of csrc/cpu/metis_cpu.cpp for Debian's 32-bit idx_t), torch_geometric "
        "2.4.0 (its SAGEConv passes edge_time/edge_type, which PyG 2.8.1 rejects), a patched ReduceLROnPlateau "
        "(verbose= gone in torch 2.13) and TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 for its pickled ./ckpt; so it runs in "
        "a separate venv through bench/godm_published.py, not inside this script",
    ],
    "earlier_measurement": {"source": "shared/notes/godm-reference.md (plain PyG GraphSAGE, 200 epochs, 3 seeds)",
                            "graphsage": "0.817 +- 0.002 / 0.505 +- 0.006",
                            "graphsage+published_godm": "0.810 +- 0.004 / 0.498 +- 0.020"},
    "published_paper": {"tolokers_graphsage_godm_auroc": 0.835, "tolokers_graphsage_auroc": 0.794,
                        "tolokers_bwgnn_auroc": 0.802, "source": "issue 5 / Liu et al. arXiv 2312.17679"},
}


# the fully supervised (stratified) split of each graph: train / validation / test
FULL_SPLIT = {"tolokers": (0.5, 0.25, 0.25), "hetero": (0.4, 0.2, 0.4), "yelpchi": (0.4, 0.2, 0.4)}


def load(dataset: str, data: str | Path | None = None):
    """The benchmark graph and its full split. Tolokers and YelpChi are read from ``data`` (a script's ``--data``;
    None: ``$GRAPHGUARD_DATA``), and a missing file stops the script with one line before any work."""
    if dataset == "hetero":
        from graphguard.data.synthetic import make_hetero_fraud_graph

        return make_hetero_fraud_graph(num_nodes=3000, num_users=500, seed=0, signal=0.35), FULL_SPLIT[dataset]
    if dataset not in ("tolokers", "yelpchi"):
        raise SystemExit(f"unknown dataset {dataset}")
    from graphguard.data.io import load_graph

    if dataset == "tolokers":
        return load_graph(require_data(data, TOLOKERS) / TOLOKERS.path), FULL_SPLIT[dataset]
    return load_graph(require_data(data, YELPCHI) / "yelpchi", format="yelpchi"), FULL_SPLIT[dataset]


def split_graph(g0, ratios, seed: int):
    """A copy of ``g0`` with the benchmark's split for ``seed``: every GODM script splits through here,
    so runs of the same seed pair exactly. ``ratios`` is a (train, val, test) triple for the stratified
    (fully supervised) split, or ``"semi"`` for GADBench's semi-supervised one: 20 anomalies + 80
    normal nodes each for training and validation, every other labelled node for test."""
    g = g0.clone()
    y = target_store(g).y.numpy()
    set_masks(g, *(semi_supervised_split(y, seed=seed) if ratios == "semi" else stratified_split(y, ratios, seed)))
    return g


def sage_protocol(epochs: int | None) -> str:
    p = {**SAGE_PROTOCOL, **({"max_epochs": epochs} if epochs else {})}
    return (f"Adam lr {p['lr']}, weight decay {p['weight_decay']}, dropout {p['dropout']}, up to {p['max_epochs']} "
            f"epochs, early stopping after {p['patience']} epochs without a better validation AUPRC "
            f"(evaluated every {p['eval_every']})")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_seed(g0, ratios, trial: int, variants, sage_epochs: int, godm_kw: dict, sage_variants,
             tree_name: str = "graphgbm", syn_weight=(1.0,)) -> dict:
    seed = trial_seed(trial)
    g = split_graph(g0, ratios, seed)
    s = target_store(g)
    rec: dict = {"seed": seed, "variants": {}, "fidelity": {}}
    t0, c0 = time.perf_counter(), time.process_time()
    model = GODM(seed=seed, **godm_kw).fit(g)
    rec["godm_fit_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    # "godm" is the connected merge (both directions), as in every run before session 7; "inbound" is the default
    graphs = {"none": g, "godm": model.augment(g, merge="connected")}
    rec["godm_generate_s"] = time.perf_counter() - t1
    rec["godm_fit_generate_s"] = rec["godm_fit_s"] + rec["godm_generate_s"]
    rec["godm_fit_generate_cpu_s"] = time.process_time() - c0  # wall time is inflated on the shared machine
    rec["peak_rss_mb_after_godm"] = peak_rss_mb()
    if "disconnected" in variants:
        graphs["disconnected"] = model.augment(g, merge="disconnected")
    if "inbound" in variants:
        graphs["inbound"] = model.augment(g, merge="inbound")
    if "no_diffusion" in variants:
        m = copy.copy(model)
        m.config = model.config.replace(diffusion=False)
        graphs["no_diffusion"] = m.augment(g, merge="connected")
    if "no_class_cond" in variants:
        m = copy.copy(model)
        m.config = model.config.replace(class_conditional=False)
        m.fit_diffusion(g)
        graphs["no_class_cond"] = m.augment(g, merge="connected")
    if "random_oversampling" in variants:
        graphs["random_oversampling"] = RandomOversampler(ratio=model.config.ratio, seed=seed).augment(g)
    if "smote" in variants:
        graphs["smote"] = SMOTEAugmenter(ratio=model.config.ratio, seed=seed).augment(g)
    y = s.y
    real_train = torch.nonzero(s.train_mask & (y == 1)).squeeze(1).numpy()
    real_test = torch.nonzero(s.test_mask & (y == 1)).squeeze(1).numpy()
    rec["fidelity"]["real_test_vs_real_train"] = fidelity(g, real_train, real_test)
    for name in variants:
        ag = graphs[name]
        a = target_store(ag)
        assert not bool((a.is_synthetic & (a.val_mask | a.test_mask)).any()) if "is_synthetic" in a else True
        if name != "none":
            syn = torch.nonzero(a.is_synthetic).squeeze(1).numpy()
            # an inbound synthetic node has only in-edges: read degrees and neighbours from in-edges there
            rec["fidelity"][name] = fidelity(ag, real_train, syn, real_graph=g, incoming=name == "inbound")
            rec["variants"].setdefault(name, {})["num_synthetic"] = int(syn.size)
        t = time.perf_counter()
        orig = None if name == "none" else g  # augmented graphs train; validation and test use the real graph
        if name in sage_variants:
            rec["variants"].setdefault(name, {})["graphsage"] = graphsage(ag, seed, epochs=sage_epochs, original=orig,
                                                                          syn_weight=syn_weight)
        rec["variants"].setdefault(name, {})["tree"] = tree(ag, seed, original=orig, name=tree_name)
        rec["variants"][name]["detector_s"] = time.perf_counter() - t
        rec["peak_rss_mb"] = peak_rss_mb()
        rnd = lambda d: {k: round(v, 4) for k, v in (d or {}).items() if isinstance(v, float)}  # noqa: E731
        v = rec["variants"][name]
        print(f"  seed {seed} {name:20s} sage {rnd(v.get('graphsage'))} (on augmented graph "
              f"{rnd((v.get('graphsage') or {}).get('on_augmented'))})  tree {rnd(v['tree'])} "
              f"(on augmented graph {rnd(v['tree'].get('on_augmented'))})  {v['detector_s']:.0f} s", flush=True)
    return rec


def summarise(records, variants) -> dict:
    out = {}
    for v in variants:
        out[v] = {}
        for det in ("graphsage", "tree"):
            for m in ("auroc", "auprc", "rec@k"):
                vals = [r["variants"][v][det][m] for r in records if det in r["variants"].get(v, {})]
                if vals:
                    out[v][f"{det}_{m}"] = [float(np.mean(vals)), float(np.std(vals)), len(vals)]
                vals = [r["variants"][v][det]["on_augmented"][m] for r in records
                        if "on_augmented" in r["variants"].get(v, {}).get(det, {})]
                if vals:
                    out[v][f"{det}_{m}_on_augmented_graph"] = [float(np.mean(vals)), float(np.std(vals)), len(vals)]
        fids = [r["fidelity"][v] for r in records if v in r["fidelity"]]
        for k in ("feature_wasserstein_mean", "mmd", "log_degree_wasserstein", "time_wasserstein",
                  "mean_degree_synthetic", "neighbour_train_anomaly_frac_real",
                  "neighbour_train_anomaly_frac_synthetic", "neighbour_synthetic_frac_synthetic"):
            vals = [f[k] for f in fids if k in f]
            if vals:
                out[v][f"fidelity_{k}"] = float(np.mean(vals))
    ref = [r["fidelity"]["real_test_vs_real_train"] for r in records]
    out["real_heldout_reference"] = {f"fidelity_{k}": float(np.mean([f[k] for f in ref if k in f]))
                                     for k in ("feature_wasserstein_mean", "mmd", "log_degree_wasserstein",
                                               "time_wasserstein", "mean_degree_real", "neighbour_train_anomaly_frac_real",
                                               "neighbour_train_anomaly_frac_synthetic") if k in ref[0]}
    return out


def table(summary, variants, n_seeds: int | None = None) -> str:
    """Mean ± std over seeds; a cell over fewer seeds than the run says how many, as (n=...)."""
    lines = ["| variant | SAGE AUROC | SAGE AUPRC | SAGE Rec@K | tree AUROC | tree AUPRC | tree Rec@K |",
             "|---|---|---|---|---|---|---|"]

    def cell(s, k):
        if k not in s:
            return "-"
        mean, std, n = s[k]
        return f"{mean:.3f} ± {std:.3f}" + (f" (n={n})" if n_seeds and n < n_seeds else "")

    for v in variants:
        lines.append(f"| {v} | " + " | ".join(cell(summary[v], f"{d}_{m}") for d in ("graphsage", "tree")
                                                for m in ("auroc", "auprc", "rec@k")) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="tolokers")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--sage-epochs", type=int, default=None,
                    help="fixed GraphSAGE epoch budget (default: the protocol's max_epochs with early stopping)")
    ap.add_argument("--sage-variants", default=",".join(VARIANTS), help="variants that GraphSAGE also scores")
    ap.add_argument("--godm", default="{}", help="JSON of GODMConfig options for this run")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tree", default="graphgbm", help="foundation tree detector (xgbgraph where graphgbm is too slow)")
    ap.add_argument("--syn-weight", default="1.0",
                    help="GraphSAGE loss weight of a synthetic node; a comma list is chosen per seed on validation AUPRC")
    ap.add_argument("--split", default="full", choices=["full", "semi"],
                    help="full: the dataset's stratified split; semi: GADBench's 20 + 80 labelled nodes for training")
    ap.add_argument("--out", default=None)
    ap.add_argument("--resume", action="store_true", help="keep the seeds already in the result file, run the next ones")
    ap.add_argument("--trials", default=None,
                    help="comma list of trial indices to run (e.g. 0,2,4 in one process and 1,3 in another)")
    ap.add_argument("--merge", default=None,
                    help="comma list of result files (same settings, disjoint trials) to combine into --out")
    ap.add_argument("--refresh-published", action="store_true",
                    help="only rewrite the published_godm block of an existing result file")
    add_data_argument(ap)
    args = ap.parse_args()
    out = Path(args.out or Path(__file__).parent / "results" / f"godm_{args.dataset}.json")
    if args.refresh_published:
        res = json.loads(out.read_text())
        res["published_godm"] = PUBLISHED if args.dataset == "tolokers" else "not run (Tolokers only)"
        out.write_text(json.dumps(res, indent=1))
        return
    set_threads(args.threads)
    variants = args.variants.split(",")
    g0, ratios = load(args.dataset, args.data)
    ratios = "semi" if args.split == "semi" else ratios
    records = json.loads(out.read_text())["records"] if args.resume and out.is_file() else []
    start = time.time()
    if args.merge:
        parts = [json.loads(Path(f).read_text()) for f in args.merge.split(",")]
        records = sorted((r for p in parts for r in p["records"]), key=lambda r: r["seed"])
        trials = []
    else:
        trials = [int(t) for t in args.trials.split(",")] if args.trials else range(len(records), args.seeds)
    for trial in list(trials) + ([None] if args.merge else []):
        if trial is not None:
            records.append(run_seed(g0, ratios, trial, variants, args.sage_epochs, json.loads(args.godm),
                                    args.sage_variants.split(","), args.tree,
                                    [float(w) for w in args.syn_weight.split(",")]))
        summary = summarise(records, variants)
        res = {
            "dataset": args.dataset, "seeds": [r["seed"] for r in records], "split": ratios if ratios == "semi" else list(ratios),
            "variants": variants, "summary": summary, "records": records,
            "godm_fit_generate_s": [r["godm_fit_generate_s"] for r in records],
            "threads": args.threads, "machine": platform.processor() or platform.machine(),
            "graphsage_protocol": f"PyG SAGEConv hidden 64, 2 layers, {sage_protocol(args.sage_epochs)}, "
                                  "full batch, CE weighted by the real training nodes' class ratio, synthetic nodes x "
                                  f"{args.syn_weight} (a list: chosen per seed on validation AUPRC), test at best validation AUPRC",
            "evaluation": "detectors train on the augmented graph; validation and test nodes are scored on the real "
                          "graph (synthetic nodes and edges removed). *_on_augmented_graph keeps the scores on the "
                          "augmented graph itself (the earlier protocol), where synthetic edges touch real test nodes",
            "tree_detector": args.tree,
            "peak_rss_mb": max(r.get("peak_rss_mb", 0) for r in records),
            "load_average_at_end": list(os.getloadavg()),
            "godm_config": GODM(**json.loads(args.godm)).config.to_dict(),
            "godm_fit_generate_cpu_s": [r["godm_fit_generate_cpu_s"] for r in records],
            "sage_variants": args.sage_variants.split(","),
            "published_godm": PUBLISHED if args.dataset == "tolokers" else "not run (Tolokers only)",
            "wall_s": sum(p["wall_s"] for p in parts) if args.merge else time.time() - start,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1))
        print(table(summary, variants, len(records)), flush=True)


if __name__ == "__main__":
    main()
