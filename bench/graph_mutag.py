"""MUTAG, stratified 10-fold CV with inner validation selection (Errica et al. 2020).

graphguard GIN set up as in Xu et al. (2019): GIN-0, 4 GIN layers after the input (5 with it),
2-layer MLPs with batch norm, sum pooling of every layer with per-layer scores summed, Adam at
0.01 halved every 50 epochs, 350 epochs, node labels only (no edge labels), dropout on the head
only. As in Errica et al. (2020) a small grid (hidden 16/32 x dropout 0/0.5 at batch 32 by default)
is chosen per outer fold on the inner 10% validation split, which also picks the epoch. Then the
WL-subtree + gradient-boosted trees baseline, on the same folds, with its own small grid; the
WL-subtree kernel SVM (``wl_svm``: C and depth chosen inside each outer training part by 3 x
repeated 10-fold CV); and a soft-voting ensemble (``ensemble``) of one GIN (the Xu et al. set-up
above at hidden 32, dropout 0.5, its epoch picked on its own 10% holdout) and the WL kernel SVM,
equal weights fixed in advance, whose members are also scored alone on the same folds. Published:
GIN 89.4 +- 5.6 and WL subtree 90.4 +- 5.7 (Xu et al. 2019, Table 1; their protocol picks the
epoch with the best mean *test* accuracy across folds, which favours it). Writes
bench/results/graph_mutag.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from graphguard.data.tu import read_tu
from graphguard.tasks.graph.protocols import cross_validate
from graphguard.tasks.graph.registry import make_estimator
from graphguard.utils import set_threads

from _data import MUTAG, add_data_argument, require_data

# the published WL subtree figure is a kernel SVM, so it is the reference of wl_svm, not of WL + xgboost
PUBLISHED = {"gin": {"accuracy": 0.894, "accuracy_std": 0.056, "source": "Xu et al. 2019 (ICLR), GIN-0, Table 1"},
             "wl_svm": {"accuracy": 0.904, "accuracy_std": 0.057, "source": "Xu et al. 2019 (ICLR), WL subtree, Table 1"}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=350)
    ap.add_argument("--hidden", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--dropout", type=float, nargs="+", default=[0.0, 0.5])
    ap.add_argument("--batch", type=int, nargs="+", default=[32])
    ap.add_argument("--only", choices=["gin", "wl", "wl_svm", "ensemble"],
                    help="run one model and merge into an existing JSON")
    ap.add_argument("--gin-runs", type=int, default=1, help="ensemble: GINs averaged per fold (Errica et al.: 3)")
    ap.add_argument("--fold-seed", type=int, default=0,
                    help="seed of the outer folds; a non-zero seed stores its rows under '<model>_folds<seed>', "
                         "a fresh-fold check of a result first seen on seed 0")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "graph_mutag.json"))
    ap.add_argument("--protocol", choices=["errica", "xu2019"], default="errica",
                    help="xu2019: reproduce the published protocol (epoch picked on mean test accuracy), GIN only")
    add_data_argument(ap)
    a = ap.parse_args()
    mutag = require_data(a.data, MUTAG) / "mutag"
    if a.protocol == "xu2019":
        return xu2019(a, mutag)
    set_threads(a.threads)
    graphs = read_tu(mutag)
    configs = {
        "gin": (dict(model="gin", epochs=a.epochs, layers=4, lr=0.01, layer_dropout=0.0, jk=True, train_eps=False,
                     use_edge_attr=False, pooling="sum"),
                [dict(hidden=h, dropout=d, batch_size=b) for h in a.hidden for d in a.dropout for b in a.batch]),
        "wl": (dict(model="wl", classifier="xgb"),
               [dict(iterations=i, max_depth=m) for i in (2, 3, 4) for m in (2, 4)]),
        "wl_svm": (dict(model="wl-svm", inner_folds=10, inner_repeats=3), [{}]),
    }
    def key(name: str) -> str:
        return name if a.fold_seed == 0 else f"{name}_folds{a.fold_seed}"

    out_path = Path(a.out)
    # --only keeps everything else the file holds (other models, the xu2019 run, notes)
    old = json.loads(out_path.read_text()) if a.only and out_path.is_file() else {}
    results = old.get("results", {})
    if a.only in (None, "ensemble"):
        results[key("ensemble" if a.gin_runs == 1 else f"ensemble_gin{a.gin_runs}")] = ensemble(a, graphs)
    for name, (cfg, grid) in configs.items():
        if a.only and name != a.only:
            continue
        model = cfg.pop("model")
        t = time.perf_counter()
        r = cross_validate(lambda **o: make_estimator(model, **{**cfg, **o}), graphs, folds=a.folds, seed=a.fold_seed,
                           grid=grid)
        results[key(name)] = {"accuracy": r["accuracy"], "accuracy_std": r["accuracy_std"], "roc_auc": r["roc_auc"],
                         "roc_auc_std": r["roc_auc_std"], "fold_accuracy": [f["accuracy"] for f in r["runs"]],
                         "fold_config": [f.get("selected", f["config"]) for f in r["runs"]],
                         "seconds": time.perf_counter() - t, "config": {"model": model, **cfg}, "grid": grid,
                         "published": PUBLISHED.get(name)}
        print(f"{name:6s} accuracy {r['accuracy']:.4f} +- {r['accuracy_std']:.4f}", flush=True)
    out = {**old, "dataset": "MUTAG", "protocol": f"stratified {a.folds}-fold CV; per outer fold the 10% inner validation "
           "split picks the grid config and the epoch (gin, wl), or 3 x repeated inner 10-fold CV on the outer "
           "training part picks C and depth (wl_svm; also inside the ensembles, whose GINs pick their epoch on "
           "their own 10% holdout); the test fold is scored once (Errica et al. 2020)",
           "threads": a.threads, "results": results}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))


GIN_MEMBER = dict(model="gin", hidden=32, dropout=0.5, batch_size=32, layers=4, lr=0.01, layer_dropout=0.0, jk=True,
                  train_eps=False, use_edge_attr=False, pooling="sum", val_fraction=0.1)


def ensemble(a, graphs) -> dict:
    """GIN + WL kernel SVM soft vote on the same outer folds as ``cross_validate``; members scored alone too.

    ``--gin-runs n`` > 1 trains n GINs per fold (seeds differ) and averages them first, as Errica et al.
    average 3 final runs; the GIN average and the WL SVM then get half the weight each."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from graphguard.tasks.graph.protocols import _score, summarise

    y = np.array([int(g.y) for g in graphs])
    n = a.gin_runs
    gins = [{**GIN_MEMBER, "epochs": a.epochs, "seed_offset": 1000 * j} for j in range(n)]
    members = [{k: v for k, v in g.items() if k != "seed_offset"} for g in gins] + [
        {"model": "wl-svm", "inner_folds": 10, "inner_repeats": 3}]
    weights = [0.5 / n] * n + [0.5]
    skf = StratifiedKFold(n_splits=a.folds, shuffle=True, random_state=a.fold_seed)
    names = ["gin"] if n == 1 else [f"gin_seed{j}" for j in range(n)]
    runs, alone, t = [], {m: [] for m in (*names, *([f"gin_avg{n}"] if n > 1 else []), "wl_svm")}, time.perf_counter()
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        fold_members = [{**m, "seed": k + g["seed_offset"]} for m, g in zip(members, gins)] + members[n:]
        est = make_estimator("ensemble", members=fold_members, weights=weights, seed=k)
        est.fit([graphs[i] for i in tr], y[tr])
        test = [graphs[i] for i in te]
        runs.append({**_score(est, test, y[te]), "fold": k})
        for name, m in zip(names, est.members_):
            alone[name].append(_score(m, test, y[te]))
        alone["wl_svm"].append(_score(est.members_[-1], test, y[te]))
        if n > 1:
            p = np.mean([m.predict_proba(test)[:, 1] for m in est.members_[:n]], axis=0)
            alone[f"gin_avg{n}"].append({"accuracy": float(np.mean((p > 0.5) == y[te])),
                                         "roc_auc": float(roc_auc_score(y[te], p))})
        print(f"ensemble fold {k}: accuracy {runs[-1]['accuracy']:.3f} ("
              + ", ".join(f"{m} {v[-1]['accuracy']:.3f}" for m, v in alone.items()) + ")", flush=True)
    r = summarise(runs)
    out = {k: r[k] for k in ("accuracy", "accuracy_std", "roc_auc", "roc_auc_std")}
    out.update(fold_accuracy=[f["accuracy"] for f in runs], seconds=time.perf_counter() - t,
               config={"model": "ensemble", "members": members, "weights": weights,
                       "seeds": "GIN j of fold k has seed k + 1000 j; the WL SVM's inner CV seed is k"},
               members_alone={m: {k: v for k, v in summarise(s).items() if k != "runs"} | {
                   "fold_accuracy": [f["accuracy"] for f in s]} for m, s in alone.items()})
    print(f"ensemble accuracy {out['accuracy']:.4f} +- {out['accuracy_std']:.4f}", flush=True)
    return out


