"""Pair the session-9 runs with ``unlabelled=True`` against their own ``none`` arm and against
session 8's runs of the same seeds (semi-supervised split, option off).

Every detector is deterministic per seed on one thread, so each run's ``none`` arm must reproduce
session 8's exactly; the script checks it before pairing. Writes
``bench/results/godm_semi_unlabelled_paired.json`` and prints the markdown table.

    python bench/godm_semi_unlabelled.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
# session 8's files per graph and detector (Tolokers' tree arms are the rerun with the fixed leaf size)
BEFORE = {
    "tolokers": {"graphsage": "godm_tolokers_semi.json", "tree": "godm_tolokers_semi_trees.json"},
    "hetero": {"graphsage": "godm_hetero_semi.json", "tree": "godm_hetero_semi.json"},
    "yelpchi": {"graphsage": "godm_yelpchi_semi.json", "tree": "godm_yelpchi_semi_graphgbm.json"},
}
PAIRS = [("inbound", "none", "now"), ("godm", "none", "now"), ("inbound", "inbound", "before"),
         ("godm", "godm", "before")]


def by_seed(name: str) -> dict:
    return {r["seed"]: r for r in json.loads((RESULTS / name).read_text())["records"]}


def stat(diff: list[float]) -> dict:
    return {"per_seed": diff, "mean": float(np.mean(diff)), "std": float(np.std(diff)),
            "seeds_up": int(sum(d > 0 for d in diff)), "beyond_std": bool(np.mean(diff) > np.std(diff))}


def main() -> None:
    out, lines = {}, ["| graph | detector | inbound − none | connected − none | inbound − session 8's inbound |",
                      "|---|---|---|---|---|"]
    for ds, before_files in BEFORE.items():
        path = RESULTS / f"godm_{ds}_semi_unlabelled.json"
        if not path.is_file():
            continue
        now = by_seed(path.name)
        seeds = sorted(now)
        for det, fname in before_files.items():
            before = by_seed(fname)
            for s in seeds:
                for m in ("auroc", "auprc"):
                    a, b = now[s]["variants"]["none"][det][m], before[s]["variants"]["none"][det][m]
                    if a != b:
                        raise SystemExit(f"{ds} seed {s}: none {det} {m} {a} differs from session 8's {b}")
            cells = {}
            for v, ref, src in PAIRS:
                if v not in now[seeds[0]]["variants"]:
                    continue
                other = now if src == "now" else before
                for m in ("auroc", "auprc"):
                    key = f"{v}_minus_{ref}{'' if src == 'now' else '_session8'}_{det}_{m}"
                    out.setdefault(ds, {"seeds": seeds})[key] = stat(
                        [now[s]["variants"][v][det][m] - other[s]["variants"][ref][det][m] for s in seeds])
                    if m == "auprc":
                        d = out[ds][key]
                        cells[(v, src)] = f"{d['mean']:+.3f} ± {d['std']:.3f} ({d['seeds_up']}/{len(seeds)})"
            lines.append(f"| {ds} | {'GraphSAGE' if det == 'graphsage' else 'graphgbm'} | "
                         f"{cells.get(('inbound', 'now'), '-')} | {cells.get(('godm', 'now'), '-')} | "
                         f"{cells.get(('inbound', 'before'), '-')} |")
    (RESULTS / "godm_semi_unlabelled_paired.json").write_text(json.dumps(out, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
