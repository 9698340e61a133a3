"""Pair a semi-supervised GODM run (one setting changed) against its own ``none`` arm and against
session 8's runs of the same seeds (semi split, default settings).

Every detector is deterministic per seed on one thread, so a run's ``none`` arm must reproduce
session 8's exactly; the script checks it before pairing. A run without a ``none`` arm (YelpChi in
session 10, for time) is paired against session 8's stored one, and the output says so. Reads
``bench/results/godm_{graph}_semi_{suffix}.json``, writes
``bench/results/godm_semi_{suffix}_paired.json`` and prints the markdown table.

    python bench/godm_semi_pair.py unlabelled   # session 9: unlabelled=True
    python bench/godm_semi_pair.py ratio3       # session 10: ratio=3
"""

from __future__ import annotations

import argparse
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
# (arm of this run, arm it is compared with, where that arm comes from); "godm" is the connected merge
PAIRS = [("inbound", "none", "now"), ("godm", "none", "now"), ("random_oversampling", "none", "now"),
         ("inbound", "random_oversampling", "now"), ("smote", "none", "now"), ("inbound", "smote", "now"),
         ("inbound", "inbound", "before"), ("godm", "godm", "before"),
         ("random_oversampling", "random_oversampling", "before"), ("smote", "smote", "before")]
COLUMNS = [("inbound", "none", "now"), ("godm", "none", "now"), ("random_oversampling", "none", "now"),
           ("inbound", "random_oversampling", "now"), ("inbound", "inbound", "before")]


def by_seed(name: str) -> dict:
    return {r["seed"]: r for r in json.loads((RESULTS / name).read_text())["records"]}


def stat(diff: list[float]) -> dict:
    return {"per_seed": diff, "mean": float(np.mean(diff)), "std": float(np.std(diff)),
            "seeds_up": int(sum(d > 0 for d in diff)), "beyond_std": bool(np.mean(diff) > np.std(diff))}


def arm(rec: dict, name: str, det: str) -> dict | None:
    return rec["variants"].get(name, {}).get(det)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("suffix", help="the run's file suffix: godm_{graph}_semi_{suffix}.json")
    suffix = ap.parse_args().suffix
    out = {}
    lines = ["| graph | detector | inbound − none | connected − none | oversampling − none | "
             "inbound − oversampling | inbound − session 8's inbound |", "|---|---|---|---|---|---|---|"]
    for ds, before_files in BEFORE.items():
        path = RESULTS / f"godm_{ds}_semi_{suffix}.json"
        if not path.is_file():
            continue
        now = by_seed(path.name)
        seeds = sorted(now)
        for det, fname in before_files.items():
            before = by_seed(fname)
            has_none = arm(now[seeds[0]], "none", det) is not None
            for s in seeds:
                if has_none:
                    for m in ("auroc", "auprc"):
                        a, b = now[s]["variants"]["none"][det][m], before[s]["variants"]["none"][det][m]
                        if a != b:
                            raise SystemExit(f"{ds} seed {s}: none {det} {m} {a} differs from session 8's {b}")
                else:  # pair against session 8's stored none arm
                    now[s]["variants"].setdefault("none", {})[det] = before[s]["variants"]["none"][det]
            out.setdefault(ds, {"seeds": seeds})[f"none_{det}"] = "this run" if has_none else f"session 8 ({fname})"
            cells = {}
            for v, ref, src in PAIRS:
                other = now if src == "now" else before
                if arm(now[seeds[0]], v, det) is None or arm(other[seeds[0]], ref, det) is None:
                    continue
                for m in ("auroc", "auprc"):
                    key = f"{v}_minus_{ref}{'' if src == 'now' else '_session8'}_{det}_{m}"
                    d = out[ds][key] = stat([now[s]["variants"][v][det][m] - other[s]["variants"][ref][det][m]
                                             for s in seeds])
                    if m == "auprc":
                        cells[(v, ref, src)] = f"{d['mean']:+.3f} ± {d['std']:.3f} ({d['seeds_up']}/{len(seeds)})"
            lines.append(f"| {ds} | {'GraphSAGE' if det == 'graphsage' else 'graphgbm'} | "
                         + " | ".join(cells.get(c, "-") for c in COLUMNS) + " |")
    (RESULTS / f"godm_semi_{suffix}_paired.json").write_text(json.dumps(out, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
