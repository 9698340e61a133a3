"""Tolokers ablations on the session-4b code, paired per seed with the session-5 none / GODM records.

The ablation run (bench/godm_bench.py --variants no_diffusion,...,smote) fits GODM per seed exactly as
session 5 did (same seeds, split, GODM config, GraphSAGE protocol and tree detector) but scores only the
ablations; ``none`` and ``godm`` come from bench/results/godm_tolokers_s5.json (their code path is
unchanged), marked ``from``. Writes bench/results/godm_tolokers_ablations_paired.json and prints the markdown tables.

    PYTHONPATH=src python bench/godm_ablation_merge.py bench/results/godm_tolokers_ablations.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from godm_bench import summarise, table  # noqa: E402
from godm_pair import delta_table, paired  # noqa: E402

RES = Path(__file__).parent / "results"
ORDER = ["none", "godm", "no_diffusion", "no_class_cond", "disconnected", "random_oversampling", "smote"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ablations", help="the ablation run's result file (bench/godm_bench.py --variants ...), "
                    "e.g. bench/results/godm_tolokers_ablations.json")
    path = ap.parse_args().ablations
    abl = json.loads(Path(path).read_text())
    s5 = {r["seed"]: r for r in json.loads((RES / "godm_tolokers_s5.json").read_text())["records"]}
    records = []
    for r in abl["records"]:
        ref = s5[r["seed"]]
        base = {"none": ref["variants"]["none"],  # itself session 4's, marked from godm_tolokers_s4.json
                "godm": {**ref["variants"]["godm"], "from": "godm_tolokers_s5.json"}}
        fid = {"godm": ref["fidelity"]["godm"], **r["fidelity"]}
        records.append({**r, "variants": {**base, **r["variants"]}, "fidelity": fid})
    variants = [v for v in ORDER if all(v in r["variants"] for r in records)]
    summary = summarise(records, variants)
    deltas = {**paired(records, variants, "none"), **paired(records, variants[1:], "godm")}
    res = {**abl, "seeds": [r["seed"] for r in records], "variants": variants, "summary": summary,
           "records": records, "paired_deltas": deltas,
           "reference_arms": "none and godm records are those of bench/results/godm_tolokers_s5.json for the same "
                             "seeds (none itself from godm_tolokers_s4.json); their code path is unchanged, so they "
                             "were not rerun. The ablation run refits GODM per seed with the same seed and config.",
           "ablation_run": {"file": path, "wall_s": abl["wall_s"], "load_average_at_end": abl["load_average_at_end"]}}
    (RES / "godm_tolokers_ablations_paired.json").write_text(json.dumps(res, indent=1, default=float))
    n = len(records)
    print(f"seeds {res['seeds']}\n\n{table(summary, variants, n)}\n\n{delta_table(deltas, variants, 'none')}\n")
    print(delta_table(deltas, variants[1:], "godm"))
    print("\n| generator | feature W1 | MMD | log-degree W1 | mean degree | nbr train-anomaly frac | nbr synthetic frac |")
    print("|---|---|---|---|---|---|---|")
    for v in ["real_heldout_reference"] + variants[1:]:
        f = summary[v]
        g = lambda k: f"{f[k]:.3f}" if k in f else "-"  # noqa: E731
        deg = g("fidelity_mean_degree_real" if v == "real_heldout_reference" else "fidelity_mean_degree_synthetic")
        print(f"| {v} | {g('fidelity_feature_wasserstein_mean')} | {g('fidelity_mmd')} | "
              f"{g('fidelity_log_degree_wasserstein')} | {deg} | {g('fidelity_neighbour_train_anomaly_frac_synthetic')} | "
              f"{g('fidelity_neighbour_synthetic_frac_synthetic')} |")
    ref = summary["real_heldout_reference"]
    print("real training anomalies' neighbours that are training anomalies:",
          round(ref.get("fidelity_neighbour_train_anomaly_frac_real", float("nan")), 3))
    print("syn weights", {v: [r["variants"][v]["graphsage"].get("syn_weight") for r in records] for v in variants[1:]})
    print("GODM fit+generate wall", [round(x) for x in abl["godm_fit_generate_s"]],
          "cpu", [round(x) for x in abl["godm_fit_generate_cpu_s"]])


if __name__ == "__main__":
    main()