def xu2019(a, mutag: Path) -> None:
    """The protocol behind the published 89.4: 10 folds, no inner validation, and one epoch (and one config)
    chosen for all folds by the best *mean test accuracy* across folds. It peeks at the test folds, so it is
    reported apart from the Errica result above; it shows whether our GIN reproduces the paper's figure."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    set_threads(a.threads)
    graphs = read_tu(mutag)
    y = np.array([int(g.y) for g in graphs])
    base = dict(epochs=a.epochs, layers=4, lr=0.01, layer_dropout=0.0, jk=True, train_eps=False,
                use_edge_attr=False, pooling="sum", val_fraction=0.0)
    skf = StratifiedKFold(n_splits=a.folds, shuffle=True, random_state=0)
    curves, t = {}, time.perf_counter()
    for h in a.hidden:
        for d in a.dropout:
            for b in a.batch:
                per_fold = []
                for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
                    est = make_estimator("gin", hidden=h, dropout=d, batch_size=b, seed=k, **base)
                    est.fit([graphs[i] for i in tr], y[tr], val_graphs=[graphs[i] for i in te], val_y=y[te])
                    per_fold.append([r["val_score"] for r in est.history_])
                acc = np.array(per_fold)  # folds x epochs of test accuracy
                curves[f"hidden={h},dropout={d},batch={b}"] = acc
                e = int(acc.mean(0).argmax())
                print(f"xu2019 hidden {h} dropout {d} batch {b}: best epoch {e + 1}, "
                      f"accuracy {acc[:, e].mean():.4f} +- {acc[:, e].std():.4f}", flush=True)
    key = max(curves, key=lambda c: curves[c].mean(0).max())
    acc = curves[key]
    e = int(acc.mean(0).argmax())
    out_path = Path(a.out)
    out = json.loads(out_path.read_text()) if out_path.is_file() else {"dataset": "MUTAG", "results": {}}
    out["xu2019_protocol"] = {
        "what": "Xu et al. 2019's protocol, for comparison with their figure only: 10 folds, no inner validation, "
                "the epoch and config with the best mean test accuracy across folds (optimistic: it looks at test)",
        "accuracy": float(acc[:, e].mean()), "accuracy_std": float(acc[:, e].std()), "best_epoch": e + 1,
        "best_config": key, "configs": {c: float(v.mean(0).max()) for c, v in curves.items()},
        "fold_accuracy": acc[:, e].tolist(), "epochs": a.epochs, "seconds": time.perf_counter() - t,
        "published": PUBLISHED["gin"]}
    out_path.write_text(json.dumps(out, indent=2))
    print(f"xu2019 protocol: GIN {acc[:, e].mean():.4f} +- {acc[:, e].std():.4f} ({key}, epoch {e + 1}); "
          f"published {PUBLISHED['gin']['accuracy']:.3f} +- {PUBLISHED['gin']['accuracy_std']:.3f}")


if __name__ == "__main__":
    main()
