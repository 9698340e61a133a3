"""The published GODM (`godm` 0.1.0, Liu et al. arXiv 2312.17679) in graphguard's Tolokers GODM benchmark.

Why three stages: the published package runs only with torch-sparse built with METIS and PyG 2.4.0,
so it lives in its own virtual environment; graphguard's environment (PyG 2.8.1) never imports it.
The two talk through npz/json files under --work (default /tmp/godm_ref/work).

1. ``export`` (graphguard env): each seed's stratified 50/25/25 split, features, edges and labels.
2. ``fit`` (the venv): the published GODM fitted on that graph with ONLY the training labels: the
   exported y has every validation and test node set to 0 (the package itself also zeroes y outside
   train_mask, but from a deep copy of the full y that it writes back into its output, so the full
   y never enters the venv). It generates its default number of synthetic nodes (= training
   anomalies), which its code merges as disconnected components (torch_geometric Batch); the
   synthetic x, their edges (local ids, self-loops included, as generated) and the fit+generation
   wall time, CPU time (self and reaped children: its ClusterLoader starts 4 workers) and peak RSS
   (getrusage, self and largest child) are saved.
3. ``score`` (graphguard env): the augmented graph via graphguard.augment.merge.append_nodes
   (synthetic nodes is_synthetic, train only, no edges to real nodes), scored with the same
   GraphSAGE (syn_weight 0.3 / 1.0 chosen on validation AUPRC) and graphgbm functions as
   bench/godm_bench.py (train on the augmented graph, validation/test on the real graph).
   ``report`` merges the per-seed records into bench/results/godm_tolokers_published.json and prints
   paired differences against the `none` arm (godm_tolokers_s4.json) and graphguard's GODM
   (godm_tolokers_s5.json connected, godm_tolokers_inbound_s7.json inbound).

Environment, exactly as built for the recorded run (2-core shared machine, nothing as root except
apt-get download; all under /tmp/godm_ref, outside the repository):

    cd /tmp/godm_ref && python -m venv venv
    ./venv/bin/pip install torch==2.13.0            # resolves to the local CPU wheel
    ./venv/bin/pip install torch_geometric==2.4.0 numpy scipy scikit-learn tqdm pygod
    apt-get download libmetis5 libmetis-dev        # -> libmetis{5,-dev}_5.1.0.dfsg-7_amd64.deb
    for d in *.deb; do dpkg -x $d metis; done
    mkdir src && cd src
    ../venv/bin/pip download --no-deps --no-build-isolation --no-binary :all: torch-scatter==2.1.2
    ../venv/bin/pip download --no-deps --no-build-isolation --no-binary :all: torch-sparse==0.6.18
    tar xzf torch_scatter-2.1.2.tar.gz && tar xzf torch_sparse-0.6.18.tar.gz
    (cd torch_scatter-2.1.2 && MAX_JOBS=1 FORCE_CUDA=0 nice -n 10 \\
        ../../venv/bin/pip install --no-build-isolation --no-deps .)
    # Debian's idx_t is 32-bit: in torch_sparse-0.6.18/csrc/cpu/metis_cpu.cpp, partition_cpu converts
    # rowptr/col/weights to int32 before METIS_PartGraph{Kway,Recursive} and the partition back to int64
    # (the diff is bench/published_godm/metis_int32.patch)
    M=/tmp/godm_ref/metis/usr
    (cd torch_sparse-0.6.18 && WITH_METIS=1 FORCE_CUDA=0 MAX_JOBS=1 CPATH=$M/include \\
        LIBRARY_PATH=$M/lib/x86_64-linux-gnu LD_LIBRARY_PATH=$M/lib/x86_64-linux-gnu nice -n 10 \\
        ../../venv/bin/pip install --no-build-isolation --no-deps .)
    cd .. && mkdir godm_src && tar xzf /tmp/s7/dl/godm-0.1.0.tar.gz -C godm_src
    # godm/godm.py: ReduceLROnPlateau becomes a subclass that accepts and drops verbose= (torch 2.13)
    # (the diff is bench/published_godm/godm_torch213.patch)
    ./venv/bin/pip install --no-deps --no-build-isolation ./godm_src/godm-0.1.0

Run (from the repository root):

    G="env PYTHONPATH=$PWD/src GRAPHGUARD_DATA=/work/shared/data OMP_NUM_THREADS=1 GRAPHGUARD_THREADS=1"
    # (or pass --data DIR to export and score; the venv's fit stage never reads the shared data)
    $G python bench/godm_published.py export --trials 0,1,2,3,4
    mkdir -p /tmp/godm_ref/run && cd /tmp/godm_ref/run   # it writes ./ckpt here
    LD_LIBRARY_PATH=/tmp/godm_ref/metis/usr/lib/x86_64-linux-gnu TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 \\
        OMP_NUM_THREADS=1 /tmp/godm_ref/venv/bin/python $OLDPWD/bench/godm_published.py fit --trials 0
    cd - && $G python bench/godm_published.py score --trials 0
    $G python bench/godm_published.py report   # --results DIR if godm_tolokers_inbound_s7.json is elsewhere

The recorded run looped fit (one process per trial, so getrusage is per seed) and score over trials 0-4, two
score loops in parallel once the machine was quiet, and ran report with --results /work/main/bench/results
(godm_tolokers_inbound_s7.json was not yet committed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from _data import TOLOKERS, add_data_argument, require_data  # imports no graphguard: the venv loads it too

HERE = Path(__file__).parent
RESULTS = HERE / "results"
OUT = RESULTS / "godm_tolokers_published.json"
SYN_WEIGHT = [0.3, 1.0]
COMPARE = {"none": ("godm_tolokers_s4.json", "none"), "graphguard GODM connected": ("godm_tolokers_s5.json", "godm"),
           "graphguard GODM inbound": ("godm_tolokers_inbound_s7.json", "inbound")}


def _seed(trial: int) -> int:
    from graphguard.data.splits import trial_seed

    return trial_seed(trial)


def _real_graph(trial: int, data: Path):
    """Tolokers with trial ``trial``'s split, through godm_bench's own loader and splitter."""
    sys.path.insert(0, str(HERE))
    from godm_bench import load, split_graph

    g0, ratios = load("tolokers", data)
    return split_graph(g0, ratios, _seed(trial))


def export(work: Path, trials, data: Path) -> None:
    import numpy as np

    work.mkdir(parents=True, exist_ok=True)
    for t in trials:
        g = _real_graph(t, data)
        y_train = (g.y.numpy() * g.train_mask.numpy()).astype(np.int64)  # val/test labels never leave this env
        np.savez(work / f"graph_{_seed(t)}.npz", x=g.x.numpy(), edge_index=g.edge_index.numpy(), y_train=y_train,
                 train_mask=g.train_mask.numpy(), val_mask=g.val_mask.numpy(), test_mask=g.test_mask.numpy())
        print(f"exported seed {_seed(t)}: {int(g.train_mask.sum())} train nodes, {int(y_train.sum())} train anomalies")


def fit(work: Path, seed: int) -> None:
    """Runs in the venv: only numpy, torch, torch_geometric 2.4.0 and godm are imported."""
    import numpy as np
    import torch
    from godm import GODM
    from torch_geometric.data import Data

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    d = np.load(work / f"graph_{seed}.npz")
    n = int(d["x"].shape[0])
    data = Data(x=torch.from_numpy(d["x"]).float(), edge_index=torch.from_numpy(d["edge_index"]).long(),
                y=torch.from_numpy(d["y_train"]).long(), train_mask=torch.from_numpy(d["train_mask"]),
                val_mask=torch.from_numpy(d["val_mask"]), test_mask=torch.from_numpy(d["test_mask"]))
    t0, c0 = time.perf_counter(), time.process_time()
    aug = GODM(name=f"tolokers_{seed}", device=-1)(data)  # defaults otherwise; device -1: CPU
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    ei = aug.edge_index
    syn_e = ei[:, (ei[0] >= n) & (ei[1] >= n)] - n
    cross = int(((ei[0] >= n) ^ (ei[1] >= n)).sum())
    np.savez(work / f"published_{seed}.npz", x=aug.x[n:].detach().numpy(), edge_index=syn_e.numpy(),
             y=aug.y[n:].numpy())
    info = {"seed": seed, "num_synthetic": int(aug.num_nodes - n), "num_synthetic_edges": int(syn_e.shape[1]),
            "self_loops": int((syn_e[0] == syn_e[1]).sum()), "edges_real_synthetic": cross,
            "merge": "disconnected (torch_geometric Batch of the real graph and the generated graphs)",
            "fit_generate_s": wall, "fit_generate_cpu_s_self": cpu,
            "fit_generate_cpu_s_children": kids.ru_utime + kids.ru_stime,
            "peak_rss_mb_self": me.ru_maxrss / 1024, "peak_rss_mb_largest_child": kids.ru_maxrss / 1024,
            "torch": torch.__version__, "load_average_at_end": list(os.getloadavg())}
    (work / f"published_{seed}.json").write_text(json.dumps(info, indent=1))
    print(json.dumps(info))


def score(work: Path, trial: int, data: Path) -> dict:
    import numpy as np
    import torch

    sys.path.insert(0, str(HERE))
    from godm_detectors import graphsage, tree

    from graphguard.augment import fidelity
    from graphguard.augment.merge import append_nodes
    from graphguard.data.graph import target_store
    from graphguard.utils import set_threads

    set_threads(1)
    seed = _seed(trial)
    g = _real_graph(trial, data)
    p = np.load(work / f"published_{seed}.npz")
    info = json.loads((work / f"published_{seed}.json").read_text())
    assert set(np.unique(p["y"]).tolist()) == {1}, "published GODM generated a non-anomaly"
    n = int(g.num_nodes)
    ei = torch.from_numpy(p["edge_index"]).long() + n
    ag = append_nodes(g, torch.from_numpy(p["x"]), 1, None, {("node", "to", "node"): (ei, None)})
    s, a = target_store(g), target_store(ag)
    assert not bool((a.is_synthetic & (a.val_mask | a.test_mask)).any())
    real_train = torch.nonzero(s.train_mask & (s.y == 1)).squeeze(1).numpy()
    syn = torch.nonzero(a.is_synthetic).squeeze(1).numpy()
    rec = {"seed": seed, "variants": {}, "fidelity": {}, "published": info}
    rec["fidelity"]["published"] = fidelity(ag, real_train, syn, real_graph=g)
    t = time.perf_counter()
    v = rec["variants"]["published"] = {"num_synthetic": int(syn.size)}
    v["graphsage"] = graphsage(ag, seed, original=g, syn_weight=SYN_WEIGHT)
    v["tree"] = tree(ag, seed, original=g, name="graphgbm")
    v["detector_s"] = time.perf_counter() - t
    rec["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (work / f"score_{seed}.json").write_text(json.dumps(rec, indent=1))
    print(f"seed {seed}: sage {v['graphsage']['auroc']:.4f}/{v['graphsage']['auprc']:.4f} "
          f"tree {v['tree']['auroc']:.4f}/{v['tree']['auprc']:.4f} ({v['detector_s']:.0f} s)", flush=True)
    return rec


def _ms(vals) -> str:
    import numpy as np

    return f"{np.mean(vals):.3f} ± {np.std(vals):.3f}" if vals else "-"


def report(work: Path, results: Path) -> None:
    import numpy as np

    recs = sorted((json.loads(f.read_text()) for f in work.glob("score_*.json")), key=lambda r: r["seed"])
    seeds = [r["seed"] for r in recs]
    arms = {"published": {r["seed"]: r["variants"]["published"] for r in recs}}
    costs = {"published": {r["seed"]: r["published"] for r in recs}}
    for arm, (fname, key) in COMPARE.items():
        f = results / fname
        if not f.is_file():
            print(f"(no {f}: arm '{arm}' left out)")
            continue
        data = json.loads(f.read_text())
        arms[arm] = {r["seed"]: r["variants"][key] for r in data["records"] if key in r["variants"]}
        if key != "none":
            costs[arm] = {r["seed"]: r for r in data["records"] if key in r["variants"]}
    lines = ["| arm | seeds | SAGE AUROC | SAGE AUPRC | graphgbm AUROC | graphgbm AUPRC |", "|---|---|---|---|---|---|"]
    summary = {}
    for arm, by in arms.items():
        common = [s for s in seeds if s in by]
        cells = {}
        for det in ("graphsage", "tree"):
            for m in ("auroc", "auprc"):
                cells[f"{det}_{m}"] = [by[s][det][m] for s in common]
        summary[arm] = {k: [float(np.mean(v)), float(np.std(v)), len(v)] for k, v in cells.items() if v}
        lines.append(f"| {arm} | {len(common)} | " + " | ".join(_ms(cells[k]) for k in cells) + " |")
    paired = {}
    lines += ["", "Paired differences, published minus arm (mean ± std over common seeds):",
              "| vs | seeds | SAGE AUROC | SAGE AUPRC | graphgbm AUROC | graphgbm AUPRC |", "|---|---|---|---|---|---|"]
    for arm, by in arms.items():
        if arm == "published":
            continue
        common = [s for s in seeds if s in by]
        diffs = {f"{det}_{m}": [arms["published"][s][det][m] - by[s][det][m] for s in common]
                 for det in ("graphsage", "tree") for m in ("auroc", "auprc")}
        paired[arm] = {k: {"mean": float(np.mean(v)), "std": float(np.std(v)), "per_seed": v}
                       for k, v in diffs.items() if v}
        lines.append(f"| {arm} | {len(common)} | " + " | ".join(
            f"{np.mean(v):+.3f} ± {np.std(v):.3f}" if v else "-" for v in diffs.values()) + " |")
    lines += ["", "Per seed (SAGE AUROC/AUPRC, graphgbm AUROC/AUPRC):"]
    for s in seeds:
        lines.append(f"  {s}: " + "; ".join(
            f"{arm} {by[s]['graphsage']['auroc']:.3f}/{by[s]['graphsage']['auprc']:.3f} "
            f"{by[s]['tree']['auroc']:.3f}/{by[s]['tree']['auprc']:.3f}" for arm, by in arms.items() if s in by))
    cost = {}
    lines += ["", "| GODM | seeds | fit+generate wall s | CPU s | peak RSS MB |", "|---|---|---|---|---|"]
    for arm, by in costs.items():
        common = [s for s in seeds if s in by]
        if arm == "published":
            wall = [by[s]["fit_generate_s"] for s in common]
            cpu = [by[s]["fit_generate_cpu_s_self"] + by[s]["fit_generate_cpu_s_children"] for s in common]
            rss = [by[s]["peak_rss_mb_self"] for s in common]
        else:
            wall = [by[s]["godm_fit_generate_s"] for s in common]
            cpu = [by[s]["godm_fit_generate_cpu_s"] for s in common]
            rss = [by[s]["peak_rss_mb_after_godm"] for s in common]
        cost[arm] = {"fit_generate_s": wall, "cpu_s": cpu, "peak_rss_mb": rss}
        lines.append(f"| {arm} | {len(common)} | {np.mean(wall):.0f} ({min(wall):.0f}-{max(wall):.0f}) | "
                     f"{np.mean(cpu):.0f} | {np.mean(rss):.0f} |")
    text = "\n".join(lines)
    out = {"dataset": "tolokers", "seeds": seeds, "split": [0.5, 0.25, 0.25], "syn_weight": SYN_WEIGHT,
           "tree_detector": "graphgbm", "records": recs, "summary": summary, "paired_published_minus": paired,
           "godm_cost": cost, "compared_with": {k: v[0] for k, v in COMPARE.items()},
           "published_package": "godm 0.1.0 (sdist), defaults, device CPU, torch 2.13.0+cpu, torch_geometric 2.4.0, "
                                "torch-sparse 0.6.18 with METIS (int32 patch), ReduceLROnPlateau verbose patch",
           "evaluation": "detectors train on the augmented graph; validation and test nodes are scored on the real "
                         "graph; published GODM saw only training labels",
           "machine": "2 cores, shared with the lead's benchmarks (wall times inflated; CPU times are the steadier "
                      "figure)", "table": text}
    OUT.write_text(json.dumps(out, indent=1))
    print(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=["export", "fit", "score", "report"])
    ap.add_argument("--trials", default="0,1,2,3,4")
    ap.add_argument("--work", default="/tmp/godm_ref/work")
    ap.add_argument("--results", default=str(RESULTS), help="folder holding the none / graphguard GODM result files")
    add_data_argument(ap)
    a = ap.parse_args()
    work, trials = Path(a.work), [int(t) for t in a.trials.split(",")]
    # the venv's fit stage reads only --work (and has no graphguard to look the data up with)
    data = require_data(a.data, TOLOKERS) if a.stage in ("export", "score") else None
    if a.stage == "export":
        export(work, trials, data)
    elif a.stage == "fit":
        for t in trials:
            fit(work, 3407 + 10 * t)  # trial_seed(t), without importing graphguard in the venv
    elif a.stage == "score":
        for t in trials:
            score(work, t, data)
    else:
        report(work, Path(a.results))


if __name__ == "__main__":
    main()
