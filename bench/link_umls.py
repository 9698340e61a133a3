"""UMLS link prediction: graphguard against PyKEEN, side by side, same settings.

For each model both libraries train with the same dimension, epochs, batch size, negatives,
sampler, loss and optimiser, under the same thread count, each in its own subprocess (so peak
RSS is per run). Metrics are filtered, realistic-rank MRR and Hits@k over both sides on test.
graphguard keeps the checkpoint with the best validation MRR (its ``link bench`` protocol);
PyKEEN trains the fixed number of epochs. Throughput = training triples x epochs / train seconds
(validation time excluded).

    python bench/link_umls.py [--epochs N] [--models transe,complex,rotate] [--threads 1] [--best] [--append]

Writes bench/results/link_umls.json after every run (``--append`` merges into an existing file)
and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# one shared configuration per model: both libraries get exactly these settings
CONFIGS = {
    "transe": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                   sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
    "rotate": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                   sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
    "complex": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                    sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
}
PUBLISHED = {
    "ConvE (Dettmers et al., AAAI 2018)": {"mrr": 0.94, "hits@10": 0.99},
}


def umls_dir(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from graphguard.data import data_root

    root = data_root()
    if root is None:
        sys.exit("UMLS not found: set GRAPHGUARD_DATA")
    with tarfile.open(root / "umls" / "umls.tar.gz") as tar:
        tar.extractall(tmp, filter="data")
    return tmp


def run_graphguard(data: Path, model: str, epochs: int, cfg: dict) -> dict:
    from graphguard.data.triples import load_triples
    from graphguard.tasks.link import LinkPredictor

    ts = load_triples(data)
    if model == "best":  # the library's default model and preset (ComplEx, 1vsAll + N3), no tuning
        m = LinkPredictor("complex").fit(ts)
    else:
        m = LinkPredictor(model, epochs=epochs, **cfg).fit(ts)
    res = m.evaluate(ts, "test")
    return {**res, "train_seconds": m.train_seconds_, "triples_per_second": m.triples_per_second_}


def run_pykeen(data: Path, model: str, epochs: int, cfg: dict) -> dict:
    from pykeen.pipeline import pipeline
    from pykeen.triples import TriplesFactory

    tr = TriplesFactory.from_path(data / "train.txt")
    va = TriplesFactory.from_path(data / "valid.txt", entity_to_id=tr.entity_to_id, relation_to_id=tr.relation_to_id)
    te = TriplesFactory.from_path(data / "test.txt", entity_to_id=tr.entity_to_id, relation_to_id=tr.relation_to_id)
    names = {"transe": "TransE", "rotate": "RotatE", "complex": "ComplEx", "distmult": "DistMult"}
    model_kwargs = dict(embedding_dim=cfg["dim"])
    if model == "transe":
        model_kwargs["scoring_fct_norm"] = 1
    loss = {"nssa": "NSSALoss", "softplus": "SoftplusLoss", "margin": "MarginRankingLoss", "bce": "BCEWithLogitsLoss"}[cfg["loss"]]
    loss_kwargs = dict(margin=cfg["margin"], adversarial_temperature=cfg["temperature"]) if cfg["loss"] == "nssa" else {}
    res = pipeline(
        training=tr, validation=va, testing=te, model=names[model], model_kwargs=model_kwargs,
        training_loop="sLCWA", negative_sampler=cfg["sampler"],
        negative_sampler_kwargs=dict(num_negs_per_pos=cfg["num_negatives"]),
        loss=loss, loss_kwargs=loss_kwargs, optimizer=cfg["optimizer"], optimizer_kwargs=dict(lr=cfg["lr"]),
        training_kwargs=dict(num_epochs=epochs, batch_size=cfg["batch_size"], use_tqdm=False),
        evaluator_kwargs=dict(filtered=True), evaluation_kwargs=dict(use_tqdm=False), random_seed=0,
        device="cpu",
    )
    mr = res.metric_results
    out = {k: float(mr.get_metric(f"both.realistic.{m}")) for k, m in
           (("mrr", "inverse_harmonic_mean_rank"), ("hits@1", "hits_at_1"), ("hits@3", "hits_at_3"), ("hits@10", "hits_at_10"))}
    out["train_seconds"] = float(res.train_seconds)
    out["triples_per_second"] = tr.num_triples * epochs / res.train_seconds
    return out


def child(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    os.environ["GRAPHGUARD_THREADS"] = str(args.threads)
    cfg = dict(CONFIGS.get(args.model, {}))
    fn = run_graphguard if args.lib == "graphguard" else run_pykeen
    out = fn(Path(args.data), args.model, args.epochs, cfg)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--models", default="transe,complex,rotate")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--libs", default="graphguard,pykeen")
    ap.add_argument("--best", action="store_true", help="Also run graphguard's default model and preset.")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "link_umls.json"))
    ap.add_argument("--append", action="store_true", help="Merge into an existing JSON instead of replacing it.")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--lib")
    ap.add_argument("--model")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.child:
        return child(args)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS=str(args.threads),
               GRAPHGUARD_THREADS=str(args.threads), PYSTOW_HOME=tempfile.mkdtemp())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = umls_dir(Path(tmp))
        jobs = [(m, lib) for m in args.models.split(",") for lib in args.libs.split(",")]
        if args.best:
            jobs.append(("best", "graphguard"))
        for model, lib in jobs:
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, __file__, "--child", "--lib", lib, "--model", model, "--data",
                                str(data), "--epochs", str(args.epochs), "--threads", str(args.threads)],
                               capture_output=True, text=True, env=env)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
            if p.returncode or not line:
                print(p.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{lib}/{model} failed")
            r = {"library": lib, "model": model, "epochs": args.epochs,
                 **json.loads(line[0][7:]), "wall_seconds": time.perf_counter() - t0}
            rows.append(r)
            print(f"{lib:10s} {model:8s} MRR {r['mrr']:.4f} H@1 {r['hits@1']:.4f} H@3 {r['hits@3']:.4f} "
                  f"H@10 {r['hits@10']:.4f} train {r['train_seconds']:7.1f}s  {r['triples_per_second']:9.0f} "
                  f"triples/s  RSS {r['peak_rss_mb']:.0f} MB", flush=True)
            write(args, rows)


def write(args, rows) -> None:
    """Write (or, with --append, merge into) the JSON after every run, so a cut-off run keeps its rows."""
    import pykeen.version

    from graphguard.tasks.link import PRESETS

    out = Path(args.out)
    if args.append and out.exists():
        old = json.loads(out.read_text())["rows"]
        keep = {(r["library"], r["model"]) for r in rows}
        rows = [r for r in old if (r["library"], r["model"]) not in keep] + rows
    result = {"dataset": "UMLS", "epochs": sorted({r.get("epochs", args.epochs) for r in rows}),
              "best_preset": {"model": "complex", **PRESETS["complex"]}, "threads": args.threads,
              "configs": CONFIGS, "pykeen_version": pykeen.version.get_version(), "rows": rows,
              "published": PUBLISHED}
    by = {(r["library"], r["model"]): r for r in rows}
    models = sorted({r["model"] for r in rows})
    result["speedup"] = {m: by[("graphguard", m)]["triples_per_second"] / by[("pykeen", m)]["triples_per_second"]
                         for m in models if ("pykeen", m) in by and ("graphguard", m) in by}
    result["mrr_difference"] = {m: by[("graphguard", m)]["mrr"] - by[("pykeen", m)]["mrr"]
                                for m in models if ("pykeen", m) in by and ("graphguard", m) in by}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
