"""Combine GODM benchmark runs of the same seeds into one paired comparison.

Runs on the same seeds, split, GODM config, GraphSAGE protocol and tree detector can be merged per
seed: every detector in the benchmark is deterministic per seed on one thread (a rerun of an
unchanged arm reproduces its figures exactly), so an arm whose code path did not change need not be
rerun. Files are read in order and a later file's detector results replace an earlier one's (a
detector the later file did not run is kept, so a trees-only rerun keeps GraphSAGE); each arm records
the file(s) it came from. Writes the merged records, the summary and the per-seed paired differences
against ``none`` and ``godm``, and prints the markdown tables.

    PYTHONPATH=src python bench/godm_pair.py --out bench/results/godm_hetero_s7_paired.json \
        bench/results/godm_hetero_s6.json bench/results/godm_hetero_s7.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from godm_bench import VARIANTS, summarise, table  # noqa: E402

DETECTORS = ("graphsage", "tree")
METRICS = [(d, m) for d in DETECTORS for m in ("auroc", "auprc")]


def paired(records, variants, ref: str) -> dict:
    """Per-seed difference of every variant against ``ref``, with mean and (population) std over seeds."""
    out = {}
    for v in variants:
        if v == ref:
            continue
        for d, m in METRICS:
            diff = [r["variants"][v][d][m] - r["variants"][ref][d][m] for r in records]
            out[f"{v}_minus_{ref}_{d}_{m}"] = {"per_seed": diff, "mean": float(np.mean(diff)), "std": float(np.std(diff))}
    return out


def delta_table(deltas, variants, ref: str) -> str:
    lines = [f"| variant − {ref} | SAGE AUROC | SAGE AUPRC | tree AUROC | tree AUPRC |", "|---|---|---|---|---|"]
    for v in variants:
        if v == ref:
            continue
        cells = [deltas[f"{v}_minus_{ref}_{d}_{m}"] for d, m in METRICS]
        lines.append(f"| {v} | " + " | ".join(f"{c['mean']:+.3f} ± {c['std']:.3f} ({sum(x > 0 for x in c['per_seed'])}/"
                                             f"{len(c['per_seed'])})" for c in cells) + " |")
    return "\n".join(lines)


def merge(files: list[str]) -> tuple[list[dict], list[dict]]:
    by_seed: dict[int, dict] = {}
    runs = []
    for f in files:
        d = json.loads(Path(f).read_text())
        runs.append({"file": f, "variants": d["variants"], "wall_s": d.get("wall_s"),
                     "load_average_at_end": d.get("load_average_at_end"),
                     "godm_fit_generate_cpu_s": d.get("godm_fit_generate_cpu_s")})
        for r in d["records"]:
            m = by_seed.setdefault(r["seed"], {"seed": r["seed"], "variants": {}, "fidelity": {}})
            for v, rec in r["variants"].items():
                old = m["variants"].get(v, {})
                kept = {d for d in DETECTORS if d in old and d not in rec}  # e.g. a trees-only rerun keeps GraphSAGE
                src = f"{old['from']} + {Path(f).name}" if kept else Path(f).name
                m["variants"][v] = {**old, **rec, "from": src}
            m["fidelity"].update(r["fidelity"])
            for k, val in r.items():
                if k not in ("variants", "fidelity", "seed"):
                    m[k] = val
    return [by_seed[s] for s in sorted(by_seed)], runs


def fidelity_table(summary, variants) -> str:
    lines = ["| generator | feature W1 | MMD | log-degree W1 | time W1 | nbr train-anomaly frac |",
             "|---|---|---|---|---|---|"]
    for v in ["real_heldout_reference"] + [v for v in variants if v != "none"]:
        f = summary[v]
        g = lambda k: f"{f[k]:.3f}" if k in f else "-"  # noqa: E731
        nbr = "fidelity_neighbour_train_anomaly_frac_real" if v == "real_heldout_reference" else \
            "fidelity_neighbour_train_anomaly_frac_synthetic"
        lines.append(f"| {v} | {g('fidelity_feature_wasserstein_mean')} | {g('fidelity_mmd')} | "
                     f"{g('fidelity_log_degree_wasserstein')} | {g('fidelity_time_wasserstein')} | {g(nbr)} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", help="result files of bench/godm_bench.py, earliest first")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    records, runs = merge(args.files)
    variants = [v for v in VARIANTS if all(v in r["variants"] for r in records)]
    summary = summarise(records, variants)
    deltas = {**paired(records, variants, "none")}
    if "godm" in variants:
        deltas.update(paired(records, [v for v in variants if v not in ("none", "godm")], "godm"))
    res = {"seeds": [r["seed"] for r in records], "variants": variants, "summary": summary, "records": records,
           "paired_deltas": deltas, "runs": runs,
           "note": "arms merged per seed from the runs listed (a later run's arm replaces an earlier one's; "
                   "each arm names its file under 'from'); every detector is deterministic per seed on one thread"}
    Path(args.out).write_text(json.dumps(res, indent=1, default=float))
    n = len(records)
    print(f"seeds {res['seeds']}\n\n{table(summary, variants, n)}\n")
    print(delta_table(deltas, variants, "none") + "\n")
    if "godm" in variants:
        print(delta_table(deltas, [v for v in variants if v not in ("none", "godm")], "godm") + "\n")
    print(fidelity_table(summary, variants))


if __name__ == "__main__":
    main()
