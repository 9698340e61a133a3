"""Session 5 Tolokers result: the rerun GODM arm next to session 4's plain arm, with paired deltas.

Only the GODM arm was rerun (the empirical degrees change nothing on the plain arm's code path:
same graph, split, seeds, GraphSAGE protocol and tree detector), so each seed's ``none`` record is
session 4's, marked ``from``. Writes bench/results/godm_tolokers_s5.json and prints the tables.

    PYTHONPATH=src python bench/godm_s5_merge.py bench/results/godm_tolokers_s5_a.json,...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from godm_bench import summarise, table  # noqa: E402

RES = Path(__file__).parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("parts", help="comma-separated result files of the session-5 GODM run's processes, "
                    "e.g. bench/results/godm_tolokers_s5_a.json,bench/results/godm_tolokers_s5_b.json")
    parts = [json.loads(Path(f).read_text()) for f in ap.parse_args().parts.split(",")]
    s4 = {r["seed"]: r for r in json.loads((RES / "godm_tolokers_s4.json").read_text())["records"]}
    records = []
    for r in sorted((r for p in parts for r in p["records"]), key=lambda r: r["seed"]):
        r = {**r, "variants": {"none": {**s4[r["seed"]]["variants"]["none"], "from": "godm_tolokers_s4.json"},
                               **r["variants"]}}
        records.append(r)
    variants = ["none", "godm"]
    summary = summarise(records, variants)
    deltas = {}
    for det in ("graphsage", "tree"):
        for m in ("auroc", "auprc"):
            vs_none = [r["variants"]["godm"][det][m] - r["variants"]["none"][det][m] for r in records]
            vs_s4 = [r["variants"]["godm"][det][m] - s4[r["seed"]]["variants"]["godm"][det][m] for r in records]
            deltas[f"{det}_{m}"] = {"godm_minus_none_per_seed": vs_none, "mean_std": [np.mean(vs_none), np.std(vs_none)],
                                    "godm_minus_s4_godm_per_seed": vs_s4, "s4_mean_std": [np.mean(vs_s4), np.std(vs_s4)]}
    res = {**parts[0], "seeds": [r["seed"] for r in records], "variants": variants, "summary": summary,
           "records": records, "paired_deltas": deltas,
           "godm_fit_generate_s": [r["godm_fit_generate_s"] for r in records],
           "godm_fit_generate_cpu_s": [r["godm_fit_generate_cpu_s"] for r in records],
           "peak_rss_mb": max(p["peak_rss_mb"] for p in parts), "wall_s": [p["wall_s"] for p in parts],
           "load_average_at_end": [p["load_average_at_end"] for p in parts],
           "code": "commit 8cf7e02 (empirical class-conditional degrees, mutual budget among synthetic nodes); GODM "
                   "arm as two processes (trials 0,2,4 / 1,3), one thread each, shared 2-core machine",
           "none_arm": "from bench/results/godm_tolokers_s4.json (same seeds, splits and protocol; code path untouched)"}
    (RES / "godm_tolokers_s5.json").write_text(json.dumps(res, indent=1, default=float))
    print(table(summary, variants, len(records)))
    for k in ("godm", "real_heldout_reference"):
        print(k, {a: round(b, 3) for a, b in summary[k].items() if a.startswith("fidelity")})
    for k, d in deltas.items():
        print(f"{k}: vs none {d['mean_std'][0]:+.3f} ± {d['mean_std'][1]:.3f} "
              f"{[round(x, 3) for x in d['godm_minus_none_per_seed']]}; vs session-4 GODM "
              f"{d['s4_mean_std'][0]:+.3f} ± {d['s4_mean_std'][1]:.3f} {[round(x, 3) for x in d['godm_minus_s4_godm_per_seed']]}")
    print("syn weights", [r["variants"]["godm"]["graphsage"].get("syn_weight") for r in records])
    print("best epochs", [r["variants"]["godm"]["graphsage"].get("best_epoch") for r in records])


if __name__ == "__main__":
    main()
