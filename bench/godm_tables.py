"""Markdown tables from bench/results/godm_*.json (for docs/godm.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from godm_bench import table  # noqa: E402

RES = Path(__file__).parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()  # takes no arguments; only --help
    for name in ("tolokers_s4", "hetero_s4", "tolokers_5seeds", "yelpchi", "hetero_rerun", "tolokers", "hetero"):
        p = RES / f"godm_{name}.json"
        if not p.is_file():
            print(f"\n### {name}: not run\n")
            continue
        r = json.loads(p.read_text())
        s = r["summary"]
        print(f"\n### {name}: seeds {r['seeds']} (split {r['split']})\n")
        print(table(s, r["variants"], len(r["seeds"])))
        aug = [(v, d) for v in r["variants"] for d in ("graphsage", "tree") if f"{d}_auprc_on_augmented_graph" in s[v]]
        if aug:
            print("\nThe same models scored on the augmented graph itself (synthetic edges present at test time):\n")
            print("| variant | detector | AUROC | AUPRC |\n|---|---|---|---|")
            for v, d in aug:
                a, p = s[v][f"{d}_auroc_on_augmented_graph"], s[v][f"{d}_auprc_on_augmented_graph"]
                print(f"| {v} | {d} | {a[0]:.3f} ± {a[1]:.3f} | {p[0]:.3f} ± {p[1]:.3f} |")
        weights = [rec["variants"][v]["graphsage"].get("syn_weight") for rec in r["records"] for v in r["variants"]
                   if v != "none" and "graphsage" in rec["variants"].get(v, {})]
        if any(w is not None for w in weights):
            print(f"\nGraphSAGE synthetic-node weight chosen on validation, per seed and variant: {weights}")
        print("\nFidelity of generated anomalies vs real training anomalies (mean over seeds; lower is closer):\n")
        print("| variant | feature W1 (mean, in real std) | MMD | log-degree W1 | mean degree (syn) | time W1 |")
        print("|---|---|---|---|---|---|")
        for v in ["real_heldout_reference"] + [v for v in r["variants"] if v != "none"]:
            f = s[v]
            g = lambda k: f"{f[k]:.3f}" if k in f else "-"  # noqa: E731
            deg = g("fidelity_mean_degree_synthetic") if v != "real_heldout_reference" else g("fidelity_mean_degree_real")
            print(f"| {v} | {g('fidelity_feature_wasserstein_mean')} | {g('fidelity_mmd')} | "
                  f"{g('fidelity_log_degree_wasserstein')} | {deg} | {g('fidelity_time_wasserstein')} |")
        wall, cpu = r["godm_fit_generate_s"], r.get("godm_fit_generate_cpu_s", [])
        load = r.get("load_average_at_end")
        print(f"\nGODM fit + generation: wall {min(wall):.0f}-{max(wall):.0f} s, CPU {min(cpu):.0f}-{max(cpu):.0f} s "
              f"(1 thread; shared 2-core machine" + (f", load average {load[2]:.1f} at the end" if load else "") +
              f"); peak RSS of the whole benchmark process {r.get('peak_rss_mb', float('nan')):.0f} MB; "
              f"tree detector: {r.get('tree_detector', 'see records')}")
    p = RES / "godm_scale.json"
    if p.is_file():
        r = json.loads(p.read_text())
        print("\n### peak memory vs edges\n")
        print("| undirected edges | nodes | peak RSS after building the graph (MB) | peak RSS after GODM (MB) | GODM CPU s |")
        print("|---|---|---|---|---|")
        for row in r["rows"]:
            if "peak_rss_mb" in row:
                print(f"| {row['undirected_edges']:,} | {row['nodes']:,} | {row['peak_rss_after_graph_mb']:.0f} | "
                      f"{row['peak_rss_mb']:.0f} | {row['fit_generate_cpu_s']:.1f} |")
            else:
                print(f"| {row['edges_requested']:.0e} | - | - | not run: {row.get('not_run', row.get('error'))} | - |")
        for sl in r.get("slopes", []):
            print(f"\n{sl['from_edges']:,} -> {sl['to_edges']:,} edges: +{sl['mb_per_million_edges']:.0f} MB per million edges")


if __name__ == "__main__":
    main()
