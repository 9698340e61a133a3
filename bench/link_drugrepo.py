"""Fdataset drug repurposing: the 10-fold protocol of DRHGCN/LAGCN, graphguard against reference methods.

Every method sees the same folds (known links and unknown pairs each split into 10 parts; the
test fold's links are hidden from training) and is scored by AUROC and AUPR on the fold's known
links against its unknown pairs. Side by side in the same run:

* ``graphguard``: ``DrugRepurposer`` defaults (Kronecker RLS, similarity + GIP kernels, WKNKN);
* ``kron-rls``: the same without WKNKN filling (van Laarhoven et al., 2011);
* ``knn``: similarity-weighted k-nearest-neighbour propagation from both sides (k = 15).

Published figures (not rerun here) are listed with their source.

    python bench/link_drugrepo.py [--folds 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PUBLISHED = {
    # Only what a source we could read states; "fdataset_*" is None where no Fdataset figure was found.
    "DRHGCN (Cai et al., Briefings in Bioinformatics 2021, doi:10.1093/bib/bbab319)": {
        "fdataset_auroc": 0.948, "fdataset_aupr": None,
        "abstract": "average AUROC 0.934 and average AUPR 0.539 over four benchmark datasets (10-fold CV)",
        "note": "the Fdataset AUROC 0.948 is the issue's figure; the paper's per-dataset table could not be "
                "read from the sources available here, so it is unverified",
    },
    "LAGCN (Yu et al., Briefings in Bioinformatics 2021, doi:10.1093/bib/bbaa243)": {
        "fdataset_auroc": None, "fdataset_aupr": None,
        "abstract": "AUROC 0.8750 and AUPR 0.3168 by 5-fold CV on the paper's own (CTD-based) dataset, not Fdataset",
        "note": "no LAGCN figure on Fdataset was found in the sources available here",
    },
}


def knn_scores(y, drug_sim, disease_sim, k=15):
    def sparse(s):
        s = np.array(s, dtype=np.float64)
        np.fill_diagonal(s, 0)
        idx = np.argsort(-s, 1)[:, k:]
        np.put_along_axis(s, idx, 0, 1)
        return s / (s.sum(1, keepdims=True) + 1e-12)

    return sparse(drug_sim) @ y + (sparse(disease_sim) @ y.T).T


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "link_drugrepo.json"))
    args = ap.parse_args()

    from graphguard.data import data_root
    from graphguard.data.drugrepo import load_fdataset
    from graphguard.metrics import auprc, auroc
    from graphguard.tasks.link.drugrepo import DrugRepurposer, fold_masks
    from graphguard.tasks.link.kronrls import score_associations
    from graphguard.utils import set_threads

    set_threads(1)
    root = data_root()
    if root is None:
        sys.exit("Fdataset not found: set GRAPHGUARD_DATA")
    d = load_fdataset(root / "drugrepo_fdataset")
    a = d.assoc.astype(np.float64)
    methods = {
        "graphguard": lambda y: DrugRepurposer().fit(d, train_mask=y.astype(bool) | (a == 0)).scores_,
        "kron-rls": lambda y: score_associations(y, d.drug_sim, d.disease_sim, k=0),
        "knn": lambda y: knn_scores(y, d.drug_sim, d.disease_sim),
    }
    per = {m: {"auroc": [], "aupr": [], "seconds": 0.0} for m in methods}
    for train, test in fold_masks(a, args.folds, args.seed):
        y = a * train
        for name, fn in methods.items():
            t0 = time.perf_counter()
            s = fn(y)
            per[name]["seconds"] += time.perf_counter() - t0
            per[name]["auroc"].append(auroc(a[test], s[test]))
            per[name]["aupr"].append(auprc(a[test], s[test]))
    rows = []
    for name, r in per.items():
        row = {"method": name, "auroc": float(np.mean(r["auroc"])), "aupr": float(np.mean(r["aupr"])),
               "auroc_std": float(np.std(r["auroc"])), "aupr_std": float(np.std(r["aupr"])),
               "seconds_total": r["seconds"]}
        rows.append(row)
        print(f"{name:12s} AUROC {row['auroc']:.4f} ± {row['auroc_std']:.4f}  AUPR {row['aupr']:.4f} ± "
              f"{row['aupr_std']:.4f}  {row['seconds_total']:.1f}s")
    out = {"dataset": "Fdataset (Gottlieb)", "folds": args.folds, "seed": args.seed,
           "drugs": d.num_drugs, "diseases": d.num_diseases, "known_links": int(a.sum()), "rows": rows,
           "published": PUBLISHED}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
