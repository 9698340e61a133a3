"""Graph regression: Crippen logP of generated molecules, graphguard against plain scikit-learn.

graphguard reads the molecules from a SMILES CSV (as ``graphguard graph bench --model wl --folds 3``
does, task detected from the float column) and cross-validates its WL regressor. The reference
is what a chemist would write without graphguard: RDKit Morgan count fingerprints (radius 2, 2048
bits) and scikit-learn's RandomForestRegressor, on the same shuffled folds. The molecules are
``graphguard.data.synthetic.make_logp_molecules`` (no download). Writes
bench/results/graph_logp.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def graphguard_cv(rows, folds: int, seed: int) -> dict:
    from graphguard.data.smiles import read_smiles_csv
    from graphguard.tasks.graph.protocols import cross_validate
    from graphguard.tasks.graph.registry import make_estimator

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "logp.csv"
        csv.write_text("smiles,logp\n" + "".join(f"{s},{v:.4f}\n" for s, v in rows))
        graphs = read_smiles_csv(csv)
    return cross_validate(lambda **o: make_estimator("wl", task="regression", **o), graphs, folds=folds, seed=seed)


def sklearn_cv(rows, folds: int, seed: int) -> dict:
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
    from sklearn.model_selection import KFold

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    X = np.stack([gen.GetCountFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s, _ in rows]).astype(np.float32)
    y = np.asarray([v for _, v in rows])
    runs = []
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(X):
        rf = RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=1).fit(X[train], y[train])
        p = rf.predict(X[test])
        runs.append({"rmse": float(np.sqrt(mean_squared_error(y[test], p))),
                     "mae": float(mean_absolute_error(y[test], p)), "r2": float(r2_score(y[test], p))})
    out = {"runs": runs}
    for k in ("rmse", "mae", "r2"):
        out[k], out[f"{k}_std"] = float(np.mean([r[k] for r in runs])), float(np.std([r[k] for r in runs]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--molecules", type=int, default=120)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "graph_logp.json"))
    a = ap.parse_args()
    from graphguard.data.synthetic import make_logp_molecules
    from graphguard.utils import set_threads

    set_threads(a.threads)
    rows = make_logp_molecules(a.molecules, seed=a.seed)
    results = {}
    for name, fn in (("graphguard_wl", graphguard_cv), ("sklearn_rf_morgan", sklearn_cv)):
        t = time.perf_counter()
        r = fn(rows, a.folds, a.seed)
        results[name] = {k: r[k] for k in ("rmse", "rmse_std", "mae", "mae_std", "r2", "r2_std")}
        results[name]["seconds"] = time.perf_counter() - t
    print(f"Crippen logP, {len(rows)} generated molecules, shuffled {a.folds}-fold CV (seed {a.seed})")
    print(f"{'method':<22}{'R2':>16}{'RMSE':>16}{'MAE':>16}{'s':>8}")
    for name, r in results.items():
        print(f"{name:<22}" + "".join(f"{r[k]:>9.3f} ± {r[k + '_std']:.3f}" for k in ("r2", "rmse", "mae"))
              + f"{r['seconds']:>8.1f}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"molecules": len(rows), "folds": a.folds, "seed": a.seed,
                                       "threads": a.threads, "results": results}, indent=2))


if __name__ == "__main__":
    main()
